package stats

import (
	"math"
	"slices"
)

// Summary describes a sample of differences (ms).
type Summary struct {
	N                     int
	Min, P5, Median, Mean float64
	P95, Max, Stddev, MAD float64
}

// Summarize computes the summary of xs (not modified). Quantiles
// interpolate linearly between order statistics (Quantile); Stddev is the
// sample standard deviation (n-1 in the denominator, 0 for n < 2); MAD is
// the median absolute deviation from the median, unscaled (multiply by
// 1.4826 for a normal-consistent sigma). All fields are NaN for an empty
// sample, except N.
func Summarize(xs []float64) Summary {
	n := len(xs)
	if n == 0 {
		nan := math.NaN()
		return Summary{Min: nan, P5: nan, Median: nan, Mean: nan, P95: nan, Max: nan, Stddev: nan, MAD: nan}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	mean := sum / float64(n)
	ss := 0.0
	for _, x := range s {
		ss += (x - mean) * (x - mean)
	}
	sd := 0.0
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	med := Quantile(s, 0.5)
	return Summary{
		N: n, Min: s[0], P5: Quantile(s, 0.05), Median: med, Mean: mean,
		P95: Quantile(s, 0.95), Max: s[n-1], Stddev: sd, MAD: madSorted(s, med),
	}
}

// Quantile returns the q-quantile (0 <= q <= 1) of sorted by linear
// interpolation between order statistics: position (n-1)q, as numpy's
// default, R's type 7 and Excel's PERCENTILE.INC. NaN for an empty slice.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	pos := q * float64(n-1)
	i := int(math.Floor(pos))
	if i >= n-1 {
		return sorted[n-1]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}

// Median returns the median of xs (not modified); NaN when empty.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return Quantile(s, 0.5)
}

// MAD returns the median absolute deviation of xs from their median, unscaled.
func MAD(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return madSorted(s, Quantile(s, 0.5))
}

func madSorted(s []float64, med float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	d := make([]float64, len(s))
	for i, x := range s {
		d[i] = math.Abs(x - med)
	}
	slices.Sort(d)
	return Quantile(d, 0.5)
}

// WithinTolerance returns the share (0..1) of xs with |x| <= tol; NaN when empty.
func WithinTolerance(xs []float64, tol float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	n := 0
	for _, x := range xs {
		if math.Abs(x) <= tol {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}
