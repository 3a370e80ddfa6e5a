package match

import (
	"net/netip"
	"time"

	"netflowtimedifference/internal/flow"
)

// base is 2024-05-01T12:00:00Z, the origin of the hand-worked tests.
var base = flow.InstantOf(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))

// r builds a millisecond-encoded record of domain dom: src:sport -> dst:dport
// (UDP when dport or sport is 53, TCP otherwise), starting startMs after base.
func r(dom uint32, src string, sport uint16, dst string, dport uint16, startMs float64, app string, packets uint64) flow.Record {
	proto := uint8(6)
	if sport == 53 || dport == 53 {
		proto = 17
	}
	return flow.Record{
		Exporter: netip.MustParseAddr("192.0.2.1"),
		Domain:   dom,
		Version:  10,
		Src:      netip.MustParseAddr(src), SrcPort: sport,
		Dst: netip.MustParseAddr(dst), DstPort: dport,
		Proto:    proto,
		App:      app,
		Start:    base.Add(time.Duration(startMs * float64(time.Millisecond))),
		StartEnc: flow.EncMilliseconds,
		Packets:  packets, Octets: packets * 100,
	}
}

// pre and post build subscriber-side and Internet-side records of a forward
// session to dst:dport.
func pre(dst string, dport uint16, startMs float64, app string, packets uint64) flow.Record {
	return r(310, "100.64.1.2", 51234, dst, dport, startMs, app, packets)
}

func post(dst string, dport uint16, startMs float64, app string, packets uint64) flow.Record {
	return r(320, "203.0.113.7", 40001, dst, dport, startMs, app, packets)
}

// pairSet returns the pairs as "pre->post" record index pairs.
func pairSet(res *Result) map[[2]int32]bool {
	out := map[[2]int32]bool{}
	for _, p := range res.Pairs {
		out[[2]int32{p.Pre, p.Post}] = true
	}
	return out
}

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
