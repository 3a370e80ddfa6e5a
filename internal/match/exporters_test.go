package match

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"
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

// TestRunPairsTheTailOfASessionWhosePostHeadWasLost checks the gate's
// exception for a session split on both sides whose first post segment was
// lost with its export packet (the one-sided-drops scenario's frame 91/92
// pair): the post record of the second segment then looks like a first
// segment, and its start (the post exporter's split, 29.737 s into the
// session by the true clock, +40 ms offset) differs from the pre
// continuation's (30.001 s) by -224 ms, 264 ms from the offset: beyond the
// gate of 252 ms (2 ms precision + 250 ms). Both segments end with the
// session, so their ends agree at the offset: they pair. When the ends do
// not agree, the gate holds.
func TestRunPairsTheTailOfASessionWhosePostHeadWasLost(t *testing.T) {
	withEnd := func(rec flow.Record, endMs float64) flow.Record {
		rec.End, rec.HasEnd = base.Add(msDur(endMs)), true
		return rec
	}
	for _, tc := range []struct {
		name       string
		postEndMs  float64
		pairs      string
		unmatched  map[int32]string
		unmatchedQ string
	}{
		{name: "the ends agree at the offset: the tail pairs as a continuation", postEndMs: 45040,
			pairs:     "{51 52 1 true false -224000000 -1}",
			unmatched: map[int32]string{50: "no candidate within the window (nearest at +29.777 s)"}},
		{name: "the ends disagree by 2 s: not the same session", postEndMs: 47040,
			unmatched: map[int32]string{50: "no candidate within the window (nearest at +29.777 s)",
				51: "no candidate near the exporter pair's offset (the closest candidate, at -0.224 s, lies 0.264 s from the offset of +0.04 s; pairs lie within ±0.252 s of it: not the same session)"},
			unmatchedQ: "no candidate near the exporter pair's offset (the closest candidate, at -0.224 s, lies 0.264 s from the offset of +0.04 s; pairs lie within ±0.252 s of it: not the same session)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := anchors(25, 100000, 40) // records 0..49: the offset +40 ms and the gate
			recs = append(recs,
				withEnd(pre("192.0.2.20", 80, 0, "http", 7), 30000),     // 50: first segment, its partner lost
				withEnd(pre("192.0.2.20", 80, 30001, "http", 4), 45000), // 51: continues it
				withEnd(post("192.0.2.20", 80, 29777, "http", 4), tc.postEndMs),
			)
			res, err := Run(recs, Config{})
			if err != nil {
				t.Fatal(err)
			}
			var tail []string
			for _, p := range res.Pairs {
				if p.Pre >= 50 {
					tail = append(tail, fmt.Sprint(p))
				}
			}
			if got := strings.Join(tail, " "); got != tc.pairs {
				t.Errorf("pairs of the session: %q, want %q", got, tc.pairs)
			}
			if len(res.Pairs) != 25+len(tail) {
				t.Errorf("%d pairs, want the 25 anchors and the session's %d", len(res.Pairs), len(tail))
			}
			got := map[int32]string{}
			for _, u := range res.UnmatchedPre {
				got[u.Index] = u.Reason()
			}
			if !maps.Equal(got, tc.unmatched) {
				t.Errorf("unmatched pre %v, want %v", got, tc.unmatched)
			}
			if tc.unmatchedQ == "" && len(res.UnmatchedPost) != 0 || tc.unmatchedQ != "" && (len(res.UnmatchedPost) != 1 || res.UnmatchedPost[0].Reason() != tc.unmatchedQ) {
				t.Errorf("unmatched post %+v, want %q", res.UnmatchedPost, tc.unmatchedQ)
			}
		})
	}
}
