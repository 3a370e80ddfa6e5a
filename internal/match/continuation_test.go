package match

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
)

// TestRunHoldsContinuationsToTheirChainsAndBand checks the rules for pairs
// of continuation records by hand-worked sessions. Twenty-five anchors fix
// the offset at +40 ms and the gate at ±252 ms (2 ms precision + 250 ms).
// Five long sessions are split on both sides: their first segments pair at
// +40 ms, their continuations 380 ms apart (each exporter splits on its own
// schedule: 340 ms from the offset, beyond the gate), which they reach
// along their chains. That is the continuation band: +340 ms from the
// offset, widened by the gate to +128 .. +632 ms.
func TestRunHoldsContinuationsToTheirChainsAndBand(t *testing.T) {
	withEnd := func(rec flow.Record, endMs float64) flow.Record {
		rec.End, rec.HasEnd = base.Add(msDur(endMs)), true
		return rec
	}
	// client builds a record of domain dom from client port sport to the
	// server 192.0.2.20:80 (one key for all sessions below).
	client := func(dom uint32, sport uint16, startMs, endMs float64, packets uint64) flow.Record {
		src := "100.64.1.2"
		if dom == 320 {
			src = "203.0.113.7"
		}
		return withEnd(r(dom, src, sport, "192.0.2.20", 80, startMs, "http", packets), endMs)
	}
	chains := func() []flow.Record {
		recs := anchors(25, 100000, 40) // records 0..49
		for i := range 5 {              // records 50..69: four per session
			at := 200000 + float64(i)*60000
			sport := uint16(50000 + i)
			recs = append(recs,
				client(310, sport, at, at+30000, 600),
				client(310, sport, at+30001, at+40000, 200),
				client(320, sport, at+40, at+30380, 600),
				client(320, sport, at+30381, at+40040, 200))
		}
		return recs
	}()
	const band = "no candidate near the exporter pair's offset (the closest candidate, at +3.04 s, lies 3 s from the offset of +0.04 s; pairs lie within ±0.252 s of it, and continuations, which start at each exporter's split points, from +0.128 s to +0.632 s: not the same session)"
	for _, tc := range []struct {
		name      string
		recs      []flow.Record // appended to the chains: records 70 on
		pairs     string
		unmatched map[int32]string
	}{
		{
			// Session 70/72: its first segments were lost on both sides
			// (71 and 73 continue records 10 s apart, beyond the window
			// of each other), so no chain ties 71 to 73.
			name: "two continuations without a chain pair within the band",
			recs: []flow.Record{
				client(310, 60000, 700000, 729999, 600), // 70: partner lost
				client(310, 60000, 730000, 740000, 200), // 71
				client(320, 61000, 710000, 730420, 600), // 72: another session, partner lost
				client(320, 61000, 730440, 740440, 200), // 73: +440 ms, 400 ms from the offset
			},
			pairs: "{71 73 1 true false 440000000 -1}",
			unmatched: map[int32]string{
				70: "no candidate within the window (nearest at +10 s)",
				72: "no candidate within the window (nearest at +10 s)"},
		},
		{
			name: "two continuations without a chain 3 s apart lie beyond the band: not the same session",
			recs: []flow.Record{
				client(310, 60000, 700000, 729999, 600),
				client(310, 60000, 730000, 740000, 200),
				client(320, 61000, 710000, 733020, 600),
				client(320, 61000, 733040, 743040, 200), // +3.04 s
			},
			unmatched: map[int32]string{
				70: "no candidate within the window (nearest at +10 s)",
				71: band,
				72: "no candidate within the window (nearest at +10 s)",
				73: band},
		},
		{
			// Session 70/71 pairs; its post continuation was lost. Record
			// 72 is another client's first segment, starting 1 ms from
			// where the lost one would: 71 pairs only along its chain.
			name: "a continuation whose predecessor is paired takes no other session's record",
			recs: []flow.Record{
				client(310, 60000, 700000, 730000, 600), // 70
				client(320, 60000, 700040, 730380, 600), // 71: pairs with 70
				client(310, 60000, 730001, 740000, 200), // 72: continues 70
				client(320, 61000, 730041, 740041, 200), // 73: another client's session
			},
			pairs: "{70 71 1 false false 40000000 -1}",
			unmatched: map[int32]string{
				72: "continues a paired record whose partner has no continuation to pair with (another session's record would be a coincidence)",
				73: "candidates all continue records paired with others (a continuation pairs only with the continuation of its predecessor's partner)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := append(chains[:len(chains):len(chains)], tc.recs...)
			res, err := Run(recs, Config{})
			if err != nil {
				t.Fatal(err)
			}
			var chained, rest []string
			for _, p := range res.Pairs {
				switch {
				case p.Pre >= 70:
					rest = append(rest, fmt.Sprint(p))
				case p.Pre >= 50 && p.Continuation:
					chained = append(chained, fmt.Sprintf("%d-%d %+.0f ms", p.Pre, p.Post, float64(p.DeltaNs)/1e6))
				}
			}
			if got, want := strings.Join(chained, ", "), "51-53 +380 ms, 55-57 +380 ms, 59-61 +380 ms, 63-65 +380 ms, 67-69 +380 ms"; got != want {
				t.Errorf("continuation pairs of the chains: %s, want %s", got, want)
			}
			if got := strings.Join(rest, " "); got != tc.pairs {
				t.Errorf("pairs of the sessions under test: %q, want %q", got, tc.pairs)
			}
			if n := 25 + 10 + len(rest); len(res.Pairs) != n {
				t.Errorf("%d pairs, want %d: the anchors, the chains' and the sessions'", len(res.Pairs), n)
			}
			got := map[int32]string{}
			for _, u := range append(res.UnmatchedPre, res.UnmatchedPost...) {
				got[u.Index] = u.Reason()
			}
			if !maps.Equal(got, tc.unmatched) {
				t.Errorf("unmatched %v, want %v", got, tc.unmatched)
			}
		})
	}
}
