package report

import (
	"net/netip"
	"strconv"

	"netflowtimedifference/internal/flow"
)

// PairLine formats a pair in the analysts' old one-line style:
//
//	domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112 ms
//
// The socket is the common destination; for a return-direction pair (the
// server is the source on both sides) it is "from" the common source. A set
// number other than 1 is shown ("frame 5 set 2 flow 3"), and withFile adds
// the input file after each frame, for runs over several inputs. The app is
// left out when the pre record has none; a continuation pair ends in
// " (continuation)". The result is raw text: renderers
// clean and escape it for their format.
func PairLine(p *Pair, withFile bool) string {
	b := make([]byte, 0, 128)
	b = appendPos(b, p.Pre, withFile)
	b = append(b, " <=> "...)
	b = appendPos(b, p.Post, withFile)
	b = append(b, ": "...)
	pre, post := p.Pre, p.Post
	if pre != nil {
		switch {
		case post == nil || pre.Dst == post.Dst && pre.DstPort == post.DstPort:
			b = appendSocket(b, pre.Dst, pre.DstPort)
		case pre.Src == post.Src && pre.SrcPort == post.SrcPort:
			b = append(b, "from "...)
			b = appendSocket(b, pre.Src, pre.SrcPort)
		default:
			b = appendSocket(b, pre.Dst, pre.DstPort)
			b = append(b, " / "...)
			b = appendSocket(b, post.Dst, post.DstPort)
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
func UnmatchedLine(u *Unmatched, withFile bool) string {
	b := make([]byte, 0, 128)
	r := u.Rec
	b = appendPos(b, r, withFile)
	if r != nil {
		b = append(b, ": "...)
		b = appendSocket(b, r.Dst, r.DstPort)
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

func appendPos(b []byte, r *flow.Record, withFile bool) []byte {
	if r == nil {
		return append(b, "(none)"...)
	}
	b = append(b, "domain "...)
	b = strconv.AppendUint(b, uint64(r.Domain), 10)
	b = append(b, " frame "...)
	b = strconv.AppendUint(b, uint64(r.Frame), 10)
	if withFile && r.File != "" {
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

func appendSocket(b []byte, a netip.Addr, port uint16) []byte {
	if !a.IsValid() {
		b = append(b, '?')
	} else if a.Is6() {
		b = append(b, '[')
		b = a.AppendTo(b)
		b = append(b, ']')
	} else {
		b = a.AppendTo(b)
	}
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(port), 10)
}
