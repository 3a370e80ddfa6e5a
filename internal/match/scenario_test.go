package match_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/gen"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/stats"
)

// TestRunOnGeneratedScenarios runs the generator's scenarios in process (no
// tshark: the records are those the generator says a collector decodes) and
// checks the matcher and the statistics against the generator's truth:
// precision and recall of the unambiguous pairs at least 0.99, every pair
// of the truth found and no other (with the scenarios' fixed seeds every
// truth pair is determinable: it is the only candidate near the offset, or
// a continuation whose chain or ends tell it), the offset
// of each exporter pair within 1 ms of the truth's median difference for
// millisecond encodings (within the stated precision of the true clock
// offset otherwise; after a clock step, the truth's median since the last
// step: the offset is the last level's) and the drift within 1 ppm.
func TestRunOnGeneratedScenarios(t *testing.T) {
	for _, name := range []string{"in-sync", "offset-5s", "offset-drift", "popular-5s", "v9-ipfix", "uptime-wrap",
		"ipv6-mixed", "multi-probe", "return-flows", "one-sided-drops", "time-variants", "mid-stream", "port-9995", "clock-step", "sample"} {
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
			precU, recU := scoreUnambiguous(t, c, res)
			if precU < 0.99 || recU < 0.99 {
				t.Errorf("unambiguous pairs: precision %.4f recall %.4f, want both >= 0.99", precU, recU)
			}
			if missed, wrong := allPairs(c, res); len(missed)+len(wrong) > 0 {
				t.Errorf("of %d truth pairs, missed %d %v, and %d pairs not in the truth %v; want all found and no other",
					len(c.Truth.Pairs), len(missed), missed, len(wrong), wrong)
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
				truthMedian := float64(o.MedianDelta) / 1e6
				if len(a.Segments) > 1 {
					// After a clock step the offset is the last level's: the
					// median of the truth's first-segment pairs since then.
					from := a.Segments[len(a.Segments)-1].FromNs
					var ds []int64
					for _, p := range c.Truth.Pairs {
						if !p.Continuation && int64(recs[p.Pre.Record].Start) >= from &&
							recs[p.Pre.Record].ExporterDomain() == g.Key.Pre && recs[p.Post.Record].ExporterDomain() == g.Key.Post {
							ds = append(ds, p.DeltaNs)
						}
					}
					slices.Sort(ds)
					truthMedian = float64(ds[len(ds)/2]) / 1e6
					if len(ds)%2 == 0 {
						truthMedian = float64(ds[len(ds)/2-1]+ds[len(ds)/2]) / 2e6
					}
				}
				if a.PrecisionMs <= 1 {
					if d := math.Abs(a.Offset.Estimate - truthMedian); d > 1 {
						t.Errorf("%s: offset %.3f ms, truth median %.3f ms: off by %.3f ms > 1 ms", label, a.Offset.Estimate, truthMedian, d)
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

// scoreUnambiguous returns the precision and recall of the pairs of res
// among the truth's unambiguous pairs (by pre record), and logs the figures.
func scoreUnambiguous(t *testing.T, c *gen.Capture, res *match.Result) (precU, recU float64) {
	t.Helper()
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
	precU = float64(rightU) / float64(gotU)
	recU = float64(rightU) / float64(len(unamb))
	t.Logf("%d pairs (%d right of %d in the truth, precision %.4f); unambiguous: precision %.4f recall %.4f; unmatched %d/%d",
		got, right, len(c.Truth.Pairs), float64(right)/float64(got), precU, recU, len(res.UnmatchedPre), len(res.UnmatchedPost))
	return precU, recU
}

func hasKey(m map[int32]int32, k int32) bool { _, ok := m[k]; return ok }

// allPairs compares the pairs of res with every pair of the truth: the
// truth pairs it missed and the pairs the truth does not hold, each as
// "frame F set S flow N <=> frame F set S flow N" with the difference.
func allPairs(c *gen.Capture, res *match.Result) (missed, wrong []string) {
	got := map[[2]int32]bool{}
	for _, p := range res.Pairs {
		got[[2]int32{p.Pre, p.Post}] = true
	}
	name := func(i int32) string {
		r := c.Records[i]
		return fmt.Sprintf("frame %d set %d flow %d", r.Frame, r.Set, r.Flow)
	}
	inTruth := map[[2]int32]bool{}
	for _, p := range c.Truth.Pairs {
		k := [2]int32{int32(p.Pre.Record), int32(p.Post.Record)}
		inTruth[k] = true
		if !got[k] {
			missed = append(missed, fmt.Sprintf("%s <=> %s (%+d ms, continuation %v)", name(k[0]), name(k[1]), p.DeltaNs/1e6, p.Continuation))
		}
	}
	for _, p := range res.Pairs {
		if !inTruth[[2]int32{p.Pre, p.Post}] {
			wrong = append(wrong, fmt.Sprintf("%s <=> %s (%+d ms)", name(p.Pre), name(p.Post), p.DeltaNs/1e6))
		}
	}
	return missed, wrong
}

// TestRunOnClockStepScenarioFindsOneStep checks the "clock-step" scenario
// (post clock 1.5 s behind until NTP steps it right 40 s into the capture):
// the pairs follow the step, and the statistics report exactly one step,
// between the last true pair before it and the first after it (both read
// off the truth), with the levels of the truth's clocks.
//
// The levels' tolerance is derived from the scenario: a level is the median
// of differences that each carry the clock offset, plus the NAT latency (the
// post probe sees the first packet later), plus the truncation of both start
// times to the millisecond (less than the pairs' precision, 1 ms), plus the
// jitter of each timestamp (normal, independent on both sides, so the
// difference's standard deviation is the root of the sum of squares). The
// tolerance allows the NAT latency, the precision and four standard
// deviations of the jitter (~2.85 ms here); the medians of hundreds of pairs
// lie well inside it.
func TestRunOnClockStepScenarioFindsOneStep(t *testing.T) {
	cfg, ok := gen.Scenario("clock-step")
	if !ok {
		t.Skip("the generator has no scenario clock-step")
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
	if precU, recU := scoreUnambiguous(t, c, res); precU < 0.99 || recU < 0.99 {
		t.Errorf("unambiguous pairs: precision %.4f recall %.4f, want both >= 0.99", precU, recU)
	}
	preClock, postClock := cfg.Probes[0].Pre.Clock, cfg.Probes[1].Post.Clock
	if postClock.Step == 0 || preClock.Step != 0 {
		t.Fatalf("the scenario changed: pre clock %+v, post clock %+v", preClock, postClock)
	}
	wantBefore := float64(postClock.Offset-preClock.Offset) / 1e6
	wantAfter := float64(postClock.Offset+postClock.Step-preClock.Offset) / 1e6
	stepAt := int64(cfg.Start) + int64(postClock.StepAt)

	samples := make([]stats.Sample, len(res.Pairs))
	for i, p := range res.Pairs {
		samples[i] = stats.Sample{AtNs: int64(recs[p.Pre].Start), DeltaNs: p.DeltaNs, PreEnc: recs[p.Pre].StartEnc, PostEnc: recs[p.Post].StartEnc, Continuation: p.Continuation}
	}
	a := stats.Analyze(samples, stats.Options{})
	jitter := math.Hypot(float64(preClock.Jitter), float64(postClock.Jitter)) / 1e6
	tol := a.PrecisionMs + float64(cfg.NATLatency)/1e6 + 4*jitter
	t.Logf("steps %+v; want one at %v from %.1f to %.1f ms within %.3f ms (precision %v ms, jitter of a difference %.3f ms)",
		a.Steps, time.Duration(stepAt-int64(cfg.Start)), wantBefore, wantAfter, tol, a.PrecisionMs, jitter)
	if len(a.Steps) != 1 {
		t.Fatalf("%d steps %+v, want exactly one", len(a.Steps), a.Steps)
	}
	s := a.Steps[0]
	if math.Abs(s.BeforeMs-wantBefore) > tol || math.Abs(s.AfterMs-wantAfter) > tol {
		t.Errorf("step from %.3f to %.3f ms, want %.1f to %.1f ms within %.3f ms", s.BeforeMs, s.AfterMs, wantBefore, wantAfter, tol)
	}
	// The first pair at the new level is the first session after the step:
	// its pre start lies after the last first-segment true pair with the
	// old clock offset and no later than the first with the new one.
	lastOld, firstNew := int64(math.MinInt64), int64(math.MaxInt64)
	for _, p := range c.Truth.Pairs {
		if p.Continuation {
			continue
		}
		at := int64(recs[p.Pre.Record].Start)
		if p.ClockDeltaNs == int64(postClock.Offset-preClock.Offset) {
			lastOld = max(lastOld, at)
		} else {
			firstNew = min(firstNew, at)
		}
	}
	if !(s.AtNs > lastOld && s.AtNs <= firstNew) {
		t.Errorf("step at %v into the capture, want after the last old-offset pair at %v and at the latest the first new-offset one at %v",
			time.Duration(s.AtNs-int64(cfg.Start)), time.Duration(lastOld-int64(cfg.Start)), time.Duration(firstNew-int64(cfg.Start)))
	}
	if d := time.Duration(s.AtNs - stepAt); d < -time.Second || d > time.Second {
		t.Errorf("step at %v into the capture, want within 1 s of %v", time.Duration(s.AtNs-int64(cfg.Start)), postClock.StepAt)
	}
}

// TestRunOnTimeZoneScenario checks the "tz-3h" scenario (post clock exactly
// 3 h ahead, as an exporter set to UTC+3 local time): a window wider than
// the offset pairs the sessions and the statistics call the offset twelve
// quarter hours; the default window pairs nothing and every record says
// its nearest counterpart is 3 h away.
func TestRunOnTimeZoneScenario(t *testing.T) {
	cfg, ok := gen.Scenario("tz-3h")
	if !ok {
		t.Skip("the generator has no scenario tz-3h")
	}
	c, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs := c.Records
	offset := cfg.Probes[1].Post.Clock.Offset - cfg.Probes[0].Pre.Clock.Offset
	if offset != 3*time.Hour {
		t.Fatalf("the scenario changed: offset %v, want 3h", offset)
	}

	t.Run("a window of three hours and ten seconds pairs the sessions and hints at a time zone", func(t *testing.T) {
		res, err := match.Run(recs, match.Config{Window: 3*time.Hour + 10*time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if precU, recU := scoreUnambiguous(t, c, res); precU < 0.99 || recU < 0.99 {
			t.Errorf("unambiguous pairs: precision %.4f recall %.4f, want both >= 0.99", precU, recU)
		}
		samples := make([]stats.Sample, len(res.Pairs))
		for i, p := range res.Pairs {
			samples[i] = stats.Sample{AtNs: int64(recs[p.Pre].Start), DeltaNs: p.DeltaNs, PreEnc: recs[p.Pre].StartEnc, PostEnc: recs[p.Post].StartEnc, Continuation: p.Continuation}
		}
		a := stats.Analyze(samples, stats.Options{})
		t.Logf("offset %.3f ms, quarter hours %d: %s", a.Offset.Estimate, a.QuarterHours, a.QuarterHourHint)
		if a.QuarterHours != 12 || a.QuarterHourHint == "" {
			t.Errorf("quarter hours %d (hint %q), want 12 with a hint", a.QuarterHours, a.QuarterHourHint)
		}
		median := float64(c.Truth.Offsets[0].MedianDelta) / 1e6
		if d := math.Abs(a.Offset.Estimate - median); d > 1 {
			t.Errorf("offset %.3f ms, truth median %.3f ms: off by %.3f ms > 1 ms", a.Offset.Estimate, median, d)
		}
	})

	t.Run("the default window pairs nothing and names the nearest record three hours away", func(t *testing.T) {
		res, err := match.Run(recs, match.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Pairs) != 0 {
			t.Errorf("%d pairs, want none", len(res.Pairs))
		}
		if len(res.UnmatchedPre) != res.RecordsPre || len(res.UnmatchedPost) != res.RecordsPost {
			t.Errorf("unmatched %d/%d, want every record (%d/%d)", len(res.UnmatchedPre), len(res.UnmatchedPost), res.RecordsPre, res.RecordsPost)
		}
		// The nearest record of the same key is 3 h away, give or take the
		// span of the sessions' starts (capture plus warm-up).
		span := cfg.Duration + cfg.Warmup
		partner := map[int32]int64{} // pre record -> true delta
		for _, p := range c.Truth.Pairs {
			partner[int32(p.Pre.Record)] = p.DeltaNs
		}
		exact := 0
		for _, u := range append(append([]match.Unmatched(nil), res.UnmatchedPre...), res.UnmatchedPost...) {
			if u.Why != match.ReasonOutsideWindow || time.Duration(abs(u.NearestNs-int64(3*time.Hour))) > span ||
				!strings.HasPrefix(u.Reason(), "no candidate within the window (nearest at +3 h") {
				t.Errorf("record %d: %q (nearest %v), want no candidate within the window, nearest at +3 h +- %v", u.Index, u.Reason(), time.Duration(u.NearestNs), span)
				continue
			}
			// Where the nearest is the true partner 3 h and a few ms
			// away, the reason reads exactly so.
			if d, ok := partner[u.Index]; ok && d == u.NearestNs && abs(d-int64(3*time.Hour)) < int64(time.Second) {
				ms := time.Duration(d - int64(3*time.Hour)).Round(time.Millisecond).Milliseconds()
				want := "no candidate within the window (nearest at +3 h)"
				if ms != 0 {
					want = fmt.Sprintf("no candidate within the window (nearest at +3 h %+g s)", float64(ms)/1000)
				}
				if u.Reason() != want {
					t.Errorf("record %d: %q, want %q", u.Index, u.Reason(), want)
				}
				exact++
			}
		}
		t.Logf("%d/%d unmatched; %d pre records' nearest is their true partner; e.g. %q", len(res.UnmatchedPre), len(res.UnmatchedPost), exact, res.UnmatchedPre[0].Reason())
		if exact == 0 {
			t.Error("no pre record's nearest is its true partner: the exact reasons were not checked")
		}
	})
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// When the clocks differ by more than the window and several exporter pairs
// compete, no exporter pair's differences stand out from chance: nothing
// pairs (the old fallback kept every exporter pair then, and paired keys
// that coincide by chance at made-up offsets of a few seconds), every
// record says why, and the window the candidates outside it suggest pairs
// every session of the truth.
func TestClocksFurtherApartThanTheWindowPairNothingUntilTheWindowCoversThem(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		cross    bool
	}{{"sample", false}, {"multi-probe", false}, {"multi-probe", true}} {
		t.Run(fmt.Sprintf("%s cross-probe %v", tc.scenario, tc.cross), func(t *testing.T) {
			def, _ := gen.Scenario(tc.scenario)
			c, res := generate(t, tc.scenario, def.Seed, 0, func(cfg *gen.Config) {
				cfg.CrossProbe = tc.cross
				for i := range cfg.Probes {
					cfg.Probes[i].Post.Clock.Offset = 20 * time.Second
				}
			})
			if len(res.Pairs) != 0 {
				_, wrong := allPairs(c, res)
				t.Errorf("6 s window: %d pairs (%d not in the truth), want none", len(res.Pairs), len(wrong))
			}
			if n := len(res.UnmatchedPre) + len(res.UnmatchedPost); n != len(c.Records) {
				t.Errorf("6 s window: %d records unmatched, want all %d", n, len(c.Records))
			}
			res, err := match.Run(c.Records, match.Config{Window: 26 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if missed, wrong := allPairs(c, res); len(missed)+len(wrong) > 0 {
				t.Errorf("26 s window: of %d truth pairs, missed %d, and %d pairs not in the truth", len(c.Truth.Pairs), len(missed), len(wrong))
			}
		})
	}
}

// In time-variants with seeds 6 and 8, records whose IPFIX
// flowStartDeltaMicroseconds was clamped to 0 (a start in the export
// second) carry a start up to 1 s early among exact ones of their exporter:
// the gate allows for that one-sided slack, and every truth pair is found.
func TestStartsCoarserThanTheirExportersUsualPairWithinTheirSlack(t *testing.T) {
	for _, seed := range []int64{6, 8} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			c, res := generate(t, "time-variants", seed, 0, nil)
			clamped := 0
			for _, r := range c.Records {
				if r.StartEnc == flow.EncDeltaMicrosecondsZero {
					clamped++
				}
			}
			if clamped == 0 {
				t.Fatal("no record with a flowStartDeltaMicroseconds of 0: the test proves nothing")
			}
			if missed, wrong := allPairs(c, res); len(missed)+len(wrong) > 0 {
				t.Errorf("%d clamped starts; of %d truth pairs, missed %v, and %v not in the truth", clamped, len(c.Truth.Pairs), missed, wrong)
			}
		})
	}
}
