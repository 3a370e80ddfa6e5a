package gen

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"netflowtimedifference/internal/flow"
)

// Truth is the ground truth of a generated capture, written as the truth
// JSON file. Times are integers: nanoseconds since the Unix epoch (UTC) for
// instants (fields ending in _ns), nanoseconds for durations.
type Truth struct {
	Scenario string  `json:"scenario"` // scenario name, "" for a hand-made Config
	Seed     int64   `json:"seed"`
	Config   Config  `json:"config"` // the full configuration (regenerates the capture)
	Summary  Summary `json:"summary"`

	Clocks  []ClockTruth `json:"clocks"`  // one per exporter (probe, domain), in Config.Probes order, pre before post
	Offsets []PairOffset `json:"offsets"` // one per (pre exporter, post exporter) that shares pairs

	Pairs         []TruthPair `json:"pairs"`          // every pre/post record pair in the capture, by pre frame/set/flow
	UnmatchedPre  []RecordRef `json:"unmatched_pre"`  // captured pre-NAT records without a captured partner (Reason says why)
	UnmatchedPost []RecordRef `json:"unmatched_post"` // the same for post-NAT records
}

// Summary counts what the capture holds.
type Summary struct {
	Frames            int `json:"frames"`
	Records           int `json:"records"` // data records (options records excluded)
	RecordsPre        int `json:"records_pre"`
	RecordsPost       int `json:"records_post"`
	OptionsRecords    int `json:"options_records"`
	BeforeTemplate    int `json:"before_template"` // records whose template arrives later (tshark -2 decodes them)
	Sessions          int `json:"sessions"`        // sessions simulated (including those outside the capture)
	Pairs             int `json:"pairs"`
	UnambiguousPairs  int `json:"unambiguous_pairs"`
	ContinuationPairs int `json:"continuation_pairs"` // pairs of records after an active-timeout split
	ReturnPairs       int `json:"return_pairs"`
	UnmatchedPre      int `json:"unmatched_pre"`
	UnmatchedPost     int `json:"unmatched_post"`
	PacketsDropped    int `json:"packets_dropped"`
}

// ClockTruth is one exporter's clock and what it sent.
type ClockTruth struct {
	Probe        string `json:"probe"`
	Exporter     string `json:"exporter"` // address
	Port         uint16 `json:"port"`
	Domain       uint32 `json:"domain"`
	Side         Side   `json:"side"`
	Format       Format `json:"format"`
	Version      uint8  `json:"version"`
	Encoding     string `json:"encoding"` // flow.Encoding name of its start times
	Clock        Clock  `json:"clock"`
	OffsetStart  int64  `json:"offset_start_ns"` // clock minus true time at the capture start
	OffsetEnd    int64  `json:"offset_end_ns"`   // ... at the capture end
	BootClock    int64  `json:"boot_clock_ns"`   // clock reading at boot: sysUptime 0 (v9), systemInitTime (IPFIX 22+160)
	UptimeStart  uint32 `json:"uptime_start_ms"` // sysUptime at the capture start, modulo 2^32
	UptimeWraps  bool   `json:"uptime_wraps"`    // sysUptime passes 2^32 ms during the capture
	ScanPhase    int64  `json:"scan_phase_ns"`   // its cache scans run at start + phase + k*scan interval
	Packets      int    `json:"packets"`         // export packets sent (including outside the capture)
	Dropped      int    `json:"packets_dropped"`
	Captured     int    `json:"packets_captured"`
	Records      int    `json:"records"` // data records in the capture
	Options      int    `json:"options_records"`
	BeforeTmpl   int    `json:"before_template"`
	FirstTmplFrm uint32 `json:"first_template_frame"`
}

// PairOffset is the expected clock difference between a pre and a post exporter.
type PairOffset struct {
	PreExporter   string  `json:"pre_exporter"`
	PreDomain     uint32  `json:"pre_domain"`
	PostExporter  string  `json:"post_exporter"`
	PostDomain    uint32  `json:"post_domain"`
	Pairs         int     `json:"pairs"`
	ClockStart    int64   `json:"clock_offset_start_ns"` // post clock minus pre clock at the capture start
	ClockEnd      int64   `json:"clock_offset_end_ns"`   // ... at the capture end
	DriftPPM      float64 `json:"drift_ppm"`             // post drift minus pre drift
	MedianDelta   int64   `json:"median_delta_ns"`       // median TruthPair.DeltaNs of these pairs
	MedianFirst   int64   `json:"median_delta_first_ns"` // the same over first-segment forward pairs only
	PrecisionNote string  `json:"precision_note"`        // e.g. "v9 pre side: starts up to 1 s early (header unix_secs)"
}

// RecordRef identifies a record of the capture and what the truth knows about it.
type RecordRef struct {
	Record     int          `json:"record"` // index in Capture.Records
	Frame      uint32       `json:"frame"`
	Set        uint16       `json:"set"`
	Flow       uint16       `json:"flow"`
	Exporter   string       `json:"exporter"`
	Domain     uint32       `json:"domain"`
	Start      flow.Instant `json:"start_ns"` // as encoded: what tshark shows
	End        flow.Instant `json:"end_ns"`
	Encoding   string       `json:"encoding"`
	TrueStart  flow.Instant `json:"true_start_ns"`  // when the probe saw the first packet (true time)
	ClockStart flow.Instant `json:"clock_start_ns"` // the exporter's clock reading then, jitter included, before encoding
	Packets    uint64       `json:"packets"`
	Octets     uint64       `json:"octets"`
	Session    int          `json:"session"`
	Segment    int          `json:"segment"`   // 0, or the continuation number after active-timeout splits
	Direction  string       `json:"direction"` // "forward" (subscriber to server) or "return"
	// BeforeTemplate: the record's data set precedes its template in the
	// capture, so one-pass tshark reports "no template found" for it.
	BeforeTemplate bool   `json:"before_template,omitempty"`
	Reason         string `json:"reason,omitempty"` // unmatched records: why there is no partner
}

// TruthPair is one session (direction, segment) seen on both sides.
type TruthPair struct {
	Pre  RecordRef `json:"pre"`
	Post RecordRef `json:"post"`
	// DeltaNs is post.Start - pre.Start as encoded: what a perfect matcher measures.
	DeltaNs int64 `json:"delta_ns"`
	// ClockDeltaNs is the post clock's offset minus the pre clock's at the
	// session start, jitter excluded: what the clocks alone contribute.
	ClockDeltaNs int64  `json:"clock_delta_ns"`
	Dst          string `json:"dst"` // the server (destination forward, source on return)
	Port         uint16 `json:"port"`
	Proto        uint8  `json:"proto"`
	App          string `json:"app,omitempty"`
	Direction    string `json:"direction"`
	Continuation bool   `json:"continuation,omitempty"` // segment > 0: starts at an active-timeout split, on each exporter's own schedule
	// Candidates counts other records with the same key (server socket,
	// protocol, app where present) and identical packets/octets whose start
	// lies within Config.AmbiguityWindow of the pre record (on the pre
	// side) or of the post record (on the post side). Unambiguous is
	// Candidates == 0 for a first segment: a matcher should get every such
	// pair right. Continuations are never unambiguous: they start at each
	// exporter's own cache scan, up to ScanInterval off the clock offset,
	// and their counters may differ between the sides.
	Candidates    int  `json:"candidates"`
	KeyCandidates int  `json:"key_candidates"` // the same, counters ignored
	Unambiguous   bool `json:"unambiguous"`
}

// Reasons an unmatched record has no partner.
const (
	ReasonOneSided = "session seen on one side only"
	ReasonDropped  = "partner lost: its export packet was dropped"
	ReasonBefore   = "partner exported before the capture started"
	ReasonAfter    = "partner exported after the capture ended"
	ReasonSplit    = "no partner segment: the other exporter split the long session into fewer records"
)

func dirName(d uint8) string {
	if d == 1 {
		return "return"
	}
	return "forward"
}

// ref builds the RecordRef of a captured observation.
func (g *generator) ref(c *Capture, o *obs) RecordRef {
	r := &c.Records[o.ref]
	return RecordRef{
		Record: int(o.ref), Frame: r.Frame, Set: r.Set, Flow: r.Flow,
		Exporter: g.exps[o.exp].name, Domain: r.Domain,
		Start: r.Start, End: r.End, Encoding: r.StartEnc.String(),
		TrueStart: flow.Instant(o.trueStart), ClockStart: flow.Instant(o.clkStart),
		Packets: o.packets, Octets: o.octets,
		Session: int(o.sess), Segment: int(o.seg), Direction: dirName(o.dir),
		BeforeTemplate: o.beforeTpl,
	}
}

// candKey is the matching key of one record, as seen from the server side.
type candKey struct {
	addr     netip.Addr
	port     uint16
	proto    uint8
	ret      bool
	app      string
	pkts, by uint64
}

func keyOf(r *flow.Record, ret bool, counters bool) candKey {
	k := candKey{addr: r.Dst, port: r.DstPort, proto: r.Proto, ret: ret, app: r.App}
	if ret {
		k.addr, k.port = r.Src, r.SrcPort
	}
	if counters {
		k.pkts, k.by = r.Packets, r.Octets
	}
	return k
}

// candIndex finds records of one side by key and start time.
type candIndex map[candKey][]flow.Instant

func (ix candIndex) add(k candKey, t flow.Instant) { ix[k] = append(ix[k], t) }

func (ix candIndex) sort() {
	for _, v := range ix {
		slices.Sort(v)
	}
}

// within counts starts in [t-w, t+w], minus one for the record itself.
func (ix candIndex) within(k candKey, t flow.Instant, w time.Duration) int {
	v := ix[k]
	lo, _ := slices.BinarySearch(v, t-flow.Instant(w))
	hi, _ := slices.BinarySearch(v, t+flow.Instant(w)+1)
	return max(0, hi-lo-1)
}

// truth builds the ground truth once the capture is assembled. Its only
// error is the context's.
func (g *generator) truth(c *Capture) (Truth, error) {
	cfg := g.cfg
	t := Truth{Scenario: cfg.Scenario, Seed: cfg.Seed, Config: cfg}
	t.Pairs = []TruthPair{}
	t.UnmatchedPre, t.UnmatchedPost = []RecordRef{}, []RecordRef{}

	// Ambiguity indexes over the captured records, per side and key kind.
	var ix [2][2][2]candIndex // side, return, counters
	hasReturn := cfg.ReturnShare > 0
	for s := range 2 {
		for d := range 2 {
			for k := range 2 {
				ix[s][d][k] = candIndex{}
			}
		}
	}
	for i := range g.obs {
		o := &g.obs[i]
		if o.ref < 0 {
			continue
		}
		r := &c.Records[o.ref]
		s := int(o.side - 1)
		for d := range 2 {
			if d == 1 && !hasReturn {
				continue
			}
			ix[s][d][0].add(keyOf(r, d == 1, false), r.Start)
			ix[s][d][1].add(keyOf(r, d == 1, true), r.Start)
		}
	}
	for s := range 2 {
		for d := range 2 {
			for k := range 2 {
				ix[s][d][k].sort()
			}
		}
	}

	type offAcc struct {
		pre, post  int32
		all, first []int64
	}
	offs := map[[2]int32]*offAcc{}
	names := map[netip.Addr]string{}
	name := func(a netip.Addr) string {
		s, ok := names[a]
		if !ok {
			s = a.String()
			names[a] = s
		}
		return s
	}
	var offOrder [][2]int32

	// partner[i] is the observation of the other side with the same
	// session, direction and segment, -1 if there is none.
	partner := make([]int32, len(g.obs))
	for si := 0; si+1 < len(g.sess); si++ {
		if err := g.interrupted(si); err != nil {
			return Truth{}, err
		}
		lo, hi := g.sess[si], g.sess[si+1]
		for i := lo; i < hi; i++ {
			partner[i] = -1
			o := &g.obs[i]
			for j := lo; j < hi; j++ {
				if p := &g.obs[j]; p.side != o.side && p.dir == o.dir && p.seg == o.seg {
					partner[i] = j
				}
			}
		}
	}
	// Walk the captured records in frame order, so that pairs (by their pre
	// record) and unmatched records come out sorted.
	byRec := make([]int32, len(c.Records))
	for i := range g.obs {
		if r := g.obs[i].ref; r >= 0 {
			byRec[r] = int32(i)
		}
	}
	for n, i := range byRec {
		if err := g.interrupted(n); err != nil {
			return Truth{}, err
		}
		o := &g.obs[i]
		var q *obs
		if partner[i] >= 0 {
			q = &g.obs[partner[i]]
		}
		if q != nil && q.ref >= 0 {
			if o.side != SidePre {
				continue // the pair is written at its pre record
			}
			pr, po := g.ref(c, o), g.ref(c, q)
			rp, rq := &c.Records[o.ref], &c.Records[q.ref]
			pe, qe := g.exps[o.exp], g.exps[q.exp]
			tp := TruthPair{Pre: pr, Post: po, DeltaNs: int64(rq.Start - rp.Start),
				ClockDeltaNs: int64(qe.ex.Clock.OffsetAt(cfg.Start, flow.Instant(o.trueStart)) - pe.ex.Clock.OffsetAt(cfg.Start, flow.Instant(o.trueStart))),
				Proto:        rq.Proto, App: cmp.Or(rq.App, rp.App), Direction: dirName(o.dir), Continuation: o.seg > 0,
			}
			if o.dir == 1 {
				tp.Dst, tp.Port = name(rq.Src), rq.SrcPort
			} else {
				tp.Dst, tp.Port = name(rq.Dst), rq.DstPort
			}
			if w := cfg.AmbiguityWindow; w > 0 {
				ret := o.dir == 1
				tp.Candidates = ix[0][o.dir][1].within(keyOf(rp, ret, true), rp.Start, w) +
					ix[1][o.dir][1].within(keyOf(rq, ret, true), rq.Start, w)
				tp.KeyCandidates = ix[0][o.dir][0].within(keyOf(rp, ret, false), rp.Start, w) +
					ix[1][o.dir][0].within(keyOf(rq, ret, false), rq.Start, w)
			}
			tp.Unambiguous = tp.Candidates == 0 && !tp.Continuation
			t.Pairs = append(t.Pairs, tp)
			k := [2]int32{o.exp, q.exp}
			a := offs[k]
			if a == nil {
				a = &offAcc{pre: o.exp, post: q.exp}
				offs[k] = a
				offOrder = append(offOrder, k)
			}
			a.all = append(a.all, tp.DeltaNs)
			if o.seg == 0 && o.dir == 0 {
				a.first = append(a.first, tp.DeltaNs)
			}
			continue
		}
		if o.side == SidePre {
			t.UnmatchedPre = append(t.UnmatchedPre, g.unmatched(c, o, q))
		} else {
			t.UnmatchedPost = append(t.UnmatchedPost, g.unmatched(c, o, q))
		}
	}

	// Clocks.
	end := cfg.Start + flow.Instant(cfg.Duration)
	for _, e := range g.exps {
		ct := ClockTruth{
			Probe: e.probe.Name, Exporter: e.probe.Addr.String(), Port: e.probe.Port, Domain: e.ex.Domain, Side: e.side,
			Format: e.ex.Format, Version: e.ex.Format.Version(), Encoding: e.ex.Format.Encoding().String(), Clock: e.ex.Clock,
			OffsetStart: int64(e.ex.Clock.OffsetAt(cfg.Start, cfg.Start)), OffsetEnd: int64(e.ex.Clock.OffsetAt(cfg.Start, end)),
			BootClock: e.boot, UptimeStart: e.uptimeMilli(e.clock(g.start) - e.step(g.start)), ScanPhase: e.phase,
			Packets: e.packets, Dropped: e.dropped, Captured: e.captured, Records: e.records, Options: e.options,
			BeforeTmpl: e.beforeTmpl, FirstTmplFrm: e.firstTmplFrame,
		}
		ct.UptimeWraps = int64(e.uptimeMilli(e.clock(g.end)-e.step(g.end))) < int64(ct.UptimeStart)
		t.Clocks = append(t.Clocks, ct)
		t.Summary.PacketsDropped += e.dropped
		t.Summary.OptionsRecords += e.options
		t.Summary.BeforeTemplate += e.beforeTmpl
		if e.side == SidePre {
			t.Summary.RecordsPre += e.records
		} else {
			t.Summary.RecordsPost += e.records
		}
	}
	for _, k := range offOrder {
		a := offs[k]
		pe, qe := g.exps[a.pre], g.exps[a.post]
		po := PairOffset{
			PreExporter: pe.probe.Addr.String(), PreDomain: pe.ex.Domain, PostExporter: qe.probe.Addr.String(), PostDomain: qe.ex.Domain,
			Pairs:       len(a.all),
			ClockStart:  int64(qe.ex.Clock.OffsetAt(cfg.Start, cfg.Start) - pe.ex.Clock.OffsetAt(cfg.Start, cfg.Start)),
			ClockEnd:    int64(qe.ex.Clock.OffsetAt(cfg.Start, end) - pe.ex.Clock.OffsetAt(cfg.Start, end)),
			DriftPPM:    qe.ex.Clock.DriftPPM - pe.ex.Clock.DriftPPM,
			MedianDelta: median(a.all), MedianFirst: median(a.first),
		}
		po.PrecisionNote = precisionNote(pe.ex.Format, qe.ex.Format)
		t.Offsets = append(t.Offsets, po)
	}
	slices.SortFunc(t.Offsets, func(a, b PairOffset) int {
		return cmp.Or(cmp.Compare(a.PreExporter, b.PreExporter), cmp.Compare(a.PreDomain, b.PreDomain),
			cmp.Compare(a.PostExporter, b.PostExporter), cmp.Compare(a.PostDomain, b.PostDomain))
	})

	s := &t.Summary
	s.Frames = len(c.wire)
	s.Records = len(c.Records)
	s.Sessions = len(g.sess) - 1
	s.Pairs = len(t.Pairs)
	for _, p := range t.Pairs {
		if p.Unambiguous {
			s.UnambiguousPairs++
		}
		if p.Continuation {
			s.ContinuationPairs++
		}
		if p.Direction == "return" {
			s.ReturnPairs++
		}
	}
	s.UnmatchedPre, s.UnmatchedPost = len(t.UnmatchedPre), len(t.UnmatchedPost)
	return t, nil
}

// unmatched builds the RecordRef of a captured record whose partner (nil
// when the other side never saw the segment) is not in the capture.
func (g *generator) unmatched(c *Capture, o, partner *obs) RecordRef {
	r := g.ref(c, o)
	switch {
	case o.oneSided:
		r.Reason = ReasonOneSided
	case partner == nil:
		r.Reason = ReasonSplit
	case partner.lost == lostDropped:
		r.Reason = ReasonDropped
	case partner.lost == lostBefore:
		r.Reason = ReasonBefore
	default:
		r.Reason = ReasonAfter
	}
	return r
}

func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func precisionNote(pre, post Format) string {
	var notes []string
	for _, x := range []struct {
		side string
		f    Format
	}{{"pre", pre}, {"post", post}} {
		switch x.f {
		case FormatV9:
			notes = append(notes, x.side+" side v9: starts made absolute through the header's whole-second unix_secs lie up to 1 s early")
		case FormatIPFIXSec:
			notes = append(notes, x.side+" side in whole seconds: starts up to 1 s early")
		case FormatIPFIXDelta:
			notes = append(notes, x.side+" side flowStartDeltaMicroseconds: a start in the export second is sent as delta 0 (the export second), up to 1 s early")
		}
	}
	if len(notes) == 0 {
		return "starts exact to the millisecond or better"
	}
	out := notes[0]
	for _, n := range notes[1:] {
		out += "; " + n
	}
	return out
}
