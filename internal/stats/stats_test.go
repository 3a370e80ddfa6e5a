package stats

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*max(1, math.Abs(b)) }

func TestSummarizeHandWorked(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want Summary
	}{
		{
			name: "five values one apart",
			in:   []float64{3, 1, 5, 2, 4},
			// p5 at position 0.2 -> 1.2; p95 at 3.8 -> 4.8; stddev sqrt(10/4);
			// deviations from 3: 2 1 0 1 2 -> median 1.
			want: Summary{N: 5, Min: 1, P5: 1.2, Median: 3, Mean: 3, P95: 4.8, Max: 5, Stddev: math.Sqrt(2.5), MAD: 1},
		},
		{
			name: "four values interpolate the median",
			in:   []float64{40, 10, 30, 20},
			// p5 at 0.15 -> 11.5; p95 at 2.85 -> 38.5; deviations from 25: 15 5 5 15 -> 10.
			want: Summary{N: 4, Min: 10, P5: 11.5, Median: 25, Mean: 25, P95: 38.5, Max: 40, Stddev: math.Sqrt(500.0 / 3), MAD: 10},
		},
		{
			name: "one value has no spread",
			in:   []float64{-7},
			want: Summary{N: 1, Min: -7, P5: -7, Median: -7, Mean: -7, P95: -7, Max: -7, Stddev: 0, MAD: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Summarize(tt.in)
			w := tt.want
			if g.N != w.N || !near(g.Min, w.Min) || !near(g.P5, w.P5) || !near(g.Median, w.Median) || !near(g.Mean, w.Mean) ||
				!near(g.P95, w.P95) || !near(g.Max, w.Max) || !near(g.Stddev, w.Stddev) || !near(g.MAD, w.MAD) {
				t.Errorf("Summarize = %+v, want %+v", g, w)
			}
		})
	}
	if s := Summarize(nil); s.N != 0 || !math.IsNaN(s.Median) {
		t.Errorf("empty summary = %+v, want NaNs", s)
	}
}

func TestMedianCIOrderStatistics(t *testing.T) {
	seq := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[n-1-i] = float64(i + 1) // reversed: the function sorts
		}
		return out
	}
	tests := []struct {
		name           string
		n              int
		low, high, cov float64
	}{
		// n=5: P(B=0) = 1/32 > 0.025, so [min, max] covering 1 - 2/32.
		{"five values give min to max covering 93.75 percent", 5, 1, 5, 0.9375},
		// n=10: P(B<=1) = 11/1024 <= 0.025 < P(B<=2) = 56/1024: ranks 2 and 9.
		{"ten values give the 2nd and 9th", 10, 2, 9, 1 - 22.0/1024},
		// n=20: P(B<=5) = 21700/2^20 <= 0.025 < P(B<=6): ranks 6 and 15.
		{"twenty values give the 6th and 15th", 20, 6, 15, 1 - 2*21700.0/1048576},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci := MedianCI(seq(tt.n), 0.95)
			if ci.Low != tt.low || ci.High != tt.high || !near(ci.Coverage, tt.cov) || ci.Estimate != float64(tt.n+1)/2 {
				t.Errorf("MedianCI = %+v, want [%v, %v] covering %v", ci, tt.low, tt.high, tt.cov)
			}
		})
	}
	t.Run("the normal approximation for large samples stays close to the exact ranks", func(t *testing.T) {
		ci := MedianCI(seq(20001), 0.95)
		// j = floor(20001/2 - 1.96*sqrt(20001)/2) = floor(10000.5 - 138.59) = 9861.
		if ci.Low != 9861 || ci.High != 20001-9861+1 {
			t.Errorf("MedianCI(20001) = %+v, want [9861, 10141]", ci)
		}
	})
}

func TestTheilSenIgnoresOutliers(t *testing.T) {
	var x, y []float64
	for i := 0; i < 10; i++ {
		x = append(x, float64(i))
		y = append(y, 2*float64(i)+1)
	}
	y[3], y[7] = 100, -50 // 28 of the 45 slopes are exactly 2
	slope, icpt, ok := TheilSen(x, y)
	if !ok || slope != 2 || icpt != 1 {
		t.Errorf("TheilSen = %v, %v, %v; want 2, 1", slope, icpt, ok)
	}
	if _, _, ok := TheilSen([]float64{1, 1}, []float64{0, 5}); ok {
		t.Error("TheilSen with one distinct x reported ok")
	}
}

func TestEstimateDrift(t *testing.T) {
	t0 := int64(1_700_000_000) * 1e9
	line := func(n int, every time.Duration, ppm float64) ([]int64, []float64) {
		var at []int64
		var d []float64
		for i := 0; i < n; i++ {
			s := float64(i) * every.Seconds()
			at = append(at, t0+int64(i)*int64(every))
			d = append(d, 5000+ppm*s/1000) // ppm -> ms per s is ppm/1000
		}
		return at, d
	}
	t.Run("ten ppm over an hour is 36 ms per hour despite outliers", func(t *testing.T) {
		at, d := line(361, 10*time.Second, 10)
		d[5], d[100], d[200] = 9000, -3000, 5949
		dr := EstimateDrift(at, d, 0)
		if !dr.Determinable || math.Abs(dr.PPM-10) > 1e-6 || math.Abs(dr.MsPerHour-36) > 1e-6 || math.Abs(dr.InterceptMs-5000) > 1e-6 {
			t.Errorf("drift = %+v, want 10 ppm, 36 ms/hour, intercept 5000", dr)
		}
	})
	t.Run("large samples use a subsample and stay within a hundredth of a ppm", func(t *testing.T) {
		at, d := line(50000, 72*time.Millisecond, -3)
		dr := EstimateDrift(at, d, 0)
		if !dr.Determinable || math.Abs(dr.PPM+3) > 0.01 {
			t.Errorf("drift = %+v, want -3 ppm", dr)
		}
	})
	t.Run("five minutes of pairs are too short", func(t *testing.T) {
		at, d := line(31, 10*time.Second, 10)
		dr := EstimateDrift(at, d, 0)
		if dr.Determinable || dr.Reason != "the pairs span 5 min, less than the 10 min needed" {
			t.Errorf("drift = %+v, want not determinable over 5 minutes", dr)
		}
	})
	t.Run("nine pairs are too few", func(t *testing.T) {
		at, d := line(9, time.Hour, 10)
		if dr := EstimateDrift(at, d, 0); dr.Determinable || !strings.Contains(dr.Reason, "only 9 pairs") {
			t.Errorf("drift = %+v, want too few pairs", dr)
		}
	})
}

func TestDetectSteps(t *testing.T) {
	t0 := int64(1_700_000_000) * 1e9
	series := func(levels ...float64) ([]int64, []float64) {
		var at []int64
		var d []float64
		for li, l := range levels {
			for i := 0; i < 100; i++ {
				k := li*100 + i
				at = append(at, t0+int64(k)*int64(time.Second))
				d = append(d, l+float64(k%5)-2) // +-2 ms jitter
			}
		}
		return at, d
	}
	t.Run("a jump that stays is one step at the first pair of the new level", func(t *testing.T) {
		at, d := series(0, 5000)
		st := DetectSteps(at, d, 100, 0)
		if len(st) != 1 || st[0].Index != 100 || st[0].AtNs != at[100] || st[0].BeforeMs != 0 || st[0].AfterMs != 5000 {
			t.Errorf("steps = %+v, want one at index 100 from 0 to 5000", st)
		}
	})
	t.Run("two steps are both found", func(t *testing.T) {
		at, d := series(0, 5000, 2000)
		st := DetectSteps(at, d, 100, 0)
		if len(st) != 2 || st[0].Index != 100 || st[1].Index != 200 || st[1].AfterMs != 2000 {
			t.Errorf("steps = %+v, want at 100 and 200", st)
		}
	})
	t.Run("isolated outliers are not steps", func(t *testing.T) {
		at, d := series(0, 0)
		d[50], d[51], d[120] = 949, 949, -3000
		if st := DetectSteps(at, d, 100, 0); len(st) != 0 {
			t.Errorf("steps = %+v, want none", st)
		}
	})
	t.Run("a jump shorter than the minimum run is not a step", func(t *testing.T) {
		at, d := series(0, 0)
		for i := 100; i < 110; i++ {
			d[i] = 5000
		}
		if st := DetectSteps(at, d, 100, 20); len(st) != 0 {
			t.Errorf("steps = %+v, want none", st)
		}
	})
	t.Run("steady drift is not a step", func(t *testing.T) {
		at, d := series(0, 0)
		for i := range d {
			d[i] += float64(i) * 5 // 1000 ms over the series
		}
		if st := DetectSteps(at, d, 100, 0); len(st) != 0 {
			t.Errorf("steps = %+v, want none", st)
		}
	})
	t.Run("long series are reduced to block medians and keep the step", func(t *testing.T) {
		var at []int64
		var d []float64
		for i := 0; i < 200_000; i++ {
			at = append(at, t0+int64(i)*int64(10*time.Millisecond))
			v := float64(i%7) - 3
			if i >= 123_456 {
				v += 300
			}
			d = append(d, v)
		}
		st := DetectSteps(at, d, 100, 0)
		if len(st) != 1 || st[0].Index < 123_452 || st[0].Index > 123_456 || st[0].AfterMs != 300 {
			t.Errorf("steps = %+v, want one near 123456 (block of 4)", st)
		}
	})
}

func TestQuarterHours(t *testing.T) {
	tests := []struct {
		name     string
		offset   float64
		slack    float64
		k        int
		contains string
	}{
		{"three hours ahead is twelve quarter hours", 3*3600e3 + 0.4, 100, 12, "+3 h (12 quarter hours) within 100 ms"},
		{"forty-five minutes behind is minus three", -45*60e3 - 80, 100, -3, "-45 min"},
		{"five and a half hours is twenty-two", 5.5*3600e3 + 700, 1000, 22, "+5 h 30 min"},
		{"five seconds is no quarter hour", 5000, 100, 0, ""},
		{"zero is no quarter hour", 0.3, 100, 0, ""},
		{"a quarter hour off by more than the slack is not hinted", 15*60e3 + 250, 100, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, hint := QuarterHours(tt.offset, tt.slack)
			if k != tt.k || !strings.Contains(hint, tt.contains) || (tt.k == 0) != (hint == "") {
				t.Errorf("QuarterHours = %d, %q; want %d containing %q", k, hint, tt.k, tt.contains)
			}
		})
	}
}

func TestPairPrecision(t *testing.T) {
	tests := []struct {
		name      string
		pre, post flow.Encoding
		want      time.Duration
	}{
		{"two millisecond sides are exact to a millisecond", flow.EncMilliseconds, flow.EncMilliseconds, time.Millisecond},
		{"a v9 side limits the pair to one second", flow.EncV9Uptime, flow.EncMilliseconds, time.Second},
		{"flowStartSeconds limits the pair to one second", flow.EncMilliseconds, flow.EncSeconds, time.Second},
		{"nanoseconds against microseconds give a microsecond", flow.EncNanoseconds, flow.EncMicroseconds, time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PairPrecision(tt.pre, tt.post); got != tt.want {
				t.Errorf("PairPrecision = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnalyzeVerdicts(t *testing.T) {
	t0 := int64(1_700_000_000) * 1e9
	mk := func(enc flow.Encoding, deltasMs ...float64) []Sample {
		out := make([]Sample, len(deltasMs))
		for i, d := range deltasMs {
			out[i] = Sample{AtNs: t0 + int64(i)*int64(time.Second), DeltaNs: int64(math.Round(d * 1e6)), PreEnc: flow.EncMilliseconds, PostEnc: enc}
		}
		return out
	}
	rep := func(n int, f func(i int) float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	jitter := func(c float64) func(int) float64 { return func(i int) float64 { return c + float64(i%5) - 2 } }
	tests := []struct {
		name     string
		samples  []Sample
		code     string
		decisive string
	}{
		{"differences of a few ms are in sync", mk(flow.EncMilliseconds, rep(50, jitter(1))...), InSync,
			"in sync: the clock offset (-1 ms to +3 ms) lies within the tolerance of ±100 ms"},
		{"five seconds are out of sync", mk(flow.EncMilliseconds, rep(50, jitter(5000))...), OutOfSync,
			"out of sync: the clock offset (+4.998 s to +5.002 s) lies beyond the tolerance of ±100 ms"},
		{"a v9 post side 400 ms behind cannot tell", mk(flow.EncV9Uptime, rep(50, jitter(-400))...), Undetermined,
			"undetermined: the start times carry only 1 s, coarser than the tolerance of 100 ms; the clock offset lies between -402 ms and +601 ms"},
		// v9 starts lie only early: with the pre side in v9, a post start
		// 400 ms before the pre start means the post clock is 400 to 1400 ms behind.
		{"a v9 pre side 400 ms ahead is out of sync", func() []Sample {
			s := mk(flow.EncMilliseconds, rep(50, jitter(-400))...)
			for i := range s {
				s[i].PreEnc, s[i].PostEnc = flow.EncV9Uptime, flow.EncMilliseconds
			}
			return s
		}(), OutOfSync, "out of sync: the clock offset (-1.401 s to -398 ms) lies beyond the tolerance of ±100 ms"},
		{"a v9 side with five seconds is out of sync", mk(flow.EncV9Uptime, rep(50, jitter(5000))...), OutOfSync,
			"out of sync: the clock offset (+4.998 s to +6.001 s) lies beyond the tolerance of ±100 ms"},
		{"an offset at the tolerance is undetermined", mk(flow.EncMilliseconds, rep(50, jitter(100))...), Undetermined,
			"undetermined: the clock offset (+98 ms to +102 ms) straddles the tolerance of ±100 ms"},
		{"two pairs are too few", mk(flow.EncMilliseconds, 5000, 5000), Undetermined, "only 2 pairs: at least 3 are needed for a verdict"},
		{"no pairs is undetermined", nil, Undetermined, "no pairs: nothing to compare"},
		{"a step to five seconds halfway is out of sync for part of the capture",
			mk(flow.EncMilliseconds, rep(200, func(i int) float64 {
				if i < 120 {
					return jitter(0)(i)
				}
				return jitter(5000)(i)
			})...), OutOfSync,
			"out of sync for part of the capture: a clock step took the difference beyond the tolerance of ±100 ms"},
		{"a clock 5 s behind until it is stepped right halfway is out of sync for part of the capture, not out of sync by the pooled median",
			mk(flow.EncMilliseconds, rep(200, func(i int) float64 {
				if i < 120 {
					return jitter(-5000)(i)
				}
				return jitter(0)(i)
			})...), OutOfSync,
			"out of sync for part of the capture: a clock step took the difference beyond the tolerance of ±100 ms"},
		{"67 pairs at 0 ms and 2 at 949 ms are in sync", mk(flow.EncMilliseconds, append(rep(67, func(int) float64 { return 0 }), 949, 949)...), InSync,
			"in sync: the clock offset (-1 ms to +1 ms) lies within the tolerance of ±100 ms"},
		{"continuation pairs are left out of the verdict", func() []Sample {
			s := mk(flow.EncMilliseconds, append(rep(20, func(int) float64 { return 0 }), rep(30, func(i int) float64 { return 1000 + float64(i) })...)...)
			for i := 20; i < len(s); i++ {
				s[i].Continuation = true
			}
			return s
		}(), InSync, "in sync: the clock offset (-1 ms to +1 ms) lies within the tolerance of ±100 ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Analyze(tt.samples, Options{})
			if a.Verdict.Code != tt.code || len(a.Verdict.Reasons) == 0 || a.Verdict.Reasons[0] != tt.decisive {
				t.Errorf("verdict = %q %q, want %q %q", a.Verdict.Code, a.Verdict.Reasons, tt.code, tt.decisive)
			}
		})
	}
	t.Run("pairs of different precision say so and give no pooled clock range", func(t *testing.T) {
		// 25 pairs with a whole-second pre side at +752 ms and 25 with
		// millisecond sides at +250 ms, as two probes of time-variants: the
		// coarsest side's 1 s allowance applied to their pooled median would
		// give a clock range that holds for neither.
		s := append(mk(flow.EncMilliseconds, rep(25, jitter(250))...), mk(flow.EncMilliseconds, rep(25, jitter(752))...)...)
		for i := 25; i < 50; i++ {
			s[i].PreEnc = flow.EncSeconds
		}
		a := Analyze(s, Options{})
		if a.PrecisionMs != 1000 || a.PrecisionMinMs != 1 {
			t.Errorf("precision %v .. %v ms, want 1 .. 1000", a.PrecisionMinMs, a.PrecisionMs)
		}
		all := strings.Join(a.Verdict.Reasons, "\n")
		if want := "the start times are exact to between 1 ms and 1 s, depending on the pair (encodings differ: each exporter pair has its own precision)"; !strings.Contains(all, want) {
			t.Errorf("reasons %q lack %q", all, want)
		}
		if strings.Contains(all, "allowing for the precision") {
			t.Errorf("reasons give a pooled clock range: %q", all)
		}
	})
	t.Run("after a clock step the offset is the last level's and each level has its own interval", func(t *testing.T) {
		// 120 pairs at 0 ms, then 80 at 5 s, each level with jitter -2 .. +2
		// ms (equally often): the median of each is its level; the order
		// statistics of the 95 % interval of 120 values (ranks about 49 ..
		// 72) are all 0, those of 80 values (ranks 31 .. 50) 4999 and 5001.
		a := Analyze(mk(flow.EncMilliseconds, rep(200, func(i int) float64 {
			if i < 120 {
				return jitter(0)(i)
			}
			return jitter(5000)(i)
		})...), Options{})
		if len(a.Segments) != 2 || a.Segments[0].N != 120 || a.Segments[1].N != 80 || a.Segments[1].FromNs != t0+120e9 ||
			a.Segments[0].Offset.Estimate != 0 || a.Segments[1].Offset.Estimate != 5000 {
			t.Fatalf("segments %+v, want 120 pairs at 0 ms, then from the 121st 80 at 5000 ms", a.Segments)
		}
		if a.Offset != a.Segments[1].Offset || a.Offset.Low != 4999 || a.Offset.High != 5001 {
			t.Errorf("offset %+v, want the last level's, 5000 ms in 4999 .. 5001", a.Offset)
		}
		want := "200 pairs; the post side's start times differ from the pre side's by 0 ms (median; 95 % interval 0 ms to 0 ms; 120 pairs) until the clock step at 2023-11-14T22:15:20.000Z, then by +5 s (median; 95 % interval +4.999 s to +5.001 s; 80 pairs)"
		if !slices.Contains(a.Verdict.Reasons, want) {
			t.Errorf("reasons %q lack %q", a.Verdict.Reasons, want)
		}
		if b := Analyze(mk(flow.EncMilliseconds, rep(50, jitter(5000))...), Options{}); len(b.Segments) != 0 {
			t.Errorf("no step, segments %+v, want none", b.Segments)
		}
	})
	t.Run("the reasons give the share within tolerance and the outliers", func(t *testing.T) {
		a := Analyze(mk(flow.EncMilliseconds, append(rep(67, func(int) float64 { return 0 }), 949, 949)...), Options{})
		all := strings.Join(a.Verdict.Reasons, "\n")
		for _, w := range []string{"69 pairs; the post side's start times differ from the pre side's by 0 ms", "97.1 % of the pairs lie within the tolerance of ±100 ms", "drift not determinable: the pairs span 1 min 8 s"} {
			if !strings.Contains(all, w) {
				t.Errorf("reasons %q lack %q", all, w)
			}
		}
		if a.Max != 949 || a.Median != 0 || a.PrecisionMs != 1 {
			t.Errorf("analysis = %+v", a)
		}
	})
	t.Run("a time-zone offset is hinted", func(t *testing.T) {
		a := Analyze(mk(flow.EncMilliseconds, rep(30, jitter(-7200e3))...), Options{})
		if a.QuarterHours != -8 || !strings.Contains(strings.Join(a.Verdict.Reasons, "\n"), "-2 h (-8 quarter hours)") {
			t.Errorf("quarter hours %d, reasons %q", a.QuarterHours, a.Verdict.Reasons)
		}
	})
}

func TestAnalyzeMeasuresDriftBetweenSteps(t *testing.T) {
	// An hour of pairs every 10 s, 20 ppm drift (72 ms/hour), and a 2 s
	// step after 40 minutes: the step is found and does not pass for drift.
	t0 := int64(1_700_000_000) * 1e9
	var s []Sample
	for i := 0; i < 361; i++ {
		sec := float64(i * 10)
		d := 100 + 20*sec/1000
		if i >= 240 {
			d += 2000
		}
		s = append(s, Sample{AtNs: t0 + int64(i)*10e9, DeltaNs: int64(d * 1e6), PreEnc: flow.EncMilliseconds, PostEnc: flow.EncMilliseconds})
	}
	a := Analyze(s, Options{})
	if len(a.Steps) != 1 || a.Steps[0].Index != 240 || math.Abs(a.Drift.PPM-20) > 0.01 || a.Verdict.Code != OutOfSync {
		t.Errorf("steps %+v, drift %+v, verdict %s; want one step at 240, 20 ppm, out of sync", a.Steps, a.Drift, a.Verdict.Code)
	}
}

func TestFormatMsUsesUnitsAnAnalystReads(t *testing.T) {
	for _, tc := range []struct {
		ms   float64
		want string
	}{
		{0, "0 ms"},
		{0.4, "0.4 ms"},
		{-12, "-12 ms"},
		{5002.1, "5.002 s"},
		{59_999, "59.999 s"},
		{60_000, "1 min"},
		{10_800_000, "3 h"},
		{-10_800_140, "-3 h 0.14 s"},
		{5_042_815_996, "58 d 8 h 46 min 55.996 s"},
	} {
		if got := FormatMs(tc.ms); got != tc.want {
			t.Errorf("FormatMs(%v) = %q, want %q", tc.ms, got, tc.want)
		}
	}
	if got := FormatSignedMs(10_800_000); got != "+3 h" {
		t.Errorf("FormatSignedMs(3 h) = %q", got)
	}
}

// A clock drifting through the tolerance: the post clock starts 180 ms behind
// and ends 180 ms ahead an hour later (100 ppm). The median difference is
// about 0 and its interval narrow, yet the clocks are out of sync at both
// ends of the capture; a drift from 0 to +50 ms stays in sync.
func TestAClockDriftingBeyondTheToleranceIsOutOfSync(t *testing.T) {
	t0 := int64(1_700_000_000) * 1e9
	mk := func(fromMs, toMs float64) []Sample {
		var s []Sample
		for i := 0; i <= 120; i++ {
			d := fromMs + (toMs-fromMs)*float64(i)/120
			s = append(s, Sample{AtNs: t0 + int64(i)*30e9, DeltaNs: int64(math.Round(d * 1e6)), PreEnc: flow.EncMilliseconds, PostEnc: flow.EncMilliseconds})
		}
		return s
	}
	a := Analyze(mk(-180, 180), Options{})
	if a.Verdict.Code != OutOfSync || !strings.Contains(a.Verdict.Reasons[0], "drift apart by +360 ms/hour (100 ppm), from -180 ms at 2023-11-14T22:13:20Z to +180 ms at 2023-11-14T23:13:20Z") {
		t.Errorf("drift through the tolerance: %s %q", a.Verdict.Code, a.Verdict.Reasons)
	}
	if a := Analyze(mk(0, 50), Options{}); a.Verdict.Code != InSync {
		t.Errorf("drift from 0 to 50 ms: %s %q, want in sync", a.Verdict.Code, a.Verdict.Reasons)
	}
}

func TestAFewCoarsePairsAmongFineOnesAreLeftOutOfTheFigures(t *testing.T) {
	// fine pairs differ by exactly 1 ms (ms on both sides), coarse ones by
	// 400 ms (a delta-0 start on the post side, exact to 1 s only).
	samples := func(fine, coarse int) []Sample {
		var ss []Sample
		for i := range fine {
			ss = append(ss, Sample{AtNs: int64(i) * 1e9, DeltaNs: 1e6, PreEnc: flow.EncMilliseconds, PostEnc: flow.EncMilliseconds})
		}
		for i := range coarse {
			ss = append(ss, Sample{AtNs: int64(fine+i) * 1e9, DeltaNs: 400e6, PreEnc: flow.EncMilliseconds, PostEnc: flow.EncDeltaMicrosecondsZero})
		}
		return ss
	}
	for _, tc := range []struct {
		name         string
		fine, coarse int
		wantCoarse   int
		wantN        int
		wantPrecMs   float64
	}{
		{"3 coarse among 333 fine are left out", 333, 3, 3, 333, 1},
		{"10 % coarse are still left out", 90, 10, 10, 90, 1},
		{"a third coarse (encodings pooled) are kept and set the precision", 20, 10, 0, 30, 1000},
		{"all coarse are kept", 0, 30, 0, 30, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(samples(tc.fine, tc.coarse), Options{})
			if a.Coarse != tc.wantCoarse || a.N != tc.wantN || a.PrecisionMs != tc.wantPrecMs {
				t.Errorf("coarse %d, n %d, precision %v ms; want %d, %d, %v", a.Coarse, a.N, a.PrecisionMs, tc.wantCoarse, tc.wantN, tc.wantPrecMs)
			}
		})
	}
}
