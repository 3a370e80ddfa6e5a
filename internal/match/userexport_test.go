package match_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/wsexport"
)

// readUserExport reads the analysts' export c2p1med01.csv (three probes,
// .168, .169 and .170, each exporting 310 and 320), or skips.
func readUserExport(t *testing.T) []flow.Record {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "captures", "user-export", "c2p1med01.csv")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the analysts' export %s is not available: %v", p, err)
	}
	r, err := wsexport.Open(context.Background(), p, wsexport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := flow.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestRunFindsTheSameExporterPairsWhateverTheWindow checks, on the
// analysts' export, that widening the window never loses an exporter pair
// that shares sessions: the decision rests on how unlikely the pair's
// cluster of differences is by chance over the window, not on an absolute
// weight that thins as keys gain candidates. (With 1 ms bins and a weight
// of 2, the .170 -> .170 pair was lost from 40 s on, and the +20 s cluster
// .169 -> .170, whose differences spread over a second, was never seen.)
//
// The cross-probe offsets must agree with the probes' clocks as the
// start-time check reads them off the same file (README: .169 and .170 run
// at least 53.536 s and 73.806 s ahead of the collector, .168 0.905 s; the
// bounds are tight, within a second, for probes exporting within a second
// of a flow's start): post - pre = ahead(post) - ahead(pre), within 1 s.
func TestRunFindsTheSameExporterPairsWhateverTheWindow(t *testing.T) {
	recs := readUserExport(t)
	ahead := map[string]float64{"10.103.0.168": 0.905, "10.103.0.169": 53.536, "10.103.0.170": 73.806}
	var before []string
	for _, w := range []time.Duration{25 * time.Second, 30 * time.Second, 40 * time.Second, 80 * time.Second, 120 * time.Second} {
		res, err := match.Run(recs, match.Config{Window: w})
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, g := range res.ByExporterPair(recs) {
			found = append(found, g.Key.String())
			pre, post := g.Key.Pre.Exporter.String(), g.Key.Post.Exporter.String()
			var ds []float64
			for _, pi := range g.Pairs {
				if p := res.Pairs[pi]; !p.Continuation {
					ds = append(ds, float64(p.DeltaNs)/1e9)
				}
			}
			slices.Sort(ds)
			med := ds[len(ds)/2]
			if want := ahead[post] - ahead[pre]; math.Abs(med-want) > 1 {
				t.Errorf("window %v: %s: median difference %.3f s, the start-time check gives %.3f s", w, g.Key, med, want)
			}
		}
		slices.Sort(found)
		t.Logf("window %v: %q", w, found)
		for _, k := range before {
			if !slices.Contains(found, k) {
				t.Errorf("window %v: %s, paired with a narrower window, has no pairs", w, k)
			}
		}
		before = found
		if w == 25*time.Second {
			for _, k := range []string{"10.103.0.168/310 -> 10.103.0.168/320", "10.103.0.169/310 -> 10.103.0.169/320", "10.103.0.170/310 -> 10.103.0.170/320",
				"10.103.0.169/310 -> 10.103.0.170/320", "10.103.0.170/310 -> 10.103.0.169/320"} {
				if !slices.Contains(found, k) {
					t.Errorf("window %v: %s (offset within the window) has no pairs", w, k)
				}
			}
		}
		if w == 80*time.Second {
			for _, k := range []string{"10.103.0.169/310 -> 10.103.0.168/320", "10.103.0.170/310 -> 10.103.0.168/320"} {
				if !slices.Contains(found, k) {
					t.Errorf("window %v: %s (offset -52.6 s or -72.9 s, within the window) has no pairs", w, k)
				}
			}
		}
	}
}
