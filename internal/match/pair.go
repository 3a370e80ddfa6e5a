package match

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"time"
)

// edge is a candidate pair within one group, ranked for the greedy pass:
// first whether both records are of the same kind (first segment or
// continuation; a chain head may be either), then by closeness to the reference offset in units of the
// quantum (start times closer than the precision cannot be told apart),
// then by whether the packet and octet counters agree, then by the exact
// closeness.
type edge struct {
	// key packs the order: kinds differ (1 bit), cost/quantum (26 bits,
	// saturating), counters disagree (1 bit), cost in ns (36 bits,
	// saturating at 68.7 s).
	key  uint64
	p, q int32 // positions in the group's pre and post entries
}

func edgeKey(cost, quantum int64, disagree, kindsDiffer bool) uint64 {
	r := min(uint64(cost/quantum), 1<<26-1)
	k := r<<37 | min(uint64(cost), 1<<36-1)
	if disagree {
		k |= 1 << 36
	}
	if kindsDiffer {
		k |= 1 << 63
	}
	return k
}

func (m *matcher) pairAll() {
	m.preMatch = make([]int32, len(m.pre.ent))
	for i := range m.preMatch {
		m.preMatch[i] = -1
	}
	m.postMatch = make([]int32, len(m.post.ent))
	for i := range m.postMatch {
		m.postMatch[i] = -1
	}
	m.used = make([]uint64, (len(m.recs)+63)/64)
	var edges, tmp []edge
	var more []bool
	var cnt *[1 << 16]int32 // allocated by sortEdges when a group needs it
	var P, Q []entry        // the group's pre and post entries
	var pb, qb int          // their positions in the indexes
	// greedy pairs the free pre entries i with want(i) by one round of
	// global greedy by closeness to the reference.
	greedy := func(want func(i int) bool) {
		edges = edges[:0]
		for i := range P {
			if want(i) && !m.isUsed(P[i].rec) {
				edges, _ = m.edgesOf(edges, int32(i), &P[i], Q, qb, pb, false)
			}
		}
		if len(edges) == 0 {
			return
		}
		tmp, cnt = sortEdges(edges, tmp, cnt)
		for _, e := range edges {
			// A predecessor paired in this round claims the record
			// for its chain (follow comes next).
			if !m.predPaired(pb+int(e.p), qb+int(e.q)) {
				m.take(P, Q, pb, qb, int(e.p), int(e.q))
			}
		}
	}
	// follow pairs each free continuation with the post record that
	// continues the partner of its predecessor (in time order, so chains
	// of several segments follow); with band, it notes the pairs'
	// differences for the continuation band (see combo.band).
	follow := func(band bool) {
		for i := range P {
			if m.preCont[pb+i] && !m.isUsed(P[i].rec) {
				if c := m.chain(P, Q, pb, qb, i); c >= 0 && m.take(P, Q, pb, qb, i, c) && band {
					cb := &m.combos[m.comboOf(P[i].ed(), Q[c].ed())]
					d := Q[c].t - P[i].t
					cb.contDev = append(cb.contDev, subSat(d, cb.ref.level(P[i].t, d)))
				}
			}
		}
	}
	// First segments first, with the heads of chains (see continuations),
	// which may be first segments too, in rounds of global greedy by
	// closeness under the plausibility gate; then the chains that follow
	// from their pairs. A continuation is not a first segment's partner
	// while its chain may claim it: such pairs wait for the second phase.
	// A key with one record per side cannot hold a chain: it waits too.
	for g := 0; g < m.ngroups; g++ {
		P, Q = m.pre.group(g), m.post.group(g)
		if len(P) == 0 || len(Q) == 0 || len(P) == 1 && len(Q) == 1 {
			continue
		}
		pb, qb = int(m.pre.off[g]), int(m.post.off[g])
		more = slices.Grow(more[:0], len(P))[:len(P)]
		for i := range more {
			more[i] = !m.preCont[pb+i] || m.preHead[pb+i]
		}
		for round := 0; round < maxRounds; round++ {
			edges = edges[:0]
			for i := range P {
				if !more[i] || m.isUsed(P[i].rec) {
					continue
				}
				var full bool
				edges, full = m.edgesOf(edges, int32(i), &P[i], Q, qb, pb, true)
				more[i] = full
			}
			if len(edges) == 0 {
				break
			}
			tmp, cnt = sortEdges(edges, tmp, cnt)
			paired := 0
			for _, e := range edges {
				if m.take(P, Q, pb, qb, int(e.p), int(e.q)) {
					paired++
				}
			}
			if paired == 0 {
				break
			}
		}
		follow(true)
	}
	for ci := range m.combos {
		m.combos[ci].band()
	}
	// Then the continuations. The heads left (their partners lie beyond
	// the gate: they continue segments exported before the capture) go
	// first, by global greedy; chains are followed from their pairs.
	// Continuations without a chain then take their best candidates by
	// global greedy, and chains are followed once more from them. Pairs of
	// continuations beyond the gate must lie within the continuation band.
	// Last, the first segments left may take the continuations left
	// (within the gate: a session whose earlier segment was lost on one
	// side).
	for g := 0; g < m.ngroups; g++ {
		P, Q = m.pre.group(g), m.post.group(g)
		if len(P) == 0 || len(Q) == 0 {
			continue
		}
		pb, qb = int(m.pre.off[g]), int(m.post.off[g])
		if len(P) == 1 && len(Q) == 1 {
			if m.inWindow(Q[0].t, P[0].t) && compatible(P[0].app, Q[0].app) && m.kept(P[0].ed(), Q[0].ed()) &&
				!m.isUsed(P[0].rec) && !m.isUsed(Q[0].rec) && m.plausible(pb, &P[0], &Q[0], m.postCont[qb]) {
				m.preMatch[pb], m.postMatch[qb] = int32(qb), int32(pb)
				m.setUsed(P[0].rec)
				m.setUsed(Q[0].rec)
			}
			continue
		}
		if !m.freeContinuations(P, Q, pb, qb) {
			continue // nothing left that the steps below could pair
		}
		greedy(func(i int) bool { return m.preHead[pb+i] })
		for pass := 0; pass < 2; pass++ {
			follow(false)
			greedy(func(i int) bool { return m.preCont[pb+i] })
		}
		follow(false)
		greedy(func(i int) bool { return !m.preCont[pb+i] })
	}
}

// freeContinuations reports whether the group's pre entries P or post
// entries Q hold a free continuation while the other side holds a free
// record: the second phase pairs nothing else.
func (m *matcher) freeContinuations(P, Q []entry, pb, qb int) bool {
	var freeP, freeQ, cont bool
	for i := range P {
		if !m.isUsed(P[i].rec) {
			freeP = true
			if m.preCont[pb+i] {
				cont = true
				break
			}
		}
	}
	for i := range Q {
		if !m.isUsed(Q[i].rec) {
			freeQ = true
			if cont || m.postCont[qb+i] {
				cont = true
				break
			}
		}
	}
	return cont && freeP && freeQ
}

// predPaired reports whether pre entry pi or post entry qi continues a
// record that is paired: such a record pairs only along its chain (see
// chain), with the continuation of its predecessor's partner. When that
// is missing (lost with an export packet, or beyond the capture), any
// other candidate is another session's record: the chains of the two
// sides tie each record to its session. One exception: when both
// predecessors are paired, but could as well have been paired with each
// other (see crossedTie), the tie was decided by the counters, which the
// first segments of split sessions do not share, and the two
// continuations may pair.
func (m *matcher) predPaired(pi, qi int) bool {
	p0, q0 := m.prePred[pi], m.postPred[qi]
	pp := p0 >= 0 && m.preMatch[p0] >= 0
	qp := q0 >= 0 && m.isUsed(m.post.ent[q0].rec)
	if pp && qp && m.postMatch[q0] >= 0 {
		return !m.crossedTie(int(p0), int(q0))
	}
	return pp || qp
}

// crossedTie reports whether pre entry p0 and post entry q0, each paired
// with another record, lie as close to the reference as the closer of
// their two pairs, in units of the tie closeness: the greedy pass could
// not tell them apart by start times.
func (m *matcher) crossedTie(p0, q0 int) bool {
	P, Q := m.pre.ent, m.post.ent
	cost := func(pi, qi int) (int64, int64) {
		c := &m.combos[m.comboOf(P[pi].ed(), Q[qi].ed())]
		return c.ref.dev(P[pi].t, Q[qi].t-P[pi].t), c.tie
	}
	c1, _ := cost(p0, int(m.preMatch[p0]))
	c2, _ := cost(int(m.postMatch[q0]), q0)
	cx, tie := cost(p0, q0)
	tie = max(tie, 1)
	return cx/tie <= max(c1, c2)/tie
}

// chain returns the position in Q of the free post record that continues
// the partner of the record P[i] continues, or -1.
func (m *matcher) chain(P, Q []entry, pb, qb, i int) int {
	p0 := m.prePred[pb+i]
	if p0 < 0 || m.preMatch[p0] < 0 {
		return -1
	}
	q := m.postSucc[m.preMatch[p0]]
	if q < 0 {
		return -1
	}
	c := int(q) - qb
	p := &P[i]
	if m.isUsed(Q[c].rec) || !m.inWindow(Q[c].t, p.t) || !compatible(p.app, Q[c].app) || !m.kept(p.ed(), Q[c].ed()) {
		return -1
	}
	return c
}

// take pairs P[i] with Q[c] unless either record is used already.
func (m *matcher) take(P, Q []entry, pb, qb, i, c int) bool {
	pr, qr := P[i].rec, Q[c].rec
	if m.isUsed(pr) || m.isUsed(qr) {
		return false
	}
	m.preMatch[pb+i], m.postMatch[qb+c] = int32(qb+c), int32(pb+i)
	m.setUsed(pr)
	m.setUsed(qr)
	return true
}

// edgesOf appends up to edgeCap edges per post exporter domain (and level
// of the reference: two within the bracket of a clock step) of pre entry
// p (position i in its group) to the free, compatible post entries Q
// within the window, nearest to the reference of their exporter pair first.
// full reports whether the cap cut a list (so a later round may find more).
// With first (the first segments' rounds) only first segments and heads
// are candidates, and the gate holds for every one: a head is paired there
// as a first segment.
func (m *matcher) edgesOf(edges []edge, i int32, p *entry, Q []entry, qb, pb int, first bool) ([]edge, bool) {
	pcont, phead := m.preCont[pb+int(i)], m.preHead[pb+int(i)]
	lo, hi := m.window(Q, p.t)
	if lo == hi {
		return edges, false
	}
	full := false
	a := p.ed()
	for _, b := range m.targets[a] {
		cb := &m.combos[m.comboOf(a, b)]
		v, alt, two := cb.ref.levels(p.t)
		n0 := len(edges)
		for k, level := range [2]int64{v, alt} {
			n := 0
		walk:
			for c := range outward(Q, lo, hi, addSat(p.t, level)) {
				q := &Q[c]
				qcont, qhead := m.postCont[qb+c], m.postHead[qb+c]
				if m.isUsed(q.rec) || !compatible(p.app, q.app) || q.ed() != b ||
					first && qcont && !qhead || !first && m.predPaired(pb+int(i), qb+c) {
					continue
				}
				if n == edgeCap {
					full = true
					break
				}
				if k > 0 {
					for _, e := range edges[n0:] {
						if e.q == int32(c) {
							continue walk // found from the other level
						}
					}
				}
				d := q.t - p.t
				cost := abs64(subSat(d, v))
				if two {
					cost = min(cost, abs64(subSat(d, alt)))
				}
				if cb.gate > 0 && cost > cb.gate {
					adj := m.slackDev(p, q, d, v)
					if two {
						adj = min(adj, m.slackDev(p, q, d, alt))
					}
					if adj <= cb.gate {
						cost = adj // a start coarser than its exporter's usual
					} else if first || !m.beyondGate(pb+int(i), p, q, qcont, cb) {
						continue // implausible: see plausibility
					}
				}
				kindsDiffer := !phead && !qhead && pcont != qcont
				edges = append(edges, edge{key: edgeKey(cost, cb.tie, p.counters() != q.counters(), kindsDiffer), p: i, q: int32(c)})
				n++
			}
			if !two {
				break
			}
		}
	}
	return edges, full
}

// plausible reports whether pre entry p (position pi in the pre index)
// and post entry q lie close enough to their exporter pair's offset to be
// one session's records (see combo.plausibility), or beyond the gate, are
// spared by beyondGate.
func (m *matcher) plausible(pi int, p, q *entry, qcont bool) bool {
	c := &m.combos[m.comboOf(p.ed(), q.ed())]
	d := q.t - p.t
	return c.gate == 0 || c.ref.dev(p.t, d) <= c.gate || m.slackDev(p, q, d, c.ref.level(p.t, d)) <= c.gate || m.beyondGate(pi, p, q, qcont, c)
}

// slackDev is the distance of difference d (post q - pre p) from level v,
// allowing for a record whose start is coarser than its exporter domain's
// usual encoding, which the gate's quantum does not cover: an IPFIX
// flowStartDeltaMicroseconds of 0 among exact deltas, a v9 start of 0. Such
// a start is truncated, so the true start lies up to its uncertainty later
// than recorded: a coarse post start can make d smaller than it is, a coarse
// pre start larger. It reads the records only for candidates beyond the
// gate.
func (m *matcher) slackDev(p, q *entry, d, v int64) int64 {
	dev := subSat(d, v)
	if m.edUnc == nil {
		return abs64(dev)
	}
	if dev < 0 {
		return max(0, abs64(dev)-m.excess(q))
	}
	return max(0, dev-m.excess(p))
}

// excess is how much coarser the start of e's record is than the usual
// encoding of its exporter domain (0 for most records).
func (m *matcher) excess(e *entry) int64 {
	return max(0, int64(m.recs[e.rec].StartEnc.Precision().Uncertainty())-m.edUnc[e.ed()])
}

// beyondGate reports whether a candidate beyond the gate may still pair:
// two continuations whose difference lies within the continuation band
// (their starts follow the exporters' split schedules, see combo.band),
// or the tail of a broken chain (see brokenChainTail). A continuation and
// a first segment are otherwise held to the gate like two first segments
// (a session split on one side only is rare, another session of a popular
// key is not).
func (m *matcher) beyondGate(pi int, p, q *entry, qcont bool, c *combo) bool {
	if m.preCont[pi] && qcont {
		return c.inBand(p.t, q.t-p.t)
	}
	return m.brokenChainTail(pi, p, q, qcont, c)
}

// brokenChainTail reports whether pre entry p (position pi), a
// continuation whose predecessor found no partner, and post entry q, which
// looks like a first segment, end within the gate of their exporter pair's
// offset: the tail of one session whose post side lost its earlier segment
// with a dropped export packet. Nothing on the post side then shows that
// q's start is a split point on its exporter's schedule, so the two starts
// differ by the exporters' schedules, not by the clocks, and the gate on
// starts does not apply. Their ends do: the last segments of one session
// end together, at the clocks' offset. Their starts, split points on both
// exporters' schedules, lie within the continuation band. (Segments ended
// by a split end at their exporter's scan for expired flows, often
// together with other sessions' segments, so a first segment is never
// spared against a continuation whose predecessor is paired, nor a first
// segment of the pre side, whose pairing comes before the continuations'.)
func (m *matcher) brokenChainTail(pi int, p, q *entry, qcont bool, c *combo) bool {
	if qcont || !m.preCont[pi] {
		return false
	}
	if pred := m.prePred[pi]; pred < 0 || m.preMatch[pred] >= 0 {
		return false
	}
	pr, qr := &m.recs[p.rec], &m.recs[q.rec]
	if !pr.HasEnd || !qr.HasEnd {
		return false
	}
	d := subSat(int64(qr.End), int64(pr.End))
	return d != math.MinInt64 && d != math.MaxInt64 && c.ref.dev(p.t, d) <= c.gate && c.inBand(p.t, q.t-p.t)
}

// best returns the position in Q[lo:hi] of p's candidate closest to the
// reference of its exporter pair, skipping position skip, and that
// distance; -1 when there is none.
func (m *matcher) best(p *entry, Q []entry, lo, hi, skip int) (int, int64) {
	bestPos, bestCost := -1, int64(0)
	a := p.ed()
	for _, b := range m.targets[a] {
		ref := &m.combos[m.comboOf(a, b)].ref
		v, alt, two := ref.levels(p.t)
		for _, level := range [2]int64{v, alt} {
			for c := range outward(Q, lo, hi, addSat(p.t, level)) {
				q := &Q[c]
				if c == skip || !compatible(p.app, q.app) || q.ed() != b {
					continue
				}
				cost := abs64(subSat(q.t-p.t, v))
				if two {
					cost = min(cost, abs64(subSat(q.t-p.t, alt)))
				}
				if bestPos < 0 || cost < bestCost {
					bestPos, bestCost = c, cost
				}
				break
			}
			if !two {
				break
			}
		}
	}
	return bestPos, bestCost
}

// collectPairs turns preMatch into Pairs with their confidence.
func (m *matcher) collectPairs(res *Result) {
	n := 0
	for _, q := range m.preMatch {
		if q >= 0 {
			n++
		}
	}
	res.Pairs = make([]Pair, 0, n)
	for g := 0; g < m.ngroups; g++ {
		P, Q := m.pre.group(g), m.post.group(g)
		pb, qb := int(m.pre.off[g]), int(m.post.off[g])
		for i := range P {
			p := &P[i]
			qi := m.preMatch[pb+i]
			if qi < 0 {
				continue
			}
			qpos := int(qi) - qb
			q := &Q[qpos]
			lo, hi := m.window(Q, p.t)
			k := m.count(g, Q, lo, hi, p.app)
			ru := int64(-1)
			if hi-lo > 1 {
				if c, cost := m.best(p, Q, lo, hi, qpos); c >= 0 {
					ru = cost
				}
			}
			res.Pairs = append(res.Pairs, Pair{Pre: p.rec, Post: q.rec, DeltaNs: q.t - p.t, Candidates: int32(k), RunnerUpNs: ru,
				Continuation: m.preCont[pb+i] || m.postCont[int(qi)], Head: m.preHead[pb+i] || m.postHead[int(qi)]})
		}
	}
	sortPairs(res.Pairs)
}

// continuations marks the entries of x that continue an earlier record of
// the same 5-tuple from the same exporter domain: they start at most contGap
// after that record's end (or up to a second before it, the precision of
// coarse encodings). An exporter splits a long session at its active
// timeout on its own schedule, so the start times of continuation records
// differ between exporters by more than their clocks do. pred holds, for
// each continuation, the position of the record it continues (else -1).
//
// The first record of such a chain is marked too (with no pred) when it
// starts before its exporter's first export in the capture: its session was
// running when the capture began, so it may itself continue a segment
// exported before, and its start be a split point on the exporter's
// schedule rather than the session's start (two domains of one exporter
// that split a long TCP session 1 s apart show exactly this).
func (m *matcher) continuations(x *index) (cont []bool, pred []int32, head []bool) {
	cont = make([]bool, len(x.ent))
	head = make([]bool, len(x.ent))
	pred = make([]int32, len(x.ent))
	for i := range pred {
		pred[i] = -1
	}
	var last map[uint64]int32
	mark := func(es []entry, base, i, j int) {
		prev := &m.recs[es[j].rec]
		if prev.HasEnd {
			gap := subSat(es[i].t, int64(prev.End))
			if gap >= -int64(time.Second) && gap <= int64(contGap) {
				cont[base+i], pred[base+i] = true, int32(base+j)
			}
		}
	}
	for g := 0; g < m.ngroups; g++ {
		es := x.group(g)
		if len(es) < 2 {
			continue
		}
		base := int(x.off[g])
		if len(es) <= 16 {
			// Small keys: look back directly.
			for i := 1; i < len(es); i++ {
				for j := i - 1; j >= 0; j-- {
					if es[j].cli == es[i].cli {
						mark(es, base, i, j)
						break
					}
				}
			}
			continue
		}
		// Clearing a map costs its capacity: start afresh after a large key.
		if last == nil || len(last) > 4096 {
			last = make(map[uint64]int32, len(es))
		} else {
			clear(last)
		}
		for i := range es {
			if j, ok := last[es[i].cli]; ok {
				mark(es, base, i, int(j))
			}
			last[es[i].cli] = int32(i)
		}
	}
	for _, h := range pred {
		if h < 0 || cont[h] {
			continue
		}
		r := &m.recs[x.ent[h].rec]
		if f, ok := m.firstExport[r.ExporterDomain()]; ok && int64(r.Start) < f {
			cont[h], head[h] = true, true
		}
	}
	return cont, pred, head
}

// sortPairs orders pairs by pre, then post record index (a stable LSD radix
// sort on the two indices: linear time for the million-pair case).
func sortPairs(ps []Pair) {
	if len(ps) < 256 {
		slices.SortFunc(ps, func(a, b Pair) int {
			if c := cmp.Compare(a.Pre, b.Pre); c != 0 {
				return c
			}
			return cmp.Compare(a.Post, b.Post)
		})
		return
	}
	tmp := make([]Pair, len(ps))
	src, dst := ps, tmp
	for _, f := range []func(*Pair) uint32{
		func(p *Pair) uint32 { return uint32(p.Post) },
		func(p *Pair) uint32 { return uint32(p.Post) >> 16 },
		func(p *Pair) uint32 { return uint32(p.Pre) },
		func(p *Pair) uint32 { return uint32(p.Pre) >> 16 },
	} {
		var cnt [1 << 16]int
		for i := range src {
			cnt[f(&src[i])&0xffff]++
		}
		sum := 0
		for i, c := range cnt {
			cnt[i] = sum
			sum += c
		}
		for i := range src {
			d := f(&src[i]) & 0xffff
			dst[cnt[d]] = src[i]
			cnt[d]++
		}
		src, dst = dst, src
	}
	// Four passes: the result is back in ps.
}

// allPairs lists every candidate pair (many-to-many), as the old script did.
func (m *matcher) allPairs(res *Result) {
	m.preMatch = make([]int32, len(m.pre.ent))
	for i := range m.preMatch {
		m.preMatch[i] = -1
	}
	m.postMatch = make([]int32, len(m.post.ent)) // for the reasons (see why)
	for i := range m.postMatch {
		m.postMatch[i] = -1
	}
	m.used = make([]uint64, (len(m.recs)+63)/64)
	seen := map[[2]int32]bool{} // pairs found both ways (records indexed in both directions)
	for g := 0; g < m.ngroups; g++ {
		P, Q := m.pre.group(g), m.post.group(g)
		if len(P) == 0 || len(Q) == 0 {
			continue
		}
		pb, qb := int(m.pre.off[g]), int(m.post.off[g])
		for i, p := range P {
			lo, hi := m.window(Q, p.t)
			k := m.count(g, Q, lo, hi, p.app)
			for c := lo; c < hi; c++ {
				q := Q[c]
				if !compatible(p.app, q.app) {
					continue
				}
				if p.dual() && q.dual() {
					if seen[[2]int32{p.rec, q.rec}] {
						continue
					}
					seen[[2]int32{p.rec, q.rec}] = true
				}
				res.Pairs = append(res.Pairs, Pair{Pre: p.rec, Post: q.rec, DeltaNs: q.t - p.t, Candidates: int32(k), RunnerUpNs: -1,
					Continuation: m.preCont[pb+i] || m.postCont[qb+c], Head: m.preHead[pb+i] || m.postHead[qb+c]})
				m.preMatch[pb+i], m.postMatch[qb+c] = int32(qb+c), int32(pb+i)
				m.setUsed(p.rec)
				m.setUsed(q.rec)
			}
		}
	}
	sortPairs(res.Pairs)
}

// collectUnmatched explains every record of either side left without a
// partner. A record indexed both ways gets the more telling of its two
// reasons.
func (m *matcher) collectUnmatched(res *Result) {
	dualPre, dualPost := map[int32]int{}, map[int32]int{}
	add := func(list *[]Unmatched, dual map[int32]int, e *entry, u Unmatched) {
		if !e.dual() {
			*list = append(*list, u)
			return
		}
		if i, ok := dual[e.rec]; ok {
			if reasonRank(u.Why) > reasonRank((*list)[i].Why) {
				(*list)[i] = u
			}
			return
		}
		dual[e.rec] = len(*list)
		*list = append(*list, u)
	}
	for g := 0; g < m.ngroups; g++ {
		P, Q := m.pre.group(g), m.post.group(g)
		for i := range P {
			if !m.isUsed(P[i].rec) {
				add(&res.UnmatchedPre, dualPre, &P[i], m.why(g, i, P[i], Q, 1))
			}
		}
		for i := range Q {
			if !m.isUsed(Q[i].rec) {
				add(&res.UnmatchedPost, dualPost, &Q[i], m.why(g, i, Q[i], P, -1))
			}
		}
	}
	byIndex := func(a, b Unmatched) int { return cmp.Compare(a.Index, b.Index) }
	slices.SortFunc(res.UnmatchedPre, byIndex)
	slices.SortFunc(res.UnmatchedPost, byIndex)
}

// reasonRank orders reasons by how much they tell: a record with candidates
// says more than one without.
func reasonRank(r Reason) int {
	switch r {
	case ReasonTaken, ReasonTakenFirst:
		return 7
	case ReasonChainEnds, ReasonChainClaimed:
		return 6
	case ReasonImplausible:
		return 5
	case ReasonNoOffset:
		return 4
	case ReasonOtherExporter:
		return 4
	case ReasonOutsideWindow:
		return 3
	case ReasonAppDiffers:
		return 2
	case ReasonNoKey:
		return 1
	}
	return 0
}

// kept reports whether records of pre exporter domain a and post exporter
// domain b may pair.
func (m *matcher) kept(a, b int) bool {
	if len(m.combos) == 0 {
		return false
	}
	return m.combos[m.comboOf(a, b)].kept
}

// why explains entry e (position i in its group) of one side, given the
// other side's entries O of the same group; dir is +1 for a pre record
// (delta = other - e) and -1 for a post record (delta = e - other).
//
// The reasons follow the pairing's rules: a record that continues a paired
// record pairs only along its chain (predPaired); a candidate is plausible
// within the gate or as beyondGate allows; a plausible candidate left is
// taken, by a closer pair or by one that ranks before (see whyTaken).
func (m *matcher) why(g, i int, e entry, O []entry, dir int64) Unmatched {
	u := Unmatched{Index: e.rec}
	pb, qb := int(m.pre.off[g]), int(m.post.off[g])
	if len(O) == 0 {
		u.Why = ReasonNoKey
		return u
	}
	lo, hi := m.window(O, e.t)
	if m.count(g, O, lo, hi, e.app) > 0 {
		u.Why = ReasonOtherExporter
		bestCost := int64(-1)
		noOffset, claimed, ownChain := false, false, false
		taken := ReasonNone
		for j := lo; j < hi; j++ {
			o := &O[j]
			if !compatible(e.app, o.app) {
				continue
			}
			// O is the other side: j indexes the post group for a pre
			// record, the pre group for a post record.
			var p, q *entry
			var pi, qi int
			if dir > 0 {
				p, q, pi, qi = &e, o, pb+i, qb+j
			} else {
				p, q, pi, qi = o, &e, pb+j, qb+i
			}
			if !m.kept(p.ed(), q.ed()) {
				if len(m.combos) > 0 && m.combos[m.comboOf(p.ed(), q.ed())].noOffset {
					noOffset = true
				}
				continue
			}
			if m.predPaired(pi, qi) {
				// Which side's chain holds the pair back: this record's
				// own, or the candidate's.
				if own := m.ownPredPaired(pi, qi, dir); own {
					ownChain = true
				} else if m.plausible(pi, p, q, m.postCont[qi]) {
					claimed = true
				}
				continue
			}
			if m.plausible(pi, p, q, m.postCont[qi]) {
				if r := m.whyTaken(pi, qi, dir); r > taken {
					taken = r
				}
				continue
			}
			// Every plausible candidate so far is missing: remember the
			// implausible one nearest to the offset.
			c := &m.combos[m.comboOf(p.ed(), q.ed())]
			d := q.t - p.t
			ref := c.ref.level(p.t, d)
			if cost := abs64(d - ref); bestCost < 0 || cost < bestCost {
				bestCost = cost
				u.Why, u.NearestNs, u.OffsetNs, u.GateNs = ReasonImplausible, d, ref, c.gate
				u.HasBand = m.preCont[pi] && m.postCont[qi] && c.hasBand
				u.BandLoNs, u.BandHiNs = c.bandLo, c.bandHi
			}
		}
		if taken != ReasonNone && claimed {
			taken = ReasonTakenFirst // some held for chains: not all taken by closer pairs
		}
		switch {
		case taken != ReasonNone:
			u = Unmatched{Index: e.rec, Why: taken}
		case ownChain:
			u = Unmatched{Index: e.rec, Why: ReasonChainEnds}
		case claimed:
			u = Unmatched{Index: e.rec, Why: ReasonChainClaimed}
		case u.Why == ReasonOtherExporter && noOffset:
			u.Why = ReasonNoOffset
		}
		return u
	}
	c := nearest(O, 0, len(O), e.t, e.app, -1)
	if c < 0 {
		u.Why = ReasonAppDiffers
		return u
	}
	u.Why = ReasonOutsideWindow
	u.NearestNs = subSat(O[c].t, e.t)
	if dir < 0 {
		u.NearestNs = subSat(e.t, O[c].t)
	}
	return u
}

// ownPredPaired reports whether the record explained by why (the pre entry
// pi for dir > 0, else the post entry qi) continues a paired record.
func (m *matcher) ownPredPaired(pi, qi int, dir int64) bool {
	if dir > 0 {
		p0 := m.prePred[pi]
		return p0 >= 0 && m.preMatch[p0] >= 0
	}
	q0 := m.postPred[qi]
	return q0 >= 0 && m.isUsed(m.post.ent[q0].rec)
}

// whyTaken explains why the plausible candidate of pre entry pi and post
// entry qi, one of which is paired already (the other is the record
// explained: the pre entry for dir > 0), was not free: ReasonTaken when
// its pair lies as close to the offset as this one would (within the tie
// closeness), else ReasonTakenFirst (its pair ranked before: first
// segments before continuations, a session's chain before closeness).
func (m *matcher) whyTaken(pi, qi int, dir int64) Reason {
	var op, oq int // the candidate's pair
	if dir > 0 {
		op, oq = int(m.postMatch[qi]), qi
	} else {
		op, oq = pi, int(m.preMatch[pi])
	}
	if op < 0 || oq < 0 {
		return ReasonTaken // the record is paired through its other index (Direction Either)
	}
	P, Q := m.pre.ent, m.post.ent
	cost := func(pi, qi int) (int64, int64) {
		c := &m.combos[m.comboOf(P[pi].ed(), Q[qi].ed())]
		return c.ref.dev(P[pi].t, Q[qi].t-P[pi].t), c.tie
	}
	mine, tie := cost(pi, qi)
	theirs, tie2 := cost(op, oq)
	if theirs/max(tie2, 1) <= mine/max(tie, 1) {
		return ReasonTaken
	}
	return ReasonTakenFirst
}

// sortEdges sorts edges by key, stably (ties keep their order of
// generation: by pre entry, then nearest first). Large slices use an LSD
// radix sort on 16-bit digits, skipping digits all keys share. tmp and cnt
// are scratch space, returned for reuse.
func sortEdges(edges, tmp []edge, cnt *[1 << 16]int32) ([]edge, *[1 << 16]int32) {
	if len(edges) < 4096 {
		slices.SortStableFunc(edges, func(a, b edge) int { return cmp.Compare(a.key, b.key) })
		return tmp, cnt
	}
	if cnt == nil {
		cnt = new([1 << 16]int32)
	}
	tmp = slices.Grow(tmp[:0], len(edges))[:len(edges)]
	var diff uint64
	k0 := edges[0].key
	for i := range edges {
		diff |= edges[i].key ^ k0
	}
	src, dst := edges, tmp
	for shift := uint(0); shift < 64; shift += 16 {
		if (diff>>shift)&0xffff == 0 {
			continue
		}
		clear(cnt[:])
		for i := range src {
			cnt[(src[i].key>>shift)&0xffff]++
		}
		var sum int32
		for i, c := range cnt {
			cnt[i] = sum
			sum += c
		}
		for i := range src {
			d := (src[i].key >> shift) & 0xffff
			dst[cnt[d]] = src[i]
			cnt[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &edges[0] {
		copy(edges, src)
	}
	return tmp, cnt
}

// outward yields the positions of Q[lo:hi] (sorted by start) in order of
// their distance from target, the earlier first on a tie.
func outward(Q []entry, lo, hi int, target int64) iter.Seq[int] {
	return func(yield func(int) bool) {
		pos := lo + lowerBound(Q[lo:hi], target)
		x, y := pos-1, pos
		for x >= lo || y < hi {
			var c int
			if y >= hi || (x >= lo && target-Q[x].t <= Q[y].t-target) {
				c = x
				x--
			} else {
				c = y
				y++
			}
			if !yield(c) {
				return
			}
		}
	}
}
