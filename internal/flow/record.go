package flow

import (
	"fmt"
	"net/netip"
)

// Pos says where a record was read, precisely enough for an analyst to go to
// the packet in Wireshark: file, frame number, the set's position within the
// packet (1-based, as in tshark's "Set N" label) and the record's position
// within the set (1-based, as in "Flow N").
type Pos struct {
	File  string // input path as given by the user (interned: shared by all records of a file)
	Frame uint32 // frame number in the capture, 1-based
	Set   uint16 // set (v9 FlowSet) number within the export packet, 1-based
	Flow  uint16 // record number within the set, 1-based
}

// String formats the position as "file frame F set S flow N".
func (p Pos) String() string {
	return fmt.Sprintf("%s frame %d set %d flow %d", p.File, p.Frame, p.Set, p.Flow)
}

// Record is one flow data record. Options records are never Records: sources
// use them (for example systemInitTimeMilliseconds) and count them in the Tally.
//
// Times are Instants (UTC nanoseconds); a zero StartEnc means the record has no
// start time (for example an export whose cell was cut).
type Record struct {
	Pos

	CaptureTime Instant // frame time at the collector (collector's clock)

	// Export packet header.
	Exporter      netip.Addr // source address of the export packet (IPv4 or IPv6)
	ExporterPort  uint16     // UDP/TCP/SCTP source port of the export packet
	CollectorPort uint16     // destination port of the export packet
	Version       uint8      // 9 (NetFlow v9) or 10 (IPFIX)
	Domain        uint32     // observation domain id: v9 source_id, IPFIX od_id
	ExportTime    Instant    // header export time (unix_secs / exportTime), 1 s resolution
	SysUptime     uint32     // v9 header sysUptime in ms (0 for IPFIX)
	Sequence      uint32     // header sequence number
	TemplateID    uint16     // set id / template id of the data set

	// Flow key.
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	// Lacks says which numeric fields the record does not carry (their
	// value is then 0): ports (ICMP records, a CSV without port columns),
	// protocol, packet and octet counters, and the export packet's ports,
	// sequence number and v9 sysUptime where the input does not show them
	// (Wireshark CSV/XLSX exports, JSON exported without the udp layer).
	// The zero value means all known.
	Lacks Lack

	// Application (Ixia IxFlow PEN 3054 IE 111/110, or v9 applicationName IE 96).
	App      string // "" when the record carries no name (tshark omits zero-length names)
	AppID    uint32
	HasAppID bool

	// Times.
	Start    Instant
	End      Instant
	StartEnc Encoding // EncNone: no start time
	HasEnd   bool

	Packets, Octets uint64
	VLAN            uint16
	HasVLAN         bool

	NAT *NAT // post-NAT fields (IEs 225-228), nil when absent
}

// Lack flags fields a record does not carry (see Record.Lacks). It is 16
// bits wide in the padding after Proto: Record does not grow.
type Lack uint16

const (
	LacksSrcPort Lack = 1 << iota
	LacksDstPort
	LacksProto
	LacksPackets
	LacksOctets
	LacksExporterPort  // ExporterPort unknown (no transport layer in the input)
	LacksCollectorPort // CollectorPort unknown
	LacksSequence      // Sequence unknown (Wireshark CSV/XLSX exports)
	LacksSysUptime     // SysUptime unknown although Version is 9
)

// Has reports whether the record carries every field of l.
func (r *Record) Has(l Lack) bool { return r.Lacks&l == 0 }

// NAT holds the post-NAT translation fields of a record (IPFIX IEs 225-228).
type NAT struct {
	Src, Dst         netip.Addr // postNATSourceIPv4Address (225), postNATDestinationIPv4Address (226)
	SrcPort, DstPort uint16     // postNAPTSourceTransportPort (227), postNAPTDestinationTransportPort (228)
}

// HasStart reports whether the record carries a start time.
func (r *Record) HasStart() bool { return r.StartEnc != EncNone }

// ExporterDomain identifies one exporter's observation domain: the unit for
// which templates, clocks and counts are kept.
type ExporterDomain struct {
	Exporter netip.Addr
	Domain   uint32
}

// String formats as "192.0.2.1 domain 310".
func (e ExporterDomain) String() string {
	return fmt.Sprintf("%s domain %d", e.Exporter, e.Domain)
}

// ExporterDomain returns the record's exporter and domain.
func (r *Record) ExporterDomain() ExporterDomain {
	return ExporterDomain{Exporter: r.Exporter, Domain: r.Domain}
}

// ProtoText is ProtoName of the record's protocol, or "" when the record
// does not carry one (Lacks): a sentence then leaves it out.
func (r *Record) ProtoText() string {
	if r.Lacks&LacksProto != 0 {
		return ""
	}
	return ProtoName(r.Proto)
}

// ProtoName returns a short protocol name for well-known IP protocol numbers
// (tcp, udp, icmp, ...) and the number otherwise. 0 means unknown (a
// Wireshark export without a protocol column) and is shown as "?".
func ProtoName(p uint8) string {
	switch p {
	case 0:
		return "?"
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 58:
		return "icmpv6"
	case 132:
		return "sctp"
	}
	return fmt.Sprint(p)
}
