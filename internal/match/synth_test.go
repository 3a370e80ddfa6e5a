package match

import (
	"testing"
)

// TestRunSyntheticHourPairsTheTrueSessions runs the benchmark's synthetic
// hour (Zipf-popular servers, a DNS resolver with a tenth of all sessions,
// 5 s offset drifting 10 ppm, 1 % drops per side) at 100 000 sessions and
// checks the pairs against the known truth: session i is pre record i and
// post record n+i unless one of them was dropped.
func TestRunSyntheticHourPairsTheTrueSessions(t *testing.T) {
	const n = 100_000
	recs := synth(n, 3)
	truth := 0
	// A session survived when both records still describe it (same key
	// and counters: a dropped record was replaced by an unrelated one).
	same := func(i int) bool {
		a, b := &recs[i], &recs[n+i]
		return makeKey(a, DefaultKey, IsReturn(a)) == makeKey(b, DefaultKey, IsReturn(b)) && a.Packets == b.Packets && b.Start-a.Start < 6e9
	}
	isTrue := func(p Pair) bool { return int(p.Pre) < n && p.Post == p.Pre+n && same(int(p.Pre)) }
	for i := 0; i < n; i++ {
		if same(i) {
			truth++
		}
	}
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	good := 0
	for _, p := range res.Pairs {
		if isTrue(p) {
			good++
		}
	}
	precision := float64(good) / float64(len(res.Pairs))
	recall := float64(good) / float64(truth)
	t.Logf("%d pairs, %d true of %d sessions in the truth: precision %.4f recall %.4f; reference offset %d ms", len(res.Pairs), good, truth, precision, recall, res.OffsetNs/1e6)
	if recall < 0.99 {
		t.Errorf("recall %.4f < 0.99", recall)
	}
	// Dropped records leave their partners to pair with leftovers of
	// popular keys: those pairs are wrong by construction, about 2 % here.
	if precision < 0.97 {
		t.Errorf("precision %.4f < 0.97", precision)
	}
}
