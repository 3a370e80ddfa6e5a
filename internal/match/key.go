package match

import (
	"fmt"
	"strings"

	"netflowtimedifference/internal/flow"
)

// KeyFields is the set of fields two records must agree on to be candidates
// for the same session (besides start times within the window).
//
// The "dst" fields name the server side: the destination of a forward record
// (subscriber -> server) and the source of a return record (server ->
// subscriber), because the server socket is the only socket both sides of a
// source NAT share. The "src" fields name the client side likewise; they
// differ across a NAT by construction and are only useful when both sides
// see untranslated traffic.
type KeyFields uint16

// Key fields.
const (
	KeyDst     KeyFields = 1 << iota // server address
	KeyDstPort                       // server port
	KeyProto                         // IP protocol
	KeyApp                           // L7 application name, compared only when both records carry one
	KeyPackets                       // packet counter
	KeyOctets                        // octet counter
	KeyVLAN                          // VLAN id
	KeySrc                           // client address
	KeySrcPort                       // client port
)

// DefaultKey is dst, dst_port, proto, app.
const DefaultKey = KeyDst | KeyDstPort | KeyProto | KeyApp

var keyNames = []struct {
	f       KeyFields
	name    string
	aliases []string
}{
	{KeyDst, "dst", []string{"dst_addr", "daddr", "server"}},
	{KeyDstPort, "dst_port", []string{"dport", "dstport", "server_port"}},
	{KeyProto, "proto", []string{"protocol"}},
	{KeyApp, "app", []string{"application"}},
	{KeyPackets, "packets", []string{"pkts"}},
	{KeyOctets, "octets", []string{"bytes"}},
	{KeyVLAN, "vlan", nil},
	{KeySrc, "src", []string{"src_addr", "saddr", "client"}},
	{KeySrcPort, "src_port", []string{"sport", "srcport", "client_port"}},
}

// ParseKey parses a comma-separated list of key fields such as
// "dst,dport,proto,app,packets". Names: dst, dst_port (dport), proto, app,
// packets, octets (bytes), vlan, src, src_port (sport). An empty string gives
// DefaultKey.
func ParseKey(s string) (KeyFields, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultKey, nil
	}
	var k KeyFields
	for _, part := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if name == "" {
			continue
		}
		f, ok := keyField(name)
		if !ok {
			return 0, fmt.Errorf("unknown key field %q (known: %s)", part, strings.Join(allKeyNames(), ", "))
		}
		k |= f
	}
	if k == 0 {
		return 0, fmt.Errorf("key %q names no field", s)
	}
	return k, nil
}

func keyField(name string) (KeyFields, bool) {
	for _, kn := range keyNames {
		if kn.name == name {
			return kn.f, true
		}
		for _, a := range kn.aliases {
			if a == name {
				return kn.f, true
			}
		}
	}
	return 0, false
}

func allKeyNames() []string {
	out := make([]string, len(keyNames))
	for i, kn := range keyNames {
		out[i] = kn.name
	}
	return out
}

// Names returns the canonical names of the fields in k, in a fixed order.
func (k KeyFields) Names() []string {
	var out []string
	for _, kn := range keyNames {
		if k&kn.f != 0 {
			out = append(out, kn.name)
		}
	}
	return out
}

// String returns the names joined by commas ("dst,dst_port,proto,app").
func (k KeyFields) String() string { return strings.Join(k.Names(), ",") }

// key is the comparable map key built from a record under some KeyFields.
// Fields not selected stay zero. Addresses are stored as 16 bytes plus a
// family flag, so the key holds no pointers (cheap to hash, nothing for the
// garbage collector to scan). The direction is always part of it: a forward
// record never pairs with a return record.
type key struct {
	server, client         [16]byte
	packets, octets        uint64
	serverPort, clientPort uint16
	vlan                   uint16
	proto                  uint8
	family                 uint8 // bit 0: server is IPv4, bit 1: client is IPv4
	ret                    bool
}

// makeKey builds the key of r read as a forward record (ret false: the
// destination is the server) or as a return record (ret true).
func makeKey(r *flow.Record, k KeyFields, ret bool) key {
	var out key
	out.ret = ret
	server, client := r.Dst, r.Src
	sport, cport := r.DstPort, r.SrcPort
	if ret {
		server, client = r.Src, r.Dst
		sport, cport = r.SrcPort, r.DstPort
	}
	if k&KeyDst != 0 {
		out.server = server.As16()
		if server.Is4() {
			out.family |= 1
		}
	}
	if k&KeyDstPort != 0 {
		out.serverPort = sport
	}
	if k&KeyProto != 0 {
		out.proto = r.Proto
	}
	if k&KeyPackets != 0 {
		out.packets = r.Packets
	}
	if k&KeyOctets != 0 {
		out.octets = r.Octets
	}
	if k&KeyVLAN != 0 && r.HasVLAN {
		out.vlan = r.VLAN
	}
	if k&KeySrc != 0 {
		out.client = client.As16()
		if client.Is4() {
			out.family |= 2
		}
	}
	if k&KeySrcPort != 0 {
		out.clientPort = cport
	}
	return out
}

// Direction says which way a record goes, as far as its ports tell.
type Direction uint8

// Directions.
const (
	Forward Direction = iota // subscriber -> server: the destination is the server
	Return                   // server -> subscriber: the source is the server
	Either                   // the ports do not tell: the record is tried both ways
)

// String returns "forward", "return" or "either".
func (d Direction) String() string {
	switch d {
	case Forward:
		return "forward"
	case Return:
		return "return"
	}
	return "either"
}

// DirectionOf reads the direction of r from its ports (TCP, UDP, SCTP): a
// record from a server port to a port that is not one is a return record,
// the opposite a forward record. Server ports are the well-known ports
// below 1024 and a short list of registered service ports (8080, 8443,
// 3478, 5060, ...). When both ports or neither are server ports (P2P,
// games, 53 -> 53) the direction is Either, and the matcher indexes the
// record both ways, taking whichever finds a partner. Records of other
// protocols (ICMP, GRE, ESP) are Forward: keyed by their destination.
//
// The rule gives the same answer on both sides of a NAT for a definite
// direction: it depends on the server port, which the NAT keeps, while a
// source NAT translates the subscriber's ephemeral port to another
// ephemeral port.
func DirectionOf(r *flow.Record) Direction {
	switch r.Proto {
	case 6, 17, 132:
	default:
		return Forward
	}
	s, d := ServerPort(r.SrcPort), ServerPort(r.DstPort)
	switch {
	case d && !s:
		return Forward
	case s && !d:
		return Return
	}
	return Either
}

// IsReturn reports whether DirectionOf(r) is Return.
func IsReturn(r *flow.Record) bool { return DirectionOf(r) == Return }

// ServerPort reports whether p is a port servers listen on: below 1024, or a
// common registered service port.
func ServerPort(p uint16) bool {
	if p != 0 && p < 1024 {
		return true
	}
	switch p {
	case 1080, 1194, 1433, 1521, 1701, 1723, 1812, 1813, 1883, 2049, 2083, 2087, 3128, 3306, 3389,
		3478, 3479, 4500, 5060, 5061, 5222, 5223, 5228, 5349, 5432, 5900, 6379, 8000, 8008, 8080,
		8081, 8443, 8883, 8888, 9000, 9443, 19302, 27017:
		return true
	}
	return false
}
