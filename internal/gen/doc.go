// Package gen generates NetFlow v9 / IPFIX export captures with exact ground
// truth, for tests, benchmarks and the bundled sample.
//
// # Model
//
// Sessions start uniformly over [Start-Warmup, Start+Duration) (plus, if
// DNSInterval is set, a stream of resolver queries about that often). Each
// session has a private subscriber source (100.64.0.0/10), a unique public
// NAT source (203.0.113.0/24, port derived from the session number) and a
// destination drawn from a Zipf-like ranking of services: a resolver
// (198.51.100.53:53/udp, app "domain" as Ixia names DNS), CDNs on tcp/443,
// QUIC on udp/443, NTP, call and chat services and a long tail of HTTPS,
// HTTP and unclassified ("unknown") servers. IPv6 sessions are
// not translated (same source on both sides).
//
// The pre-NAT probe sees the first packet at the session start, the post-NAT
// probe NATLatency later (the reverse for return-direction records, whose
// source is the server on both sides). Packets and octets are equal on both
// sides. Records carry the 5-tuple, start and end, packets and octets,
// vlanId (IE 58, if Export.VLAN is set; the scenarios use the domain number)
// and, in IPFIX with AppNames, the Ixia application id and name. Every
// exporter (probe, domain) has its own Clock: reading = true
// time + Offset + DriftPPM*1e-6*(t-Start), plus a normal error of standard
// deviation Jitter on each flow timestamp (header times carry no jitter).
//
// Exporters scan their flow cache every ScanInterval, each with its own
// phase. A flow older than ActiveTimeout is exported at the next scan and
// continues in a new record starting there, so continuation records start
// on each exporter's own schedule (and their counters may differ slightly
// between sides, since the sides split at different instants). A finished
// TCP flow is exported at the next scan; other flows InactiveTimeout after
// their last packet. The records of one scan leave in as many packets as
// MaxPayload allows, grouped into one data set per template (256 IPv4,
// 257 IPv6). The header's export time and v9 sysUptime come from the
// exporter's clock at sending, frame times from the collector's clock at
// arrival (NetDelay later), written with microsecond resolution.
//
// Templates (and, for 22+160, the options template 258 with
// systemInitTimeMilliseconds and its options record) go with the first
// packet that reaches the capture and every TemplateInterval after; with
// MidStream the first refresh comes TemplateDelay (+-50 %) into the capture.
//
// # Truth
//
// Capture.Records lists every data record exactly as a collector decodes it;
// Start is the instant as encoded (v9: unix_secs*1000 - sysUptime +
// FIRST_SWITCHED, so up to 1 s before the exporter's clock reading; IPFIX
// s/ms: truncated; us/ns: NTP fractions converted the way Wireshark does).
// Truth pairs the pre and post record of each session, direction and
// segment, gives their encoded starts and DeltaNs, the clock contribution
// ClockDeltaNs, an ambiguity count, and lists the unmatched records with a
// reason. The tests compare all of it with what tshark decodes.
//
// # Simplifications
//
// Export travels over IPv4/UDP only. Packets that carry templates are never
// dropped (DropRate applies to data-only packets), so every record can be
// decoded, at the latest with tshark -2. One exporter's packets never
// overtake each other. NetFlow v9 records carry no application name (the
// Ixia IE 110/111 are IPFIX enterprise elements).
//
// # Determinism
//
// All randomness comes from one math/rand/v2 PCG seeded with Config.Seed,
// drawn in a fixed order; no map iteration reaches the output. The same
// Config gives byte-identical pcap, pcapng and truth JSON. Scenarios with
// the same seed share their sessions (in-sync and offset-5s differ only in
// the post clock).
package gen
