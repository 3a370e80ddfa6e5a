package gen

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"netflowtimedifference/internal/flow"
)

// exporter is one (probe, side): one export stream with its own clock,
// cache-scan schedule, sequence counter and template timer.
type exporter struct {
	idx    int
	name   string // address, as written in the truth
	probe  *Probe
	ex     *Export
	side   Side
	start  int64 // Config.Start
	phase  int64 // scan ticks at start+phase+k*ScanInterval (true time)
	scan   int64
	boot   int64 // clock reading at boot: origin of sysUptime and systemInitTime
	seq    uint32
	ipID   uint16
	obs    []int32 // observations, sorted by ready time for packing
	tmplAt int64   // next template refresh due (send time)
	tmplOK bool    // a template has been sent inside the capture

	// results
	packets, dropped, captured, records, options, beforeTmpl int
	firstTmplFrame                                           uint32
}

// clock returns the exporter's (wall) clock reading at true time t, without jitter.
func (e *exporter) clock(t int64) int64 {
	return t + int64(e.ex.Clock.OffsetAt(flow.Instant(e.start), flow.Instant(t)))
}

// step returns the wall-clock step taken by true time t: subtracted from a
// reading, it gives the monotonic clock that sysUptime counts.
func (e *exporter) step(t int64) int64 {
	return int64(e.ex.Clock.StepOf(flow.Instant(e.start), flow.Instant(t)))
}

// nextTick returns the first cache-scan instant at or after t.
func (e *exporter) nextTick(t int64) int64 {
	d := t - e.start - e.phase
	k := d / e.scan
	if d%e.scan != 0 && d < 0 {
		k-- // floor
	}
	if k*e.scan < d {
		k++ // ceiling
	}
	return e.start + e.phase + k*e.scan
}

// lost says why an observation is not in the capture.
type lost uint8

const (
	inCapture lost = iota
	lostDropped
	lostBefore
	lostAfter
)

// obs is one flow record as an exporter observed it, before encoding.
type obs struct {
	sess      int32
	seg       uint16
	nseg      uint16
	dir       uint8 // 0 forward, 1 return
	side      Side
	exp       int32
	trueStart int64 // first packet seen by the probe (true time)
	trueEnd   int64
	ready     int64 // cache scan that exports the record (true time)
	clkStart  int64 // exporter clock readings with jitter, ns
	clkEnd    int64
	src, dst  netip.Addr
	sport     uint16
	dport     uint16
	proto     uint8
	svc       int16
	packets   uint64
	octets    uint64
	ref       int32 // index in Capture.Records, -1 when not captured
	lost      lost
	oneSided  bool
	beforeTpl bool
}

// generator holds the state of one Generate call.
type generator struct {
	ctx   context.Context
	cfg   Config
	r     *rand.Rand
	exps  []*exporter
	svcs  []service
	obs   []obs
	sess  []int32 // first obs index of each session; len = sessions+1
	start int64
	end   int64
}

// checkEvery is how many iterations the long loops of a Generate call run
// between looks at its context: a few milliseconds of work.
const checkEvery = 4096

// interrupted returns, at every checkEvery-th value of the loop counter i,
// the error of the Generate call's context (nil while it is not cancelled).
func (g *generator) interrupted(i int) error {
	if i%checkEvery != 0 {
		return nil
	}
	return g.ctx.Err()
}

func newGenerator(ctx context.Context, cfg Config) *generator {
	g := &generator{
		ctx:   ctx,
		cfg:   cfg,
		r:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6e7466666c6f7773)), // "ntfflows"
		svcs:  defaultCatalog,
		start: int64(cfg.Start),
		end:   int64(cfg.Start) + int64(cfg.Duration),
	}
	for i := range g.cfg.Probes {
		p := &g.cfg.Probes[i]
		for _, sd := range []struct {
			ex   *Export
			side Side
		}{{p.Pre, SidePre}, {p.Post, SidePost}} {
			if sd.ex == nil {
				continue
			}
			e := &exporter{idx: len(g.exps), name: p.Addr.String(), probe: p, ex: sd.ex, side: sd.side, start: g.start, scan: int64(cfg.ScanInterval)}
			e.phase = g.r.Int64N(e.scan)
			e.boot = e.clock(g.start) - e.step(g.start) - int64(sd.ex.Uptime)
			e.seq = g.r.Uint32() >> 4
			e.ipID = uint16(g.r.Uint32())
			if cfg.MidStream {
				e.tmplAt = g.start + int64(float64(cfg.TemplateDelay)*(0.5+g.r.Float64()))
			} else {
				e.tmplAt = g.start
			}
			g.exps = append(g.exps, e)
		}
	}
	return g
}

// model draws the sessions and turns them into observations. It returns
// only the context's error.
func (g *generator) model() error {
	cfg := &g.cfg
	first := g.start - int64(cfg.Warmup)
	span := g.end - first

	// Session start times: uniform, plus the DNS stream; sorted.
	type arrival struct {
		t   int64
		dns bool
	}
	var arr []arrival
	for range cfg.Sessions {
		arr = append(arr, arrival{t: first + g.r.Int64N(span)})
	}
	if cfg.DNSInterval > 0 {
		iv := float64(cfg.DNSInterval)
		for t := first + int64(iv*g.r.Float64()); t < g.end; t += int64(iv * (0.6 + 0.8*g.r.Float64())) {
			arr = append(arr, arrival{t: t, dns: true})
		}
	}
	slices.SortStableFunc(arr, func(a, b arrival) int { return cmp.Compare(a.t, b.t) })

	var pre, post []*exporter
	for _, e := range g.exps {
		if e.side == SidePre {
			pre = append(pre, e)
		} else {
			post = append(post, e)
		}
	}
	nSub := max(64, min(1<<20, len(arr)/6))
	z := newZipf(len(g.svcs), cfg.ZipfS)

	g.obs = make([]obs, 0, len(arr)*2+len(arr)/4)
	g.sess = make([]int32, 0, len(arr)+1)
	for si, a := range arr {
		if err := g.interrupted(si); err != nil {
			return err
		}
		g.sess = append(g.sess, int32(len(g.obs)))
		svcIdx := 0
		if !a.dns {
			svcIdx = z.draw(g.r)
		}
		svc := &g.svcs[svcIdx]
		v6 := svc.v6.IsValid() && g.r.Float64() < cfg.IPv6Share
		sub := g.r.IntN(nSub)
		privPort := uint16(32768 + g.r.IntN(28232))
		var priv, pub, dst netip.Addr
		pubPort := privPort
		if v6 {
			priv = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x10, byte(sub >> 16), byte(sub >> 8), byte(sub), 15: 2})
			pub, dst = priv, svc.v6
		} else {
			n := 0x64400000 + uint32(sub) + 10 // 100.64.0.10 ...
			priv = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
			pub = netip.AddrFrom4([4]byte{203, 0, 113, byte(si % 256)})
			pubPort = uint16(1024 + ((si/256)*40009)%64512)
			dst = svc.v4
		}
		pe := pre[sub%len(pre)]
		var qe *exporter
		if !cfg.CrossProbe && pe.probe.Post != nil {
			qe = g.exps[pe.idx+1]
		} else {
			qe = post[(si%256)%len(post)]
		}
		oneSided := 0 // 0 both, 1 pre only, 2 post only
		if g.r.Float64() < cfg.OneSidedShare {
			oneSided = 1 + g.r.IntN(2)
		}
		sh := drawShape(g.r, svc.kind)
		withReturn := g.r.Float64() < cfg.ReturnShare
		nat := func() int64 { return int64(float64(cfg.NATLatency) * (0.5 + g.r.Float64())) }

		lat := nat()
		dirs := []direction{{dir: 0, tPre: a.t, tPost: a.t + lat, dur: int64(sh.dur), packets: sh.fwdPackets, bytes: sh.fwdBytes,
			srcPre: priv, dstPre: dst, srcPost: pub, dstPost: dst, sportPre: privPort, sportPost: pubPort, dportPre: svc.port, dportPost: svc.port}}
		if withReturn {
			t := a.t + int64(sh.rtt)
			dirs = append(dirs, direction{dir: 1, tPre: t + nat(), tPost: t, dur: max(0, int64(sh.dur)-int64(sh.rtt)),
				packets: sh.retPackets, bytes: sh.retBytes,
				srcPre: dst, dstPre: priv, srcPost: dst, dstPost: pub, sportPre: svc.port, sportPost: svc.port, dportPre: privPort, dportPost: pubPort})
		}
		for _, d := range dirs {
			var bPre, bPost []int64
			if oneSided != 2 {
				bPre = g.splits(pe, d.tPre, d.dur)
			}
			if oneSided != 1 {
				bPost = g.splits(qe, d.tPost, d.dur)
			}
			packets := max(d.packets, uint64(max(len(bPre), len(bPost))))
			bytes := max(d.bytes, packets*40)
			if oneSided != 2 {
				g.emit(si, d.dir, SidePre, pe, bPre, d.tPre+d.dur, packets, bytes, d.srcPre, d.dstPre, d.sportPre, d.dportPre, svc, svcIdx, oneSided != 0)
			}
			if oneSided != 1 {
				g.emit(si, d.dir, SidePost, qe, bPost, d.tPost+d.dur, packets, bytes, d.srcPost, d.dstPost, d.sportPost, d.dportPost, svc, svcIdx, oneSided != 0)
			}
		}
	}
	g.sess = append(g.sess, int32(len(g.obs)))
	return nil
}

// direction is one direction of a session as both sides see it.
type direction struct {
	dir                 uint8
	tPre, tPost         int64 // first packet seen by the pre / post probe (true time)
	dur                 int64
	packets, bytes      uint64
	srcPre, dstPre      netip.Addr
	srcPost, dstPost    netip.Addr
	sportPre, sportPost uint16
	dportPre, dportPost uint16
}

// splits returns the start instants of the records an exporter makes of a
// flow seen from ts for dur: the active timeout fires at the first cache scan
// after it elapsed, and the next record starts there.
func (g *generator) splits(e *exporter, ts, dur int64) []int64 {
	b := []int64{ts}
	te := ts + dur
	for {
		nb := e.nextTick(b[len(b)-1] + int64(g.cfg.ActiveTimeout))
		if nb >= te {
			return b
		}
		b = append(b, nb)
	}
}

// emit appends the observations of one direction of one session on one side.
func (g *generator) emit(si int, dir uint8, side Side, e *exporter, b []int64, te int64, packets, bytes uint64,
	src, dst netip.Addr, sport, dport uint16, svc *service, svcIdx int, oneSided bool) {
	n := len(b)
	ts := b[0]
	dur := te - ts
	// cum is the number of packets (beyond one per record) seen before x.
	extra := packets - uint64(n)
	cum := func(x int64) uint64 {
		if dur <= 0 || x >= te {
			return extra
		}
		return uint64(float64(extra) * float64(x-ts) / float64(dur))
	}
	jit := float64(e.ex.Clock.Jitter)
	var sumP, sumB uint64
	for k := range n {
		s := b[k]
		end := te
		ready := int64(0)
		if k+1 < n {
			end = max(s, b[k+1]-int64(time.Millisecond))
			ready = b[k+1]
		} else if svc.proto == 6 {
			ready = e.nextTick(te + int64(50*time.Millisecond)) // FIN seen: exported at the next scan
		} else {
			ready = e.nextTick(te + int64(g.cfg.InactiveTimeout))
		}
		hi := te + 1
		if k+1 < n {
			hi = b[k+1]
		}
		p := 1 + cum(hi-1) - cum(s)
		if k+1 == n {
			p = packets - sumP
		}
		sumP += p
		oct := bytes * sumP / packets
		o := oct - sumB
		sumB = oct
		cs := e.clock(s) + int64(jit*g.r.NormFloat64())
		ce := cs // a single-packet record starts and ends with the same timestamp
		if end > s {
			ce = max(cs, e.clock(end)+int64(jit*g.r.NormFloat64()))
		}
		g.obs = append(g.obs, obs{
			sess: int32(si), seg: uint16(k), nseg: uint16(n), dir: dir, side: side, exp: int32(e.idx),
			trueStart: s, trueEnd: end, ready: ready, clkStart: cs, clkEnd: ce,
			src: src, dst: dst, sport: sport, dport: dport, proto: svc.proto, svc: int16(svcIdx),
			packets: p, octets: o, ref: -1, oneSided: oneSided,
		})
	}
}

// String names an exporter for error messages.
func (e *exporter) String() string {
	return fmt.Sprintf("%s (%s) domain %d", e.probe.Addr, e.probe.Name, e.ex.Domain)
}
