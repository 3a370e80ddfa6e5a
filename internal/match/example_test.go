package match_test

import (
	"fmt"
	"net/netip"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/match"
)

// Three sessions seen before NAT (domain 310) and after it (domain 320),
// the post exporter's clock 5 s ahead, plus a pre record whose partner was
// lost. The matcher finds the offset first and pairs by closeness to it.
func ExampleRun() {
	t0 := flow.InstantOf(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	rec := func(domain uint32, src string, sport uint16, dst string, dport uint16, ms int, app string) flow.Record {
		return flow.Record{
			Exporter: netip.MustParseAddr("192.0.2.1"), Domain: domain,
			Src: netip.MustParseAddr(src), SrcPort: sport, Dst: netip.MustParseAddr(dst), DstPort: dport, Proto: 6,
			App: app, Start: t0.Add(time.Duration(ms) * time.Millisecond), StartEnc: flow.EncMilliseconds,
		}
	}
	recs := []flow.Record{
		rec(310, "100.64.1.2", 51000, "198.51.100.1", 443, 0, "facebook"),
		rec(310, "100.64.1.3", 51001, "198.51.100.1", 443, 1200, "facebook"),
		rec(310, "100.64.1.4", 51002, "198.51.100.9", 443, 2500, "youtube"),
		rec(310, "100.64.1.5", 51003, "198.51.100.7", 80, 3000, ""),
		rec(320, "203.0.113.7", 40001, "198.51.100.1", 443, 5002, "facebook"),
		rec(320, "203.0.113.7", 40002, "198.51.100.1", 443, 6201, "facebook"),
		rec(320, "203.0.113.7", 40003, "198.51.100.9", 443, 7502, "youtube"),
	}
	res, err := match.Run(recs, match.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("reference offset %d ms\n", res.OffsetNs/1e6)
	for _, p := range res.Pairs {
		fmt.Printf("pair %d -> %d: %+d ms, %d candidates\n", p.Pre, p.Post, p.DeltaNs/1e6, p.Candidates)
	}
	for _, u := range res.UnmatchedPre {
		fmt.Printf("unmatched pre %d: %s\n", u.Index, u.Reason())
	}
	// Output:
	// reference offset 5002 ms
	// pair 0 -> 4: +5002 ms, 1 candidates
	// pair 1 -> 5: +5001 ms, 2 candidates
	// pair 2 -> 6: +5002 ms, 1 candidates
	// unmatched pre 3: no record with the same key on the other side
}

func ExampleParseKey() {
	k, err := match.ParseKey("dst,dport,proto,app,packets")
	fmt.Println(k, err)
	_, err = match.ParseKey("dst,colour")
	fmt.Println(err)
	// Output:
	// dst,dst_port,proto,app,packets <nil>
	// unknown key field "colour" (known: dst, dst_port, proto, app, packets, octets, vlan, src, src_port)
}
