package stats_test

import (
	"fmt"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/stats"
)

func ExampleSummarize() {
	s := stats.Summarize([]float64{3, 1, 5, 2, 4})
	fmt.Printf("min %g p5 %g median %g mean %g p95 %g max %g stddev %.4f MAD %g\n", s.Min, s.P5, s.Median, s.Mean, s.P95, s.Max, s.Stddev, s.MAD)
	// Output:
	// min 1 p5 1.2 median 3 mean 3 p95 4.8 max 5 stddev 1.5811 MAD 1
}

func ExampleMedianCI() {
	ci := stats.MedianCI([]float64{10, 2, 8, 4, 6, 1, 9, 3, 7, 5}, 0.95)
	fmt.Printf("median %g, interval [%g, %g] covering %.1f %%\n", ci.Estimate, ci.Low, ci.High, 100*ci.Coverage)
	// Output:
	// median 5.5, interval [2, 9] covering 97.9 %
}

func ExampleAnalyze() {
	t0 := flow.InstantOf(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	var samples []stats.Sample
	for i := 0; i < 60; i++ {
		// The post clock 5 s ahead, one pair every 20 s, +-1 ms of jitter.
		samples = append(samples, stats.Sample{
			AtNs:    int64(t0.Add(time.Duration(i) * 20 * time.Second)),
			DeltaNs: int64(5*time.Second) + int64(i%3-1)*int64(time.Millisecond),
			PreEnc:  flow.EncMilliseconds, PostEnc: flow.EncMilliseconds,
		})
	}
	a := stats.Analyze(samples, stats.Options{})
	fmt.Println(a.Verdict.Code)
	for _, r := range a.Verdict.Reasons {
		fmt.Println("-", r)
	}
	// Output:
	// out of sync
	// - out of sync: the clock offset (+4.999 s to +5.001 s) lies beyond the tolerance of ±100 ms
	// - 60 pairs; the post side's start times differ from the pre side's by +5 s (median; 95 % interval +5 s to +5 s)
	// - the start times are exact to 1 ms (precision limit of the pairs)
	// - 0.0 % of the pairs lie within the tolerance of ±100 ms
	// - drift 0 ms/hour (0 ppm) over 19 min 40 s
}

func ExampleQuarterHours() {
	k, hint := stats.QuarterHours(3*3600e3+2, 100)
	fmt.Println(k)
	fmt.Println(hint)
	// Output:
	// 12
	// the offset is +3 h (12 quarter hours) within 100 ms: most likely a time-zone or daylight-saving setting on one exporter, not a clock fault
}
