// Package tshark turns NetFlow v9 / IPFIX export traffic into flow records
// through tshark's JSON tree: Open runs tshark (one process per file, TZ=UTC,
// -T json -J "frame ip ipv6 cflow"), after a cheap first pass over the
// capture that reads each frame's transport ports, finds UDP ports carrying
// v9/IPFIX that tshark would not decode, and notices data that precedes its
// template (then tshark runs with -2). Walk reads any tshark / Wireshark
// -T json packet array (also --no-duplicate-keys output) as a stream of
// records, in document order, keeping repeated keys. All time conversion is
// in time.go, one table row per start-time information element.
//
// Expected conditions (no template, malformed sets, options records, ports
// found, export packets lost by the header sequence numbers) are counted per
// exporter and domain in the flow.Tally and listed as notes; tshark and input
// failures are *Error values whose Kind is ErrNotFound, ErrTooOld, ErrFailed
// or ErrInput. PreferAddr is the one rule, shared with internal/wsexport, by
// which a record with both an IPv4 and an IPv6 address field gets its
// address.
package tshark
