package report_test

import (
	"fmt"
	"net/netip"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

func ExamplePairLine() {
	server := netip.MustParseAddr("157.240.25.63")
	pre := &flow.Record{Pos: flow.Pos{Frame: 5, Set: 1, Flow: 3}, Domain: 310, Dst: server, DstPort: 443, Proto: 6, App: "facebook"}
	post := &flow.Record{Pos: flow.Pos{Frame: 9, Set: 1, Flow: 1}, Domain: 320, Dst: server, DstPort: 443, Proto: 6, App: "facebook"}
	fmt.Println(report.PairLine(&report.Pair{Pre: pre, Post: post, DeltaMs: 112}, report.LineStyle{}))
	// Output:
	// domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112 ms
}

func ExamplePathsInDir() {
	p := report.PathsInDir("out", []string{"/captures/capture.pcap"})
	fmt.Println(p.XLSX)
	fmt.Println(p.DOCX)
	// Output:
	// out/capture-nftimediff.xlsx
	// out/capture-nftimediff.docx
}
