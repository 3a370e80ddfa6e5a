package report_test

import (
	"math"
	"net/netip"
	"testing"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

func pairsWith(deltas ...float64) []report.Pair {
	ps := make([]report.Pair, len(deltas))
	for i, d := range deltas {
		r := &flow.Record{Start: flow.UnixMilli(int64(i) * 1000), StartEnc: flow.EncMilliseconds}
		ps[i] = report.Pair{Pre: r, DeltaMs: d}
	}
	return ps
}

func TestDeltaHistogram(t *testing.T) {
	t.Run("few pairs span min to max in nice bins", func(t *testing.T) {
		// 0..9 ms into at most 5 bins: width 2 (9/5 = 1.8 -> 2), bins 0..2 .. 8..10.
		h := report.DeltaHistogram(pairsWith(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 5)
		if h.Width != 2 || len(h.Bins) != 5 || h.Total != 10 {
			t.Fatalf("width %v, %d bins, total %d", h.Width, len(h.Bins), h.Total)
		}
		for i, b := range h.Bins {
			if b.Count != 2 || b.Low != float64(2*i) {
				t.Errorf("bin %d = %+v, want 2 pairs from %d", i, b, 2*i)
			}
		}
		if h.Bins[0].Label != "0 .. 2" {
			t.Errorf("label %q", h.Bins[0].Label)
		}
	})
	t.Run("identical differences below a millisecond's resolution give one bin of the finest width", func(t *testing.T) {
		h := report.DeltaHistogram(pairsWith(0.25, 0.25, 0.25), 40)
		want := []report.Bin{{Low: 0.25, High: 0.251, Count: 3, Label: "0.25 .. 0.251"}}
		if h.Width != 0.001 || h.Total != 3 || !sameBins(h.Bins, want) {
			t.Errorf("width %v total %d bins %+v, want width 0.001, total 3, bins %+v", h.Width, h.Total, h.Bins, want)
		}
	})
	t.Run("identical whole-second differences give one bin a second wide", func(t *testing.T) {
		h := report.DeltaHistogram(pairsWith(5000, 5000, 5000), 40)
		want := []report.Bin{{Low: 5000, High: 6000, Count: 3, Label: "5000 .. 6000"}}
		if h.Width != 1000 || !sameBins(h.Bins, want) {
			t.Errorf("width %v bins %+v, want width 1000, bins %+v", h.Width, h.Bins, want)
		}
	})
	t.Run("whole-millisecond differences get bins no finer than 1 ms", func(t *testing.T) {
		// 118..122 ms over 40 bins would be 0.1 ms wide (4/40), leaving nine
		// empty bins between neighbouring values; 1 ms bins hold one value each.
		h := report.DeltaHistogram(pairsWith(120, 118, 119, 121, 120, 122, 119, 120, 121), 40)
		want := []report.Bin{
			{Low: 118, High: 119, Count: 1, Label: "118 .. 119"},
			{Low: 119, High: 120, Count: 2, Label: "119 .. 120"},
			{Low: 120, High: 121, Count: 3, Label: "120 .. 121"},
			{Low: 121, High: 122, Count: 2, Label: "121 .. 122"},
			{Low: 122, High: 123, Count: 1, Label: "122 .. 123"},
		}
		if h.Width != 1 || h.Total != 9 || !sameBins(h.Bins, want) {
			t.Errorf("width %v total %d bins\n%+v\nwant width 1, total 9, bins\n%+v", h.Width, h.Total, h.Bins, want)
		}
	})
	t.Run("whole-second differences get bins no finer than 1000 ms", func(t *testing.T) {
		// 3000..8000 ms over 40 bins would be 200 ms wide (5000/40 = 125 -> 200).
		h := report.DeltaHistogram(pairsWith(3000, 5000, 5000, 8000), 40)
		want := []report.Bin{
			{Low: 3000, High: 4000, Count: 1, Label: "3000 .. 4000"},
			{Low: 4000, High: 5000, Count: 0, Label: "4000 .. 5000"},
			{Low: 5000, High: 6000, Count: 2, Label: "5000 .. 6000"},
			{Low: 6000, High: 7000, Count: 0, Label: "6000 .. 7000"},
			{Low: 7000, High: 8000, Count: 0, Label: "7000 .. 8000"},
			{Low: 8000, High: 9000, Count: 1, Label: "8000 .. 9000"},
		}
		if h.Width != 1000 || !sameBins(h.Bins, want) {
			t.Errorf("width %v bins\n%+v\nwant width 1000, bins\n%+v", h.Width, h.Bins, want)
		}
	})
	t.Run("a difference with microseconds keeps fine bins", func(t *testing.T) {
		// 0.5 is not a whole millisecond: no resolution floor, 2.5/40 -> 0.1 ms.
		h := report.DeltaHistogram(pairsWith(0, 0.5, 2, 2.5), 40)
		if h.Width != 0.1 || len(h.Bins) != 26 || h.Bins[0].Count != 1 || h.Bins[5].Count != 1 || h.Bins[20].Count != 1 || h.Bins[25].Count != 1 {
			t.Errorf("width %v, %d bins %+v; want width 0.1, 26 bins with one pair each in 0, 5, 20, 25", h.Width, len(h.Bins), h.Bins)
		}
	})
	t.Run("tails beyond the 0.5 and 99.5 percentiles go to outer bins", func(t *testing.T) {
		d := make([]float64, 0, 1000)
		for i := range 998 {
			d = append(d, 5000+float64(i%10))
		}
		d = append(d, -3000, 90000)
		h := report.DeltaHistogram(pairsWith(d...), 40)
		first, last := h.Bins[0], h.Bins[len(h.Bins)-1]
		if !math.IsInf(first.Low, -1) || first.Count != 1 || first.Label != "< 5000" {
			t.Errorf("first bin %+v", first)
		}
		if !math.IsInf(last.High, 1) || last.Count != 1 {
			t.Errorf("last bin %+v", last)
		}
		sum := 0
		for _, b := range h.Bins {
			sum += b.Count
		}
		if sum != 1000 {
			t.Errorf("bins hold %d pairs, want 1000", sum)
		}
	})
	t.Run("a large input is counted in full", func(t *testing.T) {
		d := make([]float64, 200_000)
		for i := range d {
			d[i] = float64(i % 7)
		}
		h := report.DeltaHistogram(pairsWith(d...), 40)
		sum := 0
		for _, b := range h.Bins {
			sum += b.Count
		}
		if sum != len(d) || h.Total != len(d) {
			t.Errorf("bins hold %d of %d pairs", sum, len(d))
		}
	})
	t.Run("continuation pairs are not counted", func(t *testing.T) {
		ps := pairsWith(1, 2, 3000)
		ps[2].Continuation = true
		h := report.DeltaHistogram(ps, 10)
		if h.Total != 2 || h.Bins[len(h.Bins)-1].High > 3 {
			t.Errorf("%+v", h)
		}
		if s := report.DeltaSeries(ps, 10); len(s) != 2 {
			t.Errorf("series %+v includes the continuation pair", s)
		}
	})
	t.Run("NaN differences are not counted", func(t *testing.T) {
		if h := report.DeltaHistogram(pairsWith(math.NaN()), 10); h.Total != 0 || len(h.Bins) != 0 {
			t.Errorf("%+v", h)
		}
	})
}

// sameBins compares bins exactly (labels, bounds and counts).
func sameBins(got, want []report.Bin) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestDeltaSeries(t *testing.T) {
	t.Run("few pairs are all kept in time order", func(t *testing.T) {
		ps := pairsWith(3, 1, 2)
		ps[0].Pre.Start, ps[2].Pre.Start = ps[2].Pre.Start, ps[0].Pre.Start
		s := report.DeltaSeries(ps, 10)
		if len(s) != 3 || s[0].DeltaMs != 2 || s[2].DeltaMs != 3 {
			t.Errorf("%+v", s)
		}
	})
	t.Run("many pairs keep each slice's extremes, so an outlier survives", func(t *testing.T) {
		d := make([]float64, 10000)
		for i := range d {
			d[i] = 5000
		}
		d[7777] = -40
		s := report.DeltaSeries(pairsWith(d...), 100)
		if len(s) > 100 {
			t.Fatalf("%d points, want at most 100", len(s))
		}
		found := false
		for _, p := range s {
			found = found || p.DeltaMs == -40
		}
		if !found {
			t.Errorf("the outlier is not in the sample")
		}
	})
}

func TestPairLine(t *testing.T) {
	ps := pairsWith(112)
	p := &ps[0]
	p.Pre.Domain, p.Pre.Frame, p.Pre.Set, p.Pre.Flow = 310, 5, 1, 3
	post := *p.Pre
	p.Post = &post
	p.Post.Domain, p.Post.Frame, p.Post.Flow = 320, 9, 1
	p.Pre.Proto = 6
	p.Pre.App = "facebook"
	p.Pre.Dst = netip.MustParseAddr("157.240.25.63")
	p.Post.Dst = p.Pre.Dst
	p.Pre.DstPort, p.Post.DstPort = 443, 443
	if got, want := report.PairLine(p, report.LineStyle{}), "domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112 ms"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// A return-direction pair: the server is the common source.
	p.Pre.Src, p.Post.Src = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::1")
	p.Pre.SrcPort, p.Post.SrcPort = 443, 443
	p.Post.Dst = netip.MustParseAddr("203.0.113.7")
	p.Pre.Set = 2
	p.Pre.File, p.Post.File = "pre.pcap", "post.pcap"
	p.DeltaMs = -0.25
	p.Continuation = true
	if got, want := report.PairLine(p, report.LineStyle{File: true}), "domain 310 frame 5 (pre.pcap) set 2 flow 3 <=> domain 320 frame 9 (post.pcap) flow 1: from [2001:db8::1]:443 tcp facebook, difference -0.25 ms (continuation)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Exporters named (a domain exported by several probes); a record
	// without port and protocol columns shows neither, never ":0".
	p.Pre.Exporter, p.Post.Exporter = netip.MustParseAddr("10.103.0.168"), netip.MustParseAddr("10.103.0.169")
	p.Pre.Lacks, p.Post.Lacks = flow.LacksSrcPort|flow.LacksProto, flow.LacksSrcPort
	p.Post.Src, p.Post.Dst = netip.MustParseAddr("203.0.113.7"), p.Pre.Dst
	p.Continuation = false
	if got, want := report.PairLine(p, report.LineStyle{Exporter: true}), "10.103.0.168 domain 310 frame 5 set 2 flow 3 <=> 10.103.0.169 domain 320 frame 9 flow 1: 157.240.25.63:443 facebook, difference -0.25 ms"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	p.Pre.Lacks |= flow.LacksDstPort
	if got, want := report.UnmatchedLine(&report.Unmatched{Rec: p.Pre, Reason: "no start time"}, report.LineStyle{}), "domain 310 frame 5 set 2 flow 3: 157.240.25.63 facebook, start 1970-01-01T00:00:00.000Z: no start time"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestLineStyleNamesExportersOnlyWhenADomainHasSeveral(t *testing.T) {
	m := &report.Model{Exporters: []report.Exporter{{Exporter: "192.0.2.1", Domain: 310}, {Exporter: "192.0.2.2", Domain: 320}}}
	m.Params.Inputs = []string{"a.pcap"}
	if st := report.LineStyleOf(m); st != (report.LineStyle{}) {
		t.Errorf("one exporter per domain, one input: %+v, want neither", st)
	}
	m.Exporters = append(m.Exporters, report.Exporter{Exporter: "192.0.2.3", Domain: 310})
	m.Params.Inputs = []string{"a.pcap", "b.pcap"}
	if st := report.LineStyleOf(m); st != (report.LineStyle{File: true, Exporter: true}) {
		t.Errorf("two exporters of domain 310, two inputs: %+v, want both", st)
	}
}
