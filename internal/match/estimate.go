package match

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
)

type sample struct{ t, d int64 }

// combo is what the estimate learns about one (pre exporter domain, post
// exporter domain) pair.
type combo struct {
	hist   []float64   // weighted histogram of candidate differences
	total  float64     // its total weight
	scan   coincidence // the run of its histogram least likely by chance (see scanRuns)
	run    coincidence // the narrowest run that stands out (else scan): it gives the mode
	mode   int64       // centre of run (the median of the differences near it refines it: see estimate)
	unique []sample    // differences of pre records with exactly one candidate
	few    []int64     // differences of pre records with one or two candidates
	kept   bool        // its candidates take part in the pairing
	ref    reference
	n      int // candidate differences seen
	// From the unambiguous keys' differences around the reference (see
	// plausibility): their robust spread, the closeness within which
	// candidates tie, and the gate beyond which a first segment's
	// candidate is not its session's partner (0: no gate).
	spread, tie, gate int64
	// contDev holds the differences from the reference of the
	// continuation pairs that follow their sessions' chains from pairs
	// within the gate; band turns them into the continuation band
	// [bandLo, bandHi] (hasBand: measured).
	contDev        []int64
	bandLo, bandHi int64
	hasBand        bool
	// noOffset: the unambiguous keys' differences spread like coincidences
	// over the window (see estimate): the two exporters share no sessions
	// within it, and their candidates do not pair.
	noOffset bool
}

func (m *matcher) comboOf(preED, postED int) int {
	if m.eds == nil {
		return 0
	}
	return preED*len(m.eds) + postED
}

// forEachCandidate calls fn for the pre entries with candidates, with all
// their app-compatible candidate differences (post - pre), the candidates'
// combos and the weight of each difference. Each pre record weighs one in
// total. A pre record with more than sampleCap candidates in the window
// takes part with probability sampleCap/k (deterministically: every
// k/sampleCap-th such record of its key) and with weight 1/sampleCap per
// difference, so the expected weight stays one and the work per record
// stays about sampleCap, while the true partner, when present, is never
// left out of a record that takes part. With skipCont, continuation records
// take no part on either side: their starts follow the exporters' schedules.
func (m *matcher) forEachCandidate(fn func(t int64, deltas []int64, combos []int, w float64)) {
	var buf []int64
	var cs []int
	for g := 0; g < m.ngroups; g++ {
		P, Q := m.pre.group(g), m.post.group(g)
		if len(P) == 0 || len(Q) == 0 {
			continue
		}
		acc := 0.0
		pb, qb := int(m.pre.off[g]), int(m.post.off[g])
		for i := range P {
			if m.skipCont && m.preCont[pb+i] {
				continue
			}
			p := &P[i]
			lo, hi := m.window(Q, p.t)
			n := hi - lo
			if n == 0 {
				continue
			}
			if n > sampleCap {
				acc += float64(sampleCap) / float64(n)
				if acc < 1 {
					continue
				}
				acc--
			}
			buf, cs = buf[:0], cs[:0]
			for j := lo; j < hi; j++ {
				q := &Q[j]
				if compatible(p.app, q.app) && !(m.skipCont && m.postCont[qb+j]) {
					buf = append(buf, q.t-p.t)
					cs = append(cs, m.comboOf(p.ed(), q.ed()))
				}
			}
			if len(buf) == 0 {
				continue
			}
			w := 1 / float64(len(buf))
			if len(buf) > sampleCap {
				w = 1 / float64(sampleCap)
			}
			fn(p.t, buf, cs, w)
		}
	}
}

// estimate finds, per exporter pair, the offset (mode of a weighted
// histogram of the candidate differences, each pre record weighing one in
// total, refined by the median of the differences near the mode) and the
// local reference; it decides which exporter pairs share sessions at all.
func (m *matcher) estimate(res *Result) {
	ncombo := 1
	if m.eds != nil {
		ncombo = len(m.eds) * len(m.eds)
	}
	bw := max(int64(time.Millisecond), (2*m.win+maxBins-1)/maxBins)
	nb := int(2*m.win/bw) + 1
	samples := 0
	collect := func(t int64, ds []int64, cs []int, w float64) {
		for i, d := range ds {
			c := &m.combos[cs[i]]
			if c.hist == nil {
				c.hist = make([]float64, nb)
			}
			c.hist[(d+m.win)/bw] += w
			c.total += w
			c.n++
		}
		samples += len(ds)
		if len(ds) == 1 {
			c := &m.combos[cs[0]]
			c.unique = append(c.unique, sample{t, ds[0]})
		}
		if len(ds) <= 2 {
			for i, d := range ds {
				c := &m.combos[cs[i]]
				c.few = append(c.few, d)
			}
		}
	}
	// First segments only; all records when they alone give nothing.
	m.skipCont = true
	m.combos = make([]combo, ncombo)
	m.forEachCandidate(collect)
	if samples == 0 {
		m.skipCont = false
		m.combos = make([]combo, ncombo)
		m.forEachCandidate(collect)
	}
	res.Samples = samples
	m.targets = make([][]int, max(1, len(m.eds)))
	if samples == 0 {
		return
	}
	// Mode of each exporter pair: the run of bins least likely to hold
	// its weight by chance (see scanRuns), from runs covering the pair's
	// quantum up to a quarter of the window.
	wbOf := func(ci int) int { return min(max(1, int((m.comboQuantum(ci)+bw-1)/bw)), nb) }
	active, maxPeak := 0, 0.0
	var cum []float64
	for ci := range m.combos {
		c := &m.combos[ci]
		if c.hist == nil {
			continue
		}
		active++
		if cum == nil {
			cum = make([]float64, nb+1)
		}
		c.scan, c.run = scanRuns(c.hist, cum, c.total, wbOf(ci), bw, m.win)
		c.mode = c.run.mode
		maxPeak = max(maxPeak, c.scan.peak)
	}
	// Which exporter pairs share sessions: with several, those whose run
	// stands out, that is, would hold its weight by chance with odds
	// below sharedOdds were their differences coincidences of keys spread
	// evenly over the window, and holds at least 5 % of the strongest
	// pair's. Both compare the data with what chance gives over the same
	// window, so the decision does not hinge on the window's width, as
	// an absolute weight would (weights thin as the window widens and
	// keys gain candidates). Candidates between other exporter pairs are
	// coincidences of keys.
	kept, ignored := 0, 0
	for ci := range m.combos {
		c := &m.combos[ci]
		if c.hist == nil {
			continue
		}
		c.kept = active == 1 || (c.scan.logP < math.Log(sharedOdds) && c.scan.peak >= 0.05*maxPeak)
		if c.kept {
			kept++
		} else {
			ignored += c.n
		}
	}
	// A pre exporter domain none of whose pairs stands out keeps its
	// likeliest one if chance explains it with odds below fallbackOdds: its
	// sessions must leave somewhere (a weak mode is what coarse start
	// times and popular keys give).
	if m.eds != nil {
		n := len(m.eds)
		for a := 0; a < n; a++ {
			best, has := -1, false
			for b := 0; b < n; b++ {
				c := &m.combos[a*n+b]
				if c.hist == nil {
					continue
				}
				has = has || c.kept
				if best < 0 || c.scan.logP < m.combos[best].scan.logP {
					best = a*n + b
				}
			}
			if !has && best >= 0 && m.combos[best].scan.logP < math.Log(fallbackOdds) {
				m.combos[best].kept = true
				ignored -= m.combos[best].n
			}
		}
	}
	// Refine each kept pair's mode by the median of the differences within
	// the radius of the mode. The records with few candidates usually
	// suffice (and save a pass over the index); popular keys are walked
	// again only when they do not.
	radiusOf := func(ci int) int64 {
		return max(2*m.comboQuantum(ci), 20*int64(time.Millisecond), m.combos[ci].run.width/2)
	}
	near := make([][]int64, ncombo)
	again := false
	for ci := range m.combos {
		c := &m.combos[ci]
		if !c.kept {
			continue
		}
		radius := radiusOf(ci)
		for _, d := range c.few {
			if abs64(d-c.mode) <= radius {
				near[ci] = append(near[ci], d)
			}
		}
		c.few = nil
		if len(near[ci]) < 100 {
			near[ci] = near[ci][:0]
			again = true
		}
	}
	if again {
		redo := make([]bool, ncombo)
		for ci := range m.combos {
			redo[ci] = m.combos[ci].kept && len(near[ci]) == 0
		}
		m.forEachCandidate(func(_ int64, ds []int64, cs []int, _ float64) {
			for i, d := range ds {
				if c := cs[i]; redo[c] && abs64(d-m.combos[c].mode) <= radiusOf(c) {
					near[c] = append(near[c], d)
				}
			}
		})
	}
	best := -1
	for ci := range m.combos {
		c := &m.combos[ci]
		c.hist = nil
		if !c.kept {
			continue
		}
		global := c.mode
		if len(near[ci]) > 0 {
			global = medianInt(near[ci])
		}
		c.ref = reference{global: global}
		m.localReference(c, m.comboQuantum(ci))
		c.plausibility(m.comboQuantum(ci))
		a, b := ci, 0
		if m.eds != nil {
			a, b = ci/len(m.eds), ci%len(m.eds)
		}
		label := "all records"
		if m.eds != nil {
			label = ExporterPair{Pre: m.eds[a], Post: m.eds[b]}.String()
		}
		// Differences of true partners gather within the precision and
		// jitter of the offset; coincidences of keys spread evenly over
		// the window (their MAD is half the window). A spread beyond a
		// quarter of the window (and the precision) means no common
		// offset: the offset is beyond the window, or the sides share
		// no sessions.
		if c.spread > max(m.win/4, 2*m.comboQuantum(ci)) {
			c.kept, c.noOffset = false, true
			s := fmt.Sprintf("the candidate differences of %s show no common offset (spread ±%s s around their median, as keys coinciding by chance over the ±%v window): not paired; the offset lies beyond the window, or the two share no sessions",
				label, strings.TrimPrefix(signedSeconds(c.spread), "+"), time.Duration(m.win))
			res.Notes = append(res.Notes, s)
			res.NoOffset = append(res.NoOffset, s)
			continue
		}
		res.LocalBuckets += len(c.ref.t)
		if best < 0 || c.scan.peak > m.combos[best].scan.peak {
			best = ci
		}
		if m.eds != nil {
			m.targets[a] = append(m.targets[a], b)
		} else {
			m.targets[0] = []int{0}
		}
		res.Notes = append(res.Notes, fmt.Sprintf("pairing reference offset %s s for %s, from %s (%d near the mode)",
			signedSeconds(global), label, plural(c.n, "candidate difference", "candidate differences"), len(near[ci])))
		// Pairs lie within the precision and jitter of the offset (a
		// second or so at worst): a margin of a quarter of the window,
		// at most 5 s, leaves room for them.
		if abs64(global) > m.win-min(m.win/4, 5*int64(time.Second)) {
			res.Notes = append(res.Notes, fmt.Sprintf("the offset of %s (%s s) is close to the window (%v): pairs beyond it are lost; widen --window",
				label, signedSeconds(global), time.Duration(m.win)))
		}
		if len(c.ref.v) > 0 {
			lo, hi := slices.Min(c.ref.v), slices.Max(c.ref.v)
			if hi-lo > m.comboQuantum(ci) {
				res.Notes = append(res.Notes, fmt.Sprintf("the offset of %s varies over the capture (%s s to %s s, tracked by a rolling median of unambiguous keys); pairing follows it",
					label, signedSeconds(lo), signedSeconds(hi)))
			}
			for k, i := range c.ref.steps {
				if k == maxStepNotes {
					res.Notes = append(res.Notes, fmt.Sprintf("the offset of %s steps %d more times", label, len(c.ref.steps)-k))
					break
				}
				res.Notes = append(res.Notes, fmt.Sprintf("the offset of %s steps from %s s to %s s between %s and %s UTC (pre start times of unambiguous keys); pairing follows it",
					label, signedSeconds(c.ref.v[i]), signedSeconds(c.ref.v[i+1]),
					flow.Instant(c.ref.t[i]).Time().UTC().Format("15:04:05.000"), flow.Instant(c.ref.t[i+1]).Time().UTC().Format("15:04:05.000")))
			}
		}
	}
	if best >= 0 {
		res.OffsetNs, res.HasOffset = m.combos[best].ref.global, true
	}
	if ignored > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("ignored %s between exporter pairs that share no sessions (no common offset)", plural(ignored, "candidate difference", "candidate differences")))
	}
}

// Tuning of the plausibility gate.
const (
	// minSpreadKeys is the fewest unambiguous keys from which the spread of
	// an exporter pair's differences is measured; with fewer, candidates
	// tie within the quantum and no gate applies. Five suffice: the gate
	// lies at ten times their spread, 250 ms at least, and their median
	// deviation holds while two of them are coincidences.
	minSpreadKeys = 5
	// gateFloor and gateSigmas: a first segment's candidate further than
	// quantum + max(gateFloor, gateSigmas * spread) from the reference is
	// not taken. The records of one session disagree by the clocks'
	// offset (the reference follows it, drift and steps included), the
	// start-time precision (the quantum) and jitter of milliseconds; a
	// candidate hundreds of milliseconds beyond that, when the other
	// pairs agree to a few, is another session of a popular key whose own
	// partner is missing (lost packet, one-sided session).
	gateFloor  = 250 * time.Millisecond
	gateSigmas = 10
	// tieSigmas: candidates within max(2 ms, tieSigmas * spread) of each
	// other, at most the quantum, tie (counters decide).
	tieSigmas = 4
)

// plausibility measures the spread of the pair's unambiguous differences
// around the reference (1.4826 times their median absolute deviation from
// it: the standard deviation for normal jitter, robust against the
// coincidental keys among them) and sets the tie closeness and the gate
// from it. The quantum is the nominal precision: a NetFlow v9 side may be
// up to 1 s off, but when the measured spread is milliseconds (the v9
// header fractions happen to agree), a candidate 0.7 s further from the
// offset is not as good as the nearest one, whatever its counters.
func (c *combo) plausibility(quantum int64) {
	u := c.unique
	c.unique = nil
	c.tie, c.gate, c.spread = quantum, 0, -1
	if len(u) < minSpreadKeys {
		return
	}
	dev := make([]int64, len(u))
	for i, s := range u {
		dev[i] = c.ref.dev(s.t, s.d)
	}
	c.spread = int64(1.4826 * float64(medianInt(dev)))
	c.tie = min(quantum, max(2*int64(time.Millisecond), tieSigmas*c.spread))
	c.gate = quantum + max(int64(gateFloor), gateSigmas*c.spread)
}

// Tuning of the continuation band.
const (
	// minBandPairs is the fewest chained continuation pairs from which the
	// band is measured; with fewer, pairs of continuations take no gate.
	minBandPairs = 5
	// bandTrim is the share of chained pairs left out at either end of the
	// band: a chain that follows a coincidental pair of first segments
	// lies anywhere, and the gate's margin around the band makes up for
	// the true pairs trimmed.
	bandTrim = 0.05
)

// band measures the continuation band from contDev. An exporter splits a
// long session at its active timeout on its own schedule, so the starts of
// the two records of one continued segment differ by the clocks' offset
// plus the difference of the two exporters' split points: by up to a scan
// interval or so when both split at the same timeout, drifting apart along
// the chain when their timeouts differ slightly. The continuation pairs
// that follow their sessions' chains from pairs within the gate show how
// far that goes between these two exporters; a pair of continuations
// without such a chain is taken beyond the gate only within the range they
// span (trimmed by bandTrim at either end), widened by the gate.
func (c *combo) band() {
	d := c.contDev
	c.contDev = nil
	if len(d) < minBandPairs {
		return
	}
	slices.Sort(d)
	k := int(bandTrim * float64(len(d)-1))
	c.bandLo, c.bandHi, c.hasBand = d[k], d[len(d)-1-k], true
}

// inBand reports whether a pair of continuations with difference d at pre
// start t lies within the continuation band widened by the gate (always,
// when the band is not measured).
func (c *combo) inBand(t, d int64) bool {
	if !c.hasBand {
		return true
	}
	s := subSat(d, c.ref.level(t, d))
	return s >= c.bandLo-c.gate && s <= c.bandHi+c.gate
}

// plural writes n with the singular or the plural words.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func compareI64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// medianInt returns the median of xs (the mean of the two middle values for
// even lengths, rounded down); xs is reordered.
func medianInt(xs []int64) int64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	a, b := xs[n/2-1], xs[n/2]
	return a + (b-a)/2
}

// Odds of chance below which an exporter pair's candidate differences
// show a common offset (see scanRuns): sharedOdds when several exporter
// pairs compete, fallbackOdds for the likeliest pair of a pre exporter
// domain none of whose pairs reaches sharedOdds. Pairs that share sessions
// lie far below (e^-14 with half a dozen keys in the analysts' export,
// e^-70 and beyond in the generated scenarios), coincidences of keys near
// 1 (e^-0.7 at most across the scenarios' exporter pairs that share none).
const (
	sharedOdds   = 1e-4
	fallbackOdds = 1e-2
)

// coincidence is a run of bins of an exporter pair's histogram.
type coincidence struct {
	peak  float64 // weight of the run
	mode  int64   // its centre, ns
	width int64   // its width, ns
	logP  float64 // natural log of the odds of such a run anywhere in the window, were the differences uniform
}

// scanRuns finds, for runs of wb0, 2*wb0, 4*wb0 ... bins (up to a quarter of
// the histogram), the densest run of each width, and returns the one least
// likely by chance (best) and the narrowest whose odds are below sharedOdds
// (narrow; the run of wb0 bins when none is, as with one exporter pair and
// little data: the densest spot at the precision). Candidate differences spread evenly over the
// window put total*wb/nb into a run of wb bins on average, and the odds
// that some run of the nb/wb holds peak or more are about nb/wb times the
// Poisson tail at peak. Fractional weights (a record's one split over its
// candidates) vary less than whole counts, so the Poisson tail is a
// conservative stand-in for them. Narrow runs find a tight offset (jitter
// of milliseconds), wide ones an offset that wanders (drift, exporters
// whose start times lag by up to a second); both are judged against the
// same chance, whatever the window's width.
func scanRuns(hist, cum []float64, total float64, wb0 int, bw, win int64) (best, narrow coincidence) {
	nb := len(hist)
	cum = cum[:nb+1] // scratch space, reused across exporter pairs
	cum[0] = 0
	for i, h := range hist {
		cum[i+1] = cum[i] + h
	}
	best.logP = math.Inf(1)
	found := false
	for wb := min(max(1, wb0), nb); ; wb = min(2*wb, nb) {
		peak, at := 0.0, 0
		for i := 0; i+wb <= nb; i++ {
			if s := cum[i+wb] - cum[i]; s > peak+1e-9 {
				peak, at = s, i
			}
		}
		lam := total * float64(wb) / float64(nb)
		r := coincidence{peak: peak, mode: int64(at)*bw - win + int64(wb)*bw/2, width: int64(wb) * bw,
			logP: poissonTailLog(peak, lam) + math.Log(float64(nb)/float64(wb))}
		if r.logP < best.logP {
			best = r
		}
		if wb == min(max(1, wb0), nb) || !found && r.logP < math.Log(sharedOdds) {
			narrow, found = r, r.logP < math.Log(sharedOdds)
		}
		if wb >= nb/4 || wb == nb {
			break
		}
	}
	return best, narrow
}

// poissonTailLog approximates the natural log of P(X >= k) for X Poisson
// with mean lam (k real): the first term of the tail's series, with the
// geometric bound on the rest; within a few percent when lam is well below
// k, and 0 (certain) when k <= lam.
func poissonTailLog(k, lam float64) float64 {
	switch {
	case k <= 0:
		return 0
	case lam <= 0:
		return math.Inf(-1)
	case k <= lam:
		return 0
	}
	lg, _ := math.Lgamma(k + 1)
	return min(0, k*math.Log(lam)-lam-lg-math.Log(1-lam/(k+1)))
}
