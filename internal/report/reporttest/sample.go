// Package reporttest builds report.Models by hand for the renderers' tests
// and benchmarks.
package reporttest

import (
	"math"
	"net/netip"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

// Base is the pre start time of the first generated pair:
// 2026-12-03 10:00:00.250 UTC.
var Base = flow.InstantOf(time.Date(2026, 12, 3, 10, 0, 0, 250_000_000, time.UTC))

// Hostile app names: they must appear literally in every report.
const (
	AppFormula = `=HYPERLINK("x")`
	AppMarkup  = `<b>&`
)

// Model returns a model with n pairs (n >= 3 puts the hostile names in), two
// unmatched records per side, two exporters and one exporter pair.
//
// Pair 1 is the example: domain 310 frame 5 flow 3 <=> domain 320
// frame 9 flow 1, 157.240.25.63:443 tcp facebook, difference 112 ms.
// Pair 2 has app AppFormula, pair 3 app AppMarkup, pair 5 is a continuation
// pair. Pair i (0-based, i >= 1)
// has pre start Base + i*100 ms and difference 5000 + (i mod 3) ms, so
// differences are 5000, 5001, 5002 ms, pre frames 100+i, post frames 200+i.
func Model(n int) *report.Model {
	m := &report.Model{
		Title:     "nftimediff test report",
		Generated: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC),
		Params: report.Params{
			Inputs:      []string{"capture.pcap"},
			PreDomains:  []uint32{310},
			PostDomains: []uint32{320},
			Key:         []string{"dst", "dst_port", "proto", "app"},
			Window:      6 * time.Second,
			Tolerance:   10 * time.Millisecond,
			Tool:        "TShark (Wireshark) 4.0.17",
		},
		Verdict: report.Verdict{
			Code:    "out of sync",
			Summary: "Exporter 192.0.2.2 (domain 320) runs 5.001 s ahead of 192.0.2.1 (domain 310).",
			Reasons: []string{"offset 5001 ms is far outside the tolerance of 10 ms", "both sides carry milliseconds"},
		},
		Overall: report.Clock{
			Label: "all", Pairs: n, UnmatchedPre: 2, UnmatchedPost: 2,
			Min: 112, P5: 5000, Median: 5001, Mean: 5000.5, P95: 5002, Max: 5002, Stddev: 0.8, MAD: 1,
			WithinTolerance: 0, Offset: 5001, OffsetLow: 5000.9, OffsetHigh: 5001.1,
			OffsetInterval: "95 % interval", OffsetCoverage: 0.96, OffsetIntervalReached: true,
			DriftMsPerHour: 0.36, DriftPPM: 0.1, HasDrift: true, Uncertainty: 1,
		},
		Exporters: []report.Exporter{
			{Exporter: "192.0.2.1", Domain: 310, Side: "pre", Versions: "10", Packets: 10, Records: n + 2,
				Encodings: "flowStartMilliseconds (ms)", ExportLagMedian: 3, ExportLagMin: -100, ExportLagMax: 800, HasExportLag: true},
			{Exporter: "192.0.2.2", Domain: 320, Side: "post", Versions: "10", Packets: 10, Records: n + 2,
				Encodings: "flowStartMilliseconds (ms)", ExportLagMedian: 5003, ExportLagMin: 4900, ExportLagMax: 5800, HasExportLag: true},
		},
		RecordsPre: n + 2, RecordsPost: n + 2,
		Notes: []string{"both sides: flowStartMilliseconds, 1 ms resolution"},
	}
	pp := m.Overall
	pp.Label = "192.0.2.1/310 -> 192.0.2.2/320"
	m.PerPair = []report.Clock{pp}

	pre := make([]flow.Record, n+2)
	post := make([]flow.Record, n+2)
	m.Pairs = make([]report.Pair, n)
	for i := range n {
		a, b := &pre[i], &post[i]
		delta := int64(5000 + i%3)
		*a = record(netip.MustParseAddr("192.0.2.1"), 310, "capture.pcap", uint32(100+i), 1, uint16(1+i%12), Base.Add(time.Duration(i)*100*time.Millisecond))
		*b = record(netip.MustParseAddr("192.0.2.2"), 320, "capture.pcap", uint32(200+i), 1, uint16(1+i%12), a.Start.Add(time.Duration(delta)*time.Millisecond))
		a.Src = netip.AddrFrom4([4]byte{100, 64, byte(i >> 8), byte(i)})
		a.SrcPort = uint16(40000 + i%20000)
		b.Src = netip.MustParseAddr("203.0.113.7")
		b.SrcPort = uint16(1024 + i%60000)
		a.Dst = netip.AddrFrom4([4]byte{198, 51, 100, byte(i % 200)})
		b.Dst = a.Dst
		a.DstPort, b.DstPort = 443, 443
		a.App, b.App = "facebook", "facebook"
		switch i {
		case 0:
			a.Frame, a.Flow, b.Frame, b.Flow = 5, 3, 9, 1
			a.Dst = netip.MustParseAddr("157.240.25.63")
			b.Dst = a.Dst
			b.Start = a.Start.Add(112 * time.Millisecond)
			delta = 112
		case 1:
			a.App, b.App = AppFormula, AppFormula
		case 2:
			a.App, b.App = AppMarkup, AppMarkup
		}
		m.Pairs[i] = report.Pair{Pre: a, Post: b, DeltaMs: float64(delta), Candidates: 1 + i%2, RunnerUpMs: math.NaN()}
		if i%2 == 1 {
			m.Pairs[i].RunnerUpMs = 2500
		}
		m.Pairs[i].Continuation = i == 4
	}
	for k := range 2 {
		a, b := &pre[n+k], &post[n+k]
		*a = record(netip.MustParseAddr("192.0.2.1"), 310, "capture.pcap", uint32(50+k), 2, 1, Base.Add(-time.Minute))
		*b = record(netip.MustParseAddr("192.0.2.2"), 320, "capture.pcap", uint32(60+k), 2, 1, Base.Add(-time.Minute))
		a.App, b.App = "dns", "dns"
		m.UnmatchedPre = append(m.UnmatchedPre, report.Unmatched{Rec: a, Reason: "no post record with the same key within the window"})
		m.UnmatchedPost = append(m.UnmatchedPost, report.Unmatched{Rec: b, Reason: "no pre record with the same key within the window"})
	}
	return m
}

func record(exp netip.Addr, domain uint32, file string, frame uint32, set, fl uint16, start flow.Instant) flow.Record {
	return flow.Record{
		Pos:         flow.Pos{File: file, Frame: frame, Set: set, Flow: fl},
		CaptureTime: start.Add(2 * time.Second),
		Exporter:    exp, ExporterPort: 4739, CollectorPort: 4739,
		Version: 10, Domain: domain,
		ExportTime: start.Add(time.Second) / flow.Instant(time.Second) * flow.Instant(time.Second),
		Src:        netip.MustParseAddr("100.64.0.1"), Dst: netip.MustParseAddr("198.51.100.1"),
		SrcPort: 40000, DstPort: 443, Proto: 6,
		Start: start, StartEnc: flow.EncMilliseconds,
		Packets: 10, Octets: 1500,
	}
}
