package report

import (
	"math"
	"slices"
	"strconv"

	"netflowtimedifference/internal/flow"
)

// Bin is one column of the histogram of differences: pairs whose difference
// d (ms) satisfies Low <= d < High. The outer bins collect the tails: the
// first may have Low = -Inf and the last High = +Inf.
type Bin struct {
	Low, High float64
	Count     int
	Label     string // e.g. "4990 .. 5000", "< 4990", ">= 5100"
}

// Histogram is the histogram of the pairs' differences that the XLSX chart
// and the DOCX image show.
type Histogram struct {
	Bins  []Bin
	Width float64 // width of the inner bins in ms (1, 2 or 5 times a power of ten)
	Total int     // pairs counted (all pairs with a finite difference)
}

// DeltaHistogram bins the differences of pairs (continuation pairs left
// out, as in the statistics) into at most maxBins inner
// bins of a "nice" width (1, 2 or 5 times a power of ten, at least 0.001 ms)
// that is never finer than the differences' resolution: when every
// difference is a whole number of milliseconds (millisecond encodings on
// both sides) the bins are at least 1 ms wide, when every one is a whole
// number of seconds at least 1000 ms; finer bins would show spikes with
// empty bins between them.
// The inner bins cover the 0.5th to 99.5th percentile (all values when there
// are fewer than 200 pairs); values outside fall into a "< x" and a ">= y"
// bin, shown only when not empty, so one wild pair does not flatten the
// picture. The percentiles come from an evenly spaced sample of at most
// 65,536 pairs, so memory is bounded; every pair is counted. O(n) time.
func DeltaHistogram(pairs []Pair, maxBins int) Histogram {
	if maxBins < 1 {
		maxBins = 1
	}
	n := 0
	for i := range pairs {
		if charted(&pairs[i]) {
			n++
		}
	}
	h := Histogram{Total: n}
	if n == 0 {
		return h
	}
	// The range comes from a sorted sample of at most histSample values
	// (every k-th pair), so memory stays bounded; counting uses all pairs.
	k := max(1, (n+histSample-1)/histSample)
	d := make([]float64, 0, min(n, histSample)+1)
	lo, hi := math.Inf(1), math.Inf(-1)
	j := 0
	r := 0 // resolutions[r] divides every difference so far (none when r == len)
	for i := range pairs {
		if !charted(&pairs[i]) {
			continue
		}
		v := pairs[i].DeltaMs
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		for r < len(resolutions) && !multipleOf(v, resolutions[r]) {
			r++
		}
		if j%k == 0 {
			d = append(d, v)
		}
		j++
	}
	slices.Sort(d)
	if n >= 200 {
		lo, hi = d[int(0.005*float64(len(d)-1))], d[int(math.Ceil(0.995*float64(len(d)-1)))]
	}
	h.Width = niceWidth((hi - lo) / float64(maxBins))
	if r < len(resolutions) {
		h.Width = max(h.Width, resolutions[r])
	}
	start := math.Floor(lo/h.Width) * h.Width
	nb := int(math.Floor((hi-start)/h.Width)) + 1
	for nb > maxBins && nb > 1 { // rounding of the nice width can add one bin
		h.Width = niceWidth(h.Width * 1.01)
		start = math.Floor(lo/h.Width) * h.Width
		nb = int(math.Floor((hi-start)/h.Width)) + 1
	}
	end := start + float64(nb)*h.Width
	inner := make([]int, nb)
	below, above := 0, 0
	for i := range pairs {
		if !charted(&pairs[i]) {
			continue
		}
		v := pairs[i].DeltaMs
		switch {
		case v < start:
			below++
		case v >= end:
			above++
		default:
			k := int((v - start) / h.Width)
			if k >= nb { // float rounding at the upper edge
				k = nb - 1
			}
			inner[k]++
		}
	}
	if below > 0 {
		h.Bins = append(h.Bins, Bin{Low: math.Inf(-1), High: start, Count: below, Label: "< " + FormatMs(start)})
	}
	for k, c := range inner {
		l, u := start+float64(k)*h.Width, start+float64(k+1)*h.Width
		h.Bins = append(h.Bins, Bin{Low: l, High: u, Count: c, Label: FormatMs(l) + " .. " + FormatMs(u)})
	}
	if above > 0 {
		h.Bins = append(h.Bins, Bin{Low: end, High: math.Inf(1), Count: above, Label: ">= " + FormatMs(end)})
	}
	return h
}

// charted reports whether a pair is shown in the charts: like the clock
// statistics, they leave out continuation pairs (and pairs without a finite
// difference).
func charted(p *Pair) bool {
	return !p.Continuation && !math.IsNaN(p.DeltaMs) && !math.IsInf(p.DeltaMs, 0)
}

// resolutions are the steps differences can come in, coarsest first: whole
// seconds (seconds encodings on both sides) and whole milliseconds. Each is
// a power of ten, so every nice width at least as large is a multiple of it
// and each bin holds the same number of steps.
var resolutions = [...]float64{1000, 1}

// multipleOf reports whether v (ms) is a whole multiple of step, allowing for
// the binary rounding of a difference converted from nanoseconds.
func multipleOf(v, step float64) bool {
	q := v / step
	return math.Abs(q-math.Round(q)) <= 1e-9*math.Max(1, math.Abs(q))
}

// histSample is the most differences DeltaHistogram sorts to find its range.
const histSample = 1 << 16

// niceWidth returns the smallest of 1, 2, 5 times a power of ten that is >= w,
// and at least 0.001 (one microsecond, the finest resolution shown).
func niceWidth(w float64) float64 {
	if !(w > 0.001) {
		return 0.001
	}
	p := math.Pow(10, math.Floor(math.Log10(w)))
	for _, m := range []float64{1, 2, 5, 10} {
		if c := m * p; c >= w*(1-1e-12) {
			return roundSig(c)
		}
	}
	return roundSig(10 * p)
}

// roundSig removes binary noise from a power-of-ten product (0.1*2 -> 0.2).
func roundSig(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return f
}

// Point is one point of the difference-over-time series: the pre record's
// start time and the pair's difference.
type Point struct {
	At      flow.Instant
	DeltaMs float64
}

// DeltaSeries returns at most maxPoints points of difference over time, in
// time order, continuation pairs left out. When there are more pairs, the time span is cut into
// maxPoints/2 equal slices and each slice keeps its lowest and its highest
// difference, so steps, drift and outliers stay visible in the sample. O(n)
// time plus O(maxPoints) memory.
func DeltaSeries(pairs []Pair, maxPoints int) []Point {
	if maxPoints < 2 {
		maxPoints = 2
	}
	valid := func(p *Pair) bool { return charted(p) && p.Pre != nil && p.Pre.HasStart() }
	n := 0
	first, last := flow.Instant(math.MaxInt64), flow.Instant(math.MinInt64)
	for i := range pairs {
		if p := &pairs[i]; valid(p) {
			n++
			first, last = min(first, p.Pre.Start), max(last, p.Pre.Start)
		}
	}
	var out []Point
	if n <= maxPoints {
		out = make([]Point, 0, n)
		for i := range pairs {
			if p := &pairs[i]; valid(p) {
				out = append(out, Point{At: p.Pre.Start, DeltaMs: p.DeltaMs})
			}
		}
	} else {
		slots := maxPoints / 2
		lo := make([]Point, slots)
		hi := make([]Point, slots)
		seen := make([]bool, slots)
		span := float64(last - first)
		for i := range pairs {
			p := &pairs[i]
			if !valid(p) {
				continue
			}
			k := 0
			if span > 0 {
				k = int(float64(p.Pre.Start-first) / span * float64(slots))
				if k >= slots {
					k = slots - 1
				}
			}
			pt := Point{At: p.Pre.Start, DeltaMs: p.DeltaMs}
			if !seen[k] {
				lo[k], hi[k], seen[k] = pt, pt, true
				continue
			}
			if pt.DeltaMs < lo[k].DeltaMs {
				lo[k] = pt
			}
			if pt.DeltaMs > hi[k].DeltaMs {
				hi[k] = pt
			}
		}
		out = make([]Point, 0, maxPoints)
		for k := range slots {
			if !seen[k] {
				continue
			}
			out = append(out, lo[k])
			if hi[k] != lo[k] {
				out = append(out, hi[k])
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Point) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return out
}

// FormatMs formats milliseconds with up to three decimals, trailing zeros
// removed ("5002", "0.25", "-1.5"); NaN and infinities give "n/a".
func FormatMs(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	s := strconv.FormatFloat(v, 'f', 3, 64)
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	s = trimSuffixByte(s, '.')
	if s == "-0" {
		s = "0"
	}
	return s
}

func trimSuffixByte(s string, c byte) string {
	if len(s) > 0 && s[len(s)-1] == c {
		return s[:len(s)-1]
	}
	return s
}
