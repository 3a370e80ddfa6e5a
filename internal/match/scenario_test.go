package match_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"netflowtimedifference/internal/gen"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/stats"
)

// TestRunOnGeneratedScenarios runs the generator's scenarios in process (no
// tshark: the records are those the generator says a collector decodes) and
// checks the matcher and the statistics against the generator's truth:
// precision and recall of the unambiguous pairs at least 0.99, the offset
// of each exporter pair within 1 ms of the truth's median difference for
// millisecond encodings (within the stated precision of the true clock
// offset otherwise) and the drift within 1 ppm.
func TestRunOnGeneratedScenarios(t *testing.T) {
	for _, name := range []string{"in-sync", "offset-5s", "offset-drift", "popular-5s", "v9-ipfix", "uptime-wrap",
		"ipv6-mixed", "multi-probe", "return-flows", "one-sided-drops", "time-variants", "mid-stream", "port-9995", "sample"} {
		t.Run(name, func(t *testing.T) {
			cfg, ok := gen.Scenario(name)
			if !ok {
				t.Skipf("the generator has no scenario %q", name)
			}
			c, err := gen.Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			recs := c.Records
			res, err := match.Run(recs, match.Config{})
			if err != nil {
				t.Fatal(err)
			}
			truePost := map[int32]int32{}
			unamb := map[int32]bool{}
			for _, p := range c.Truth.Pairs {
				truePost[int32(p.Pre.Record)] = int32(p.Post.Record)
				if p.Unambiguous {
					unamb[int32(p.Pre.Record)] = true
				}
			}
			var got, right, gotU, rightU int
			for _, p := range res.Pairs {
				got++
				ok := truePost[p.Pre] == p.Post && hasKey(truePost, p.Pre)
				if ok {
					right++
				}
				if unamb[p.Pre] {
					gotU++
					if ok {
						rightU++
					}
				}
			}
			precU := float64(rightU) / float64(gotU)
			recU := float64(rightU) / float64(len(unamb))
			t.Logf("%d pairs (%d right of %d in the truth, precision %.4f); unambiguous: precision %.4f recall %.4f; unmatched %d/%d",
				got, right, len(c.Truth.Pairs), float64(right)/float64(got), precU, recU, len(res.UnmatchedPre), len(res.UnmatchedPost))
			if precU < 0.99 || recU < 0.99 {
				t.Errorf("unambiguous pairs: precision %.4f recall %.4f, want both >= 0.99", precU, recU)
			}
			// Offsets and drift per exporter pair.
			groups := res.ByExporterPair(recs)
			for _, o := range c.Truth.Offsets {
				label := fmt.Sprintf("%s/%d -> %s/%d", o.PreExporter, o.PreDomain, o.PostExporter, o.PostDomain)
				var g *match.PairGroup
				for i := range groups {
					if groups[i].Key.String() == label {
						g = &groups[i]
					}
				}
				if g == nil {
					t.Errorf("%s: no pairs", label)
					continue
				}
				samples := make([]stats.Sample, len(g.Pairs))
				for i, pi := range g.Pairs {
					p := res.Pairs[pi]
					samples[i] = stats.Sample{AtNs: int64(recs[p.Pre].Start), DeltaNs: p.DeltaNs, PreEnc: recs[p.Pre].StartEnc, PostEnc: recs[p.Post].StartEnc, Continuation: p.Continuation}
				}
				a := stats.Analyze(samples, stats.Options{})
				t.Logf("%s: %d pairs, offset %.3f ms [%.3f, %.3f] bounds [%.3f, %.3f] (truth median %.3f, clock %.3f..%.3f), precision %v ms, drift %+.2f ppm (truth %.2f), verdict %s: %s",
					label, len(g.Pairs), a.Offset.Estimate, a.Offset.Low, a.Offset.High, a.TrueLowMs, a.TrueHighMs, float64(o.MedianDelta)/1e6, float64(o.ClockStart)/1e6, float64(o.ClockEnd)/1e6,
					a.PrecisionMs, a.Drift.PPM, o.DriftPPM, a.Verdict.Code, a.Verdict.Reasons[0])
				if a.PrecisionMs <= 1 {
					if d := math.Abs(a.Offset.Estimate - float64(o.MedianDelta)/1e6); d > 1 {
						t.Errorf("%s: offset %.3f ms, truth median %.3f ms: off by %.3f ms > 1 ms", label, a.Offset.Estimate, float64(o.MedianDelta)/1e6, d)
					}
				} else {
					mid := float64(o.ClockStart+o.ClockEnd) / 2e6
					if d := math.Abs(a.Offset.Estimate - mid); d > a.PrecisionMs {
						t.Errorf("%s: offset %.3f ms, true clock offset %.3f ms: off by %.3f ms, more than the precision %v ms", label, a.Offset.Estimate, mid, d, a.PrecisionMs)
					}
				}
				// The bounds of the clock offset must hold the truth, and the
				// verdict must never contradict it.
				c0, c1 := float64(o.ClockStart)/1e6, float64(o.ClockEnd)/1e6
				if max(c0, c1) < a.TrueLowMs-1 || min(c0, c1) > a.TrueHighMs+1 {
					t.Errorf("%s: clock offset bounds [%.3f, %.3f] ms miss the true %.3f..%.3f ms", label, a.TrueLowMs, a.TrueHighMs, c0, c1)
				}
				tol := float64(stats.DefaultTolerance) / 1e6
				switch a.Verdict.Code {
				case stats.InSync:
					if math.Abs(c0) > tol || math.Abs(c1) > tol {
						t.Errorf("%s: verdict in sync, but the clocks are %.3f..%.3f ms apart", label, c0, c1)
					}
				case stats.OutOfSync:
					if math.Abs(c0) <= tol && math.Abs(c1) <= tol {
						t.Errorf("%s: verdict out of sync, but the clocks are %.3f..%.3f ms apart", label, c0, c1)
					}
				}
				if o.DriftPPM != 0 || time.Duration(cfg.Duration) >= time.Hour {
					if !a.Drift.Determinable || math.Abs(a.Drift.PPM-o.DriftPPM) > 1 {
						t.Errorf("%s: drift %+v, truth %.2f ppm", label, a.Drift, o.DriftPPM)
					}
				}
			}
		})
	}
}

func hasKey(m map[int32]int32, k int32) bool { _, ok := m[k]; return ok }
