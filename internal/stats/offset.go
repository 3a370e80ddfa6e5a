package stats

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Interval is a point estimate with a confidence interval.
type Interval struct {
	Estimate, Low, High float64
	// Coverage is the interval's actual confidence level (0..1). The
	// order-statistic interval's coverage is discrete: at least the level
	// asked for when there are enough values, lower for very small samples
	// (with 5 values, [min, max] covers 93.75 %).
	Coverage float64
	Level    float64 // the level asked for, e.g. 0.95
}

// Reached reports whether the interval reaches its level (it has enough
// values); otherwise it is [min, max] with a lower coverage.
func (iv Interval) Reached() bool { return iv.Coverage >= iv.Level-1e-9 }

// Name names the interval for a report: "95 % interval" when it reaches
// its level (the order-statistic interval's true coverage is at least the
// level, a little more since ranks are whole: that is not worth a second
// figure), else what it is: "min .. max, only 75.0 % confidence (too few
// pairs for 95 %)", or for one value "single value, no interval".
func (iv Interval) Name() string {
	lvl := strconv.FormatFloat(100*iv.Level, 'f', -1, 64)
	switch {
	case iv.Reached():
		return lvl + " % interval"
	case iv.Coverage <= 0:
		return "single value, no interval"
	}
	return fmt.Sprintf("min .. max, only %.1f %% confidence (too few pairs for %s %%)", 100*iv.Coverage, lvl)
}

// MedianCI returns the median of xs with its distribution-free
// order-statistic confidence interval at the given level (e.g. 0.95): with
// the values sorted, the interval [x(j), x(n+1-j)] (1-based) where j is the
// largest rank with P(Binomial(n, 1/2) < j) <= (1-level)/2. It assumes only
// that the differences are independent draws around a common median, no
// distribution shape. For n up to 10000 the binomial sums are exact; above,
// the normal approximation j = floor(n/2 - z*sqrt(n)/2) is used. With too
// few values for the level, the interval is [min, max] and Coverage says
// what it really covers. NaNs for an empty sample.
func MedianCI(xs []float64, level float64) Interval {
	n := len(xs)
	if n == 0 {
		nan := math.NaN()
		return Interval{nan, nan, nan, 0, level}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := Quantile(s, 0.5)
	alpha := (1 - level) / 2
	j := 0 // 0-based rank of the lower bound; coverage 1 - 2*P(B <= j-1)... see below
	var tail float64
	if n <= 10000 {
		// cdf(k) = P(B <= k) for B ~ Binomial(n, 1/2), accumulated in logs.
		logHalfN := float64(n) * math.Log(0.5)
		logC := 0.0 // log C(n, k)
		cdf := 0.0
		// Largest j (1-based rank) with P(B <= j-1) <= alpha.
		j1 := 0
		for k := 0; k < n; k++ {
			if k > 0 {
				logC += math.Log(float64(n-k+1)) - math.Log(float64(k))
			}
			p := math.Exp(logC + logHalfN)
			if cdf+p > alpha {
				break
			}
			cdf += p
			j1 = k + 1
			tail = cdf
		}
		if j1 == 0 {
			// Not even [min, max] reaches the level.
			return Interval{med, s[0], s[n-1], 1 - 2*math.Pow(0.5, float64(n)), level}
		}
		j = j1 - 1
	} else {
		z := normalQuantile(1 - alpha)
		j1 := int(math.Floor(float64(n)/2 - z*math.Sqrt(float64(n))/2))
		j = max(j1-1, 0)
		tail = alpha
	}
	return Interval{Estimate: med, Low: s[j], High: s[n-1-j], Coverage: 1 - 2*tail, Level: level}
}

// normalQuantile returns the standard normal quantile (Acklam's rational
// approximation, relative error below 1.2e-9).
func normalQuantile(p float64) float64 {
	a := [...]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	b := [...]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01}
	c := [...]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	d := [...]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
	const lo = 0.02425
	switch {
	case p < lo:
		q := math.Sqrt(-2 * math.Log(p))
		return (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p > 1-lo:
		q := math.Sqrt(-2 * math.Log(1-p))
		return -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	}
	q := p - 0.5
	r := q * q
	return (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
}
