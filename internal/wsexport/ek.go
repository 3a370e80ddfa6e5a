package wsexport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

// ErrEKUnaligned is the cause recorded for an EK packet whose per-field
// arrays cannot be proven to line up with its flow records.
var ErrEKUnaligned = errors.New("EK arrays cannot be paired with flows")

// ekReader reads tshark -T ek output: one bulk "index" line and one document
// line per packet. EK flattens all records of a packet into one array per
// field, so a packet is used only when the arrays provably line up: one data
// set, no options data, and every flow field array exactly as long as the
// number of flows. Other packets are refused, counted and named in the notes.
type ekReader struct {
	ctx   context.Context
	file  string // records' file, as given
	label string // how notes and errors name it
	br    *bufio.Reader
	tp    *TimeParser
	tally *flow.Tally
	queue []flow.Record
	qi    int
	err   error
	done  bool

	line   int   // lines read
	offset int64 // bytes read before the current line
	docs   int
	buf    []byte

	refused      int
	refusedNotes int
	sysInit      map[flow.ExporterDomain]flow.Instant
	startField   map[ekTmplKey]string // template -> its absolute start field name
	options      map[ekTmplKey]bool   // options templates seen, in any earlier packet or this one
	noInitNoted  bool
	noExporter   bool
	noFrame      bool

	prev    uint32 // frame number of the previous packet
	hasPrev bool
	noted   map[string]bool // kinds of problem already noted (first position only)
	undec   tshark.UndecodedSets[ekTmplKey]
	ports   tshark.UndecodedPorts
	tooMany map[ekTmplKey]bool // templates tshark refused (more fields than cflow.max_template_fields)
	lastDT  *flow.DomainTally  // the domain of the last message read
}

func newEKReader(ctx context.Context, file string, r io.Reader, tp *TimeParser) *ekReader {
	return &ekReader{
		ctx: ctx, file: file, label: name(file), br: bufio.NewReaderSize(r, 256<<10), tp: tp,
		tally:      &flow.Tally{Inputs: []string{file}, Tool: "tshark EK export"},
		sysInit:    map[flow.ExporterDomain]flow.Instant{},
		startField: map[ekTmplKey]string{},
		options:    map[ekTmplKey]bool{},
		noted:      map[string]bool{},
		tooMany:    map[ekTmplKey]bool{},
	}
}

func (e *ekReader) Tally() *flow.Tally { return e.tally }

// readLine returns the next line without its end, reusing e.buf.
func (e *ekReader) readLine() ([]byte, error) {
	e.buf = e.buf[:0]
	for {
		chunk, err := e.br.ReadSlice('\n')
		e.buf = append(e.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(e.buf) > 0 {
			err = nil
		}
		if err != nil {
			return nil, err
		}
		e.line++
		line := e.buf
		e.offset += int64(len(line))
		if e.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // saved by a Windows tool
		}
		for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
			line = line[:len(line)-1]
		}
		return line, nil
	}
}

func (e *ekReader) posErr(frame uint32, field string, err error) error {
	return &PosError{File: e.label, Where: fmt.Sprintf("line %d (byte %d)", e.line, e.offset-int64(len(e.buf))), Frame: frame, Column: field, Err: err}
}

// note counts a problem in the domain's tally and notes its first position,
// as the JSON walker does.
func (e *ekReader) note(dt *flow.DomainTally, kind string, frame uint32, field string, err error) {
	if dt != nil {
		dt.Errors[kind]++
	}
	if e.noted[kind] {
		return
	}
	e.noted[kind] = true
	msg := fmt.Sprintf("%s: first at %s frame %d", kind, e.label, frame)
	if field != "" {
		msg += " field " + field
	}
	if err != nil {
		msg += ": " + err.Error()
	}
	e.tally.Notes = append(e.tally.Notes, msg)
}

func (e *ekReader) Read() (flow.Record, error) {
	for e.qi >= len(e.queue) {
		if e.err != nil {
			return flow.Record{}, e.err
		}
		if e.done {
			return flow.Record{}, io.EOF
		}
		if err := e.ctx.Err(); err != nil {
			e.err = err
			continue
		}
		e.queue, e.qi = e.queue[:0], 0
		line, err := e.readLine()
		if err == io.EOF {
			e.finish()
			e.done = true
			continue
		}
		if err != nil {
			e.err = e.posErr(0, "", err)
			continue
		}
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		if !gjson.ValidBytes(line) {
			e.err = e.posErr(0, "", errors.New("not a JSON document (truncated or damaged EK file)"))
			continue
		}
		doc := gjson.ParseBytes(line)
		if doc.Get("index").Exists() && !doc.Get("layers").Exists() {
			continue
		}
		layers := doc.Get("layers")
		if !layers.IsObject() {
			e.err = e.posErr(0, "layers", errors.New("EK document without a layers object"))
			continue
		}
		e.docs++
		if err := e.packet(doc, layers); err != nil {
			e.err = err
			e.queue = e.queue[:0] // nothing of a packet that cannot be read
		}
	}
	r := e.queue[e.qi]
	e.qi++
	return r, nil
}

// values returns a field's values: EK writes one occurrence as a string and
// several as an array.
func values(v gjson.Result) []string {
	if v.IsArray() {
		var out []string
		v.ForEach(func(_, x gjson.Result) bool { out = append(out, x.String()); return true })
		return out
	}
	if !v.Exists() || v.Type == gjson.Null {
		return nil
	}
	return []string{v.String()}
}

func firstValue(v gjson.Result) string {
	if vs := values(v); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// ekPacket is what one packet's document tells outside the cflow layer.
type ekPacket struct {
	frame            uint32
	captured         flow.Instant
	exporter         netip.Addr
	expPort, colPort uint16
	hasPorts         bool // a udp/tcp/sctp layer gave them
}

func (e *ekReader) packet(doc, layers gjson.Result) error {
	e.tally.Frames++
	p := ekPacket{frame: uint32(e.docs)}
	if ms, err := strconv.ParseInt(doc.Get("timestamp").String(), 10, 64); err == nil {
		p.captured = flow.UnixMilli(ms)
	}
	if v := layers.Get("frame.frame_frame_number"); v.Exists() {
		s := firstValue(v)
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return e.posErr(0, "frame_frame_number", fmt.Errorf("%s is not a frame number (1 to 4294967295): the export is damaged or was edited; export the packets again", tshark.Quote(s)))
		}
		p.frame = uint32(n)
	} else if !e.noFrame {
		e.noFrame = true
		e.tally.Notes = append(e.tally.Notes, fmt.Sprintf("%s: the EK export has no frame layer (exported with -J without frame?): frame numbers are packet positions in the export (capture times come from the documents' timestamps, in milliseconds)", e.label))
	}
	// Frame numbers strictly increase in one export: a repeat would count
	// records twice, and templates and init times are learnt in order.
	if e.hasPrev && p.frame <= e.prev {
		return e.posErr(p.frame, "", tshark.FrameOrderError(e.prev, p.frame))
	}
	e.prev, e.hasPrev = p.frame, true
	if t, err := e.tp.Parse(firstValue(layers.Get("frame.frame_frame_time_epoch"))); err == nil {
		p.captured = t
	}
	for _, k := range []string{"ip.ip_ip_src", "ipv6.ipv6_ipv6_src"} {
		if a, err := netip.ParseAddr(firstValue(layers.Get(k))); err == nil {
			p.exporter = a.Unmap()
		}
	}
	udp := false
	for _, l := range []string{"udp", "tcp", "sctp"} {
		sp, err1 := strconv.ParseUint(firstValue(layers.Get(l+"."+l+"_"+l+"_srcport")), 10, 16)
		dp, err2 := strconv.ParseUint(firstValue(layers.Get(l+"."+l+"_"+l+"_dstport")), 10, 16)
		if err1 == nil && err2 == nil {
			p.expPort, p.colPort, p.hasPorts = uint16(sp), uint16(dp), true
			udp = l == "udp"
		}
	}
	c := layers.Get("cflow")
	if !c.Exists() && udp {
		// A port exported without Decode As: the payload is all there is.
		payload := firstValue(layers.Get("udp.udp_udp_payload"))
		if payload == "" {
			payload = firstValue(layers.Get("data.data_data_data"))
		}
		e.ports.Packet(p.expPort, p.colPort, payload)
	}
	if !c.Exists() {
		// tshark -T ek -e <field>: flat "cflow_<field>" arrays and no set or
		// flow labels, so nothing proves which value belongs to which flow.
		flat := false
		layers.ForEach(func(k, _ gjson.Result) bool {
			flat = strings.HasPrefix(k.Str, "cflow_")
			return !flat
		})
		if flat {
			e.refused++
			if e.refusedNotes < 5 {
				e.refusedNotes++
				err := &PosError{File: e.label, Where: fmt.Sprintf("line %d", e.line), Frame: p.frame,
					Err: fmt.Errorf("%w: an EK export made with -e fields has no set or flow labels, so the per-field arrays cannot be checked; its records were not read. Export the packets as JSON (tshark -T json, or Wireshark's Export Packet Dissections > As JSON)", ErrEKUnaligned)}
				e.tally.Notes = append(e.tally.Notes, err.Error())
			}
		}
		return nil
	}
	if !p.exporter.IsValid() && !e.noExporter {
		e.noExporter = true
		e.tally.Notes = append(e.tally.Notes, fmt.Sprintf("%s: the EK export has no ip/ipv6 layer (exported with -J cflow?): the exporter address is unknown", e.label))
	}
	var err error
	if c.IsArray() {
		c.ForEach(func(_, m gjson.Result) bool {
			err = e.message(p, m)
			return err == nil
		})
	} else {
		err = e.message(p, c)
	}
	if err == nil && e.lastDT != nil && layers.Get("_ws_malformed").Exists() {
		// The packet ends in an exception after its cflow layer (a
		// template that does not fit), as the JSON walker notes it.
		e.note(e.lastDT, "malformed export packet", p.frame, "", tshark.ErrMalformed)
	}
	return err
}

var (
	ekDataSetRE = regexp.MustCompile(`^(?:Flow)?Set (\d+) \[id=(\d+)\] \((\d+) flows\)$`)
	ekOptTmplRE = regexp.MustCompile(`\(Options Template\): ([0-9,]+)`)
	ekFlowRE    = regexp.MustCompile(`^Flow \d+(?: \(|$)`)
)

// ekFlowFields are the per-record fields read from EK; each must have one
// value per flow.
var ekFlowFields = []string{
	"cflow_cflow_srcaddr", "cflow_cflow_dstaddr", "cflow_cflow_srcaddrv6", "cflow_cflow_dstaddrv6",
	"cflow_cflow_srcport", "cflow_cflow_dstport", "cflow_cflow_protocol",
	"cflow_cflow_abstimestart", "cflow_cflow_timestart", "cflow_cflow_packets", "cflow_cflow_octets",
	"cflow_cflow_permanent_packets", "cflow_cflow_permanent_octets",
	"cflow_cflow_pie_ixia_l7-application-name", "cflow_cflow_pie_ixia_l7-application-id",
	"cflow_cflow_sys_init_time", "cflow_cflow_abstimeend", "cflow_cflow_timeend",
	"cflow_cflow_vlanid", "cflow_cflow_dot1q_vlan_id",
	"cflow_cflow_post_natsource_ipv4_address", "cflow_cflow_post_natdestination_ipv4_address",
	"cflow_cflow_post_naptsource_transport_port", "cflow_cflow_post_naptdestination_transport_port",
}

// ekStartFields maps the template field names in EK's text labels to the
// start-time encoding and its unit.
var ekStartFields = map[string]struct {
	enc  flow.Encoding
	unit time.Duration
}{
	"flowStartSeconds":           {flow.EncSeconds, time.Second},
	"flowStartMilliseconds":      {flow.EncMilliseconds, time.Millisecond},
	"flowStartMicroseconds":      {flow.EncMicroseconds, 0}, // NTP fraction: kept as shown, like internal/tshark
	"flowStartNanoseconds":       {flow.EncNanoseconds, time.Nanosecond},
	"flowStartDeltaMicroseconds": {flow.EncDeltaMicroseconds, time.Microsecond},
}

var (
	ekTemplateRE = regexp.MustCompile(`^Template \(Id = (\d+), Count = (\d+)\)$`)
	ekSetRE      = regexp.MustCompile(`^(?:Flow)?Set (\d+) \[id=(\d+)\](.*)$`)
	ekFieldRE    = regexp.MustCompile(`^Field \(\d+/\d+\): (\S+)$`)
)

// ekTmplKey identifies a template as tshark does, less the collector side.
type ekTmplKey struct {
	exporter netip.Addr
	port     uint16
	domain   uint32
	id       int
}

// message reads one export message (one cflow layer) of a packet.
func (e *ekReader) message(p ekPacket, c gjson.Result) error {
	var texts []string
	fields := map[string][]string{}
	var version, domainStr, exportStr, uptimeStr, seqStr string
	domainKey, exportKey := "cflow_cflow_od_id", "cflow_cflow_exporttime"
	tooMany, malformed := false, false
	c.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "text":
			texts = append(texts, values(v)...)
		case "_ws_expert":
			// tshark refused a template: more fields than cflow.max_template_fields.
			tooMany = tooMany || v.Get("cflow_cflow_entries_too_many").Exists()
		case "cflow_cflow_entries_too_many":
			tooMany = true
		case "_ws_malformed":
			malformed = true
		case "cflow_cflow_version":
			version = firstValue(v)
		case "cflow_cflow_od_id", "cflow_cflow_source_id":
			if domainStr == "" {
				domainStr, domainKey = firstValue(v), k.Str
			}
			fields[k.Str] = append(fields[k.Str], values(v)...)
		case "cflow_cflow_exporttime", "cflow_cflow_unix_secs":
			exportStr, exportKey = firstValue(v), k.Str
		case "cflow_cflow_sysuptime":
			uptimeStr = firstValue(v)
		case "cflow_cflow_sequence":
			seqStr = firstValue(v)
		default:
			fields[k.Str] = append(fields[k.Str], values(v)...)
		}
		return true
	})
	// The header decides the domain (the side of every record), the
	// version and every v9 start time. tshark prints these fields as
	// decimal numbers: one that does not read is a damaged or edited file,
	// refused rather than zeroed or clamped (as in the JSON walker).
	header := func(key, v string, bits int, what string) (uint64, error) {
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return 0, e.posErr(p.frame, key, fmt.Errorf("%s is not %s: the export is damaged or was edited; export the packets again", tshark.Quote(v), what))
		}
		return n, nil
	}
	ver, err := header("cflow_cflow_version", version, 8, "a NetFlow version number")
	if err != nil {
		return err
	}
	dom, err := header(domainKey, domainStr, 32, "an observation domain id (0 to 4294967295)")
	if err != nil {
		return err
	}
	exportSecs, err := header(exportKey, exportStr, 32, "an export time in epoch seconds (0 to 4294967295)")
	if err != nil {
		return err
	}
	hasExport := exportStr != ""
	seq, err := header("cflow_cflow_sequence", seqStr, 32, "a sequence number (0 to 4294967295)")
	if err != nil {
		return err
	}
	var uptimeMs uint32
	if uptimeStr != "" {
		d, err := tshark.ParseSeconds(uptimeStr)
		if err != nil || d < 0 || d/time.Millisecond > math.MaxUint32 {
			return e.posErr(p.frame, "cflow_cflow_sysuptime", fmt.Errorf("%s is not a system uptime in seconds (0 to 4294967.295): the export is damaged or was edited; export the packets again", tshark.Quote(uptimeStr)))
		}
		uptimeMs = uint32(d / time.Millisecond)
	}
	ed := flow.ExporterDomain{Exporter: p.exporter, Domain: uint32(dom)}
	dt := e.tally.Domain(ed)
	e.lastDT = dt
	dt.Packets++
	dt.Versions[uint8(ver)]++
	if p.expPort != 0 || p.colPort != 0 {
		dt.ExporterPorts[p.expPort]++
		dt.CollectorPorts[p.colPort]++
	}
	if dt.FirstFrame == 0 || p.frame < dt.FirstFrame {
		dt.FirstFrame = p.frame
	}
	dt.LastFrame = max(dt.LastFrame, p.frame)
	if hasExport && p.captured != 0 {
		dt.ExportLag = append(dt.ExportLag, flow.Instant(int64(exportSecs)*1e9).Sub(p.captured))
	}
	var lacks flow.Lack // header fields the document does not show
	if uptimeStr == "" && ver == 9 {
		lacks |= flow.LacksSysUptime
	}
	if seqStr == "" {
		lacks |= flow.LacksSequence
	}
	if !p.hasPorts {
		lacks |= flow.LacksExporterPort | flow.LacksCollectorPort
	}

	// Sets, from the text labels.
	type dataSet struct{ num, id, flows int }
	var sets []dataSet
	flowLabels := 0
	tmpl := -1
	var tmpls []ekTemplate
	var undecIDs []int // data sets without records, in label order
	noTemplate := 0    // "no template found" labels
	for _, t := range texts {
		if m := ekTemplateRE.FindStringSubmatch(t); m != nil {
			tmpl, _ = strconv.Atoi(m[1])
			tmpls = append(tmpls, ekTemplate{tmpl, m[2]})
			delete(e.startField, ekTmplKey{p.exporter, p.expPort, uint32(dom), tmpl})
		} else if m := ekFieldRE.FindStringSubmatch(t); m != nil && tmpl >= 0 {
			k := ekTmplKey{p.exporter, p.expPort, uint32(dom), tmpl}
			if _, ok := ekStartFields[m[1]]; ok && e.startField[k] == "" {
				e.startField[k] = m[1]
			}
		}
		if m := ekOptTmplRE.FindStringSubmatch(t); m != nil {
			for _, id := range strings.Split(m[1], ",") {
				if n, err := strconv.Atoi(id); err == nil {
					e.options[ekTmplKey{p.exporter, p.expPort, uint32(dom), n}] = true
				}
			}
		}
		if m := ekDataSetRE.FindStringSubmatch(t); m != nil {
			num, _ := strconv.Atoi(m[1])
			id, _ := strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			sets = append(sets, dataSet{num, id, n})
		} else if m := ekSetRE.FindStringSubmatch(t); m != nil && !strings.Contains(m[3], "Template") {
			// A data set label without "(N flows)": tshark decoded none of
			// it (no template, a bad length), as the JSON walker counts.
			id, _ := strconv.Atoi(m[2])
			undecIDs = append(undecIDs, id)
		}
		if strings.Contains(t, "no template found") {
			noTemplate++
		}
		if ekFlowRE.MatchString(t) {
			flowLabels++
		}
	}
	e.undecodable(dt, p, uint32(dom), undecIDs, noTemplate)
	if malformed && len(undecIDs) == 0 && noTemplate == 0 {
		// EK flattens the tree: a malformed set is counted above; only a
		// malformation elsewhere is noted, as the JSON walker does.
		e.note(dt, "malformed export packet", p.frame, "", tshark.ErrMalformed)
	}
	e.templates(p, uint32(dom), tmpls, tooMany)
	if len(sets) == 0 {
		return nil
	}
	var reasons []string
	if len(sets) > 1 {
		var ids []string
		for _, s := range sets {
			ids = append(ids, strconv.Itoa(s.id))
		}
		reasons = append(reasons, fmt.Sprintf("the packet has %d data sets (templates %s), whose records EK merges into the same arrays", len(sets), strings.Join(ids, ", ")))
	}
	set := sets[0]
	if e.options[ekTmplKey{p.exporter, p.expPort, uint32(dom), set.id}] {
		dt.OptionsRecords += set.flows
		if len(sets) == 1 {
			// Every options record of the set says the same init time, or
			// the arrays cannot be told apart: use it only then.
			if vs := fields["cflow_cflow_sys_init_time"]; len(vs) > 0 && !slices.ContainsFunc(vs, func(v string) bool { return v != vs[0] }) {
				if t, err := e.tp.Parse(vs[0]); err == nil {
					e.sysInit[ed] = t
				}
			}
			return nil
		}
	}
	n := set.flows
	if len(sets) == 1 && flowLabels != n {
		reasons = append(reasons, fmt.Sprintf("the set announces %d flows but %d \"Flow N\" labels follow", n, flowLabels))
	}
	if len(sets) == 1 {
		for _, f := range ekFlowFields {
			if vs, ok := fields[f]; ok && len(vs) != n {
				why := "a field absent from some records (an empty app name) or repeated in them (biflow counters, two time encodings)"
				reasons = append(reasons, fmt.Sprintf("%s has %d values for %d flows (%s)", strings.TrimPrefix(f, "cflow_cflow_"), len(vs), n, why))
				break
			}
		}
		if ods := fields["cflow_cflow_od_id"]; len(ods) > 1 && len(ods) != n+1 {
			reasons = append(reasons, fmt.Sprintf("od_id has %d values for %d flows", len(ods), n))
		}
	}
	if len(reasons) > 0 {
		e.refused++
		dt.Errors["EK packet refused: arrays not provably aligned"]++
		dt.UndecodedSets += len(sets)
		if e.refusedNotes < 5 {
			e.refusedNotes++
			err := &PosError{File: e.label, Where: fmt.Sprintf("line %d", e.line), Frame: p.frame,
				Err: fmt.Errorf("%w: %s; its records were not read. Export the packets as JSON (tshark -T json, or Wireshark's Export Packet Dissections > As JSON), which keeps each flow apart", ErrEKUnaligned, strings.Join(reasons, "; "))}
			e.tally.Notes = append(e.tally.Notes, err.Error())
		}
		return nil
	}

	get := func(f string, i int) string {
		if vs := fields[f]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i := 0; i < n; i++ {
		r := flow.Record{
			Pos:           flow.Pos{File: e.file, Frame: p.frame, Set: uint16(set.num), Flow: uint16(min(i+1, 65535))},
			CaptureTime:   p.captured,
			Exporter:      p.exporter,
			ExporterPort:  p.expPort,
			CollectorPort: p.colPort,
			Version:       uint8(ver),
			Domain:        uint32(dom),
			SysUptime:     uptimeMs,
			Sequence:      uint32(seq),
			TemplateID:    uint16(set.id),
			Lacks:         lacks,
		}
		if hasExport {
			r.ExportTime = flow.Instant(int64(exportSecs) * 1e9)
		}
		if ver != 9 {
			r.SysUptime = 0
		}
		// A value that does not read is noted (first position, counted),
		// as the JSON walker does, and its field left zero.
		numOK := func(key string, bits int) (uint64, bool) {
			v := get(key, i)
			if v == "" {
				return 0, false
			}
			n, err := strconv.ParseUint(v, 10, bits)
			if err != nil {
				e.note(dt, "bad field value", p.frame, key, fmt.Errorf("%s is not a number from 0 to %d", tshark.Quote(v), uint64(1)<<bits-1))
				return 0, false
			}
			return n, true
		}
		num := func(key string, bits int) uint64 {
			n, _ := numOK(key, bits)
			return n
		}
		addr := func(keys ...string) netip.Addr {
			var vs []string
			for _, k := range keys {
				v := get(k, i)
				if _, err := netip.ParseAddr(v); v != "" && err != nil {
					e.note(dt, "bad field value", p.frame, k, fmt.Errorf("%s is not an IP address", tshark.Quote(v)))
				}
				vs = append(vs, v)
			}
			return ekAddr(vs...)
		}
		// A record may carry both the IPv4 and the IPv6 field of an
		// address, the unused one zero: the rule of the JSON walker.
		r.Src = addr("cflow_cflow_srcaddr", "cflow_cflow_srcaddrv6")
		r.Dst = addr("cflow_cflow_dstaddr", "cflow_cflow_dstaddrv6")
		if s := get("cflow_cflow_sys_init_time", i); s != "" {
			if t, err := e.tp.Parse(s); err == nil {
				e.sysInit[ed] = t
			}
		}
		if !r.Src.IsValid() && !r.Dst.IsValid() {
			dt.OptionsRecords++ // options data whose template this export does not show
			continue
		}
		r.SrcPort = uint16(num("cflow_cflow_srcport", 16))
		r.DstPort = uint16(num("cflow_cflow_dstport", 16))
		r.Proto = uint8(num("cflow_cflow_protocol", 8))
		// Delta counters (IEs 2, 1) when the record has them, else the
		// total counters (IEs 86, 85).
		counter := func(delta, total string) uint64 {
			if get(delta, i) != "" {
				return num(delta, 64)
			}
			return num(total, 64)
		}
		r.Packets = counter("cflow_cflow_packets", "cflow_cflow_permanent_packets")
		r.Octets = counter("cflow_cflow_octets", "cflow_cflow_permanent_octets")
		for _, l := range [...]struct {
			keys []string
			lack flow.Lack
		}{{[]string{"cflow_cflow_srcport"}, flow.LacksSrcPort}, {[]string{"cflow_cflow_dstport"}, flow.LacksDstPort},
			{[]string{"cflow_cflow_protocol"}, flow.LacksProto},
			{[]string{"cflow_cflow_packets", "cflow_cflow_permanent_packets"}, flow.LacksPackets},
			{[]string{"cflow_cflow_octets", "cflow_cflow_permanent_octets"}, flow.LacksOctets}} {
			if !slices.ContainsFunc(l.keys, func(k string) bool { return get(k, i) != "" }) {
				r.Lacks |= l.lack
			}
		}
		for _, k := range []string{"cflow_cflow_vlanid", "cflow_cflow_dot1q_vlan_id"} {
			if get(k, i) != "" {
				v, ok := numOK(k, 16)
				r.VLAN, r.HasVLAN = uint16(v), ok
				break
			}
		}
		natSrc, natDst := get("cflow_cflow_post_natsource_ipv4_address", i), get("cflow_cflow_post_natdestination_ipv4_address", i)
		natSP, natDP := get("cflow_cflow_post_naptsource_transport_port", i), get("cflow_cflow_post_naptdestination_transport_port", i)
		if natSrc != "" || natDst != "" || natSP != "" || natDP != "" {
			r.NAT = &flow.NAT{
				Src:     addr("cflow_cflow_post_natsource_ipv4_address"),
				Dst:     addr("cflow_cflow_post_natdestination_ipv4_address"),
				SrcPort: uint16(num("cflow_cflow_post_naptsource_transport_port", 16)),
				DstPort: uint16(num("cflow_cflow_post_naptdestination_transport_port", 16)),
			}
		}
		r.App = get("cflow_cflow_pie_ixia_l7-application-name", i)
		appID, hasAppID := numOK("cflow_cflow_pie_ixia_l7-application-id", 32)
		r.AppID, r.HasAppID = uint32(appID), hasAppID
		sf, known := ekStartFields[e.startField[ekTmplKey{p.exporter, p.expPort, uint32(dom), set.id}]]
		instant := func(abs, rel string) (flow.Instant, flow.Encoding, bool) {
			if abs != "" {
				t, err := e.tp.Parse(abs)
				switch {
				case err != nil:
					return 0, flow.EncNone, false
				case ver == 9 && t == 0 && hasExport:
					return flow.V9Start(uint32(exportSecs), uptimeMs, 0), flow.EncV9UptimeZero, true
				case known && sf.enc == flow.EncDeltaMicroseconds && hasExport && t.Truncate(sf.unit) == r.ExportTime:
					// Delta 0: clamped to the export second (see flow.EncDeltaMicrosecondsZero).
					return t.Truncate(sf.unit), flow.EncDeltaMicrosecondsZero, true
				case known:
					return t.Truncate(sf.unit), sf.enc, true
				}
				return t, flow.ExportStringEncoding(t), true
			}
			if rel == "" {
				return 0, flow.EncNone, true
			}
			d, err := tshark.ParseSeconds(rel)
			ms := int64(d / time.Millisecond)
			switch {
			case err != nil:
				return 0, flow.EncNone, false
			case ver == 9 && hasExport:
				return flow.V9Start(uint32(exportSecs), uptimeMs, uint32(ms)), flow.EncV9Uptime, true
			case ver == 10:
				if init, ok := e.sysInit[ed]; ok {
					return flow.SysUpTimeStart(init, ms), flow.EncSysUpTime, true
				}
				dt.Errors["flowStartSysUpTime without systemInitTimeMilliseconds"]++
			}
			return 0, flow.EncNone, true
		}
		var ok bool
		if r.Start, r.StartEnc, ok = instant(get("cflow_cflow_abstimestart", i), get("cflow_cflow_timestart", i)); !ok {
			dt.Errors["bad start time"]++
		}
		var endEnc flow.Encoding
		r.End, endEnc, _ = instant(get("cflow_cflow_abstimeend", i), get("cflow_cflow_timeend", i))
		r.HasEnd = endEnc != flow.EncNone
		if r.StartEnc == flow.EncNone {
			dt.NoStart++
		} else {
			dt.Encodings[r.StartEnc]++
			if hasExport && r.Start.Sub(r.ExportTime) >= time.Second {
				dt.StartAfterExp++
			}
		}
		dt.Records++
		dt.TemplateIDs[uint16(set.id)]++
		e.queue = append(e.queue, r)
	}
	return nil
}

// undecodable counts the data sets of a message that tshark decoded no
// record of (ids, in label order) and remembers those it had no template
// for (noTemplate "no template found" labels; EK does not show which set
// each belongs to, so the first ones are taken) for the advice of finish.
func (e *ekReader) undecodable(dt *flow.DomainTally, p ekPacket, dom uint32, ids []int, noTemplate int) {
	dt.UndecodedSets += max(len(ids), noTemplate)
	for _, id := range ids[:min(len(ids), noTemplate)] {
		k := ekTmplKey{p.exporter, p.expPort, dom, id}
		e.undec.Data(k, uint16(id), p.frame, e.tooMany[k])
	}
}

// templates records the templates a message defines. tooMany: tshark
// refused one for having more fields than cflow.max_template_fields; EK
// does not say which, so those above the default limit of 60 are taken (or,
// with a lower limit, the largest).
func (e *ekReader) templates(p ekPacket, dom uint32, tmpls []ekTemplate, tooMany bool) {
	refused := map[int]bool{}
	if tooMany {
		largest := -1
		for i, t := range tmpls {
			n := atoi(t.fields)
			if n > 60 {
				refused[t.id] = true
			}
			if largest < 0 || n > atoi(tmpls[largest].fields) {
				largest = i
			}
		}
		if len(refused) == 0 && largest >= 0 {
			refused[tmpls[largest].id] = true
		}
	}
	for _, t := range tmpls {
		k := ekTmplKey{p.exporter, p.expPort, dom, t.id}
		e.undec.Template(k, refused[t.id])
		if !refused[t.id] {
			delete(e.tooMany, k)
			continue
		}
		e.tooMany[k] = true
		if !e.noted["too many fields"] {
			e.noted["too many fields"] = true
			e.tally.Notes = append(e.tally.Notes, tshark.TooManyFieldsNote(e.label, p.frame, uint16(t.id), t.fields, true))
		}
	}
}

// ekTemplate is a template definition an EK message shows.
type ekTemplate struct {
	id     int
	fields string // the field count as tshark printed it
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// ekAddr returns the address of a record from the values of its fields for
// one role (IPv4, IPv6), by tshark.PreferAddr; invalid when none parses.
func ekAddr(vs ...string) netip.Addr {
	var a netip.Addr
	for _, v := range vs {
		if b, err := netip.ParseAddr(v); err == nil && tshark.PreferAddr(a, b) {
			a = b
		}
	}
	return a
}

func (e *ekReader) finish() {
	if e.refused > e.refusedNotes {
		e.tally.Notes = append(e.tally.Notes, fmt.Sprintf("%s: %d EK packets in all were refused because their arrays cannot be paired with flows (first %d named above); export as JSON", e.label, e.refused, e.refusedNotes))
	}
	e.tally.Notes = append(e.tally.Notes, e.undec.Notes(e.label, true)...)
	e.tally.Notes = append(e.tally.Notes, e.ports.Notes(e.label, true)...)
	e.tally.Notes = append(e.tally.Notes, prefixNotes(e.label, e.tp.Notes())...)
	if e.tp.Unverified() {
		e.tally.UnverifiedTimes = append(e.tally.UnverifiedTimes, e.file)
	}
}
