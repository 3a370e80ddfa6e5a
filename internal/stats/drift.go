package stats

import (
	"fmt"
	"slices"
	"time"
)

// DefaultMinDriftSpan is the shortest time span of pairs over which drift is
// estimated: below it a slope is dominated by the start times' jitter.
const DefaultMinDriftSpan = 10 * time.Minute

// theilSenExact is the largest n for which all pairwise slopes are used;
// above, a deterministic subsample of this many points, evenly spaced by
// rank in time, is used (about 500 000 slopes).
const theilSenExact = 1000

// Drift is the robust slope of the difference over time.
type Drift struct {
	Determinable bool
	Reason       string  // why not, when not determinable
	N            int     // points the slope was computed from
	SpanSeconds  float64 // time span of the points
	MsPerHour    float64 // change of the difference per hour of pre time
	PPM          float64 // the same as a rate: parts per million (1 ppm = 3.6 ms/hour)
	// InterceptMs is the fitted difference at the first point's time,
	// StartNs (Unix ns).
	InterceptMs float64
	StartNs     int64
}

// At returns the fitted difference (ms) at time t (Unix ns).
func (d Drift) At(t int64) float64 {
	return d.InterceptMs + d.PPM/1000*float64(t-d.StartNs)/1e9
}

// EndMs returns the fitted difference at the last point's time.
func (d Drift) EndMs() float64 { return d.InterceptMs + d.PPM/1000*d.SpanSeconds }

// TheilSen returns the Theil–Sen line through (x, y): the median of the
// slopes of all pairs of points with different x, and the median of
// y - slope*x as intercept. For more than 1000 points a deterministic
// subsample of 1000 points evenly spaced by rank of x is used for the
// slope (the intercept uses all points). ok is false when fewer than two
// distinct x exist.
func TheilSen(x, y []float64) (slope, intercept float64, ok bool) {
	n := min(len(x), len(y))
	if n < 2 {
		return 0, 0, false
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	sub := idx
	if n > theilSenExact {
		sub = make([]int, theilSenExact)
		for i := range sub {
			sub[i] = idx[int(int64(i)*int64(n-1)/int64(theilSenExact-1))]
		}
	}
	slopes := make([]float64, 0, len(sub)*(len(sub)-1)/2)
	for i := 0; i < len(sub); i++ {
		xi, yi := x[sub[i]], y[sub[i]]
		for j := i + 1; j < len(sub); j++ {
			dx := x[sub[j]] - xi
			if dx == 0 {
				continue
			}
			slopes = append(slopes, (y[sub[j]]-yi)/dx)
		}
	}
	if len(slopes) == 0 {
		return 0, 0, false
	}
	slices.Sort(slopes)
	slope = Quantile(slopes, 0.5)
	res := make([]float64, n)
	for i := 0; i < n; i++ {
		res[i] = y[i] - slope*x[i]
	}
	slices.Sort(res)
	return slope, Quantile(res, 0.5), true
}

// EstimateDrift fits the Theil–Sen slope of deltaMs over atNs (pre start
// times, Unix ns). Drift is not determinable with fewer than 10 points or a
// time span shorter than minSpan (DefaultMinDriftSpan when 0).
func EstimateDrift(atNs []int64, deltaMs []float64, minSpan time.Duration) Drift {
	if minSpan <= 0 {
		minSpan = DefaultMinDriftSpan
	}
	n := min(len(atNs), len(deltaMs))
	d := Drift{N: n}
	if n == 0 {
		d.Reason = "no pairs"
		return d
	}
	t0, t1 := atNs[0], atNs[0]
	for _, t := range atNs[:n] {
		t0, t1 = min(t0, t), max(t1, t)
	}
	d.SpanSeconds = float64(t1-t0) / 1e9
	if n < 10 {
		d.Reason = fmt.Sprintf("only %d %s (at least 10 needed)", n, pairs(n))
		return d
	}
	if time.Duration(t1-t0) < minSpan {
		d.Reason = fmt.Sprintf("the pairs span %s, less than the %s needed", spanText(time.Duration(t1-t0)), spanText(minSpan))
		return d
	}
	xs := make([]float64, n)
	for i, t := range atNs[:n] {
		xs[i] = float64(t-t0) / 1e9 // seconds since the first pair
	}
	slope, icpt, ok := TheilSen(xs, deltaMs[:n])
	if !ok {
		d.Reason = "all pairs start at the same time"
		return d
	}
	d.Determinable = true
	d.MsPerHour = slope * 3600
	d.PPM = slope * 1000 // ms per s -> parts per million
	d.InterceptMs, d.StartNs = icpt, t0
	return d
}

// spanText formats a time span for a sentence: "40.9 s", "59 min 51 s", "10 min".
func spanText(d time.Duration) string {
	if d >= time.Minute {
		d = d.Round(time.Second)
	} else {
		d = d.Round(100 * time.Millisecond)
	}
	return FormatMs(float64(d) / 1e6)
}
