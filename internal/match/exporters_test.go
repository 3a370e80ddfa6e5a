package match

import (
	"fmt"
	"net/netip"
	"testing"

	"netflowtimedifference/internal/flow"
)

func TestRunKeepsExporterPairsApart(t *testing.T) {
	// Probe A exports 310 and probe A' 320 in sync; probe B's 320 runs 5 s
	// ahead of its 310. Sessions never cross probes.
	var recs []flow.Record
	ex := func(rec flow.Record, a string) flow.Record {
		rec.Exporter = netip.MustParseAddr(a)
		return rec
	}
	for i := 0; i < 20; i++ {
		dst := fmt.Sprintf("198.51.100.%d", i+1)
		recs = append(recs,
			ex(pre(dst, 443, float64(i)*1000, "https", 7), "192.0.2.1"),
			ex(post(dst, 443, float64(i)*1000+1, "https", 7), "192.0.2.2"),
			ex(pre(dst, 80, float64(i)*1000, "http", 7), "192.0.2.3"),
			ex(post(dst, 80, float64(i)*1000+5000, "http", 7), "192.0.2.4"))
	}
	// A pre record at A whose only candidate sits at B's post exporter.
	lone := len(recs)
	recs = append(recs,
		ex(pre("203.0.113.99", 443, 30000, "https", 3), "192.0.2.1"),
		ex(post("203.0.113.99", 443, 30002, "https", 3), "192.0.2.4"))
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pairs) != 40 {
		t.Errorf("%d pairs, want 40", len(res.Pairs))
	}
	for _, p := range res.Pairs {
		want := int64(1e6)
		if recs[p.Pre].DstPort == 80 {
			want = 5000e6
		}
		if p.DeltaNs != want || p.Post != p.Pre+1 {
			t.Errorf("pair %+v, want %d -> %d at %d ms", p, p.Pre, p.Pre+1, want/1e6)
		}
	}
	groups := res.ByExporterPair(recs)
	if len(groups) != 2 || groups[0].Key.String() != "192.0.2.1/310 -> 192.0.2.2/320" || len(groups[0].Pairs) != 20 ||
		groups[1].Key.String() != "192.0.2.3/310 -> 192.0.2.4/320" || groups[0].UnmatchedPre != 1 || groups[1].UnmatchedPost != 1 {
		t.Errorf("groups = %+v", groups)
	}
	want := "candidates only at exporters that share no sessions with this record's exporter"
	if len(res.UnmatchedPre) != 1 || res.UnmatchedPre[0].Index != int32(lone) || res.UnmatchedPre[0].Reason() != want {
		t.Errorf("unmatched pre = %+v, want record %d: %s", res.UnmatchedPre, lone, want)
	}
	if len(res.UnmatchedPost) != 1 || res.UnmatchedPost[0].Reason() != want {
		t.Errorf("unmatched post = %+v, want: %s", res.UnmatchedPost, want)
	}
}

func TestRunMarksContinuationRecords(t *testing.T) {
	withEnd := func(rec flow.Record, endMs float64) flow.Record {
		rec.End, rec.HasEnd = base.Add(msDur(endMs)), true
		return rec
	}
	recs := []flow.Record{
		withEnd(pre("8.8.4.4", 443, 0, "google", 100), 30000),     // first segment
		withEnd(pre("8.8.4.4", 443, 30010, "google", 90), 60000),  // continues it 10 ms after its end
		withEnd(post("8.8.4.4", 443, 1, "google", 100), 30600),    // the post exporter splits later
		withEnd(post("8.8.4.4", 443, 30650, "google", 90), 60000), // its continuation
	}
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(res.Pairs)
	want := "[{0 2 1 false false 1000000 -1} {1 3 1 true false 640000000 -1}]"
	if got != want {
		t.Errorf("pairs = %s, want %s: the first segments 1 ms apart, the continuations 640 ms apart and marked", got, want)
	}
}
