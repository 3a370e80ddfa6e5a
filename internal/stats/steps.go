package stats

import (
	"math"
	"slices"
)

// DefaultMinStepRun is the number of consecutive pairs a new level must hold
// (and the old one must have held) for a change to count as a step.
const DefaultMinStepRun = 20

// maxStepPoints bounds the series the step detector scans point by point;
// longer series are first reduced to medians of consecutive blocks.
const maxStepPoints = 50_000

// Step is a clock step: the difference jumps and stays.
type Step struct {
	AtNs     int64   // pre start of the first pair at the new level (Unix ns)
	Index    int     // that pair's position in time order
	BeforeMs float64 // median difference from the previous step (or the start) to this one
	AfterMs  float64 // median difference from this step to the next (or the end)
}

// DetectSteps finds steps in the differences deltaMs taken at atNs. At each
// position i (in time order), the median of the minRun differences before i
// is compared with the median of the minRun from i on (rolling medians); where
// they differ by more than minJump over a stretch, the position with the
// largest jump is a candidate. A candidate is a step when the medians of
// the whole segments before and after it (up to the neighbouring
// candidates) still differ by more than minJump and both segments hold at
// least minRun pairs. Series longer than 50 000
// pairs are first reduced to medians of consecutive blocks, so the position
// is then exact to a block. minRun <= 0 means DefaultMinStepRun.
func DetectSteps(atNs []int64, deltaMs []float64, minJump float64, minRun int) []Step {
	if minRun <= 0 {
		minRun = DefaultMinStepRun
	}
	n := min(len(atNs), len(deltaMs))
	if n < 2*minRun {
		return nil
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case atNs[a] < atNs[b]:
			return -1
		case atNs[a] > atNs[b]:
			return 1
		}
		return 0
	})
	// Reduce to at most maxStepPoints points.
	block := (n + maxStepPoints - 1) / maxStepPoints
	w := minRun
	var ys []float64
	var first []int // per point: position in time order of its block's first pair
	if block == 1 {
		ys = make([]float64, n)
		first = make([]int, n)
		for i, o := range order {
			ys[i], first[i] = deltaMs[o], i
		}
	} else {
		w = max(3, minRun/block)
		buf := make([]float64, 0, block)
		for s := 0; s < n; s += block {
			buf = buf[:0]
			for _, o := range order[s:min(n, s+block)] {
				buf = append(buf, deltaMs[o])
			}
			slices.Sort(buf)
			ys = append(ys, Quantile(buf, 0.5))
			first = append(first, s)
		}
	}
	m := len(ys)
	if m < 2*w {
		return nil
	}
	// Rolling medians of the w values before and from each position.
	buf := make([]float64, w)
	med := func(lo int) float64 {
		copy(buf, ys[lo:lo+w])
		slices.Sort(buf)
		return Quantile(buf, 0.5)
	}
	var cands []int
	bestAt, best := -1, 0.0
	for i := w; i <= m-w; i++ {
		j := math.Abs(med(i) - med(i-w))
		if j > minJump {
			if j > best {
				best, bestAt = j, i
			}
			continue
		}
		if bestAt >= 0 {
			cands = append(cands, bestAt)
			bestAt, best = -1, 0
		}
	}
	if bestAt >= 0 {
		cands = append(cands, bestAt)
	}
	// Refine each candidate: the split between the two windows that fits
	// the two levels best (least absolute deviation).
	for k, c := range cands {
		before, after := med(c-w), med(c)
		lo, hi := c-w, c+w
		cost := 0.0
		for i := lo; i < hi; i++ {
			cost += math.Abs(ys[i] - after) // split at lo: everything after
		}
		bestCost, bestSplit := cost, lo
		for s := lo + 1; s < hi; s++ {
			cost += math.Abs(ys[s-1]-before) - math.Abs(ys[s-1]-after)
			if cost < bestCost-1e-12 {
				bestCost, bestSplit = cost, s
			}
		}
		cands[k] = bestSplit
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	// Confirm on whole segments; drop candidates that do not hold and retry
	// until stable.
	segMed := func(lo, hi int) float64 {
		s := slices.Clone(ys[lo:hi])
		slices.Sort(s)
		return Quantile(s, 0.5)
	}
	for {
		dropped := false
		for k := 0; k < len(cands); k++ {
			lo, hi := 0, m
			if k > 0 {
				lo = cands[k-1]
			}
			if k+1 < len(cands) {
				hi = cands[k+1]
			}
			if hi-cands[k] < w || cands[k]-lo < w || math.Abs(segMed(cands[k], hi)-segMed(lo, cands[k])) <= minJump {
				cands = slices.Delete(cands, k, k+1)
				dropped = true
				break
			}
		}
		if !dropped {
			break
		}
	}
	out := make([]Step, len(cands))
	for k, c := range cands {
		lo, hi := 0, m
		if k > 0 {
			lo = cands[k-1]
		}
		if k+1 < len(cands) {
			hi = cands[k+1]
		}
		pos := first[c]
		out[k] = Step{AtNs: atNs[order[pos]], Index: pos, BeforeMs: segMed(lo, c), AfterMs: segMed(c, hi)}
	}
	return out
}
