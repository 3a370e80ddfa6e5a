package report

import (
	"net/netip"
	"strconv"

	"netflowtimedifference/internal/flow"
)

// LineStyle says what PairLine and UnmatchedLine add to a record's
// position: the input file after the frame (runs over several inputs),
// the exporter before the domain (a domain exported by several probes).
type LineStyle struct {
	File, Exporter bool
}

// LineStyleOf is the style for the model's lines: the file when there are
// several inputs, the exporter when a domain of the input has several.
func LineStyleOf(m *Model) LineStyle {
	st := LineStyle{File: len(m.Params.Inputs) > 1}
	seen := map[uint32]string{}
	for _, e := range m.Exporters {
		if x, ok := seen[e.Domain]; ok && x != e.Exporter {
			st.Exporter = true
		}
		seen[e.Domain] = e.Exporter
	}
	return st
}

// PairLine formats a pair in the analysts' old one-line style:
//
//	domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112 ms
//
// The socket is the common destination; for a return-direction pair (the
// server is the source on both sides) it is "from" the common source. A set
// number other than 1 is shown ("frame 5 set 2 flow 3"); st adds the input
// file after each frame and the exporter before each domain
// ("10.103.0.168 domain 310 frame 5 flow 3"). A port or protocol the record
// does not carry is left out. The app is left out when the pre record has
// none; a continuation pair ends in " (continuation)". The result is raw
// text: renderers clean and escape it for their format.
func PairLine(p *Pair, st LineStyle) string {
	b := make([]byte, 0, 128)
	b = appendPos(b, p.Pre, st)
	b = append(b, " <=> "...)
	b = appendPos(b, p.Post, st)
	b = append(b, ": "...)
	pre, post := p.Pre, p.Post
	if pre != nil {
		switch {
		case post == nil || pre.Dst == post.Dst && pre.DstPort == post.DstPort:
			b = appendDst(b, pre)
		case pre.Src == post.Src && pre.SrcPort == post.SrcPort:
			b = append(b, "from "...)
			b = appendSrc(b, pre)
		default:
			b = appendDst(b, pre)
			b = append(b, " / "...)
			b = appendDst(b, post)
		}
		if s := pre.ProtoText(); s != "" {
			b = append(b, ' ')
			b = append(b, s...)
		}
		app := pre.App
		if app == "" && post != nil {
			app = post.App
		}
		if app != "" {
			b = append(b, ' ')
			b = append(b, app...)
		}
	}
	b = append(b, ", difference "...)
	b = append(b, FormatMs(p.DeltaMs)...)
	b = append(b, " ms"...)
	if p.Continuation {
		b = append(b, " (continuation)"...)
	}
	return string(b)
}

// UnmatchedLine formats an unmatched record in the same style:
// "domain 310 frame 50 flow 1: 198.51.100.1:443 tcp dns, 2026-12-03T09:59:00.250Z: <reason>".
func UnmatchedLine(u *Unmatched, st LineStyle) string {
	b := make([]byte, 0, 128)
	r := u.Rec
	b = appendPos(b, r, st)
	if r != nil {
		b = append(b, ": "...)
		b = appendDst(b, r)
		if s := r.ProtoText(); s != "" {
			b = append(b, ' ')
			b = append(b, s...)
		}
		if r.App != "" {
			b = append(b, ' ')
			b = append(b, r.App...)
		}
		if r.HasStart() {
			b = append(b, ", start "...)
			b = append(b, r.Start.Format(r.StartEnc.Precision())...)
		}
	}
	b = append(b, ": "...)
	b = append(b, u.Reason...)
	return string(b)
}

// PosText is a record's position as PairLine writes it:
// "domain 310 frame 5 flow 3", "10.103.0.168 domain 310 frame 5 flow 3".
func PosText(r *flow.Record, st LineStyle) string { return string(appendPos(nil, r, st)) }

// SocketText is a record's server socket as PairLine writes it (the
// destination, or with src the source): "157.240.25.63:443", without the
// port when the record does not carry it.
func SocketText(r *flow.Record, src bool) string {
	if src {
		return string(appendSrc(nil, r))
	}
	return string(appendDst(nil, r))
}

func appendPos(b []byte, r *flow.Record, st LineStyle) []byte {
	if r == nil {
		return append(b, "(none)"...)
	}
	if st.Exporter && r.Exporter.IsValid() {
		b = r.Exporter.AppendTo(b)
		b = append(b, ' ')
	}
	b = append(b, "domain "...)
	b = strconv.AppendUint(b, uint64(r.Domain), 10)
	b = append(b, " frame "...)
	b = strconv.AppendUint(b, uint64(r.Frame), 10)
	if st.File && r.File != "" {
		b = append(b, " ("...)
		b = append(b, r.File...)
		b = append(b, ')')
	}
	if r.Set > 1 {
		b = append(b, " set "...)
		b = strconv.AppendUint(b, uint64(r.Set), 10)
	}
	b = append(b, " flow "...)
	return strconv.AppendUint(b, uint64(r.Flow), 10)
}

func appendDst(b []byte, r *flow.Record) []byte {
	return appendSocket(b, r.Dst, r.DstPort, r.Has(flow.LacksDstPort))
}

func appendSrc(b []byte, r *flow.Record) []byte {
	return appendSocket(b, r.Src, r.SrcPort, r.Has(flow.LacksSrcPort))
}

// appendSocket writes addr:port, bracketing IPv6, "?" for no address, and
// the address alone when the port is unknown (an unknown port is no 0).
func appendSocket(b []byte, a netip.Addr, port uint16, knownPort bool) []byte {
	if !a.IsValid() {
		b = append(b, '?')
	} else if a.Is6() {
		b = append(b, '[')
		b = a.AppendTo(b)
		b = append(b, ']')
	} else {
		b = a.AppendTo(b)
	}
	if !knownPort {
		return b
	}
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(port), 10)
}
