// Package flow defines what a flow record is, independent of where it was read.
//
// A Record is one data record of a NetFlow v9 or IPFIX export packet, as a
// collector would see it: where it was read (Pos), which exporter and
// observation domain sent it, its flow key, counters and, above all, its start
// time as an absolute UTC Instant together with the Encoding it came from.
// The Encoding tells how exact the instant is (Precision): an IPFIX
// flowStartMilliseconds is exact to the millisecond, a NetFlow v9
// FIRST_SWITCHED made absolute through the packet header is only exact to
// about one second, because the header's unix_secs has one-second resolution.
//
// Domain is the observation domain id (v9 source_id, IPFIX od_id). In the
// CGNAT setting nftimediff is built for, domain 310 carries the pre-NAT
// (subscriber side) records and domain 320 the post-NAT (Internet side)
// records of the same sessions. Two records describe the same session when
// their destination socket and protocol agree, their application names agree
// where both carry one, and their start times lie within a window of each
// other; the match package owns that rule.
//
// Sources of records (tshark, Wireshark exports) implement Reader and fill a
// Tally with what they saw per exporter and domain, so that undecodable data
// is counted and reported, never silently dropped.
//
// This package uses the standard library only.
package flow
