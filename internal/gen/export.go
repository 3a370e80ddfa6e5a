package gen

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"netflowtimedifference/internal/flow"
)

// packet is one export packet (v9) or message (IPFIX) an exporter sends.
type packet struct {
	exp       int32
	send      int64 // true time the exporter sends it
	arrival   int64 // true time it reaches the collector
	recs      []int32
	templates bool
	seq       uint32
	dropped   bool
}

// captured reports whether the packet is in the capture.
func (g *generator) captured(p *packet) bool {
	return !p.dropped && p.arrival >= g.start && p.arrival < g.end
}

// recordSize is the encoded size of an observation's data record.
func recordSize(e *exporter, fixed [2]int, o *obs) int {
	v6 := 0
	if o.src.Is6() {
		v6 = 1
	}
	n := fixed[v6]
	if e.ex.AppNames {
		n += varLenSize(len(appNameOf(o)))
	}
	return n
}

// packetize sorts each exporter's records by the cache scan that exports
// them and packs each scan's records into packets of at most MaxPayload
// bytes. Its only error is the context's.
func (g *generator) packetize() ([]packet, error) {
	for i := range g.obs {
		o := &g.obs[i]
		e := g.exps[o.exp]
		e.obs = append(e.obs, int32(i))
	}
	var pkts []packet
	for _, e := range g.exps {
		slices.SortFunc(e.obs, func(a, b int32) int { return cmp.Or(cmp.Compare(g.obs[a].ready, g.obs[b].ready), cmp.Compare(a, b)) })
		ipfix := e.ex.Format.Version() == 10
		hdrLen, pad := 20, 3
		if ipfix {
			hdrLen, pad = 16, 0
		}
		tmpl, _, _, opts := templateSets(e)
		fixed := [2]int{fixedSize(dataFields(e.ex, false)), fixedSize(dataFields(e.ex, true))}
		seqStep := func(p *packet) uint32 {
			if !ipfix {
				return 1
			}
			n := uint32(len(p.recs))
			if p.templates {
				n += uint32(opts)
			}
			return n
		}
		lastArrival := int64(0)
		for i := 0; i < len(e.obs); {
			tick := g.obs[e.obs[i]].ready
			j := i
			for j < len(e.obs) && g.obs[e.obs[j]].ready == tick {
				j++
			}
			// Records i..j-1 leave at this scan, in as many packets as needed.
			send := tick + 40_000 // 40 us of processing
			for i < j {
				if err := g.interrupted(len(pkts)); err != nil {
					return nil, err
				}
				p := packet{exp: int32(e.idx), send: send}
				// One exporter's packets travel one path: they never overtake each other.
				p.arrival = max(send+int64(float64(g.cfg.NetDelay)*(1+0.5*g.r.Float64())), lastArrival+1000)
				lastArrival = p.arrival
				if g.cfg.MidStream || e.tmplOK {
					p.templates = send >= e.tmplAt
				} else {
					p.templates = send >= e.tmplAt || p.arrival >= g.start
				}
				size := hdrLen
				if p.templates {
					size += len(tmpl)
				}
				var sets [2]bool
				k := i
				for k < j {
					o := &g.obs[e.obs[k]]
					v6 := 0
					if o.src.Is6() {
						v6 = 1
					}
					add := recordSize(e, fixed, o)
					if !sets[v6] {
						add += 4 + pad
					}
					if size+add > g.cfg.MaxPayload && k > i {
						break
					}
					sets[v6] = true
					size += add
					k++
				}
				p.recs = e.obs[i:k:k]
				i = k
				if p.templates {
					e.tmplAt = send + int64(g.cfg.TemplateInterval)
					if p.arrival >= g.start {
						e.tmplOK = true
					}
				} else if e.ex.DropRate > 0 && g.r.Float64() < e.ex.DropRate {
					p.dropped = true // template packets are never lost: see the package doc
				}
				p.seq = e.seq
				e.seq += seqStep(&p)
				pkts = append(pkts, p)
				send += 15_000
			}
		}
	}
	return pkts, nil
}

// wire is one captured packet as the pcap writers need it.
type wire struct {
	time    flow.Instant // frame time (collector clock, microseconds)
	src     [4]byte
	sport   uint16
	ipID    uint16
	payload []byte
}

// assemble orders the captured packets by arrival, numbers the frames,
// encodes them and fills the capture's records.
func (g *generator) assemble(pkts []packet, c *Capture) error {
	var order []int32
	for i := range pkts {
		p := &pkts[i]
		e := g.exps[p.exp]
		e.packets++
		if p.dropped {
			e.dropped++
		}
		for _, oi := range p.recs {
			o := &g.obs[oi]
			switch {
			case p.dropped:
				o.lost = lostDropped
			case p.arrival < g.start:
				o.lost = lostBefore
			case p.arrival >= g.end:
				o.lost = lostAfter
			}
		}
		if g.captured(p) {
			order = append(order, int32(i))
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(pkts[a].arrival, pkts[b].arrival), cmp.Compare(pkts[a].exp, pkts[b].exp))
	})
	total := 0
	for _, pi := range order {
		total += len(pkts[pi].recs)
	}
	c.Records = make([]flow.Record, 0, total)
	c.wire = make([]wire, 0, len(order))
	buf := make([]byte, 0, 64*1024)
	for fi, pi := range order {
		if err := g.interrupted(fi); err != nil {
			return err
		}
		p := &pkts[pi]
		e := g.exps[p.exp]
		frame := uint32(fi + 1)
		ct := g.cfg.CollectorClock
		tc := p.arrival + int64(ct.Offset) + int64(ct.DriftPPM*1e-6*float64(p.arrival-g.start))
		tc = floorDiv(tc, 1000) * 1000 // pcap microseconds
		payload := g.encode(p, e, frame, flow.Instant(tc), buf[:0], c)
		e.captured++
		e.ipID++
		c.wire = append(c.wire, wire{time: flow.Instant(tc), src: e.probe.Addr.As4(), sport: e.probe.Port, ipID: e.ipID,
			payload: slices.Clone(payload)})
	}
	for _, e := range g.exps {
		if e.beforeTmpl > 0 && e.firstTmplFrame == 0 {
			return fmt.Errorf("exporter %s: %d records precede its templates and no template arrives within the capture; lengthen the capture or shorten the template delay", e, e.beforeTmpl)
		}
	}
	return nil
}

// encode writes one packet's payload into b and appends its data records to c.
func (g *generator) encode(p *packet, e *exporter, frame uint32, ct flow.Instant, b []byte, c *Capture) []byte {
	ipfix := e.ex.Format.Version() == 10
	clk := e.clock(p.send)
	h := hdr{exportSecs: uint32(floorDiv(clk, 1e9)), sysUptime: e.uptimeMilli(clk - e.step(p.send))}
	uptimeBased := e.ex.Format == FormatV9 || e.ex.Format == FormatIPFIXUptime
	if p.templates && e.firstTmplFrame == 0 {
		e.firstTmplFrame = frame
	}
	before := e.firstTmplFrame == 0

	// Header; count and length are filled in at the end.
	if ipfix {
		b = binary.BigEndian.AppendUint16(b, 10)
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint32(b, h.exportSecs)
		b = binary.BigEndian.AppendUint32(b, p.seq)
		b = binary.BigEndian.AppendUint32(b, e.ex.Domain)
	} else {
		b = binary.BigEndian.AppendUint16(b, 9)
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint32(b, h.sysUptime)
		b = binary.BigEndian.AppendUint32(b, h.exportSecs)
		b = binary.BigEndian.AppendUint32(b, p.seq)
		b = binary.BigEndian.AppendUint32(b, e.ex.Domain)
	}
	count, set := 0, 0
	if p.templates {
		t, sets, templates, options := templateSets(e)
		b = append(b, t...)
		set += sets
		count += templates + options
		e.options += options
	}
	// Data sets: IPv4 records in template 256, IPv6 in 257, in order of first appearance.
	var groups [2][]int32
	var firstV6 = -1
	for i, oi := range p.recs {
		v6 := 0
		if g.obs[oi].src.Is6() {
			v6 = 1
			if firstV6 < 0 {
				firstV6 = i
			}
		}
		groups[v6] = append(groups[v6], oi)
	}
	orderSets := [2]int{0, 1}
	if firstV6 == 0 {
		orderSets = [2]int{1, 0}
	}
	for _, v6 := range orderSets {
		recs := groups[v6]
		if len(recs) == 0 {
			continue
		}
		set++
		tid := uint16(tmplIPv4 + v6)
		start := len(b)
		b = binary.BigEndian.AppendUint16(b, tid)
		b = append(b, 0, 0)
		for fi, oi := range recs {
			o := &g.obs[oi]
			r := flow.Record{
				Pos:           flow.Pos{Frame: frame, Set: uint16(set), Flow: uint16(fi + 1)},
				CaptureTime:   ct,
				Exporter:      e.probe.Addr,
				ExporterPort:  e.probe.Port,
				CollectorPort: g.cfg.CollectorPort,
				Version:       e.ex.Format.Version(),
				Domain:        e.ex.Domain,
				ExportTime:    flow.Instant(int64(h.exportSecs) * 1e9),
				Sequence:      p.seq,
				TemplateID:    tid,
				Src:           o.src, Dst: o.dst, SrcPort: o.sport, DstPort: o.dport, Proto: o.proto,
				StartEnc: e.ex.Format.Encoding(),
				HasEnd:   true,
				Packets:  o.packets, Octets: o.octets,
			}
			if !ipfix {
				r.SysUptime = h.sysUptime
			}
			b = append(b, o.src.AsSlice()...)
			b = append(b, o.dst.AsSlice()...)
			b = binary.BigEndian.AppendUint16(b, o.sport)
			b = binary.BigEndian.AppendUint16(b, o.dport)
			b = append(b, o.proto)
			cs, ce := o.clkStart, o.clkEnd
			if uptimeBased { // uptimes count on the monotonic clock: no step
				cs, ce = cs-e.step(o.trueStart), ce-e.step(o.trueEnd)
			}
			var raw uint64
			b, r.Start, raw = appendTime(b, e, h, cs)
			switch {
			case e.ex.Format == FormatV9 && raw == 0:
				r.StartEnc = flow.EncV9UptimeZero
			case e.ex.Format == FormatIPFIXDelta && raw == 0:
				r.StartEnc = flow.EncDeltaMicrosecondsZero // clamped to the export second
			}
			b, r.End, _ = appendTime(b, e, h, ce)
			if ipfix {
				b = binary.BigEndian.AppendUint64(b, o.packets)
				b = binary.BigEndian.AppendUint64(b, o.octets)
			} else {
				b = binary.BigEndian.AppendUint32(b, uint32(o.packets))
				b = binary.BigEndian.AppendUint32(b, uint32(o.octets))
			}
			if e.ex.VLAN != 0 {
				r.VLAN, r.HasVLAN = e.ex.VLAN, true
				b = binary.BigEndian.AppendUint16(b, e.ex.VLAN)
			}
			if e.ex.AppNames {
				svc := &g.svcs[o.svc]
				r.App, r.AppID, r.HasAppID = svc.app, svc.appID, true
				b = binary.BigEndian.AppendUint32(b, svc.appID)
				b = appendVarLen(b, svc.app)
			}
			o.ref = int32(len(c.Records))
			o.beforeTpl = before
			if before {
				e.beforeTmpl++
			}
			e.records++
			c.Records = append(c.Records, r)
			count++
		}
		if !ipfix {
			for (len(b)-start)%4 != 0 {
				b = append(b, 0)
			}
		}
		binary.BigEndian.PutUint16(b[start+2:], uint16(len(b)-start))
	}
	if ipfix {
		binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	} else {
		binary.BigEndian.PutUint16(b[2:], uint16(count))
	}
	return b
}

// appendVarLen appends a variable-length string (RFC 7011 section 7).
func appendVarLen(b []byte, s string) []byte {
	if len(s) < 255 {
		b = append(b, byte(len(s)))
	} else {
		b = append(b, 255)
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	}
	return append(b, s...)
}

// appNameOf returns the application name of an observation's service.
func appNameOf(o *obs) string { return defaultCatalog[o.svc].app }

var defaultCatalog = catalog()
