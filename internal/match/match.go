package match

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"netflowtimedifference/internal/flow"
)

// Tuning constants of the matcher.
const (
	// sampleCap bounds the work per pre record in the offset estimate:
	// records with more candidates are sampled (see forEachCandidate).
	sampleCap = 32
	// edgeCap is the most candidates per pre record considered in one
	// pairing round (the nearest to the reference offset); further rounds
	// look further for records left without a partner.
	edgeCap   = 8
	maxRounds = 6
	// maxBins bounds the offset histogram; bins are 1 ms unless the window
	// is wider than 100 s.
	maxBins = 200_001
	// minBucket is the number of consecutive unambiguous differences in a
	// block of the local offset reference (see localReference).
	minBucket = 5
	// maxStepNotes bounds the notes on steps of the reference per exporter
	// pair.
	maxStepNotes = 5
	// maxEDs is the most exporter domains for which offsets are estimated
	// per (pre, post) exporter pair; with more, one offset serves all.
	maxEDs = 32
	// contGap is how soon after the end of an earlier record of the same
	// 5-tuple and exporter a record must start to count as its continuation
	// (a long session split by the active timeout).
	contGap = 2 * time.Second
)

const mixedApp = ^uint32(0)

type entry struct {
	t   int64  // start, ns
	rec int32  // record index
	app uint32 // interned app, 0: none (or app not in the key)
	// aux holds the exporter domain id (top 16 bits), the dual flag (bit
	// 47) and a 47-bit hash of the packet and octet counters.
	aux uint64
	// cli hashes the client socket (the side not in the default key) with
	// the exporter domain: records of one 5-tuple from one exporter share it.
	cli uint64
}

func (e *entry) ed() int          { return int(e.aux >> 48) }
func (e *entry) counters() uint64 { return e.aux & (1<<47 - 1) }

// dual reports whether the record is indexed both ways (Direction Either).
func (e *entry) dual() bool { return e.aux&(1<<47) != 0 }

// counterHash mixes the packet and octet counters into 47 bits
// (splitmix64 finalizer). Equal hashes are taken as equal counters: a
// collision of two different counter pairs has a chance of 2^-47.
func counterHash(r *flow.Record) uint64 {
	mix := func(x uint64) uint64 {
		x ^= x >> 30
		x *= 0xbf58476d1ce4e5b9
		x ^= x >> 27
		x *= 0x94d049bb133111eb
		return x ^ x>>31
	}
	return mix(mix(r.Packets+0x9e3779b97f4a7c15)^r.Octets) >> 17
}

// index holds one side's records with a start time, grouped by key and sorted
// by start time within a key: group g is ent[off[g]:off[g+1]].
type index struct {
	off []int32
	ent []entry
}

func (x *index) group(g int) []entry { return x.ent[x.off[g]:x.off[g+1]] }

type matcher struct {
	recs      []flow.Record
	eds       []flow.ExporterDomain // interned exporter domains (both sides); nil when more than maxEDs
	combos    []combo               // per (pre ed, post ed): ed*len(eds)+ed, or one when eds is nil
	targets   [][]int               // per pre ed: the post eds whose combo is kept
	win       int64
	quantum   int64   // width within which start times cannot be told apart (precision of the pairs)
	edUnc     []int64 // per exporter domain: uncertainty of its usual start-time encoding, ns
	pre       index
	post      index
	grpApp    []uint32 // per group: 0 no app, an app id, or mixedApp
	ngroups   int
	preMatch  []int32  // per pre entry: post entry position, -1
	postMatch []int32  // per post entry: pre entry position, -1 (one-to-one pairing only)
	used      []uint64 // per record (bit): paired already
	preCont   []bool   // per pre entry: continuation record (see continuations)
	postCont  []bool
	preHead   []bool // per pre entry: a continuation that heads its chain (see continuations)
	postHead  []bool
	prePred   []int32 // per pre entry: the entry it continues, -1
	postPred  []int32 // per post entry: the entry it continues, -1
	postSucc  []int32 // per post entry: the entry continuing it, -1
	skipCont  bool    // the offset estimate leaves continuation records out
	// firstExport is, per exporter domain, the earliest header export time
	// (else capture time) of its records: the start of the capture on the
	// exporter's own clock.
	firstExport map[flow.ExporterDomain]int64
}

// Run selects the sides (SelectSides), indexes them by key and pairs them.
// recs is read, never modified or copied; the result refers to it by index.
func Run(recs []flow.Record, cfg Config) (*Result, error) {
	if len(recs) > 1<<31-1 {
		return nil, fmt.Errorf("too many records (%d)", len(recs))
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	sides, nPre, nPost, err := selectSides(recs, cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{Sides: sides, Key: cfg.key(), Window: cfg.window(), AllPairs: cfg.AllPairs}
	if sides.Note != "" {
		res.Notes = append(res.Notes, sides.Note)
	}
	m := &matcher{recs: recs, win: int64(res.Window)}
	m.build(res, &sides, nPre, nPost)
	m.preCont, m.prePred, m.preHead = m.continuations(&m.pre)
	m.postCont, m.postPred, m.postHead = m.continuations(&m.post)
	m.postSucc = make([]int32, len(m.postPred))
	for i := range m.postSucc {
		m.postSucc[i] = -1
	}
	for q, q0 := range m.postPred {
		if q0 >= 0 {
			m.postSucc[q0] = int32(q)
		}
	}
	m.estimate(res)
	if cfg.AllPairs {
		m.allPairs(res)
	} else {
		m.pairAll()
		m.collectPairs(res)
	}
	m.collectUnmatched(res)
	return res, nil
}

// build classifies the records, interns apps, assigns key groups and fills
// both indexes.
func (m *matcher) build(res *Result, s *Sides, nPre, nPost int) {
	type slot struct {
		rec, grp int32
		app      uint32
		ed       uint16
		ret      bool // indexed as a return record
		dual     bool // indexed both ways
	}
	edIDs := map[flow.ExporterDomain]uint16{}
	var lastED flow.ExporterDomain
	lastID := -1
	preS, postS := make([]slot, 0, nPre), make([]slot, 0, nPost)
	groups := make(map[key]int32)
	apps := map[string]uint32{"": 0}
	encPre, encPost := map[flow.Encoding]int{}, map[flow.Encoding]int{}
	var edEnc []map[flow.Encoding]int
	m.firstExport = map[flow.ExporterDomain]int64{}
	var first int64 // first export of the exporter domain lastED
	kf := res.Key
	for i := range m.recs {
		r := &m.recs[i]
		var isPre bool
		switch {
		case s.inPre(r):
			isPre = true
			res.RecordsPre++
		case s.inPost(r):
			res.RecordsPost++
		default:
			res.Excluded++
			continue
		}
		if !r.HasStart() {
			u := Unmatched{Index: int32(i), Why: ReasonNoStart}
			if isPre {
				res.UnmatchedPre = append(res.UnmatchedPre, u)
			} else {
				res.UnmatchedPost = append(res.UnmatchedPost, u)
			}
			continue
		}
		if ed := r.ExporterDomain(); lastID < 0 || ed != lastED {
			if lastID >= 0 {
				m.noteExport(lastED, first)
			}
			first = 0
			id, ok := edIDs[ed]
			if !ok {
				id = uint16(min(len(edIDs), 1<<16-1))
				edIDs[ed] = id
				m.eds = append(m.eds, ed)
				edEnc = append(edEnc, map[flow.Encoding]int{})
			}
			lastED, lastID = ed, int(id)
		}
		if t := int64(r.ExportTime); t != 0 && (first == 0 || t < first) {
			first = t
		} else if t := int64(r.CaptureTime); r.ExportTime == 0 && t != 0 && (first == 0 || t < first) {
			first = t
		}
		dir := DirectionOf(r)
		group := func(ret bool) int32 {
			k := makeKey(r, kf, ret)
			g, ok := groups[k]
			if !ok {
				g = int32(len(groups))
				groups[k] = g
				m.grpApp = append(m.grpApp, 0)
			}
			return g
		}
		g := group(dir == Return)
		g2 := int32(-1)
		if dir == Either {
			g2 = group(true)
		}
		var app uint32
		if kf&KeyApp != 0 && r.App != "" {
			a, ok := apps[r.App]
			if !ok {
				a = uint32(len(apps))
				apps[r.App] = a
			}
			app = a
			for _, g := range []int32{g, g2} {
				if g < 0 {
					continue
				}
				switch m.grpApp[g] {
				case 0:
					m.grpApp[g] = app
				case app, mixedApp:
				default:
					m.grpApp[g] = mixedApp
				}
			}
		}
		sl := slot{rec: int32(i), grp: g, app: app, ed: uint16(lastID), ret: dir == Return, dual: dir == Either}
		if isPre {
			preS = append(preS, sl)
			encPre[r.StartEnc]++
			edEnc[lastID][r.StartEnc]++
		} else {
			postS = append(postS, sl)
			encPost[r.StartEnc]++
			edEnc[lastID][r.StartEnc]++
		}
		if g2 >= 0 {
			sl.grp, sl.ret = g2, true
			if isPre {
				preS = append(preS, sl)
			} else {
				postS = append(postS, sl)
			}
		}
	}
	if lastID >= 0 {
		m.noteExport(lastED, first)
	}
	m.ngroups = len(groups)
	clear(groups)
	if len(m.eds) > maxEDs {
		m.eds = nil // one combo for all: see maxEDs
	}
	fill := func(x *index, slots []slot) {
		x.off = make([]int32, m.ngroups+1)
		for _, s := range slots {
			x.off[s.grp+1]++
		}
		for g := 1; g <= m.ngroups; g++ {
			x.off[g] += x.off[g-1]
		}
		x.ent = make([]entry, len(slots))
		next := slices.Clone(x.off[:m.ngroups])
		for _, s := range slots {
			rec := &m.recs[s.rec]
			var aux uint64
			if m.eds != nil {
				aux = uint64(s.ed) << 48
			}
			if s.dual {
				aux |= 1 << 47
			}
			x.ent[next[s.grp]] = entry{t: int64(rec.Start), rec: s.rec, app: s.app, aux: aux | counterHash(rec), cli: clientHash(rec, s.ed, s.ret)}
			next[s.grp]++
		}
		// Sort each key by start time (then record index). Entries arrive in
		// record order, which is often nearly time order: check first. Large
		// keys sort compact (time, position) pairs and then permute.
		type tk struct {
			t   int64
			pos int32
		}
		var keys []tk
		var perm []entry
		for g := 0; g < m.ngroups; g++ {
			grp := x.group(g)
			if len(grp) < 2 || slices.IsSortedFunc(grp, func(a, b entry) int { return cmp.Compare(a.t, b.t) }) {
				continue // equal times keep record order: the slots are in record order
			}
			if len(grp) <= 64 {
				slices.SortStableFunc(grp, func(a, b entry) int { return cmp.Compare(a.t, b.t) })
				continue
			}
			keys = keys[:0]
			for i := range grp {
				keys = append(keys, tk{grp[i].t, int32(i)})
			}
			slices.SortFunc(keys, func(a, b tk) int {
				if a.t != b.t {
					return cmp.Compare(a.t, b.t)
				}
				return cmp.Compare(a.pos, b.pos)
			})
			perm = append(perm[:0], grp...)
			for i, k := range keys {
				grp[i] = perm[k.pos]
			}
		}
	}
	fill(&m.pre, preS)
	preS = nil
	fill(&m.post, postS)
	// The quantum: start times closer than the precision of both sides
	// together cannot be told apart (2 ms for two millisecond sides, about
	// 1 s when one side is NetFlow v9).
	q := dominant(encPre).Precision().Uncertainty() + dominant(encPost).Precision().Uncertainty()
	m.quantum = max(int64(q), 2*int64(time.Millisecond))
	if m.eds != nil {
		m.edUnc = make([]int64, len(m.eds))
		for i, e := range edEnc {
			m.edUnc[i] = int64(dominant(e).Precision().Uncertainty())
		}
	}
}

// noteExport lowers the first export time of ed to t (0: unknown).
func (m *matcher) noteExport(ed flow.ExporterDomain, t int64) {
	if t == 0 {
		return
	}
	if f, ok := m.firstExport[ed]; !ok || t < f {
		m.firstExport[ed] = t
	}
}

// quantumOf is the quantum of pre exporter domain a and post exporter
// domain b: their start times' uncertainties added, at least 2 ms.
func (m *matcher) quantumOf(a, b int) int64 {
	if m.edUnc == nil {
		return m.quantum
	}
	return max(m.edUnc[a]+m.edUnc[b], 2*int64(time.Millisecond))
}

// comboQuantum is quantumOf for a combo index.
func (m *matcher) comboQuantum(ci int) int64 {
	if m.eds == nil {
		return m.quantum
	}
	return m.quantumOf(ci/len(m.eds), ci%len(m.eds))
}

func dominant(m map[flow.Encoding]int) flow.Encoding {
	best, n := flow.EncNone, -1
	for e, c := range m {
		if c > n || (c == n && e < best) {
			best, n = e, c
		}
	}
	return best
}

// clientHash hashes the client socket of r (source of a forward record,
// destination of a return record) and its exporter domain id. Equal
// sockets give equal hashes; unequal ones collide with a chance of 2^-64,
// which at worst marks a record as a continuation wrongly.
func clientHash(r *flow.Record, ed uint16, ret bool) uint64 {
	a, p := r.Src, r.SrcPort
	if ret {
		a, p = r.Dst, r.DstPort
	}
	b := a.As16()
	lo := binary.LittleEndian.Uint64(b[:8])
	hi := binary.LittleEndian.Uint64(b[8:])
	x := (lo*0x9e3779b97f4a7c15 ^ hi) * 0xbf58476d1ce4e5b9
	x ^= (uint64(p) | uint64(ed)<<16) * 0x94d049bb133111eb
	return x ^ x>>29
}

func (m *matcher) isUsed(rec int32) bool { return m.used[rec>>6]&(1<<(rec&63)) != 0 }
func (m *matcher) setUsed(rec int32)     { m.used[rec>>6] |= 1 << (rec & 63) }

func compatible(a, b uint32) bool { return a == 0 || b == 0 || a == b }

// window returns the range of es (sorted by t) with t in [t0-win, t0+win],
// the bounds saturating at the ends of the int64 range (a start time near
// them is corrupt, not a reason to wrap around).
func (m *matcher) window(es []entry, t0 int64) (lo, hi int) {
	lo = lowerBound(es, addSat(t0, -m.win))
	if t0 > math.MaxInt64-m.win-1 {
		return lo, len(es)
	}
	hi = lo + lowerBound(es[lo:], t0+m.win+1)
	return lo, hi
}

// inWindow reports whether a and b lie within the window of each other
// (without overflow: a and b may be anywhere in the int64 range).
func (m *matcher) inWindow(a, b int64) bool {
	d := subSat(a, b)
	return d >= -m.win && d <= m.win
}

// subSat returns a-b, saturating at the ends of the int64 range.
func subSat(a, b int64) int64 {
	s := a - b
	switch {
	case b < 0 && s < a:
		return math.MaxInt64
	case b > 0 && s > a:
		return math.MinInt64
	}
	return s
}

// addSat returns a+b, saturating at the ends of the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// lowerBound returns the first position with t >= x.
func lowerBound(es []entry, x int64) int {
	i, j := 0, len(es)
	for i < j {
		h := int(uint(i+j) >> 1)
		if es[h].t < x {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// count returns how many of es[lo:hi] are app-compatible with app.
func (m *matcher) count(g int, es []entry, lo, hi int, app uint32) int {
	if app == 0 || m.grpApp[g] != mixedApp {
		return hi - lo
	}
	n := 0
	for _, e := range es[lo:hi] {
		if compatible(app, e.app) {
			n++
		}
	}
	return n
}

// nearest returns the position in es of the app-compatible entry nearest to
// target (ties: the earlier), skipping position skip (or none: -1). Only
// positions in [lo, hi) are searched. It returns -1 when there is none.
func nearest(es []entry, lo, hi int, target int64, app uint32, skip int) int {
	p := lo + lowerBound(es[lo:hi], target)
	i, j := p-1, p
	for i >= lo || j < hi {
		var c int
		if j >= hi || (i >= lo && subSat(target, es[i].t) <= subSat(es[j].t, target)) {
			c = i
			i--
		} else {
			c = j
			j++
		}
		if c != skip && compatible(app, es[c].app) {
			return c
		}
	}
	return -1
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
