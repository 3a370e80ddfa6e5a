package tshark

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"

	"netflowtimedifference/internal/flow"
)

// WalkOptions configure a Walker.
type WalkOptions struct {
	// File is the input path reported in every record's Pos and in errors.
	File string

	// ParseTime parses absolute time strings (cflow.abstimestart, ...).
	// nil means ParseTime: the tshark 4.0 display form in UTC
	// ("Nov 14, 2023 22:13:10.123000000 UTC"), ISO 8601 UTC, or epoch seconds.
	// Wireshark GUI exports in a local zone need their own parser.
	ParseTime func(string) (flow.Instant, error)

	// ExportStrings: a start whose information element is unknown (no
	// template set seen for it) gets flow.EncExportString (or its us/ns
	// form when its digits show them: flow.ExportStringEncoding) instead of
	// an encoding guessed from its digits. Set it for Wireshark exports,
	// which seldom contain the template packets.
	ExportStrings bool

	// FramePorts returns the transport ports of a frame when the JSON has no
	// udp/tcp/sctp layer (tshark runs without them to save output; the
	// Source reads the ports from the capture file itself). May be nil.
	FramePorts func(frame uint32) (src, dst uint16, ok bool)

	// TemplateStart returns the absolute start IE (150..158) of a template
	// the walker has not seen yet, from a first pass over the capture:
	// tshark -2 decodes data with a template from a later frame. May be nil.
	TemplateStart func(exporterPort, collectorPort uint16, domain uint32, id uint16) (uint16, bool)

	// Tool is copied into Tally.Tool, e.g. "TShark (Wireshark) 4.0.17".
	Tool string

	// Export says that the stream is an analyst's export (a Wireshark or
	// tshark JSON file), not the output of a tshark run by Source: notes
	// about what the export lacks say how to export it again (tshark -2,
	// -o cflow.max_template_fields:0, the template packets).
	Export bool
}

// Walker reads flow records from a tshark / Wireshark `-T json` array stream
// (also `--no-duplicate-keys` output). It cuts the array into per-packet
// elements as bytes arrive and walks each in document order, so repeated keys
// (two cflow layers in one TCP segment, biflow counters) are all seen; of
// repeated record fields the first (forward) value is kept.
//
// Walker implements flow.Reader. Options records are used (system init time)
// and counted, never returned.
type Walker struct {
	// ownTshark: the stream is the output of a tshark run by Source (see
	// packet), not a file.
	ownTshark bool
	sp        *splitter // one input
	shards    []*shard  // or several (tshark --jobs), merged in frame order
	opt       WalkOptions
	st        *state
	tally     *flow.Tally
	queue     []flow.Record
	qi        int
	err       error
	elems     uint32
	eof       bool

	// per-packet context
	pkt     packet
	pending []pendingRec

	label    string // how notes and errors name the input (InputName of File)
	at       int64  // stream offset of the element being walked
	seqs     map[tmplKey]*seqState
	undec    UndecodedSets[tmplKey] // data sets tshark had no template for
	ports    UndecodedPorts         // UDP packets that look like exports but were not decoded
	noFrame  bool                   // the "no frame layer" note was given
	noSource bool                   // the "no exporter address" note was given
	finished bool
	prev     uint32 // frame number of the previous packet
	hasPrev  bool
	perr     error // the packet being walked cannot be read (a header field): its records are dropped
}

// seqState is what one transport stream's sequence numbers (exporter and
// collector address and port, domain: tmplKey with id 0) lead to expect.
type seqState struct {
	next  uint32 // sequence number the next message should carry
	known bool   // false before the first message and after one whose record count is unknown
}

// state is what a walker remembers across packets (and the Source across files).
type state struct {
	templates map[tmplKey]*tmplInfo
	sysInit   map[flow.ExporterDomain]flow.Instant
	intern    map[string]string
	notes     map[string]bool
}

func newState() *state {
	return &state{
		templates: map[tmplKey]*tmplInfo{},
		sysInit:   map[flow.ExporterDomain]flow.Instant{},
		intern:    map[string]string{},
		notes:     map[string]bool{},
	}
}

// tmplKey identifies a template the way tshark does: addresses, ports, domain, id.
type tmplKey struct {
	exporter, collector netip.Addr
	expPort, colPort    uint16
	domain              uint32
	id                  uint16
}

type tmplInfo struct {
	options    bool
	redefined  bool
	tooMany    bool   // tshark refused it: more fields than cflow.max_template_fields
	absStartIE uint16 // first of 150/152/154/156/158 in the template, 0 = none
	fields     string // field list, to notice redefinitions
	frame      uint32 // frame that defined it
}

// packet holds what is known of the frame being walked.
type packet struct {
	frame            uint32
	captured         flow.Instant
	hasCapture       bool
	src, dst         netip.Addr
	srcPort, dstPort uint16
	hasPorts         bool
	version          uint8
	domain           uint32
	exportSecs       uint32
	hasExport        bool
	exportTime       flow.Instant
	sysUptime        uint32
	sequence         uint32
	dt               *flow.DomainTally
	setNum           uint16
	setID            uint16
	headerDone       bool
	hasFrame         bool   // the packet has a frame layer with frame.number
	msgRecords       uint32 // data records (options records included) of the message being walked
	msgUnknown       bool   // the message has sets whose record count is unknown
	hasCflow         bool   // the packet has a cflow layer
	udp              bool   // the packet has a udp layer with both ports (udpSrc, udpDst)
	udpSrc, udpDst   uint16
	payload          string // udp.payload or data.data (hex), for packets without cflow
}

// Walk returns a Walker reading the JSON array from r.
func Walk(r io.Reader, opt WalkOptions) *Walker {
	return walk(r, opt, newState())
}

func walk(r io.Reader, opt WalkOptions, st *state) *Walker {
	if opt.ParseTime == nil {
		opt.ParseTime = ParseTime
	}
	t := &flow.Tally{Tool: opt.Tool}
	if opt.File != "" {
		t.Inputs = []string{opt.File}
	}
	w := &Walker{opt: opt, st: st, tally: t, label: InputName(opt.File)}
	if r != nil {
		w.sp = newSplitter(r)
	}
	return w
}

// shard is one of several JSON streams of the same capture, each holding a
// subset of its frames (tshark -Y "frame.number % N == i").
type shard struct {
	sp      *splitter
	pending []byte // next element, not yet walked
	at      int64  // its offset in the shard's stream
	frame   uint32 // its frame number
	done    bool
}

// walkShards walks several streams of one capture as one, element by element
// in frame order, so that template and options state is learnt in the
// order of the capture and records come out in frame order.
func walkShards(rs []io.Reader, opt WalkOptions, st *state) *Walker {
	w := walk(nil, opt, st)
	for _, r := range rs {
		w.shards = append(w.shards, &shard{sp: newSplitter(r)})
	}
	return w
}

// ownOutput marks the input(s) as the output of tshark processes run by
// Source (see Walker.ownTshark and splitter.ownOutput).
func (w *Walker) ownOutput() {
	w.ownTshark = true
	if w.sp != nil {
		w.sp.ownOutput = true
	}
	for _, sh := range w.shards {
		sh.sp.ownOutput = true
	}
}

// peekFrame reads the frame number of an element without walking it.
func peekFrame(el []byte) (uint32, bool) {
	v := gjson.Get(str(el), `_source.layers.frame.frame\.number`)
	n, err := strconv.ParseUint(text(v), 10, 32)
	return uint32(n), err == nil
}

// next returns the next element of the input(s) and its offset in its stream.
func (w *Walker) next() ([]byte, int64, error) {
	if w.sp != nil {
		el, err := w.sp.next()
		return el, w.sp.offset(), err
	}
	var best *shard
	for _, sh := range w.shards {
		if sh.pending == nil && !sh.done {
			el, err := sh.sp.next()
			if err == io.EOF {
				sh.done = true
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			f, ok := peekFrame(el)
			if !ok {
				return nil, 0, fmt.Errorf("%w: sharded output without frame.number (packet at byte %d)", ErrBadJSON, sh.sp.offset())
			}
			sh.pending, sh.frame, sh.at = el, f, sh.sp.offset()
		}
		if sh.pending != nil && (best == nil || sh.frame < best.frame) {
			best = sh
		}
	}
	if best == nil {
		return nil, 0, io.EOF
	}
	el := best.pending
	best.pending = nil
	return el, best.at, nil
}

// Tally returns what the walker has seen so far; complete once Read returned io.EOF.
func (w *Walker) Tally() *flow.Tally { return w.tally }

// Read returns the next flow record, io.EOF after the last one.
func (w *Walker) Read() (flow.Record, error) {
	for w.qi >= len(w.queue) {
		if w.err != nil {
			return flow.Record{}, w.err
		}
		w.queue, w.qi = w.queue[:0], 0
		el, at, err := w.next()
		if err == io.EOF {
			w.finish()
			w.err = io.EOF
			w.eof = true
			continue
		}
		if err != nil {
			w.err = &WalkError{File: w.label, After: w.lastFrame(), Err: err}
			continue
		}
		w.elems++
		w.at = at
		if err := w.packet(el); err != nil {
			w.err = err
			w.queue = w.queue[:0] // nothing of a packet that cannot be read
		}
	}
	r := w.queue[w.qi]
	w.qi++
	return r, nil
}

// Packets returns how many packets (array elements) the walker has read.
func (w *Walker) Packets() int { return int(w.elems) }

// Done reports whether the walker read the whole array (its closing bracket).
func (w *Walker) Done() bool { return w.eof }

// lastFrame returns the frame number of the last packet walked, 0 before the first.
func (w *Walker) lastFrame() uint32 {
	return w.pkt.frame
}

// WalkError is an error in the JSON stream, with its position.
type WalkError struct {
	File  string
	Frame uint32 // frame number where it happened; 0 = not known (the message then names the packet and byte)
	After uint32 // when Frame is 0: the frame of the last packet read before the problem, 0 = none
	Field string // JSON key, if the error concerns one
	Err   error
}

func (e *WalkError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Frame > 0 {
		fmt.Fprintf(&b, " frame %d", e.Frame)
	} else if e.After > 0 {
		fmt.Fprintf(&b, " (after frame %d)", e.After)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *WalkError) Unwrap() error { return e.Err }

// ErrBadJSON is wrapped by errors about JSON that is not tshark's packet array.
var ErrBadJSON = errors.New("not tshark -T json output")

// str views b as a string without copying; the result must not outlive the
// current element (intern or clone what a Record keeps).
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// packet walks one array element (one packet) with gjson, in document order.
// An export's element is checked to be valid JSON first: gjson does not
// validate, and a damaged export must give an error, not records made of its
// fragments. The output of a tshark run by Source (ownTshark) is not: tshark's JSON
// writer escapes every string of the packet (the flow data among them) and
// the splitter has checked the element's structure (balanced brackets,
// terminated strings, and an array that ends), so the check would only
// cost: it took 2.5 of the 9 CPU seconds nftimediff spends on a million
// records, while tshark takes 12.5.
func (w *Walker) packet(el []byte) error {
	s := str(el)
	doc := gjson.Parse(s)
	after := w.lastFrame()
	if !doc.IsObject() {
		return &WalkError{File: w.label, After: after, Err: fmt.Errorf("%w: packet %d at byte %d is not an object", ErrBadJSON, w.elems, w.at)}
	}
	if !w.ownTshark && !gjson.Valid(s) {
		return &WalkError{File: w.label, After: after, Err: fmt.Errorf("%w: packet %d at byte %d (%d bytes) is not valid JSON", ErrBadJSON, w.elems, w.at, len(el))}
	}
	w.pkt = packet{frame: w.elems}
	w.perr = nil
	layers := doc.Get("_source.layers")
	if !layers.IsObject() {
		return &WalkError{File: w.label, After: after, Field: "_source.layers", Err: fmt.Errorf("%w: packet %d at byte %d has no _source.layers", ErrBadJSON, w.elems, w.at)}
	}
	// The frame number first: a packet out of order is refused before any
	// of its records is made.
	if fr := layers.Get("frame"); fr.IsObject() {
		w.frameLayer(fr)
		if w.perr != nil {
			return w.perr
		}
	}
	if w.hasPrev && w.pkt.frame <= w.prev {
		return &WalkError{File: w.label, Frame: w.pkt.frame, Err: FrameOrderError(w.prev, w.pkt.frame)}
	}
	w.prev, w.hasPrev = w.pkt.frame, true
	w.tally.Frames++
	layers.ForEach(func(k, v gjson.Result) bool {
		if k.Str != "frame" {
			w.layer(k.Str, v)
		}
		return true
	})
	if w.perr != nil {
		return w.perr
	}
	if p := &w.pkt; !p.hasCflow && p.udp {
		w.ports.Packet(p.udpSrc, p.udpDst, p.payload)
	}
	if !w.pkt.hasFrame && !w.noFrame {
		w.noFrame = true
		w.tally.Notes = append(w.tally.Notes, fmt.Sprintf(
			"%s has no frame layer (exported with -J without frame?): frame numbers are packet positions in the export and capture times are unknown; export with the frame layer (tshark -T json without -J, or -J \"frame ip ipv6 cflow\") to have them", w.label))
	}
	return nil
}

// fail records the first reason why the packet being walked cannot be read.
func (w *Walker) fail(field string, err error) {
	if w.perr == nil {
		w.perr = &WalkError{File: w.label, Frame: w.pkt.frame, Field: field, Err: err}
	}
}

// layer handles one protocol layer of a packet, in order.
func (w *Walker) layer(key string, v gjson.Result) {
	switch key {
	case "ip":
		w.addrLayer(v, "ip.src", "ip.dst")
	case "ipv6":
		w.addrLayer(v, "ipv6.src", "ipv6.dst")
	case "udp":
		w.portLayer(v, "udp.srcport", "udp.dstport")
		w.pkt.udp = w.pkt.hasPorts
		w.pkt.udpSrc, w.pkt.udpDst = w.pkt.srcPort, w.pkt.dstPort
		if pl := v.Get(`udp\.payload`); pl.Exists() {
			w.pkt.payload = text(pl)
		}
	case "data":
		// Payload no dissector claimed (tshark versions without udp.payload).
		if w.pkt.payload == "" {
			w.pkt.payload = text(v.Get(`data\.data`))
		}
	case "tcp":
		w.portLayer(v, "tcp.srcport", "tcp.dstport")
	case "sctp":
		w.portLayer(v, "sctp.srcport", "sctp.dstport")
	case "_ws.malformed":
		if w.pkt.dt != nil {
			w.note("malformed export packet", "", ErrMalformed)
		}
	case "cflow":
		w.pkt.hasCflow = true
		if !w.pkt.hasPorts && w.opt.FramePorts != nil {
			if s, d, ok := w.opt.FramePorts(w.pkt.frame); ok {
				w.pkt.srcPort, w.pkt.dstPort, w.pkt.hasPorts = s, d, true
			}
		}
		// Two messages in one TCP segment: two cflow keys, or with
		// --no-duplicate-keys one array of layers.
		if v.IsArray() {
			v.ForEach(func(_, m gjson.Result) bool {
				w.cflow(m)
				return true
			})
		} else {
			w.cflow(v)
		}
	}
}

func (w *Walker) frameLayer(v gjson.Result) {
	v.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "frame.number":
			n, err := strconv.ParseUint(text(v), 10, 32)
			if err != nil || n == 0 {
				// Named by its position: it has no frame number.
				w.perr = &WalkError{File: w.label, After: w.prev, Field: k.Str, Err: fmt.Errorf(
					"packet %d at byte %d: %s is not a frame number (1 to 4294967295)%s", w.elems, w.at, Quote(text(v)), damaged)}
				return false
			}
			w.pkt.frame, w.pkt.hasFrame = uint32(n), true
		case "frame.time_epoch":
			s := text(v)
			t, err := ParseTime(s)
			if err != nil {
				t, err = w.opt.ParseTime(s)
			}
			if err == nil {
				w.pkt.captured, w.pkt.hasCapture = t, true
			} else {
				w.note("bad frame.time_epoch", "frame.time_epoch", err)
			}
		}
		return true
	})
}

func (w *Walker) addrLayer(v gjson.Result, srcKey, dstKey string) {
	var src, dst netip.Addr
	v.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case srcKey:
			if !src.IsValid() {
				src, _ = netip.ParseAddr(text(v))
			}
		case dstKey:
			if !dst.IsValid() {
				dst, _ = netip.ParseAddr(text(v))
			}
		}
		return true
	})
	// The innermost IP header before cflow is the exporter's (tunnels).
	if src.IsValid() {
		w.pkt.src, w.pkt.dst = src, dst
	}
}

func (w *Walker) portLayer(v gjson.Result, srcKey, dstKey string) {
	var sp, dp uint64
	var ns, nd bool
	v.ForEach(func(k, v gjson.Result) bool {
		switch {
		case k.Str == srcKey && !ns:
			sp, _ = strconv.ParseUint(text(v), 10, 16)
			ns = true
		case k.Str == dstKey && !nd:
			dp, _ = strconv.ParseUint(text(v), 10, 16)
			nd = true
		}
		return true
	})
	if ns && nd {
		w.pkt.srcPort, w.pkt.dstPort, w.pkt.hasPorts = uint16(sp), uint16(dp), true
	}
}

// note counts a problem in the packet's domain (or the tally notes) and
// remembers the first occurrence's position as a note for the analyst.
// ErrMalformed explains a malformed export packet (tshark's _ws.malformed).
var ErrMalformed = errors.New("tshark stopped dissecting it ([Malformed Packet] in Wireshark): the exporter sent a damaged message, such as a set or template longer than the message; what follows the damage is lost")

func (w *Walker) note(kind, field string, err error) {
	if w.pkt.dt != nil {
		w.pkt.dt.Errors[kind]++
	}
	if !w.st.notes[kind] {
		w.st.notes[kind] = true
		msg := fmt.Sprintf("%s: first at %s frame %d", kind, w.label, w.pkt.frame)
		if field != "" {
			msg += " field " + field
		}
		if err != nil {
			msg += ": " + err.Error()
		}
		w.tally.Notes = append(w.tally.Notes, msg)
	}
}

// cflow walks one export packet (one cflow layer).
func (w *Walker) cflow(v gjson.Result) {
	p := &w.pkt
	p.version, p.domain, p.hasExport, p.sysUptime, p.sequence = 0, 0, false, 0, 0
	p.dt, p.headerDone = nil, false
	p.msgRecords, p.msgUnknown = 0, false
	if !p.src.IsValid() && !w.noSource {
		w.noSource = true
		if w.opt.Export {
			w.tally.Notes = append(w.tally.Notes, fmt.Sprintf(
				"%s has no ip/ipv6 layer (exported with -J cflow?): the exporter address is unknown (records carry none); export with the ip and ipv6 layers (tshark -T json without -J, or -J \"frame ip ipv6 cflow\")", w.label))
		} else {
			w.tally.Notes = append(w.tally.Notes, fmt.Sprintf(
				"%s: the export packets carry no IP header (a raw IPFIX file has none): the exporter address is unknown (records carry none)", w.label))
		}
	}
	var stamp string
	v.ForEach(func(k, v gjson.Result) bool {
		key := k.Str
		if strings.HasPrefix(key, "cflow.") {
			// The header decides the domain (the side of every record),
			// the version and every v9 start time. tshark prints these
			// fields as decimal numbers, so one that does not read is a
			// damaged or edited file: refused, never zeroed or clamped.
			switch key {
			case "cflow.version":
				if n, ok := w.headerUint(key, text(v), 8, "a NetFlow version number"); ok {
					p.version = uint8(n)
				}
			case "cflow.sysuptime":
				d, err := ParseSeconds(text(v))
				if err != nil || d < 0 || d/time.Millisecond > math.MaxUint32 {
					w.fail(key, fmt.Errorf("%s is not a system uptime in seconds (0 to 4294967.295)%s", Quote(text(v)), damaged))
				} else {
					p.sysUptime = uint32(d / time.Millisecond)
				}
			case "cflow.timestamp":
				stamp = text(v)
			case "cflow.timestamp_tree":
				v.ForEach(func(k, v gjson.Result) bool {
					if k.Str == "cflow.unix_secs" || k.Str == "cflow.exporttime" {
						if n, ok := w.headerUint(k.Str, text(v), 32, "an export time in epoch seconds (0 to 4294967295)"); ok {
							p.exportSecs, p.hasExport = uint32(n), true
						}
					}
					return true
				})
			case "cflow.sequence":
				if n, ok := w.headerUint(key, text(v), 32, "a sequence number (0 to 4294967295)"); ok {
					p.sequence = uint32(n)
				}
			case "cflow.source_id", "cflow.od_id":
				// cflow.od_id also names IE 149 inside records; only the
				// header's, before the first set, is the message's domain.
				if !p.headerDone {
					if n, ok := w.headerUint(key, text(v), 32, "an observation domain id (0 to 4294967295)"); ok {
						p.domain = uint32(n)
					}
				}
			}
			return true
		}
		if strings.HasPrefix(key, "Set ") || strings.HasPrefix(key, "FlowSet ") {
			if !p.headerDone {
				w.header(stamp)
			}
			w.set(v, key)
			return true
		}
		if key == "_ws.malformed" {
			if !p.headerDone {
				w.header(stamp)
			}
			w.note("malformed export packet", "", ErrMalformed)
		}
		return true
	})
	if !p.headerDone {
		w.header(stamp)
	}
	w.resolvePending()
	w.checkSequence()
}

// damaged ends the message about a header field that does not read.
const damaged = ": the export is damaged or was edited; export the packets again"

// headerUint reads an unsigned header field of at most bits bits; a value
// that does not read stops the packet (fail) with what it should have been.
func (w *Walker) headerUint(key, v string, bits int, what string) (uint64, bool) {
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		w.fail(key, fmt.Errorf("%s is not %s%s", Quote(v), what, damaged))
		return 0, false
	}
	return n, true
}

// maxSeqGap is the largest forward jump of a sequence number counted as
// loss. A larger one (also a jump back, as a signed 32-bit difference) is an
// exporter restart or another stream on the same key, not 16 million lost
// packets or records.
const maxSeqGap = 1 << 24

// checkSequence compares the header sequence number of the message just
// walked with what the previous message of its transport stream (exporter
// and collector address and port, domain) leads to expect, modulo 2^32:
// NetFlow v9 counts export packets (+1 per packet), IPFIX the data records
// sent before the message (+ the data records of this one, options records
// included). A message with undecodable sets has an unknown record count:
// the message after it is not checked (SeqUnchecked).
func (w *Walker) checkSequence() {
	p := &w.pkt
	if p.version != 9 && p.version != 10 {
		return
	}
	if w.seqs == nil {
		w.seqs = map[tmplKey]*seqState{}
	}
	k := w.tmplKey(0)
	st := w.seqs[k]
	if st == nil {
		st = &seqState{}
		w.seqs[k] = st
	} else if !st.known {
		p.dt.SeqUnchecked++
	} else if d := int32(p.sequence - st.next); d != 0 {
		switch {
		case d > 0 && d <= maxSeqGap:
			p.dt.SeqGaps++
			if p.version == 9 {
				p.dt.SeqMissingPackets += int64(d)
			} else {
				p.dt.SeqMissingRecords += int64(d)
			}
		default:
			p.dt.SeqResets++
		}
	}
	step := uint32(1)
	if p.version == 10 {
		step = p.msgRecords
	}
	st.next, st.known = p.sequence+step, !(p.version == 10 && p.msgUnknown)
}

// pendingRec is a record whose uptime-relative times wait for a system init
// time that may come later in the same export packet (options set after data).
type pendingRec struct {
	i          int // index in w.queue
	start, end string
}

// resolvePending computes the deferred times once the packet is walked.
func (w *Walker) resolvePending() {
	p := &w.pkt
	for _, pr := range w.pending {
		r := &w.queue[pr.i]
		ed := r.ExporterDomain()
		var err error
		r.Start, r.StartEnc, err = w.instant("", pr.start, 0, ed)
		if err != nil {
			w.note(err.Error(), "cflow.timestart", nil)
		}
		var endEnc flow.Encoding
		r.End, endEnc, _ = w.instant("", pr.end, 0, ed)
		r.HasEnd = endEnc != flow.EncNone
		w.countStart(p.dt, r)
	}
	w.pending = w.pending[:0]
}

// countStart counts a finished record's start in the tally.
func (w *Walker) countStart(dt *flow.DomainTally, r *flow.Record) {
	if r.StartEnc == flow.EncNone {
		dt.NoStart++
		return
	}
	dt.Encodings[r.StartEnc]++
	if r.ExportTime != 0 && r.Start.Sub(r.ExportTime) >= time.Second {
		dt.StartAfterExp++
	}
}

// header completes the export packet header and counts the packet.
func (w *Walker) header(stamp string) {
	p := &w.pkt
	p.headerDone = true
	if !p.hasExport && stamp != "" {
		// Only the display string (no cflow.timestamp_tree): it must read.
		t, err := w.opt.ParseTime(stamp)
		secs := int64(t / flow.Instant(time.Second))
		if err != nil || secs < 0 || secs > math.MaxUint32 {
			w.fail("cflow.timestamp", fmt.Errorf("%s is not an export time%s", Quote(stamp), damaged))
		} else {
			p.exportSecs, p.hasExport = uint32(secs), true
		}
	}
	p.exportTime = flow.Instant(int64(p.exportSecs) * int64(time.Second))
	dt := w.tally.Domain(flow.ExporterDomain{Exporter: p.src, Domain: p.domain})
	p.dt = dt
	dt.Packets++
	dt.Versions[p.version]++
	if p.hasPorts {
		dt.ExporterPorts[p.srcPort]++
		dt.CollectorPorts[p.dstPort]++
	}
	if dt.FirstFrame == 0 || p.frame < dt.FirstFrame {
		dt.FirstFrame = p.frame
	}
	dt.LastFrame = max(dt.LastFrame, p.frame)
	if p.hasExport && p.hasCapture {
		dt.ExportLag = append(dt.ExportLag, p.exportTime.Sub(p.captured))
	}
	if p.version != 9 && p.version != 10 {
		w.note(fmt.Sprintf("NetFlow version %d is not supported", p.version), "cflow.version", nil)
	}
}

func (w *Walker) tmplKey(id uint16) tmplKey {
	p := &w.pkt
	return tmplKey{exporter: p.src, collector: p.dst, expPort: p.srcPort, colPort: p.dstPort, domain: p.domain, id: id}
}

// parseSetLabel reads "Set 2 [id=256] (3 flows)" / "FlowSet 1 [id=0] (Data Template): 256".
func parseSetLabel(label string) (num, id uint16, rest string) {
	i := strings.IndexByte(label, ' ')
	if i < 0 {
		return 0, 0, ""
	}
	s := label[i+1:]
	j := strings.IndexByte(s, ' ')
	if j < 0 {
		j = len(s)
	}
	n, _ := strconv.ParseUint(s[:j], 10, 16)
	s = s[j:]
	if k := strings.Index(s, "[id="); k >= 0 {
		e := strings.IndexByte(s[k:], ']')
		if e > 0 {
			v, _ := strconv.ParseUint(s[k+4:k+e], 10, 16)
			id = uint16(v)
			s = s[k+e+1:]
		}
	}
	return uint16(n), id, s
}

func (w *Walker) set(v gjson.Result, label string) {
	p := &w.pkt
	num, id, rest := parseSetLabel(label)
	p.setNum, p.setID = num, id
	switch {
	case strings.Contains(rest, "(Data Template)"):
		w.templateSet(v)
		return
	case strings.Contains(rest, "(Options Template)"):
		if i := strings.LastIndex(rest, ": "); i >= 0 {
			for f := range strings.SplitSeq(rest[i+2:], ",") {
				if n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16); err == nil {
					k := w.tmplKey(uint16(n))
					if t := w.st.templates[k]; t != nil {
						t.options = true
					} else {
						w.st.templates[k] = &tmplInfo{options: true, frame: p.frame}
					}
				}
			}
		}
		return
	case strings.Contains(rest, "Template"):
		return // withdrawals and other template sets
	}
	var flows int
	undecoded, recovered, noTemplate := false, false, false
	v.ForEach(func(k, v gjson.Result) bool {
		switch key := k.Str; {
		case strings.HasPrefix(key, "Flow "):
			flows++
			w.record(v, key)
		case key == "cflow.template_frame":
			if n, err := strconv.ParseUint(text(v), 10, 32); err == nil && uint32(n) > p.frame {
				recovered = true
			}
		case strings.HasPrefix(key, "Data (") || strings.Contains(key, "no template found"):
			undecoded = true
			noTemplate = noTemplate || strings.Contains(key, "no template found")
			if i := strings.Index(key, " bytes)"); i > 6 {
				if n, err := strconv.Atoi(key[6:i]); err == nil {
					p.dt.UndecodedBytes += n
				}
			}
		case key == "_ws.malformed":
			undecoded = true
		}
		return true
	})
	p.msgRecords += uint32(flows)
	if undecoded {
		p.msgUnknown = true
	}
	if flows == 0 && (undecoded || !strings.Contains(rest, "flows)")) {
		p.dt.UndecodedSets++
		p.msgUnknown = true
		w.undecodable(id, noTemplate)
	} else if undecoded {
		w.note("malformed data set (records after the error lost)", "", nil)
	}
	if recovered && flows > 0 {
		p.dt.RecoveredSets++
	}
}

// templateSet remembers each template's start-time IE and field list.
func (w *Walker) templateSet(v gjson.Result) {
	v.ForEach(func(k, v gjson.Result) bool {
		if !strings.HasPrefix(k.Str, "Template (") {
			return true
		}
		var id uint16
		abs := uint16(0)
		var sig []byte
		tooMany, count := false, ""
		v.ForEach(func(k, v gjson.Result) bool {
			switch k := k.Str; {
			case k == "cflow.template_id":
				n, _ := strconv.ParseUint(text(v), 10, 16)
				id = uint16(n)
			case k == "cflow.template_field_count":
				count = text(v)
			case k == "cflow.template_field_count_tree":
				// tshark refuses templates with more fields than
				// cflow.max_template_fields (expert info cflow.entries.too_many).
				tooMany = tooMany || v.Get(`_ws\.expert.cflow\.entries\.too_many`).Exists()
			case strings.HasPrefix(k, "Field ("):
				var ie uint64
				pen := false
				v.ForEach(func(k, v gjson.Result) bool {
					switch k.Str {
					case "cflow.template_ipfix_field_type", "cflow.template_field_type":
						ie, _ = strconv.ParseUint(text(v), 10, 16)
					case "cflow.template_ipfix_pen_provided":
						pen = text(v) == "1"
					case "cflow.template_ixia_field_type", "cflow.template_plixer_field_type",
						"cflow.template_ntop_field_type", "cflow.template_netscaler_field_type":
						pen = true
						ie, _ = strconv.ParseUint(text(v), 10, 16)
					}
					return true
				})
				if pen {
					sig = append(sig, 'p')
				} else if abs == 0 {
					if _, ok := absStartEncoding(uint16(ie)); ok {
						abs = uint16(ie)
					}
				}
				sig = strconv.AppendUint(sig, ie, 10)
				sig = append(sig, ',')
			}
			return true
		})
		key := w.tmplKey(id)
		w.undec.Template(key, tooMany)
		if tooMany {
			if w.st.templates[key] == nil {
				w.st.templates[key] = &tmplInfo{tooMany: true, frame: w.pkt.frame}
			}
			if !w.st.notes["too many fields"] {
				w.st.notes["too many fields"] = true
				w.tally.Notes = append(w.tally.Notes, TooManyFieldsNote(w.label, w.pkt.frame, id, count, w.opt.Export))
			}
			return true
		}
		if old := w.st.templates[key]; old != nil && old.tooMany {
			delete(w.st.templates, key)
		}
		if old := w.st.templates[key]; old != nil && !old.options {
			if old.fields != string(sig) && old.fields != "" {
				old.redefined = true
				w.note(fmt.Sprintf("template %d redefined with other fields (tshark keeps the first definition: later data may be misdecoded)", id), "", nil)
			}
			return true
		}
		w.st.templates[key] = &tmplInfo{absStartIE: abs, fields: string(sig), frame: w.pkt.frame}
		return true
	})
}

// undecodable remembers a data set of template id that tshark could not
// decode (noTemplate: it said "no template found"), for the notes of finish.
func (w *Walker) undecodable(id uint16, noTemplate bool) {
	if !noTemplate {
		return
	}
	k := w.tmplKey(id)
	t := w.st.templates[k]
	w.undec.Data(k, id, w.pkt.frame, t != nil && t.tooMany)
}

// finish adds the notes that need the whole stream: what to do about data
// sets tshark had no template for, and about UDP ports not decoded.
func (w *Walker) finish() {
	if w.finished {
		return
	}
	w.finished = true
	w.tally.Notes = append(w.tally.Notes, w.undec.Notes(w.label, w.opt.Export)...)
	w.tally.Notes = append(w.tally.Notes, w.ports.Notes(w.label, w.opt.Export)...)
}

// fields of one data record, first occurrence of each.
type fields struct {
	src, dst               netip.Addr
	srcPort, dstPort       uint16
	proto                  uint8
	app                    string
	hasApp                 bool
	appID                  uint32
	hasAppID               bool
	absStart, absEnd       string
	relStart, relEnd       string
	sysInit                string
	packets, octets        uint64 // delta counters (IEs 2, 1)
	hasPackets, hasOctets  bool
	totPackets, totOctets  uint64 // total counters (IEs 86, 85), used when the delta ones are absent
	vlan                   uint16
	hasVLAN                bool
	natSrc, natDst         netip.Addr
	natSrcPort, natDstPort uint16
	hasNAT                 bool
	seen                   uint64 // bit per field kind, for first-wins
	badField               string
	badErr                 error
}

const (
	fSrc = 1 << iota
	fDst
	fSrcPort
	fDstPort
	fProto
	fApp
	fAppID
	fAbsStart
	fAbsEnd
	fRelStart
	fRelEnd
	fSysInit
	fPackets
	fOctets
	fVLAN
	fNatSrc
	fNatDst
	fNatSrcPort
	fNatDstPort
	fTotPackets
	fTotOctets
)

func (f *fields) once(bit uint64) bool {
	if f.seen&bit != 0 {
		return false
	}
	f.seen |= bit
	return true
}

func (f *fields) bad(field string, err error) {
	if f.badField == "" {
		f.badField, f.badErr = field, err
	}
}

// addr keeps the address of a kind by PreferAddr: the first one, except
// that an unspecified one (0.0.0.0 or ::, as in records carrying both IPv4
// and IPv6 fields of which one is unused) gives way to a later specified one.
func (f *fields) addr(dst *netip.Addr, bit uint64, key string, v string) {
	if f.seen&bit != 0 && dst.IsValid() && !dst.IsUnspecified() {
		return // kept: nothing can replace it
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		if f.seen&bit == 0 {
			f.bad(key, fmt.Errorf("%s is not an IP address", Quote(v)))
		}
	} else if PreferAddr(*dst, a) {
		*dst = a
	}
	f.seen |= bit
}

func (f *fields) uint(key string, v string, bits int) (uint64, bool) {
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		f.bad(key, fmt.Errorf("%s is not a number from 0 to %d", Quote(v), uint64(1)<<bits-1))
		return 0, false
	}
	return n, true
}

// collect gathers the record's leaves, descending into subtrees, in order.
func (f *fields) collect(v gjson.Result) {
	v.ForEach(func(k, v gjson.Result) bool {
		key := k.Str
		if !strings.HasPrefix(key, "cflow.") {
			return true
		}
		switch key {
		case "cflow.srcaddr", "cflow.srcaddrv6":
			f.addr(&f.src, fSrc, key, text(v))
		case "cflow.dstaddr", "cflow.dstaddrv6":
			f.addr(&f.dst, fDst, key, text(v))
		case "cflow.srcport":
			if f.once(fSrcPort) {
				n, _ := f.uint(key, text(v), 16)
				f.srcPort = uint16(n)
			}
		case "cflow.dstport":
			if f.once(fDstPort) {
				n, _ := f.uint(key, text(v), 16)
				f.dstPort = uint16(n)
			}
		case "cflow.protocol":
			if f.once(fProto) {
				n, _ := f.uint(key, text(v), 8)
				f.proto = uint8(n)
			}
		case "cflow.pie.ixia.l7-application-name", "cflow.appl_name":
			if f.once(fApp) {
				f.app, f.hasApp = text(v), true
			}
		case "cflow.pie.ixia.l7-application-id":
			if f.once(fAppID) {
				n, ok := f.uint(key, text(v), 32)
				f.appID, f.hasAppID = uint32(n), ok
			}
		case "cflow.abstimestart":
			if f.once(fAbsStart) {
				f.absStart = text(v)
			}
		case "cflow.abstimeend":
			if f.once(fAbsEnd) {
				f.absEnd = text(v)
			}
		case "cflow.timestart":
			if f.once(fRelStart) {
				f.relStart = text(v)
			}
		case "cflow.timeend":
			if f.once(fRelEnd) {
				f.relEnd = text(v)
			}
		case "cflow.sys_init_time":
			if f.once(fSysInit) {
				f.sysInit = text(v)
			}
		case "cflow.packets":
			if f.once(fPackets) {
				f.packets, f.hasPackets = f.uint(key, text(v), 64)
			}
		case "cflow.octets":
			if f.once(fOctets) {
				f.octets, f.hasOctets = f.uint(key, text(v), 64)
			}
		case "cflow.permanent_packets": // IE 86 packetTotalCount (v9 PACKETS_TOTAL)
			if f.once(fTotPackets) {
				f.totPackets, _ = f.uint(key, text(v), 64)
			}
		case "cflow.permanent_octets": // IE 85 octetTotalCount (v9 BYTES_TOTAL)
			if f.once(fTotOctets) {
				f.totOctets, _ = f.uint(key, text(v), 64)
			}
		case "cflow.vlanid", "cflow.dot1q_vlan_id":
			if f.once(fVLAN) {
				n, ok := f.uint(key, text(v), 16)
				f.vlan, f.hasVLAN = uint16(n), ok
			}
		case "cflow.post_natsource_ipv4_address":
			f.addr(&f.natSrc, fNatSrc, key, text(v))
			f.hasNAT = true
		case "cflow.post_natdestination_ipv4_address":
			f.addr(&f.natDst, fNatDst, key, text(v))
			f.hasNAT = true
		case "cflow.post_naptsource_transport_port":
			if f.once(fNatSrcPort) {
				n, _ := f.uint(key, text(v), 16)
				f.natSrcPort, f.hasNAT = uint16(n), true
			}
		case "cflow.post_naptdestination_transport_port":
			if f.once(fNatDstPort) {
				n, _ := f.uint(key, text(v), 16)
				f.natDstPort, f.hasNAT = uint16(n), true
			}
		default:
			if strings.HasSuffix(key, "_tree") {
				switch {
				case v.IsObject():
					f.collect(v)
				case v.IsArray():
					// --no-duplicate-keys: a subtree repeated in the record
					// (two time encodings: two cflow.timedelta_tree) is an
					// array of them, in document order.
					v.ForEach(func(_, e gjson.Result) bool {
						if e.IsObject() {
							f.collect(e)
						}
						return true
					})
				}
			}
		}
		return true
	})
}

// flowNumber reads k from "Flow k (app)".
func flowNumber(label string) uint16 {
	s := label[len("Flow "):]
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.ParseUint(s[:i], 10, 16)
	return uint16(n)
}

func (w *Walker) intern(s string) string {
	if v, ok := w.st.intern[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(w.st.intern) < 1<<16 {
		w.st.intern[c] = c
	}
	return c
}

// record turns one "Flow N" object into a Record (or uses an options record).
func (w *Walker) record(v gjson.Result, label string) {
	p := &w.pkt
	dt := p.dt
	var f fields
	f.collect(v)
	ed := flow.ExporterDomain{Exporter: p.src, Domain: p.domain}
	tk := w.tmplKey(p.setID)
	tmpl := w.st.templates[tk]
	if f.sysInit != "" {
		if t, err := w.opt.ParseTime(f.sysInit); err == nil {
			w.st.sysInit[ed] = t
		} else {
			w.note("bad system init time", "cflow.sys_init_time", err)
		}
	}
	if (tmpl != nil && tmpl.options) || (f.seen&(fSrc|fDst) == 0) {
		dt.OptionsRecords++
		return
	}
	if f.badField != "" {
		w.note("bad field value", f.badField, f.badErr)
	}
	r := flow.Record{
		Pos:           flow.Pos{File: w.opt.File, Frame: p.frame, Set: p.setNum, Flow: flowNumber(label)},
		Exporter:      p.src,
		ExporterPort:  p.srcPort,
		CollectorPort: p.dstPort,
		Version:       p.version,
		Domain:        p.domain,
		SysUptime:     p.sysUptime,
		Sequence:      p.sequence,
		TemplateID:    p.setID,
		Src:           f.src,
		Dst:           f.dst,
		SrcPort:       f.srcPort,
		DstPort:       f.dstPort,
		Proto:         f.proto,
		AppID:         f.appID,
		HasAppID:      f.hasAppID,
		Packets:       f.packets,
		Octets:        f.octets,
		VLAN:          f.vlan,
		HasVLAN:       f.hasVLAN,
	}
	if f.seen&fPackets == 0 && f.seen&fTotPackets != 0 {
		r.Packets = f.totPackets
	}
	if f.seen&fOctets == 0 && f.seen&fTotOctets != 0 {
		r.Octets = f.totOctets
	}
	for _, l := range [...]struct {
		bits uint64
		lack flow.Lack
	}{{fSrcPort, flow.LacksSrcPort}, {fDstPort, flow.LacksDstPort}, {fProto, flow.LacksProto},
		{fPackets | fTotPackets, flow.LacksPackets}, {fOctets | fTotOctets, flow.LacksOctets}} {
		if f.seen&l.bits == 0 {
			r.Lacks |= l.lack
		}
	}
	if !p.hasPorts { // a JSON export without the udp layer (-J "frame ip cflow")
		r.Lacks |= flow.LacksExporterPort | flow.LacksCollectorPort
	}
	if p.hasCapture {
		r.CaptureTime = p.captured
	}
	if p.hasExport {
		r.ExportTime = p.exportTime
	}
	if f.hasApp {
		r.App = w.intern(f.app)
	}
	if f.hasNAT {
		r.NAT = &flow.NAT{Src: f.natSrc, Dst: f.natDst, SrcPort: f.natSrcPort, DstPort: f.natDstPort}
	}
	var absIE uint16
	if tmpl == nil && w.opt.TemplateStart != nil {
		absIE, _ = w.opt.TemplateStart(p.srcPort, p.dstPort, p.domain, p.setID)
	}
	if tmpl != nil {
		absIE = tmpl.absStartIE
		if tmpl.redefined {
			w.note("records decoded with a template the exporter redefined (tshark keeps the first definition: their fields may be garbage)", "", nil)
		}
	}
	dt.Records++
	dt.TemplateIDs[p.setID]++
	if f.absStart == "" && f.relStart != "" && p.version == 10 {
		// IPFIX uptime: the system init time may follow in this packet.
		w.pending = append(w.pending, pendingRec{i: len(w.queue), start: f.relStart, end: f.relEnd})
		w.queue = append(w.queue, r)
		return
	}
	var err error
	r.Start, r.StartEnc, err = w.instant(f.absStart, f.relStart, absIE, ed)
	if err != nil {
		w.note(err.Error(), "cflow.abstimestart", nil)
	}
	var endEnc flow.Encoding
	r.End, endEnc, err = w.instant(f.absEnd, f.relEnd, absIE+1, ed)
	if err != nil && r.StartEnc != flow.EncNone {
		w.note("bad end time", "cflow.abstimeend", err)
	}
	r.HasEnd = endEnc != flow.EncNone
	w.countStart(dt, &r)
	w.queue = append(w.queue, r)
}

// instant computes a start (or end) instant from the record's fields: an
// absolute string (IEs 150-159) or an uptime-relative value (v9 / IE 21/22).
// absIE is the template's start IE (151.. for ends), 0 when unknown.
func (w *Walker) instant(abs, rel string, absIE uint16, ed flow.ExporterDomain) (flow.Instant, flow.Encoding, error) {
	p := &w.pkt
	switch {
	case abs != "":
		t, err := w.opt.ParseTime(abs)
		if err != nil {
			return 0, flow.EncNone, fmt.Errorf("bad time string")
		}
		if p.version == 9 && t == 0 {
			// FIRST_SWITCHED = 0: tshark took its absolute branch.
			if !p.hasExport {
				return 0, flow.EncNone, fmt.Errorf("v9 uptime time without header export time")
			}
			return flow.V9Start(p.exportSecs, p.sysUptime, 0), flow.EncV9UptimeZero, nil
		}
		if absIE%2 == 1 {
			absIE-- // end IE: use the start row
		}
		row, ok := absStartEncoding(absIE)
		if !ok {
			if w.opt.ExportStrings {
				return t, flow.ExportStringEncoding(t), nil
			}
			row = encodingOfDigits(t)
		}
		t = t.Truncate(row.unit)
		if row.ie == 158 && p.hasExport && t == p.exportTime {
			// Delta 0: a start after the whole-second export time cannot
			// be encoded and is clamped to it (flow.EncDeltaMicrosecondsZero).
			return t, flow.EncDeltaMicrosecondsZero, nil
		}
		return t, row.enc, nil
	case rel != "":
		d, err := ParseSeconds(rel)
		if err != nil {
			return 0, flow.EncNone, fmt.Errorf("bad uptime value")
		}
		ms := int64(d / time.Millisecond)
		if p.version == 9 {
			if !p.hasExport {
				return 0, flow.EncNone, fmt.Errorf("v9 uptime time without header export time")
			}
			return flow.V9Start(p.exportSecs, p.sysUptime, uint32(ms)), flow.EncV9Uptime, nil
		}
		init, ok := w.st.sysInit[ed]
		if !ok {
			return 0, flow.EncNone, fmt.Errorf("flowStartSysUpTime (IE 22) without systemInitTimeMilliseconds (IE 160) seen before it")
		}
		return sysUpTime(init, ms, p.exportTime, p.hasExport), flow.EncSysUpTime, nil
	}
	return 0, flow.EncNone, nil
}
