package match

import (
	"math"
	"slices"
	"sort"
	"time"
)

// reference is the offset the pairing aims at for one (pre, post) exporter
// pair, as a function of the pre start time: the pair's overall estimate,
// replaced where unambiguous keys show the local offset by a rolling median
// of their differences (drift, steps).
//
// The local offset is given at knots (times ascending, a time may repeat).
// Between two knots whose values differ by no more than the jump allowed
// for their distance (see jumpAllowed) it is interpolated linearly; a larger
// difference is a clock step, and each time takes the value of the nearer
// knot. A step's two knots are the unambiguous keys on either side of it,
// so the reference switches between them, not over a minute.
type reference struct {
	global int64
	t, v   []int64 // knots; empty: global throughout
	jump   int64   // the jump allowed between knots at the same time
	// grid[g] is the last knot at or before t[0] + g*gw: a lookup that
	// keeps at() to a short binary search.
	grid []int32
	gw   int64
	// steps lists the knots i after which the offset steps (to knot i+1).
	steps []int
}

// Tuning of the local reference.
const (
	// maxKnots bounds the knots per exporter pair: with more unambiguous
	// keys, a block takes more of them (the resolution is then a
	// maxKnots-th of the capture).
	maxKnots = 50_000
	// stepJumpMin is the smallest jump between neighbouring knots taken as
	// a step (besides twice the pair's quantum): well above the jitter of
	// medians of millisecond start times, well below the spacing of popular
	// keys' records.
	stepJumpMin = 20 * time.Millisecond
	// maxDriftRate is the fastest drift the interpolation follows (100
	// ppm, 0.36 s per hour, far beyond a healthy quartz): knots further
	// apart in value than it explains are a step.
	maxDriftRate = 100e-6
)

// jumpAllowed is the largest difference between the values of two knots dt
// apart that is interpolated, not taken as a step.
func (r *reference) jumpAllowed(dt int64) int64 {
	return r.jump + int64(maxDriftRate*float64(dt))
}

// at returns the reference offset for a pre start t (within the bracket of
// a step, the level of the nearer of its two knots).
func (r *reference) at(t int64) int64 {
	v, _, _ := r.levels(t)
	return v
}

// level returns the reference offset for a pre start t that difference d
// is judged against: at(t), except within the bracket of a clock step (the
// stretch between the last unambiguous key at the old level and the first
// at the new one), where the step may have happened at any time, so the
// level nearer to d holds.
func (r *reference) level(t, d int64) int64 {
	v, alt, two := r.levels(t)
	if two && abs64(subSat(d, alt)) < abs64(subSat(d, v)) {
		return alt
	}
	return v
}

// dev returns how far difference d at pre start t lies from the
// reference (see level).
func (r *reference) dev(t, d int64) int64 {
	return abs64(subSat(d, r.level(t, d)))
}

// levels returns the reference offset v for a pre start t; within the
// bracket of a step, two is set and alt is the level on the step's other
// side (v is that of the nearer knot).
func (r *reference) levels(t int64) (v, alt int64, two bool) {
	n := len(r.t)
	if n == 0 {
		return r.global, 0, false
	}
	if t <= r.t[0] {
		return r.v[0], 0, false
	}
	if t >= r.t[n-1] {
		return r.v[n-1], 0, false
	}
	g := (t - r.t[0]) / r.gw
	lo, hi := int(r.grid[g]), n-1
	if int(g)+1 < len(r.grid) {
		hi = int(r.grid[g+1])
	}
	// The last knot at or before t, in [lo, hi].
	i := lo + sort.Search(hi-lo+1, func(k int) bool { return r.t[lo+k] > t }) - 1
	t0, t1, v0, v1 := r.t[i], r.t[i+1], r.v[i], r.v[i+1]
	if abs64(v1-v0) > r.jumpAllowed(t1-t0) {
		if t-t0 <= t1-t {
			return v0, v1, t > t0
		}
		return v1, v0, true
	}
	return v0 + int64(math.Round(float64(t-t0)/float64(t1-t0)*float64(v1-v0))), 0, false
}

// localReference tracks the offset of c over time from its unambiguous keys
// (pre records with exactly one candidate), sorted by time: blocks of
// minBucket consecutive differences (more with over maxKnots blocks), a knot
// per block at its middle difference's time, valued at the median of the
// block and its two neighbours (a rolling median of about 15 differences,
// which a few coincidental keys do not move). Where neighbouring knots
// differ by more than drift explains, the offset stepped: the step is placed
// between the two unambiguous keys that agree best with the levels before
// and after it. With fewer than 2*minBucket unambiguous keys, the overall
// offset serves throughout.
func (m *matcher) localReference(c *combo, quantum int64) {
	u := c.unique // sorted here; plausibility uses it next
	n := len(u)
	if n < 2*minBucket {
		return
	}
	slices.SortFunc(u, func(a, b sample) int {
		if a.t != b.t {
			return compareI64(a.t, b.t)
		}
		return compareI64(a.d, b.d)
	})
	if u[n-1].t == u[0].t || subSat(u[n-1].t, u[0].t) == math.MaxInt64 {
		return // one instant, or a span beyond the int64 range (corrupt start times)
	}
	bs := max(minBucket, (n+maxKnots-1)/maxKnots)
	nb := n / bs // the last block takes the remainder
	start := func(j int) int { return j * bs }
	end := func(j int) int {
		if j == nb-1 {
			return n
		}
		return (j + 1) * bs
	}
	mid := make([]int, nb)
	ts := make([]int64, 0, nb+8)
	vs := make([]int64, 0, nb+8)
	var ds []int64
	for j := 0; j < nb; j++ {
		mid[j] = (start(j) + end(j) - 1) / 2
		// A centred window (narrower at the ends), so that the median of
		// a drifting offset is the offset at the knot.
		h := min(3*bs/2, mid[j], n-1-mid[j])
		ds = ds[:0]
		for k := mid[j] - h; k <= mid[j]+h; k++ {
			ds = append(ds, u[k].d)
		}
		slices.Sort(ds)
		ts = append(ts, u[mid[j]].t)
		vs = append(vs, ds[h]) // the median of 2h+1: always a difference seen
	}
	r := reference{global: c.ref.global, jump: max(2*quantum, int64(stepJumpMin))}
	var near []int // positions of keys near a level: k near b, -1-k near a
	// Steps: place each between the unambiguous keys that fit the levels
	// on either side best, adding a knot at each of those two keys.
	for j := 0; j+1 < nb; j++ {
		r.t, r.v = append(r.t, ts[j]), append(r.v, vs[j])
		a, b := vs[j], vs[j+1]
		if abs64(b-a) <= r.jumpAllowed(ts[j+1]-ts[j]) {
			continue
		}
		// The keys between the two knots near either level (others are
		// coincidences): the step lies between the last of them near a
		// and the first near b, where score(s), the keys before s near a
		// plus those from s on near b, is highest.
		near = near[:0]
		score := 0
		for k := mid[j]; k <= mid[j+1]; k++ {
			switch d := u[k].d; {
			case abs64(d-b) <= r.jump && abs64(d-b) < abs64(d-a):
				near = append(near, k)
				score++
			case abs64(d-a) <= r.jump:
				near = append(near, -1-k)
			}
		}
		best, bestAt := score, 0
		for s := 1; s <= len(near); s++ {
			if near[s-1] >= 0 {
				score--
			} else {
				score++
			}
			if score > best {
				best, bestAt = score, s
			}
		}
		// At the first maximum, near[bestAt-1] is near a and
		// near[bestAt] near b (else moving s by one would score more).
		if bestAt > 0 {
			if k := -1 - near[bestAt-1]; u[k].t > ts[j] {
				r.t, r.v = append(r.t, u[k].t), append(r.v, a)
			}
		}
		r.steps = append(r.steps, len(r.t)-1)
		if bestAt < len(near) {
			if k := near[bestAt]; u[k].t < ts[j+1] {
				r.t, r.v = append(r.t, u[k].t), append(r.v, b)
			}
		}
	}
	r.t, r.v = append(r.t, ts[nb-1]), append(r.v, vs[nb-1])
	span := r.t[len(r.t)-1] - r.t[0]
	r.gw = max(1, span/int64(len(r.t)))
	r.grid = make([]int32, span/r.gw+1)
	k := 0
	for g := range r.grid {
		at := r.t[0] + int64(g)*r.gw
		for k+1 < len(r.t) && r.t[k+1] <= at {
			k++
		}
		r.grid[g] = int32(k)
	}
	c.ref = r
}
