// Package xlsx renders a report.Model as an Excel workbook (excelize): sheets
// Summary, Pairs, Unmatched pre, Unmatched post, Exporters, Exporter pairs,
// Charts (native Excel charts) and Chart data. Big tables continue on further sheets
// ("Pairs (2)", ...) past Excel's 1,048,576 rows.
package xlsx

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

// sheetRowLimit is the number of rows of one worksheet, header included
// (Excel's limit). Tests lower it to exercise the continuation sheets.
var sheetRowLimit = report.SheetRows + 1

// Chart sizes: at most HistogramBins inner bins and SeriesPoints points in the
// difference-over-time scatter (both computed by the report package).
const (
	HistogramBins = 40
	SeriesPoints  = 2000
)

// Number formats.
const (
	fmtDate = "yyyy-mm-dd hh:mm:ss.000" // UTC instants with milliseconds
	fmtMs   = "0.000"                   // differences in ms
)

// styles are the style ids the fast row writer refers to.
type styles struct {
	header, date, ms, int, title, bold, pct, wrap int
	verdict                                       int
}

// Write renders m as an XLSX workbook to w. It checks ctx between rows and
// returns ctx.Err() when cancelled; use report.WriteFile for an atomic file.
func Write(ctx context.Context, w io.Writer, m *report.Model) error {
	f := excelize.NewFile()
	defer f.Close()
	z := newInjectZip(w)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })

	st, err := newStyles(f, m.Verdict.Code)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}

	perSheet := sheetRowLimit - 1
	pairSheets := report.SheetNames(report.SheetPairs, len(m.Pairs), perSheet)
	preSheets := report.SheetNames(report.SheetUnmatchedPre, len(m.UnmatchedPre), perSheet)
	postSheets := report.SheetNames(report.SheetUnmatchedPost, len(m.UnmatchedPost), perSheet)

	type big struct {
		name  string
		cols  []column
		rows  int
		write func(rb *rowBuf, i int)
		first int // index of the first item on this sheet
	}
	var bigs []big
	for k, name := range pairSheets {
		bigs = append(bigs, big{name: name, cols: pairColumns, first: k * perSheet,
			rows: min(perSheet, len(m.Pairs)-k*perSheet), write: pairRow(m, st)})
	}
	for side, names := range [2][]string{preSheets, postSheets} {
		list := m.UnmatchedPre
		if side == 1 {
			list = m.UnmatchedPost
		}
		for k, name := range names {
			bigs = append(bigs, big{name: name, cols: unmatchedColumns, first: k * perSheet,
				rows: min(perSheet, len(list)-k*perSheet), write: unmatchedRow(list, st)})
		}
	}
	for _, b := range bigs {
		if _, err := f.NewSheet(b.name); err != nil {
			return err
		}
		if err := tableHead(f, b.name, b.cols, b.rows, st, nil); err != nil {
			return err
		}
	}
	used := usedRange{}
	if err := exportersSheet(f, m, st, used); err != nil {
		return err
	}
	if err := exporterPairsSheet(f, m, st, used); err != nil {
		return err
	}
	h := report.DeltaHistogram(m.Pairs, HistogramBins)
	series := report.DeltaSeries(m.Pairs, SeriesPoints)
	scatter, err := chartSheets(f, h, series, st, used)
	if err != nil {
		return err
	}
	if scatter != "" {
		z.edits[scatter] = numericXValues
	}
	if err := summarySheet(f, m, st, [][]string{pairSheets, preSheets, postSheets}, perSheet, used); err != nil {
		return err
	}
	for _, name := range f.GetSheetList() {
		fit := 0 // pages high; 0: as many as needed
		switch name {
		case "Summary", "Exporters", "Exporter pairs":
		case "Charts":
			fit = 1
		default:
			fit = -1 // no fitting
		}
		if err := printLayout(f, name, fit); err != nil {
			return err
		}
	}
	// The small sheets' <dimension>: excelize leaves "A1" on sheets filled
	// cell by cell. (The big tables' is set by the row writer.)
	for name, r := range used {
		if err := f.SetSheetDimension(name, fmt.Sprintf("A1:%s%d", colName(r.cols), r.rows)); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)

	// Register the fast row writers by worksheet part name.
	parts := map[string]string{}
	for id, name := range f.GetSheetMap() {
		parts[name] = fmt.Sprintf("xl/worksheets/sheet%d.xml", id)
	}
	for _, b := range bigs {
		part, ok := parts[b.name]
		if !ok {
			return fmt.Errorf("xlsx: no worksheet part for sheet %q", b.name)
		}
		z.dims[part] = fmt.Sprintf("A1:%s%d", colName(len(b.cols)), b.rows+1)
		z.rows[part] = func(w *bufio.Writer) error {
			rb := &rowBuf{b: make([]byte, 0, 8192)}
			for i := 0; i < b.rows; i++ {
				if i&4095 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				rb.begin(i + 2)
				b.write(rb, b.first+i)
				rb.end()
				if len(rb.b) > 4096 {
					if _, err := w.Write(rb.b); err != nil {
						return err
					}
					rb.b = rb.b[:0]
				}
			}
			_, err := w.Write(rb.b)
			return err
		}
	}
	if err := f.Write(w); err != nil {
		return err
	}
	return ctx.Err()
}

func newStyles(f *excelize.File, verdict string) (styles, error) {
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	str := func(v string) *string { return &v }
	s.header = mk(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	s.date = mk(&excelize.Style{CustomNumFmt: str(fmtDate)})
	s.ms = mk(&excelize.Style{CustomNumFmt: str(fmtMs)})
	s.int = mk(&excelize.Style{NumFmt: 1})
	s.pct = mk(&excelize.Style{NumFmt: 10})
	s.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	s.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	s.wrap = mk(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	color := "FFEB9C" // undetermined: amber
	switch verdict {
	case "in sync":
		color = "C6EFCE"
	case "out of sync":
		color = "FFC7CE"
	}
	s.verdict = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}})
	return s, err
}

// column is one column of a big table.
type column struct {
	head  string
	width float64
}

// tableHead writes the header row of a big table, freezes it, sets the
// column widths and an autofilter over all rows.
func tableHead(f *excelize.File, sheet string, cols []column, rows int, st styles, used usedRange) error {
	used.mark(sheet, len(cols), 1)
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c.head
		if err := f.SetColWidth(sheet, colName(i+1), colName(i+1), c.width); err != nil {
			return err
		}
	}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", colName(len(cols))+"1", st.header); err != nil {
		return err
	}
	// The header wraps within its column: as many lines as the longest
	// title needs (a character is about one width unit), at least two.
	lines := 2
	for _, c := range cols {
		lines = max(lines, wrappedLines(c.head, int(c.width)-1))
	}
	if err := f.SetRowHeight(sheet, 1, 15*float64(lines)); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return f.AutoFilter(sheet, fmt.Sprintf("A1:%s%d", colName(len(cols)), rows+1), nil)
}

func colName(n int) string {
	s, _ := excelize.ColumnNumberToName(n)
	return s
}

var pairColumns = []column{
	{"#", 8}, {"Difference (ms) post - pre", 14}, {"Pre start (UTC)", 24}, {"Post start (UTC)", 24},
	{"Pre exporter", 16}, {"Pre domain", 9}, {"Pre version", 8}, {"Pre file", 20}, {"Pre frame", 10}, {"Pre set", 7}, {"Pre flow", 7},
	{"Post exporter", 16}, {"Post domain", 9}, {"Post version", 8}, {"Post file", 20}, {"Post frame", 10}, {"Post set", 7}, {"Post flow", 7},
	{"Pre src", 16}, {"Pre src port", 9}, {"Pre dst", 16}, {"Pre dst port", 9},
	{"Post src", 16}, {"Post src port", 9}, {"Post dst", 16}, {"Post dst port", 9},
	{"Proto", 7}, {"Pre app", 16}, {"Post app", 16},
	{"Pre packets", 10}, {"Post packets", 10}, {"Pre octets", 12}, {"Post octets", 12},
	{"Pre start encoding", 22}, {"Post start encoding", 22}, {"Candidates", 11}, {"Runner-up distance (ms)", 13},
	{"Continuation (not in statistics)", 14},
}

func pairRow(m *report.Model, st styles) func(rb *rowBuf, i int) {
	return func(rb *rowBuf, i int) {
		p := &m.Pairs[i]
		pre, post := p.Pre, p.Post
		if pre == nil {
			pre = &flow.Record{}
		}
		if post == nil {
			post = &flow.Record{}
		}
		rb.int(int64(i+1), 0)
		rb.float(p.DeltaMs, st.ms)
		startCell(rb, pre, st)
		startCell(rb, post, st)
		for _, r := range []*flow.Record{pre, post} {
			rb.addr(r.Exporter)
			rb.uint(uint64(r.Domain), 0)
			rb.uint(uint64(r.Version), 0)
			rb.str(r.File)
			rb.uint(uint64(r.Frame), 0)
			rb.uint(uint64(r.Set), 0)
			rb.uint(uint64(r.Flow), 0)
		}
		for _, r := range []*flow.Record{pre, post} {
			rb.addr(r.Src)
			rb.known(uint64(r.SrcPort), r, flow.LacksSrcPort, 0)
			rb.addr(r.Dst)
			rb.known(uint64(r.DstPort), r, flow.LacksDstPort, 0)
		}
		rb.str(pre.ProtoText())
		rb.str(pre.App)
		rb.str(post.App)
		rb.known(pre.Packets, pre, flow.LacksPackets, st.int)
		rb.known(post.Packets, post, flow.LacksPackets, st.int)
		rb.known(pre.Octets, pre, flow.LacksOctets, st.int)
		rb.known(post.Octets, post, flow.LacksOctets, st.int)
		rb.str(encText(pre))
		rb.str(encText(post))
		rb.int(int64(p.Candidates), 0)
		rb.float(p.RunnerUpMs, st.ms)
		if p.Continuation {
			rb.str("yes")
		} else {
			rb.empty()
		}
	}
}

func startCell(rb *rowBuf, r *flow.Record, st styles) {
	if !r.HasStart() {
		rb.empty()
		return
	}
	rb.date(r.Start, st.date)
}

// encTexts caches encText per encoding (one allocation per row otherwise).
var encTexts = func() (t [256]string) {
	for e := range t {
		enc := flow.Encoding(e)
		t[e] = enc.String() + " (" + enc.Precision().String() + ")"
	}
	t[flow.EncNone] = "no start time"
	return t
}()

// encText is "flowStartMilliseconds (ms)".
func encText(r *flow.Record) string { return encTexts[r.StartEnc] }

var unmatchedColumns = []column{
	{"Reason", 40}, {"Start (UTC)", 24}, {"Exporter", 16}, {"Domain", 9}, {"File", 20}, {"Frame", 10}, {"Set", 7}, {"Flow", 7},
	{"Src", 16}, {"Src port", 9}, {"Dst", 16}, {"Dst port", 9}, {"Proto", 7}, {"App", 16},
	{"Packets", 10}, {"Octets", 12}, {"Start encoding", 22},
}

func unmatchedRow(list []report.Unmatched, st styles) func(rb *rowBuf, i int) {
	return func(rb *rowBuf, i int) {
		u := &list[i]
		r := u.Rec
		if r == nil {
			r = &flow.Record{}
		}
		rb.str(u.Reason)
		startCell(rb, r, st)
		rb.addr(r.Exporter)
		rb.uint(uint64(r.Domain), 0)
		rb.str(r.File)
		rb.uint(uint64(r.Frame), 0)
		rb.uint(uint64(r.Set), 0)
		rb.uint(uint64(r.Flow), 0)
		rb.addr(r.Src)
		rb.known(uint64(r.SrcPort), r, flow.LacksSrcPort, 0)
		rb.addr(r.Dst)
		rb.known(uint64(r.DstPort), r, flow.LacksDstPort, 0)
		rb.str(r.ProtoText())
		rb.str(r.App)
		rb.known(r.Packets, r, flow.LacksPackets, st.int)
		rb.known(r.Octets, r, flow.LacksOctets, st.int)
		rb.str(encText(r))
	}
}

// sheetWriter writes small sheets cell by cell with excelize. Text goes
// through cleanString and is stored as a string cell, never as a formula.
type sheetWriter struct {
	f         *excelize.File
	sheet     string
	row       int
	err       error
	wrapWidth []int     // column widths in characters for line's row heights; nil: no wrapping
	used      usedRange // where the sheet's values are (nil: not noted)
}

func (s *sheetWriter) set(col int, v any, style int) {
	if s.err != nil {
		return
	}
	cell, _ := excelize.CoordinatesToCellName(col, s.row)
	switch x := v.(type) {
	case nil:
		return
	case string:
		if x == "" {
			return
		}
		s.err = s.f.SetCellStr(s.sheet, cell, cellText(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.err = s.f.SetCellStr(s.sheet, cell, "n/a")
			s.used.mark(s.sheet, col, s.row)
			return
		}
		s.err = s.f.SetCellFloat(s.sheet, cell, x, -1, 64)
	default:
		s.err = s.f.SetCellValue(s.sheet, cell, v)
	}
	s.used.mark(s.sheet, col, s.row)
	if s.err == nil && style != 0 {
		s.err = s.f.SetCellStyle(s.sheet, cell, cell, style)
	}
}

// line writes values into the current row from column A and moves on. A
// wrapped line gets the height its longest text needs (Excel and LibreOffice
// do not grow a row for wrapped text by themselves when opening a file).
func (s *sheetWriter) line(style int, vals ...any) {
	lines := 1
	for i, v := range vals {
		s.set(i+1, v, style)
		if str, ok := v.(string); ok && s.wrapWidth != nil && i < len(s.wrapWidth) {
			lines = max(lines, wrappedLines(str, s.wrapWidth[i]))
		}
	}
	if lines > 1 && s.err == nil {
		s.err = s.f.SetRowHeight(s.sheet, s.row, 15*float64(lines))
	}
	s.row++
}

// wrappedLines estimates the lines a text needs in a column of the given
// width (in characters), breaking at spaces.
func wrappedLines(s string, width int) int {
	if width < 1 {
		return 1
	}
	lines, col := 1, 0
	for _, w := range strings.Fields(s) {
		n := utf8.RuneCountInString(w)
		switch {
		case col == 0:
			col = n
		case col+1+n <= width:
			col += 1 + n
		default:
			lines++
			col = n
		}
		for col > width { // a word longer than the column
			lines++
			col -= width
		}
	}
	return lines
}

func exportersSheet(f *excelize.File, m *report.Model, st styles, used usedRange) error {
	const sheet = "Exporters"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	cols := []column{{"Exporter", 18}, {"Domain", 9}, {"Side", 7}, {"Versions", 9}, {"Packets", 10}, {"Records", 10},
		{"Start encodings", 34}, {"Undecoded sets", 10}, {"Export lag median (ms)", 13}, {"Export lag min (ms)", 13},
		{"Export lag max (ms)", 13}, {"Starts after export time", 12}}
	if err := tableHead(f, sheet, cols, len(m.Exporters), st, used); err != nil {
		return err
	}
	w := &sheetWriter{f: f, sheet: sheet, row: 2, used: used}
	for i := range m.Exporters {
		e := &m.Exporters[i]
		var med, lo, hi, after any = "n/a", "n/a", "n/a", "n/a"
		if e.HasExportLag {
			med, lo, hi = e.ExportLagMedian, e.ExportLagMin, e.ExportLagMax
		}
		if e.StartAfterExportKnown() {
			after = e.StartAfterExport
		}
		w.set(1, e.Exporter, 0)
		w.set(2, int64(e.Domain), 0)
		w.set(3, e.Side, 0)
		w.set(4, e.Versions, 0)
		w.set(5, e.Packets, 0)
		w.set(6, e.Records, 0)
		w.set(7, e.Encodings, 0)
		w.set(8, e.Undecoded, 0)
		w.set(9, med, st.ms)
		w.set(10, lo, st.ms)
		w.set(11, hi, st.ms)
		w.set(12, after, 0)
		w.row++
	}
	w.row++
	w.line(0, "Export lag = header export time - capture time at the collector. An exporter whose lag differs from the others' by seconds has a wrong clock (or the collector's is wrong, if all differ alike).")
	if s := report.ExportersNA(m.Exporters); s != "" {
		w.line(0, s)
	}
	return w.err
}

// chartSheets writes "Chart data" (histogram bins and the sampled series)
// and "Charts" with a column chart and a scatter chart over those cells. It
// returns the part name of the scatter chart ("" when there is none).
func chartSheets(f *excelize.File, h report.Histogram, series []report.Point, st styles, used usedRange) (string, error) {
	const charts, data = "Charts", "Chart data"
	if _, err := f.NewSheet(charts); err != nil {
		return "", err
	}
	if _, err := f.NewSheet(data); err != nil {
		return "", err
	}
	w := &sheetWriter{f: f, sheet: data, row: 1, used: used}
	w.line(st.header, "Bin (ms)", "From (ms)", "To (ms)", "Pairs", "", "Pre start (UTC)", "Difference (ms)")
	for i, b := range h.Bins {
		w.row = i + 2
		var lo, hi any
		if !math.IsInf(b.Low, 0) {
			lo = b.Low
		}
		if !math.IsInf(b.High, 0) {
			hi = b.High
		}
		w.set(1, binLabel(b), 0)
		w.set(2, lo, st.ms)
		w.set(3, hi, st.ms)
		w.set(4, b.Count, 0)
	}
	for i, p := range series {
		w.row = i + 2
		w.set(6, excelTime(p.At), st.date)
		w.set(7, p.DeltaMs, st.ms)
	}
	for col, width := range map[string]float64{"A": 22, "B": 11, "C": 11, "D": 9, "F": 24, "G": 14} {
		if err := f.SetColWidth(data, col, col, width); err != nil {
			return "", err
		}
	}
	if w.err != nil {
		return "", w.err
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return "", err
	}

	cw := &sheetWriter{f: f, sheet: charts, row: 1, used: used}
	if len(h.Bins) == 0 {
		cw.line(st.bold, "No pairs, so no charts.")
		return "", cw.err
	}
	cw.line(st.bold, "Difference post - pre (ms): histogram and over time. Data: sheet \"Chart data\".")
	cw.line(0, "Continuation pairs are left out, as in the statistics. The time series is a sample of at most 2,000 points that keeps each time slice's lowest and highest difference.")
	if cw.err != nil {
		return "", cw.err
	}
	q := "'" + data + "'!"
	n := len(h.Bins) + 1
	noLegend := excelize.ChartLegend{Position: "none"}
	title := func(s string) excelize.ChartTitle {
		return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s, Font: &excelize.Font{Color: chartTitleColor}}}}
	}
	// excelize draws tick labels in tx1 at 15 % (#D9D9D9, light grey on
	// white): give them a dark grey.
	tick := excelize.Font{Color: chartTextColor, Size: 9}
	gap, vary := uint(10), false
	if err := f.AddChart(charts, "A4", &excelize.Chart{
		Type:       excelize.Col,
		VaryColors: &vary,
		Dimension:  excelize.ChartDimension{Width: 900, Height: 380},
		Title:      title("Histogram of differences post - pre (ms)"),
		Legend:     noLegend,
		GapWidth:   &gap,
		Series: []excelize.ChartSeries{{
			Name:       q + "$D$1",
			Categories: fmt.Sprintf("%s$A$2:$A$%d", q, n),
			Values:     fmt.Sprintf("%s$D$2:$D$%d", q, n),
		}},
		XAxis: excelize.ChartAxis{Title: title("difference (ms), bin start"), Font: tick,
			Alignment: excelize.Alignment{TextRotation: binLabelRotation(len(h.Bins))}},
		YAxis: excelize.ChartAxis{Title: title("pairs"), MajorGridLines: true, Font: tick},
	}); err != nil {
		return "", err
	}
	if len(series) == 0 {
		return "", nil
	}
	k := len(series) + 1
	marker := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C55A11"}}
	err := f.AddChart(charts, "A25", &excelize.Chart{
		Type:      excelize.Scatter,
		Dimension: excelize.ChartDimension{Width: 900, Height: 380},
		Title:     title("Difference post - pre (ms) over time (pre start, UTC)"),
		Legend:    noLegend,
		Series: []excelize.ChartSeries{{
			Name:       q + "$G$1",
			Categories: fmt.Sprintf("%s$F$2:$F$%d", q, k),
			Values:     fmt.Sprintf("%s$G$2:$G$%d", q, k),
			Line:       excelize.LineOptions{Type: excelize.LineNone},
			Marker: excelize.ChartMarker{Symbol: "circle", Size: 4, Fill: marker,
				Border: excelize.LineOptions{Type: excelize.LineSolid, Fill: marker}},
		}},
		// The time axis crosses the value axis at 0 ms (a reference line
		// among negative differences); its labels go below the plot
		// ("low"), not onto the points. The value labels stay left.
		XAxis: excelize.ChartAxis{Title: title("pre start (UTC)"), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "hh:mm:ss"},
			Font: tick, TickLabelPosition: excelize.ChartTickLabelLow},
		YAxis: excelize.ChartAxis{Title: title("difference (ms)"), MajorGridLines: true, Font: tick,
			TickLabelPosition: excelize.ChartTickLabelLow},
	})
	// excelize numbers charts chart1, chart2, ... in the order they are added.
	return "xl/charts/chart2.xml", err
}

// Chart text colours.
const (
	chartTextColor  = "404040" // tick labels: dark grey (Excel's default is #595959)
	chartTitleColor = "262626"
)

// binLabelRotation is the rotation (degrees) of the histogram's bin labels:
// up to 42 labels such as "-1550" or ">= 5005" in a 900-pixel chart wrap
// in LibreOffice ("155" over "0") when level, so more than 12 bins are
// turned by 45°; a few bins have room for level labels.
func binLabelRotation(bins int) int {
	if bins > 12 {
		return -45
	}
	return 0
}

// binLabel is a short category label: the bin's lower edge, or the tail
// bin's "< x" / ">= y".
func binLabel(b report.Bin) string {
	if math.IsInf(b.Low, -1) || math.IsInf(b.High, 1) {
		return b.Label
	}
	return report.FormatMs(b.Low)
}

func summarySheet(f *excelize.File, m *report.Model, st styles, sheets [][]string, perSheet int, used usedRange) error {
	const sheet = "Summary"
	// Column widths A, B, C (set at the end); B wraps long text.
	w := &sheetWriter{f: f, sheet: sheet, row: 1, wrapWidth: []int{0, 58, 0}, used: used}
	title := m.Title
	if title == "" {
		title = "nftimediff: pre-NAT vs post-NAT exporter clocks"
	}
	w.line(st.title, title)
	w.row++
	code := m.Verdict.Code
	if code == "" {
		code = "undetermined"
	}
	w.line(st.verdict, "Verdict", strings.ToUpper(code))
	summary, reasons := report.VerdictLines(&m.Verdict)
	w.line(st.wrap, "", summary)
	for _, r := range reasons {
		w.line(st.wrap, "", r)
	}
	w.row++

	c := &m.Overall
	has := c.Pairs > 0
	num := func(v float64, ok bool) any {
		if !ok {
			return "n/a"
		}
		return v
	}
	w.line(st.bold, "Clock (all pairs)", "Value", "Unit")
	rows := []struct {
		name string
		v    any
		unit string
		st   int
	}{
		{"Offset post - pre", num(c.Offset, has), "ms", st.ms},
		{"Offset interval", report.IntervalName(c), "", 0},
		{"Offset interval, low", num(c.OffsetLow, has), "ms", st.ms},
		{"Offset interval, high", num(c.OffsetHigh, has), "ms", st.ms},
		{"Median difference", num(c.Median, has), "ms", st.ms},
		{"MAD", num(c.MAD, has), "ms", st.ms},
		{"Mean", num(c.Mean, has), "ms", st.ms},
		{"Standard deviation", num(c.Stddev, has), "ms", st.ms},
		{"Minimum", num(c.Min, has), "ms", st.ms},
		{"5th percentile", num(c.P5, has), "ms", st.ms},
		{"95th percentile", num(c.P95, has), "ms", st.ms},
		{"Maximum", num(c.Max, has), "ms", st.ms},
		{"Within tolerance ±" + report.SpacedDuration(m.Params.Tolerance), num(c.WithinTolerance, has), "share of pairs", st.pct},
		{"Drift", num(c.DriftMsPerHour, c.HasDrift), "ms/hour", st.ms},
		{"Drift", num(c.DriftPPM, c.HasDrift), "ppm", st.ms},
		{"Precision of the start times", num(c.Uncertainty, c.Uncertainty > 0), "± ms", st.ms},
	}
	for _, r := range rows {
		w.set(1, r.name, 0)
		w.set(2, r.v, r.st)
		w.set(3, r.unit, 0)
		w.row++
	}
	w.line(st.wrap, "Precision", report.PrecisionText(c))
	w.line(st.wrap, "Clock steps", report.StepsText(c.Steps))
	if c.QuarterHourHint != "" {
		w.line(st.wrap, "Time zone?", c.QuarterHourHint)
	}
	w.row++

	w.line(st.bold, "Counts")
	mode := "one-to-one"
	if m.Params.AllPairs {
		mode = "many-to-many (--all-pairs, old workflow)"
	}
	w.line(0, "Pairs", len(m.Pairs), mode)
	w.line(0, "Records pre", m.RecordsPre)
	w.line(0, "Records post", m.RecordsPost)
	w.line(0, "Unmatched pre", len(m.UnmatchedPre))
	w.line(0, "Unmatched post", len(m.UnmatchedPost))
	w.row++

	w.line(st.bold, "Sheets")
	for k, names := range sheets {
		what := [...]string{"Pairs", "Unmatched pre-NAT records", "Unmatched post-NAT records"}[k]
		n := [...]int{len(m.Pairs), len(m.UnmatchedPre), len(m.UnmatchedPost)}[k]
		text := fmt.Sprintf("%d rows on sheet %s", n, names[0])
		if len(names) > 1 {
			text = fmt.Sprintf("%d rows, more than one sheet holds (%d rows each): continued on sheets %s", n, perSheet, strings.Join(names, ", "))
		}
		w.line(st.wrap, what, text)
	}
	w.line(st.wrap, "Exporters", "per exporter and domain: records, time encoding, export-clock check")
	w.line(st.wrap, "Exporter pairs", "the clock analysis per pre/post exporter pair")
	w.line(st.wrap, "Charts", "histogram of differences and difference over time (data on sheet Chart data)")
	w.line(st.wrap, "Times", "all instants are UTC, shown with milliseconds; differences are post - pre in ms")
	w.row++

	w.line(st.bold, "Parameters")
	for _, kv := range report.ParamRows(m) {
		w.line(st.wrap, kv[0], kv[1])
	}
	w.row++

	if len(m.Notes) > 0 {
		w.line(st.bold, "Notes")
		for _, n := range m.Notes {
			w.line(st.wrap, "", n)
		}
	}
	if w.err != nil {
		return w.err
	}
	if err := f.SetColWidth(sheet, "A", "A", 34); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "B", "B", 60); err != nil {
		return err
	}
	return f.SetColWidth(sheet, "C", "C", 16)
}

// exporterPairsSheet is the clock analysis per (pre exporter, post exporter).
func exporterPairsSheet(f *excelize.File, m *report.Model, st styles, used usedRange) error {
	const sheet = "Exporter pairs"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	cols := []column{{"Exporter pair (pre -> post)", 34}, {"Pairs", 9}, {"Continuation pairs (not in the figures)", 12}, {"Unmatched pre", 10}, {"Unmatched post", 10},
		{"Offset (ms)", 12}, {"Offset low (ms)", 12}, {"Offset high (ms)", 12}, {"Offset interval", 24}, {"Median (ms)", 12}, {"MAD (ms)", 10},
		{"P5 (ms)", 12}, {"P95 (ms)", 12}, {"Drift (ppm)", 10}, {"Drift (ms/hour)", 10}, {"Steps", 7}, {"Precision (± ms)", 10},
		{"Time-zone hint", 30}}
	if err := tableHead(f, sheet, cols, len(m.PerPair), st, used); err != nil {
		return err
	}
	num := func(v float64, ok bool) any {
		if !ok {
			return "n/a"
		}
		return v
	}
	w := &sheetWriter{f: f, sheet: sheet, row: 2, used: used}
	for i := range m.PerPair {
		k := &m.PerPair[i]
		h := k.Pairs > 0
		w.set(1, k.Label, 0)
		w.set(2, k.Pairs, 0)
		w.set(3, k.Continuations, 0)
		w.set(4, k.UnmatchedPre, 0)
		w.set(5, k.UnmatchedPost, 0)
		for j, v := range []any{num(k.Offset, h), num(k.OffsetLow, h), num(k.OffsetHigh, h)} {
			w.set(6+j, v, st.ms)
		}
		// Low and high are a 95 % interval, or min .. max with its real
		// coverage when there are too few pairs: the name says which.
		if h {
			w.set(9, report.IntervalName(k), 0)
		} else {
			w.set(9, "n/a", 0)
		}
		for j, v := range []any{num(k.Median, h), num(k.MAD, h),
			num(k.P5, h), num(k.P95, h), num(k.DriftPPM, k.HasDrift), num(k.DriftMsPerHour, k.HasDrift)} {
			w.set(10+j, v, st.ms)
		}
		w.set(16, len(k.Steps), 0)
		w.set(17, num(k.Uncertainty, k.Uncertainty > 0), st.ms)
		w.set(18, k.QuarterHourHint, 0)
		w.row++
	}
	return w.err
}

// usedRange is the last row and column with a value of each small sheet,
// for its <dimension>.
type usedRange map[string]struct{ rows, cols int }

// mark notes a value at (col, row); a nil usedRange notes nothing.
func (u usedRange) mark(sheet string, col, row int) {
	if u == nil {
		return
	}
	r := u[sheet]
	r.rows, r.cols = max(r.rows, row), max(r.cols, col)
	u[sheet] = r
}

// printLayout prints landscape; fitHigh >= 0 makes the sheet one page wide
// and fitHigh pages high (0: as many as needed).
func printLayout(f *excelize.File, sheet string, fitHigh int) error {
	landscape := "landscape"
	opts := &excelize.PageLayoutOptions{Orientation: &landscape}
	if fitHigh >= 0 {
		one := 1
		opts.FitToWidth, opts.FitToHeight = &one, &fitHigh
		yes := true
		if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
			return err
		}
	}
	return f.SetPageLayout(sheet, opts)
}
