package wsexport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

// role is what a column of a CSV/XLSX export holds.
type role uint8

const (
	roleNone       role = iota
	roleFrame           // No.
	roleTime            // Time (frame capture time)
	roleSource          // Source: the exporter
	roleExpPort         // Source Port: the exporter's transport port
	roleColPort         // Destination Port: the collector's port
	roleProtocol        // Protocol: the frame's protocol column, or the flow protocol (same title)
	roleFlowProto       // cflow.protocol
	roleODID            // Observation Domain Id
	roleSourceID        // SourceId (v9)
	roleVersion         // Version
	roleDstAddr         // DstAddr (IPv4 and IPv6 fields share the title)
	roleSrcAddr         // SrcAddr
	roleDstPort         // DstPort
	roleSrcPort         // SrcPort
	roleApp             // L7 Application Name
	roleAppID           // L7 Application ID
	roleStart           // StartTime
	rolePackets         // Packets (IE 2, delta)
	roleOctets          // Octets (IE 1, delta)
	roleTotPackets      // Permanent Packets (IE 86 packetTotalCount), used where Packets is absent
	roleTotOctets       // Permanent Octets (IE 85 octetTotalCount), used where Octets is absent
	roleInfo            // Info
)

// columnRoles maps lower-cased column titles (Wireshark's default titles for
// the standard and custom columns, and field names) to roles.
var columnRoles = map[string]role{
	"no.": roleFrame, "frame.number": roleFrame,
	"time": roleTime, "frame.time": roleTime, "frame.time_epoch": roleTime, "frame.time_utc": roleTime,
	"arrival time": roleTime, "utc arrival time": roleTime, "epoch time": roleTime,
	"source": roleSource, "ip.src": roleSource, "ipv6.src": roleSource, "net src addr": roleSource,
	"source port": roleExpPort, "udp.srcport": roleExpPort, "tcp.srcport": roleExpPort, "sctp.srcport": roleExpPort,
	"destination port": roleColPort, "udp.dstport": roleColPort, "tcp.dstport": roleColPort, "sctp.dstport": roleColPort,
	"protocol": roleProtocol, "cflow.protocol": roleFlowProto,
	"observation domain id": roleODID, "cflow.od_id": roleODID,
	"sourceid": roleSourceID, "cflow.source_id": roleSourceID,
	"version": roleVersion, "cflow.version": roleVersion,
	"dstaddr": roleDstAddr, "dstaddrv6": roleDstAddr, "cflow.dstaddr": roleDstAddr, "cflow.dstaddrv6": roleDstAddr,
	"srcaddr": roleSrcAddr, "srcaddrv6": roleSrcAddr, "cflow.srcaddr": roleSrcAddr, "cflow.srcaddrv6": roleSrcAddr,
	"dstport": roleDstPort, "cflow.dstport": roleDstPort,
	"srcport": roleSrcPort, "cflow.srcport": roleSrcPort,
	"l7 application name": roleApp, "cflow.pie.ixia.l7-application-name": roleApp,
	"l7 application id": roleAppID, "cflow.pie.ixia.l7-application-id": roleAppID,
	"starttime": roleStart, "cflow.abstimestart": roleStart,
	"packets": rolePackets, "cflow.packets": rolePackets,
	"octets": roleOctets, "cflow.octets": roleOctets,
	"permanent packets": roleTotPackets, "cflow.permanent_packets": roleTotPackets,
	"permanent octets": roleTotOctets, "cflow.permanent_octets": roleTotOctets,
	"info": roleInfo,
}

// csvHeader reports whether the first lines of a text look like the start
// of a Wireshark CSV export: a header line, a delimited line with at least
// two titles Wireshark uses, possibly below the "Column1, Column2, ..." row
// that Excel's import puts above it (kept when the workbook is saved as CSV
// again). It returns the delimiter. A line not ended within text is not
// taken as a header.
func csvHeader(text []byte) (rune, bool) {
	line, rest, ok := bytes.Cut(text, []byte("\n"))
	if !ok && len(text) >= sniffLen {
		return 0, false
	}
	d, fields := csvFields(line)
	if d == 0 {
		return 0, false
	}
	if isColumnRow(fields) {
		line, _, ok = bytes.Cut(rest, []byte("\n"))
		if !ok && len(rest) >= sniffLen {
			return 0, false
		}
		if d, fields = csvFields(line); d == 0 {
			return 0, false
		}
	}
	known := 0
	for _, f := range fields {
		f = strings.ToLower(f)
		if columnRoles[f] != roleNone || strings.HasPrefix(f, "cflow.") {
			known++
		}
	}
	return d, known >= 2
}

// csvFields splits one line at its most frequent delimiter (",", ";" or
// tab) into trimmed, unquoted fields; 0 when it has none.
func csvFields(line []byte) (rune, []string) {
	s := strings.TrimSuffix(strings.TrimPrefix(string(line), "\xef\xbb\xbf"), "\r")
	best, bestN := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		if n := strings.Count(s, string(d)); n > bestN {
			best, bestN = d, n
		}
	}
	if bestN == 0 {
		return 0, nil
	}
	fields := strings.Split(s, string(best))
	for i, f := range fields {
		fields[i] = strings.TrimSpace(strings.Trim(strings.TrimSpace(f), `"`))
	}
	return best, fields
}

// columnRowRE is a cell of the row Excel's import (Power Query) puts above
// the header: "Column1", "Column2", ...
var columnRowRE = regexp.MustCompile(`^Column[0-9]+$`)

// isColumnRow reports whether cells are Excel's "Column1, Column2, ..." row.
func isColumnRow(cells []string) bool {
	n := 0
	for _, c := range cells {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\xef\xbb\xbf"))
		switch {
		case c == "":
		case columnRowRE.MatchString(c):
			n++
		default:
			return false
		}
	}
	return n >= 2
}

// rowSource yields the rows of a sheet: CSV lines or XLSX rows.
type rowSource interface {
	// next returns the cells of the next row and its position ("line 5",
	// "row 5"), or io.EOF.
	next() ([]string, string, error)
	// where names the input for messages ("c2p1med01.xlsx sheet Sheet1").
	where() string
	// fullRows reports whether every row has a cell for every column of
	// the header (Wireshark's CSV export writes them all), so that a shorter
	// row is a cut line. Workbook rows end at their last non-empty cell.
	fullRows() bool
}

// PosError is a problem at a place in an export: file, line or row, frame
// and column (or JSON/EK element), with its cause.
type PosError struct {
	File   string // input path
	Where  string // "line 12", "row 7", "byte 1234", "document 3 (line 6)"
	Frame  uint32 // frame number, 0 if unknown
	Column string // column title or field, "" if none
	Err    error
}

func (e *PosError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Where != "" {
		b.WriteString(" " + e.Where)
	}
	if e.Frame != 0 {
		fmt.Fprintf(&b, " (frame %d)", e.Frame)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", %s", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *PosError) Unwrap() error { return e.Err }

// ErrExcelNumber is the cause when a comma-joined list was turned into a
// number by Excel.
var ErrExcelNumber = errors.New("a comma-joined list was turned into a number by Excel")

// column is one mapped column.
type column struct {
	idx   int
	title string
}

// tableReader turns the rows of a CSV or XLSX export into flow records.
type tableReader struct {
	ctx   context.Context
	file  string // records' file, as given
	label string // how notes and errors name it
	src   rowSource
	tp    *TimeParser
	tally *flow.Tally
	queue []flow.Record
	qi    int
	err   error
	done  bool

	cols      map[role][]column
	frameProt int // index of the frame protocol column, -1 if none
	flowProt  int // index of the flow protocol column, -1 if none
	rows      int
	width     int    // cells of the header row
	headerAt  string // its position ("line 1")
	prev      uint32 // frame number of the previous row

	// what was seen, for the notes
	records, withStart            int
	startCut, startCutRows        int
	startMisaligned               int
	keyCut, keyCutRows            int
	misalignedRows, misalignedRec int
	appMisaligned                 int
	firstMisaligned, firstAppBad  string
	badProto                      int
	multiDomainRows               int
}

func newTableReader(ctx context.Context, file string, src rowSource, tp *TimeParser) *tableReader {
	return &tableReader{
		ctx: ctx, file: file, label: name(file), src: src, tp: tp,
		tally:     &flow.Tally{Inputs: []string{file}, Tool: "Wireshark export"},
		frameProt: -1, flowProt: -1,
	}
}

// Tally returns what was read so far; it is complete after io.EOF.
func (t *tableReader) Tally() *flow.Tally { return t.tally }

func (t *tableReader) errorf(where string, frame uint32, col string, format string, args ...any) error {
	return &PosError{File: t.label, Where: where, Frame: frame, Column: col, Err: fmt.Errorf(format, args...)}
}

// header finds the header row (Excel's Power Query puts a "Column1, Column2,
// ..." row above it) and maps the columns.
func (t *tableReader) header() error {
	for i := 0; i < 20; i++ {
		cells, where, err := t.src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &PosError{File: t.label, Where: where, Err: err}
		}
		cols := map[role][]column{}
		known := 0
		for j, c := range cells {
			title := strings.TrimSpace(strings.TrimPrefix(c, "\xef\xbb\xbf"))
			r := columnRoles[strings.ToLower(title)]
			if r == roleNone {
				continue
			}
			known++
			cols[r] = append(cols[r], column{j, title})
		}
		if known < 2 || (len(cols[roleFrame]) == 0 && len(cols[roleDstAddr]) == 0) {
			continue
		}
		t.cols = cols
		t.width, t.headerAt = len(cells), where
		if len(cols[roleDstAddr]) == 0 {
			return t.errorf(where, 0, "", "no DstAddr column (cflow.dstaddr): add the flow fields as custom columns (DstAddr, DstPort, L7 Application Name, StartTime, Observation Domain Id) before exporting")
		}
		if len(cols[roleSource]) == 0 {
			return t.errorf(where, 0, "", "no Source column: the exporter address is needed")
		}
		if len(cols[roleODID]) == 0 && len(cols[roleSourceID]) == 0 {
			return t.errorf(where, 0, "", "no Observation Domain Id (cflow.od_id) or SourceId (cflow.source_id) column: the domain is needed")
		}
		// Two columns share the title "Protocol": the frame's protocol
		// column (CFLOW) and a custom column of cflow.protocol. The first is
		// taken as the frame's; a row shows if that was wrong.
		prots := cols[roleProtocol]
		if fp := cols[roleFlowProto]; len(fp) > 0 {
			t.flowProt = fp[0].idx
			if len(prots) > 0 {
				t.frameProt = prots[0].idx
			}
		} else if len(prots) >= 2 {
			t.frameProt, t.flowProt = prots[0].idx, prots[1].idx
		} else if len(prots) == 1 {
			t.frameProt = prots[0].idx
		}
		return nil
	}
	return &PosError{File: t.label, Where: "header", Err: errors.New("no header row with Wireshark column titles (No., Source, DstAddr, ...) in the first 20 rows")}
}

// Read returns the next flow record, or io.EOF after the last one.
func (t *tableReader) Read() (flow.Record, error) {
	for t.qi >= len(t.queue) {
		if t.err != nil {
			return flow.Record{}, t.err
		}
		if t.done {
			return flow.Record{}, io.EOF
		}
		if err := t.ctx.Err(); err != nil {
			t.err = err
			return flow.Record{}, err
		}
		t.queue, t.qi = t.queue[:0], 0
		if t.cols == nil {
			if err := t.header(); err != nil {
				t.err = err
				return flow.Record{}, err
			}
		}
		cells, where, err := t.src.next()
		if err == io.EOF {
			t.finish()
			t.done = true
			continue
		}
		if err != nil {
			t.err = &PosError{File: t.label, Where: where, Err: err}
			continue
		}
		if err := t.checkWidth(cells, where); err != nil {
			t.err = err
			continue
		}
		if err := t.row(cells, where); err != nil {
			t.err = err
		}
	}
	r := t.queue[t.qi]
	t.qi++
	return r, nil
}

// checkWidth refuses a CSV row with fewer cells than the header (a line cut
// short: its last columns, often the flow lists, would be read as empty and
// the frame's records lost without a word) or with more non-empty ones (a
// cell split at an unquoted delimiter: every later column shifted). A row
// of blank cells is no data and passes.
func (t *tableReader) checkWidth(cells []string, where string) error {
	if !t.src.fullRows() || len(cells) == t.width || !slices.ContainsFunc(cells, func(c string) bool { return strings.TrimSpace(c) != "" }) {
		return nil
	}
	if len(cells) > t.width && !slices.ContainsFunc(cells[t.width:], func(c string) bool { return strings.TrimSpace(c) != "" }) {
		return nil // trailing empty cells (a delimiter at the end of the line)
	}
	var frame uint32
	if s, _, ok := t.cell(cells, roleFrame); ok {
		if n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32); err == nil {
			frame = uint32(n)
		}
	}
	why := "the line was cut or damaged (Wireshark writes every cell of every row); export the packets again"
	if len(cells) > t.width {
		why = "a cell holds an unquoted delimiter, which shifts every later column; export the packets again, or save the sheet as CSV again from Excel"
	}
	return t.errorf(where, frame, "", "%d cells, the header (%s) has %d: %s", len(cells), t.headerAt, t.width, why)
}

func (t *tableReader) cell(cells []string, r role) (string, string, bool) {
	cs := t.cols[r]
	for _, c := range cs {
		if c.idx < len(cells) && strings.TrimSpace(cells[c.idx]) != "" {
			// Untrimmed: a list cell's length tells whether it was cut.
			return cells[c.idx], c.title, true
		}
	}
	if len(cs) > 0 {
		return "", cs[0].title, false
	}
	return "", "", false
}

// lists returns the non-empty cells of every column of role r as lists.
func (t *tableReader) lists(cells []string, r role) []*list {
	var out []*list
	for _, c := range t.cols[r] {
		if c.idx < len(cells) && strings.TrimSpace(cells[c.idx]) != "" {
			s := cells[c.idx]
			out = append(out, &list{title: c.title, entries: splitList(s), cut: atLimit(s)})
		}
	}
	return out
}

// mergeAddrLists makes one address list of the lists of several columns of
// one address role (an IPv4 and an IPv6 column: a record carries both
// fields, the unused one zero): per flow the address tshark.PreferAddr
// keeps, the specified one. It returns nil when the lists have different
// lengths and none was cut (they cannot be paired); with a cut list the
// merged list is as long as the shortest, and cut.
func mergeAddrLists(ls []*list) *list {
	if len(ls) == 1 {
		return ls[0]
	}
	n, same, cut := len(ls[0].entries), true, false
	titles := make([]string, len(ls))
	for i, l := range ls {
		titles[i] = l.title
		cut = cut || l.cut
		same = same && len(l.entries) == len(ls[0].entries)
		n = min(n, len(l.entries))
	}
	if !same && !cut {
		return nil
	}
	m := &list{title: strings.Join(titles, " / "), entries: make([]string, n), cut: cut}
	for i := range n {
		var kept netip.Addr
		m.entries[i] = ls[0].entries[i] // none parses: the error names the first
		for _, l := range ls {
			if a, err := netip.ParseAddr(l.entries[i]); err == nil && tshark.PreferAddr(kept, a) {
				kept, m.entries[i] = a, l.entries[i]
			}
		}
	}
	return m
}

func (t *tableReader) at(cells []string, idx int) string {
	if idx < 0 || idx >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[idx])
}

// infoRE finds the set list in the Info column: "[Data-Template:265] [Data:265]".
var infoRE = regexp.MustCompile(`\[([A-Za-z-]+):([0-9,]+)\]`)

// list is one per-flow list of a row.
type list struct {
	title   string
	entries []string
	cut     bool // the cell was cut at Wireshark's column limit
}

// usable returns how many entries can be trusted: a cut cell's last entry may
// be incomplete and is dropped.
func (l *list) usable() int {
	if l.cut && len(l.entries) > 0 {
		return len(l.entries) - 1
	}
	return len(l.entries)
}

func (t *tableReader) row(cells []string, where string) error {
	t.rows++
	t.tally.Frames++

	frame := uint32(t.rows)
	if s, col, ok := t.cell(cells, roleFrame); ok {
		s = strings.TrimSpace(s)
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return t.errorf(where, 0, col, "%s is not a frame number", tshark.Quote(s))
		}
		frame = uint32(n)
	}
	// Frame numbers strictly increase in one export: a repeat would count
	// the frame's records twice.
	if t.rows > 1 && frame <= t.prev {
		return &PosError{File: t.label, Where: where, Frame: frame, Err: fmt.Errorf("%w; if the rows were sorted, sort them by No. again", tshark.FrameOrderError(t.prev, frame))}
	}
	t.prev = frame
	// A row without any flow list is a frame without flow records
	// (template-only packet, TCP handshake, other traffic).
	dstLists := t.lists(cells, roleDstAddr)
	if len(dstLists) == 0 {
		return nil
	}

	var rec flow.Record
	rec.File, rec.Frame = t.file, frame
	src, col, ok := t.cell(cells, roleSource)
	if !ok {
		return t.errorf(where, frame, "Source", "empty: the exporter address is needed")
	}
	src = strings.TrimSpace(src)
	addr, err := netip.ParseAddr(src)
	if err != nil {
		return t.errorf(where, frame, col, "%s is not an IP address (export with name resolution off)", tshark.Quote(src))
	}
	rec.Exporter = addr.Unmap()

	// Domain: the header's od_id/source_id. The same field is also IE 149
	// inside records; differing values mean several messages in one frame.
	domRole := roleODID
	dom, dcol, ok := t.cell(cells, roleODID)
	if !ok {
		domRole = roleSourceID
		dom, dcol, ok = t.cell(cells, roleSourceID)
	}
	if !ok {
		return t.errorf(where, frame, "Observation Domain Id", "empty in a frame with flow records")
	}
	doms := splitList(strings.TrimSpace(dom))
	for _, d := range doms[1:] {
		if d != doms[0] {
			t.multiDomainRows++
			return nil
		}
	}
	d, err := strconv.ParseUint(doms[0], 10, 32)
	if err != nil {
		return t.errorf(where, frame, dcol, "%s is not a domain id", tshark.Quote(dom))
	}
	rec.Domain = uint32(d)
	rec.Version = 10
	if domRole == roleSourceID {
		rec.Version = 9
	}
	if v, _, ok := t.cell(cells, roleVersion); ok {
		if n, err := strconv.ParseUint(splitList(strings.TrimSpace(v))[0], 10, 8); err == nil && (n == 9 || n == 10) {
			rec.Version = uint8(n)
		}
	}
	setNum, tmplID := uint16(0), uint16(0)
	if info, _, ok := t.cell(cells, roleInfo); ok {
		switch {
		case strings.Contains(info, "IPFIX"):
			rec.Version = 10
		case strings.Contains(info, "(v9)"):
			rec.Version = 9
		}
		sets := infoRE.FindAllStringSubmatch(info, -1)
		data := 0
		for i, m := range sets {
			if m[1] == "Data" {
				data++
				if id, err := strconv.ParseUint(m[2], 10, 16); err == nil {
					setNum, tmplID = uint16(i+1), uint16(id)
				}
			}
		}
		if data != 1 {
			setNum, tmplID = 0, 0
		}
	}
	rec.Pos.Set = setNum
	rec.TemplateID = tmplID
	if s, _, ok := t.cell(cells, roleTime); ok {
		rec.CaptureTime = frameTime(strings.TrimSpace(s))
	}
	// A table export carries no header sequence number or sysUptime, and
	// the export packet's ports only in the port columns.
	rec.Lacks = flow.LacksSequence | flow.LacksExporterPort | flow.LacksCollectorPort
	if rec.Version == 9 {
		rec.Lacks |= flow.LacksSysUptime
	}
	if s, _, ok := t.cell(cells, roleExpPort); ok {
		if n, err := strconv.ParseUint(splitList(strings.TrimSpace(s))[0], 10, 16); err == nil {
			rec.ExporterPort = uint16(n)
			rec.Lacks &^= flow.LacksExporterPort
		}
	}
	if s, _, ok := t.cell(cells, roleColPort); ok {
		if n, err := strconv.ParseUint(splitList(strings.TrimSpace(s))[0], 10, 16); err == nil {
			rec.CollectorPort = uint16(n)
			rec.Lacks &^= flow.LacksCollectorPort
		}
	}

	dt := t.tally.Domain(rec.ExporterDomain())
	dt.Packets++
	dt.Versions[rec.Version]++
	if rec.ExporterPort != 0 {
		dt.ExporterPorts[rec.ExporterPort]++
	}
	if rec.CollectorPort != 0 {
		dt.CollectorPorts[rec.CollectorPort]++
	}
	if dt.FirstFrame == 0 || frame < dt.FirstFrame {
		dt.FirstFrame = frame
	}
	dt.LastFrame = max(dt.LastFrame, frame)

	// The flow protocol column may really be the frame's (or the other way
	// round): the frame's says CFLOW.
	frameProt, flowProt := t.frameProt, t.flowProt
	if flowProt >= 0 && strings.EqualFold(t.at(cells, flowProt), "CFLOW") && frameProt >= 0 {
		t.frameProt, t.flowProt = flowProt, frameProt
		flowProt = t.flowProt
	}

	// The key lists fix the number of flows.
	// An IPv4 and an IPv6 address column (cflow.dstaddr, cflow.dstaddrv6)
	// give one address per flow: the specified one. Lists of different
	// lengths cannot be paired: the frame is then not read (below).
	var keyLists []*list
	dst := mergeAddrLists(dstLists)
	if dst != nil {
		keyLists = append(keyLists, dst)
	} else {
		keyLists = append(keyLists, dstLists...)
	}
	var srcAddr *list
	if srcLists := t.lists(cells, roleSrcAddr); len(srcLists) > 0 {
		if srcAddr = mergeAddrLists(srcLists); srcAddr != nil {
			keyLists = append(keyLists, srcAddr)
		} else {
			keyLists = append(keyLists, srcLists...)
		}
	}
	add := func(r role) *list {
		s, title, ok := t.cell(cells, r)
		if !ok {
			return nil
		}
		l := &list{title: title, entries: splitList(s), cut: atLimit(s)}
		keyLists = append(keyLists, l)
		return l
	}
	dstPort, srcPort := add(roleDstPort), add(roleSrcPort)
	var proto *list
	if s := t.at(cells, flowProt); flowProt >= 0 && s != "" {
		proto = &list{title: "Protocol (flow)", entries: splitList(s), cut: atLimit(s)}
		keyLists = append(keyLists, proto)
	}
	// Delta counters; where the export has none, the total counters.
	packets, octets := add(rolePackets), add(roleOctets)
	if packets == nil {
		packets = add(roleTotPackets)
	}
	if octets == nil {
		octets = add(roleTotOctets)
	}

	n, nCut, differ := -1, 0, false
	for _, l := range keyLists {
		if l.cut {
			nCut = max(nCut, len(l.entries))
			continue
		}
		if n < 0 {
			n = len(l.entries)
		} else if len(l.entries) != n {
			differ = true
		}
	}
	if differ {
		n = -2
	}
	// Lists Excel turned into numbers: refuse the file.
	for _, l := range []*list{dstPort, srcPort, proto, packets, octets} {
		if l == nil {
			continue
		}
		// "443,525,004": Excel read the list "443,525,4"... as one number
		// and wrote it back with thousands separators. Wireshark never
		// writes a number with a leading zero.
		for i, e := range l.entries {
			if e = strings.TrimSpace(e); len(e) > 1 && e[0] == '0' && allDigits(e) {
				return t.errorf(where, frame, l.title, "%w: entry %d %s of %s has a leading zero, which Wireshark never writes: Excel wrote the list back as one number with thousands separators. Open the CSV in Excel with every column typed as Text (Data > From Text/CSV > Transform Data, or the Text Import Wizard), or give nftimediff the CSV itself", ErrExcelNumber, i+1, tshark.Quote(e), tshark.Quote(strings.Join(l.entries, ",")))
			}
		}
		if len(l.entries) != 1 {
			continue
		}
		want := len(keyLists[0].entries)
		if l == packets || l == octets {
			if want > 1 && excelNumber(l.entries[0], want) {
				return t.errorf(where, frame, l.title, "%w: %s stands for %d values. Open the CSV in Excel with every column typed as Text (Data > From Text/CSV > Transform Data, or the Text Import Wizard), or give nftimediff the CSV itself", ErrExcelNumber, tshark.Quote(l.entries[0]), want)
			}
			continue
		}
		if excelNumber(l.entries[0], want) {
			return t.errorf(where, frame, l.title, "%w: %s is not a list of %d values. Open the CSV in Excel with every column typed as Text (Data > From Text/CSV > Transform Data, or the Text Import Wizard), or give nftimediff the CSV itself", ErrExcelNumber, tshark.Quote(l.entries[0]), want)
		}
	}
	if n == -2 {
		t.misalignedRows++
		if t.firstMisaligned == "" {
			t.firstMisaligned = fmt.Sprintf("frame %d", frame)
		}
		var parts []string
		for _, l := range keyLists {
			parts = append(parts, fmt.Sprintf("%s %d", l.title, len(l.entries)))
		}
		dt.Errors["frame whose flow lists differ in length (not read): "+strings.Join(parts, ", ")]++
		return nil
	}
	if n < 0 { // every key list was cut
		n = nCut
	}

	// Start times.
	var starts []Stamp
	startOK := 0
	startCell, startTitle, hasStart := t.cell(cells, roleStart)
	if hasStart {
		entries := splitTimes(startCell)
		cut := atLimit(startCell)
		for i, e := range entries {
			last := i == len(entries)-1
			if cut && last {
				// The cut end of the cell: keep the entry only when it is
				// provably whole (its zone label is that of the others).
				st, err := ParseStamp(e)
				if err != nil || len(starts) == 0 || st.Zone != starts[0].Zone || len(entries) > n {
					break
				}
			}
			st, err := t.tp.ParseStamp(e)
			if err != nil || !st.Label && st.Zone == "UTC" && st.Instant < flow.Instant(1e18) {
				if cut && last {
					break // the cut end of the cell
				}
				if err == nil {
					return t.errorf(where, frame, startTitle, "%s is a relative time (cflow.timestart, NetFlow v9 uptime): it cannot be made absolute from a CSV; export the packets as JSON", tshark.Quote(e))
				}
				return t.errorf(where, frame, startTitle, "entry %d: %v", i+1, err)
			}
			starts = append(starts, st)
		}
		switch {
		case len(starts) == n:
			startOK = n
		case cut && len(starts) < n:
			startOK = len(starts)
			t.startCut += n - len(starts)
			t.startCutRows++
			dt.Errors["start time lost: StartTime cell cut by Wireshark"] += n - len(starts)
		default:
			t.startMisaligned += n
			dt.Errors["start times not aligned with flows (not used)"] += n
			starts = nil
		}
	}

	// Application names.
	var apps []string
	appsOK := false
	if s, _, ok := t.cell(cells, roleApp); ok {
		if atLimit(s) {
			apps = splitAppsPrefix(s)
			appsOK = len(apps) <= n
		} else {
			apps, appsOK = splitApps(s, n)
		}
		if !appsOK {
			t.appMisaligned++
			if t.firstAppBad == "" {
				t.firstAppBad = fmt.Sprintf("frame %d has %d names for %d flows", frame, len(apps), n)
			}
			dt.Errors["application names not aligned with flows (not used)"] += n
			apps = nil
		}
	}
	var appIDs []string
	if s, _, ok := t.cell(cells, roleAppID); ok {
		if l := splitList(s); len(l) == n && !atLimit(s) {
			appIDs = l
		}
	}

	lostKey := 0
	for i := 0; i < n; i++ {
		r := rec
		r.Flow = uint16(min(i+1, 65535))
		okRec := true
		for _, l := range keyLists {
			if i >= l.usable() {
				okRec = false
			}
		}
		if !okRec {
			lostKey++
			continue
		}
		a, err := netip.ParseAddr(keyLists[0].entries[i])
		if err != nil {
			return t.errorf(where, frame, keyLists[0].title, "entry %d: %s is not an IP address", i+1, tshark.Quote(keyLists[0].entries[i]))
		}
		r.Dst = a
		if srcAddr != nil {
			if a, err = netip.ParseAddr(srcAddr.entries[i]); err != nil {
				return t.errorf(where, frame, srcAddr.title, "entry %d: %s is not an IP address", i+1, tshark.Quote(srcAddr.entries[i]))
			}
			r.Src = a
		}
		// Columns the export lacks leave their fields unknown.
		if dstPort == nil {
			r.Lacks |= flow.LacksDstPort
		}
		if srcPort == nil {
			r.Lacks |= flow.LacksSrcPort
		}
		if proto == nil {
			r.Lacks |= flow.LacksProto
		}
		if packets == nil {
			r.Lacks |= flow.LacksPackets
		}
		if octets == nil {
			r.Lacks |= flow.LacksOctets
		}
		if dstPort != nil {
			p, err := strconv.ParseUint(dstPort.entries[i], 10, 16)
			if err != nil {
				return t.errorf(where, frame, dstPort.title, "entry %d: %s is not a port", i+1, tshark.Quote(dstPort.entries[i]))
			}
			r.DstPort = uint16(p)
		}
		if srcPort != nil {
			p, err := strconv.ParseUint(srcPort.entries[i], 10, 16)
			if err != nil {
				return t.errorf(where, frame, srcPort.title, "entry %d: %s is not a port", i+1, tshark.Quote(srcPort.entries[i]))
			}
			r.SrcPort = uint16(p)
		}
		if proto != nil {
			p, ok := parseProto(proto.entries[i])
			if !ok {
				t.badProto++
				dt.Errors["unknown protocol name (protocol left 0)"]++
			}
			r.Proto = p
		}
		// A counter that does not read (Excel's 1.23457E+11 for one flow)
		// is refused like a port, never left zero.
		if packets != nil {
			if r.Packets, err = strconv.ParseUint(packets.entries[i], 10, 64); err != nil {
				return t.errorf(where, frame, packets.title, "entry %d: %s is not a packet count", i+1, tshark.Quote(packets.entries[i]))
			}
		}
		if octets != nil {
			if r.Octets, err = strconv.ParseUint(octets.entries[i], 10, 64); err != nil {
				return t.errorf(where, frame, octets.title, "entry %d: %s is not an octet count", i+1, tshark.Quote(octets.entries[i]))
			}
		}
		if i < len(apps) {
			r.App = unescape(apps[i])
		}
		if i < len(appIDs) {
			if id, err := strconv.ParseUint(appIDs[i], 10, 32); err == nil {
				r.AppID, r.HasAppID = uint32(id), true
			}
		}
		if i < startOK {
			r.Start = starts[i].Instant
			r.StartEnc = flow.ExportStringEncoding(r.Start)
			dt.Encodings[r.StartEnc]++
			t.withStart++
		} else {
			dt.NoStart++
		}
		if tmplID != 0 {
			dt.TemplateIDs[tmplID]++
		}
		dt.Records++
		t.records++
		t.queue = append(t.queue, r)
	}
	if lostKey > 0 {
		t.keyCut += lostKey
		t.keyCutRows++
		dt.Errors["record lost: flow key cell cut by Wireshark"] += lostKey
	}
	return nil
}

var protoNames = map[string]uint8{
	"icmp": 1, "igmp": 2, "ipip": 4, "ipv4": 4, "tcp": 6, "egp": 8, "udp": 17, "ipv6": 41, "rsvp": 46, "gre": 47,
	"esp": 50, "ah": 51, "icmpv6": 58, "ipv6-icmp": 58, "eigrp": 88, "ospf": 89, "ospfigp": 89, "pim": 103,
	"vrrp": 112, "l2tp": 115, "sctp": 132, "udplite": 136,
}

// parseProto reads a flow protocol as a custom column shows it: "6", "TCP",
// "TCP (6)".
func parseProto(s string) (uint8, bool) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		s = s[i+1 : len(s)-1]
	}
	if n, err := strconv.ParseUint(s, 10, 8); err == nil {
		return uint8(n), true
	}
	p, ok := protoNames[strings.ToLower(s)]
	return p, ok
}

// finish writes the notes once the input is read.
func (t *tableReader) finish() {
	tl := t.tally
	if t.startCut > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: %d of %d records have no start time because the StartTime cells of %d frames were cut by Wireshark's CSV export (255 characters); the cut entries were dropped, not guessed. Export the same packets as JSON (File > Export Packet Dissections > As JSON) to keep every start time",
			t.label, t.startCut, t.records, t.startCutRows))
	}
	if t.keyCut > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: %d records of %d frames were lost because a flow key cell (DstAddr, DstPort, ...) was cut by Wireshark's CSV export; export as JSON to keep them",
			t.label, t.keyCut, t.keyCutRows))
	}
	if t.misalignedRows > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: %s flow lists differ in length (first: %s): the packet mixes templates or some records lack a field, so entries cannot be paired with flows; export as JSON",
			t.label, count(t.misalignedRows, "frame was not read because its", "frames were not read because their"), t.firstMisaligned))
	}
	if t.startMisaligned > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: the start times of %d records were not used: their StartTime list has a different length than the flow list (not cut), so entries cannot be paired with flows",
			t.label, t.startMisaligned))
	}
	if t.appMisaligned > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: the application names of %d frames were not used (%s): an empty name is left out of the list and a name may contain a comma, so the names cannot be paired with flows; records there carry no app name",
			t.label, t.appMisaligned, t.firstAppBad))
	}
	if t.multiDomainRows > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: %s several observation domains (several messages in one TCP segment, or IE 149 in the records) and %s not read; export as JSON",
			t.label, count(t.multiDomainRows, "frame carries", "frames carry"), wasWere(t.multiDomainRows)))
	}
	if t.records > 0 && t.flowProt < 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf(
			"%s: the flow protocol is not in the export (no cflow.protocol custom column): records carry protocol 0 and matching ignores the protocol for them",
			t.label))
	}
	if t.badProto > 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf("%s: %s protocol is left 0", t.label, count(t.badProto, "record names a protocol that is not known; its", "records name a protocol that is not known; their")))
	}
	if t.records > 0 && len(t.cols[roleFrame]) == 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf("%s: no No. (frame.number) column: frame numbers are row positions in the export, not Wireshark's", t.label))
	}
	if t.records > 0 && len(t.cols[roleStart]) == 0 {
		tl.Notes = append(tl.Notes, fmt.Sprintf("%s: no StartTime (cflow.abstimestart) column: records carry no start time", t.label))
	}
	tl.Notes = append(tl.Notes, prefixNotes(t.label, t.tp.Notes())...)
	if t.tp.Unverified() {
		tl.UnverifiedTimes = append(tl.UnverifiedTimes, t.file)
	}
}

func prefixNotes(file string, notes []string) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = file + ": " + n
	}
	return out
}

// frameTime reads the Time column: a date and time of day (taken as UTC:
// Wireshark's "UTC Date and Time of Day" format; the local format looks the
// same and cannot be told apart), ISO 8601, epoch seconds, or an Excel date
// serial number (days since 1899-12-30, when Excel converted the column).
// Relative times (seconds since the first packet) give 0: unknown.
func frameTime(s string) flow.Instant {
	st, err := ParseStamp(s)
	if err == nil {
		if !st.Label && st.Zone == "UTC" && st.Instant < flow.Instant(1e18) {
			return 0 // seconds since the beginning of the capture, not epoch
		}
		return st.Instant
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 20000 && f < 80000 {
		excelEpoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		return flow.InstantOf(excelEpoch.Add(time.Duration(f*86400*1e6) * time.Microsecond))
	}
	return 0
}

// count writes n with the singular or plural words: "1 frame carries",
// "2 frames carry".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// wasWere is "was" for one, "were" otherwise.
func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
