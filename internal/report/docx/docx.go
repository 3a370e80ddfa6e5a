// Package docx renders a report.Model as a Word document (WordprocessingML
// written with archive/zip and encoding/xml): title, verdict, statistics and
// parameters tables, the two charts as PNG images, per-exporter tables and
// the pair list in the analysts' old one-line style, capped at
// Options.PairLines lines with a pointer to the XLSX report for the rest.
//
// No DOCX library is used: of those evaluated, unidoc/unioffice needs a paid
// licence, baliance.com/gooxml is not served by the module proxy,
// gomutex/godocx is unmaintained and its fork ubavic/godocx publishes no
// version list, and the younger ones (fumiama/go-docx, yunkeweb/go-word,
// fabiomarini/wordingo) build the whole document tree in memory and are a
// few weeks old. The subset needed here (paragraphs, runs, tables, inline
// pictures, a footer with page number fields) is small and fully tested by
// reading the document back and by a LibreOffice conversion.
package docx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/plot"
)

// sheetRows is the data rows per XLSX sheet, to name the sheets the pairs
// continue on (report.SheetNames); tests lower it.
var sheetRows = report.SheetRows

// Defaults for Options.
const (
	DefaultPairLines      = 5000 // pair lines listed in the document
	DefaultUnmatchedLines = 1000 // unmatched lines listed per side
)

// Options tune the document.
type Options struct {
	PairLines      int    // pair lines to list; 0 means DefaultPairLines, < 0 none
	UnmatchedLines int    // unmatched lines per side; 0 means DefaultUnmatchedLines, < 0 none
	XLSXName       string // the XLSX report's file name, named where the list is cut; "" says "the XLSX report (--xlsx)"
}

// Image size in the document: 16 cm x 8 cm in EMU (360,000 per cm).
const (
	imageCX = 16 * 360000
	imageCY = 8 * 360000
)

// textWidth is the width between the margins in twentieths of a point
// (A4 21 cm minus 2 x 2 cm = 17 cm).
const textWidth = 9638

// Write renders m as a DOCX document to w. It checks ctx while listing pairs
// and returns ctx.Err() when cancelled; use report.WriteFile for an atomic
// file.
func Write(ctx context.Context, w io.Writer, m *report.Model, opt Options) error {
	if opt.PairLines == 0 {
		opt.PairLines = DefaultPairLines
	}
	if opt.UnmatchedLines == 0 {
		opt.UnmatchedLines = DefaultUnmatchedLines
	}
	zw := zip.NewWriter(w)
	put := func(name, content string) error {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, content)
		return err
	}
	title := m.Title
	if title == "" {
		title = "nftimediff: pre-NAT vs post-NAT exporter clocks"
	}
	created := m.Generated
	if created.IsZero() {
		created = time.Now()
	}
	for _, part := range []struct{ name, content string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"docProps/core.xml", fmt.Sprintf(coreProps, esc(title), created.UTC().Format(time.RFC3339))},
		{"docProps/app.xml", appProps},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", styles},
		{"word/settings.xml", settings},
		{"word/footer1.xml", footer},
	} {
		if err := put(part.name, part.content); err != nil {
			return err
		}
	}

	// The two charts.
	var img bytes.Buffer
	hist := report.DeltaHistogram(m.Pairs, 40)
	if err := plot.Histogram(&img, hist, "Histogram of differences post - pre"); err != nil {
		return err
	}
	if err := put("word/media/image1.png", img.String()); err != nil {
		return err
	}
	img.Reset()
	if err := plot.Scatter(&img, report.DeltaSeries(m.Pairs, 2000), "Difference post - pre over time"); err != nil {
		return err
	}
	if err := put("word/media/image2.png", img.String()); err != nil {
		return err
	}

	f, err := zw.Create("word/document.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	d := &doc{w: bw}
	if err := d.document(ctx, m, title, opt, histogramCaption(hist)); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return ctx.Err()
}

// esc makes text from anywhere safe as XML character data: CleanText makes
// forbidden characters visible, encoding/xml escapes the rest.
func esc(s string) string {
	s = report.CleanText(s)
	if !strings.ContainsAny(s, `&<>"'`) {
		return s
	}
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// doc writes word/document.xml.
type doc struct {
	w      *bufio.Writer
	nextID int // drawing object ids
}

func (d *doc) raw(s string) { _, _ = d.w.WriteString(s) }

// run is a piece of text with formatting.
type run struct {
	text         string
	bold, italic bool
	color        string // hex RGB, "" for automatic
}

func (d *doc) runs(rs ...run) {
	for _, r := range rs {
		d.raw("<w:r>")
		if r.bold || r.italic || r.color != "" {
			d.raw("<w:rPr>")
			if r.bold {
				d.raw("<w:b/>")
			}
			if r.italic {
				d.raw("<w:i/>")
			}
			if r.color != "" {
				d.raw(`<w:color w:val="` + r.color + `"/>`)
			}
			d.raw("</w:rPr>")
		}
		d.runText(r.text)
		d.raw("</w:r>")
	}
}

// runText writes the text of a run: units kept with their numbers
// (nbspUnits), and the minus sign of a negative number as a no-break
// hyphen (<w:noBreakHyphen/>), since Word and LibreOffice otherwise break a
// line after it: "difference -" / "184 ms".
func (d *doc) runText(s string) {
	s = nbspUnits(s)
	for {
		i := minusAt(s)
		if i < 0 {
			break
		}
		d.textElem(s[:i])
		d.raw(`<w:noBreakHyphen/>`)
		s = s[i+1:]
	}
	d.textElem(s)
}

// textElem writes a <w:t> with s escaped; nothing for "".
func (d *doc) textElem(s string) {
	if s == "" {
		return
	}
	d.raw(`<w:t xml:space="preserve">`)
	d.raw(esc(s))
	d.raw(`</w:t>`)
}

// minusAt is the index of the first minus sign of a negative number in s: a
// '-' before a digit, at the start or after a space, a no-break space or an
// opening parenthesis; -1 when there is none. "10.0.0.1-2" and "a-1" are
// left alone.
func minusAt(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '-' || s[i+1] < '0' || s[i+1] > '9' {
			continue
		}
		if i == 0 || s[i-1] == ' ' || s[i-1] == '(' || strings.HasSuffix(s[:i], nbsp) {
			return i
		}
	}
	return -1
}

func (d *doc) para(style string, rs ...run) {
	d.raw("<w:p>")
	if style != "" {
		d.raw(`<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	}
	d.runs(rs...)
	d.raw("</w:p>\n")
}

func (d *doc) text(style, s string) { d.para(style, run{text: s}) }

// table writes a table with a shaded, repeated header row. widths are in
// twentieths of a point; right marks right-aligned (numeric) columns, whose
// cells never wrap (a lag's minus sign stays with its digits).
func (d *doc) table(widths []int, right []bool, header []string, rows [][]string) {
	d.styledTable("TableText", 0, widths, right, header, rows)
}

// styledTable is table with the paragraph style of its cells and their left
// and right margins in twips (0: the style's).
func (d *doc) styledTable(style string, margin int, widths []int, right []bool, header []string, rows [][]string) {
	d.raw(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/><w:tblLayout w:type="fixed"/>`)
	if margin > 0 {
		m := strconv.Itoa(margin)
		d.raw(`<w:tblCellMar><w:left w:w="` + m + `" w:type="dxa"/><w:right w:w="` + m + `" w:type="dxa"/></w:tblCellMar>`)
	}
	d.raw(`</w:tblPr><w:tblGrid>`)
	for _, wd := range widths {
		d.raw(`<w:gridCol w:w="` + strconv.Itoa(wd) + `"/>`)
	}
	d.raw("</w:tblGrid>\n")
	// No row is split across pages; the header row is repeated on every
	// page the table spans.
	row := func(cells []string, head bool) {
		d.raw("<w:tr><w:trPr><w:cantSplit/>")
		if head {
			d.raw("<w:tblHeader/>")
		}
		d.raw("</w:trPr>")
		for i, c := range cells {
			d.raw(`<w:tc><w:tcPr><w:tcW w:w="` + strconv.Itoa(widths[i]) + `" w:type="dxa"/>`)
			if head {
				d.raw(`<w:shd w:val="clear" w:color="auto" w:fill="D9E1F2"/>`)
			}
			if i < len(right) && right[i] && !head {
				d.raw(`<w:noWrap/>`)
			}
			d.raw(`</w:tcPr><w:p><w:pPr><w:pStyle w:val="` + style + `"/>`)
			if i < len(right) && right[i] && !head {
				d.raw(`<w:jc w:val="right"/>`)
			}
			d.raw("</w:pPr>")
			d.runs(run{text: c, bold: head})
			d.raw("</w:p></w:tc>")
		}
		d.raw("</w:tr>\n")
	}
	row(header, true)
	for _, r := range rows {
		row(r, false)
	}
	d.raw("</w:tbl>\n")
	d.para("") // Word needs a paragraph between a table and what follows
}

// image writes an inline picture of the relationship rID.
func (d *doc) image(rID, name, descr string) {
	d.nextID++
	id := strconv.Itoa(d.nextID)
	cx, cy := strconv.Itoa(imageCX), strconv.Itoa(imageCY)
	d.raw(`<w:p><w:pPr><w:keepNext/><w:jc w:val="center"/></w:pPr><w:r><w:drawing>`)
	d.raw(`<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="` + cx + `" cy="` + cy + `"/>`)
	d.raw(`<wp:effectExtent l="0" t="0" r="0" b="0"/>`)
	d.raw(`<wp:docPr id="` + id + `" name="` + esc(name) + `" descr="` + esc(descr) + `"/>`)
	d.raw(`<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>`)
	d.raw(`<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>`)
	d.raw(`<pic:nvPicPr><pic:cNvPr id="` + id + `" name="` + esc(name) + `"/><pic:cNvPicPr/></pic:nvPicPr>`)
	d.raw(`<pic:blipFill><a:blip r:embed="` + rID + `"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>`)
	d.raw(`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="` + cx + `" cy="` + cy + `"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>`)
	d.raw(`</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>` + "\n")
}

const documentStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>
`

const documentEnd = portraitSection + `</w:body></w:document>
`

// The sections: A4 portrait with 2 cm margins, and A4 landscape for tables
// too wide for portrait, both with the footer "Page N of M". A section's
// properties end it: in the body's last element, or in the last paragraph
// of a section before another.
const (
	pageMargins      = `<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/>`
	footerRef        = `<w:footerReference w:type="default" r:id="rIdFooter1"/>`
	portraitSection  = `<w:sectPr>` + footerRef + `<w:pgSz w:w="11906" w:h="16838"/>` + pageMargins + `</w:sectPr>`
	landscapeSection = `<w:sectPr>` + footerRef + `<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>` + pageMargins + `</w:sectPr>`
)

// endSection ends the section so far with the properties sect.
func (d *doc) endSection(sect string) { d.raw("<w:p><w:pPr>" + sect + "</w:pPr></w:p>\n") }

func verdictColor(code string) string {
	switch code {
	case "in sync":
		return "2E7D32"
	case "out of sync":
		return "C00000"
	}
	return "B26A00"
}

func (d *doc) document(ctx context.Context, m *report.Model, title string, opt Options, histCaption string) error {
	d.raw(documentStart)
	d.text("Title", title)
	sub := "Inputs: " + strings.Join(m.Params.Inputs, ", ")
	if !m.Generated.IsZero() {
		sub = "Generated " + m.Generated.UTC().Format("2006-01-02 15:04:05 UTC") + ". " + sub
	}
	d.text("Caption", sub)

	// Verdict.
	code := m.Verdict.Code
	if code == "" {
		code = "undetermined"
	}
	d.text("Heading1", "Verdict")
	vr := []run{{text: strings.ToUpper(code), bold: true, color: verdictColor(code)}}
	summary, reasons := report.VerdictLines(&m.Verdict)
	if summary != "" {
		vr = append(vr, run{text: ": " + summary})
	}
	d.para("Verdict", vr...)
	for _, r := range reasons {
		d.text("ListLine", "•\u00a0"+r)
	}

	// Statistics.
	c := &m.Overall
	d.text("Heading1", "Clock statistics (all pairs)")
	ms := func(v float64) string { return report.FormatMs(v) + " ms" }
	rows := [][]string{
		{"Offset", report.OffsetText(c)}, // the text says "post - pre"
		{"Median difference", ms(c.Median)},
		{"MAD", ms(c.MAD)},
		{"Mean, standard deviation", ms(c.Mean) + ", " + ms(c.Stddev)},
		{"5th .. 95th percentile", report.FormatMs(c.P5) + " .. " + ms(c.P95)},
		{"Minimum .. maximum", report.FormatMs(c.Min) + " .. " + ms(c.Max)},
		{"Within tolerance (±" + report.SpacedDuration(m.Params.Tolerance) + ")", pct(c.WithinTolerance)},
		{"Drift", report.DriftText(c)},
		{"Clock steps", report.StepsText(c.Steps)},
		{"Precision", report.PrecisionText(c)},
	}
	if c.Pairs == 0 {
		rows = rows[:1]
	}
	if c.QuarterHourHint != "" {
		rows = append(rows, []string{"Time zone?", c.QuarterHourHint})
	}
	rows = append(rows, []string{"Pairs", report.CountsText(m)})
	d.table([]int{2800, textWidth - 2800}, nil, []string{"Quantity", "Value"}, rows)

	d.text("Heading1", "Parameters")
	rows = rows[:0]
	for _, kv := range report.ParamRows(m) {
		rows = append(rows, []string{kv[0], kv[1]})
	}
	d.table([]int{2800, textWidth - 2800}, nil, []string{"Parameter", "Value"}, rows)

	// Charts.
	d.text("Heading1", "Charts")
	d.image("rIdImage1", "histogram.png", "Histogram of the differences post - pre in ms")
	d.text("Caption", histCaption)
	d.image("rIdImage2", "over-time.png", "Difference post - pre in ms over the pre start time")
	d.text("Caption", "Figure 2: difference post - pre (ms) over the pre start time (UTC). A sloped band is drift, a jump that stays is a clock step. At most 2,000 points: each time slice keeps its lowest and highest difference.")

	// Exporters and exporter pairs: wide tables in 8 pt, their columns as
	// wide as their content needs; on a landscape page when that is wider
	// than a portrait one.
	expRight := []bool{false, true, false, false, true, false, true, true, true, true}
	expHeader := []string{"Exporter", "Domain", "Side", "Version", "Records", "Start encoding", "Lag median (ms)", "Lag min (ms)", "Lag max (ms)", "Starts after export"}
	var expRows [][]string
	for i, e := range m.Exporters {
		lag := [3]string{"n/a", "n/a", "n/a"}
		if e.HasExportLag {
			lag = [3]string{report.FormatMs(e.ExportLagMedian), report.FormatMs(e.ExportLagMin), report.FormatMs(e.ExportLagMax)}
		}
		expRows = append(expRows, []string{e.Exporter, strconv.FormatUint(uint64(e.Domain), 10), e.Side, e.Versions,
			strconv.Itoa(e.Records), e.Encodings, lag[0], lag[1], lag[2], report.StartAfterExportText(&m.Exporters[i])})
	}
	pairRight := []bool{false, true, true, true, true, true, true, true, true}
	pairHeader := []string{"Pre -> post", "Pairs", "Continuation pairs", "Unmatched pre / post", "Offset (ms)", "95 % interval (ms)", "MAD (ms)", "Drift (ppm)", "Steps"}
	var pairRows [][]string
	for i := range m.PerPair {
		k := &m.PerPair[i]
		drift := "n/a"
		if k.HasDrift {
			drift = fmtPPM(k.DriftPPM)
		}
		pairRows = append(pairRows, []string{k.Label, strconv.Itoa(k.Pairs), strconv.Itoa(k.Continuations), strconv.Itoa(k.UnmatchedPre) + " / " + strconv.Itoa(k.UnmatchedPost),
			report.FormatMs(k.Offset), report.IntervalCell(k),
			report.FormatMs(k.MAD), drift, strconv.Itoa(len(k.Steps))})
	}
	expWidths, fits := fitWidths(expHeader, expRight, expRows, smallTableSize, smallTableMargin, textWidth)
	pairWidths, pairFits := fitWidths(pairHeader, pairRight, pairRows, smallTableSize, smallTableMargin, textWidth)
	landscape := !fits || (len(pairRows) > 0 && !pairFits)
	if landscape {
		d.endSection(portraitSection)
		expWidths, _ = fitWidths(expHeader, expRight, expRows, smallTableSize, smallTableMargin, landscapeTxt)
		pairWidths, _ = fitWidths(pairHeader, pairRight, pairRows, smallTableSize, smallTableMargin, landscapeTxt)
	}
	d.text("Heading1", "Exporters")
	d.text("", "Export lag is the export packet's header time minus its capture time at the collector. Exporters whose lag differs by seconds from the others' disagree with the collector's clock: that names the exporter that is off."+naNote(m.Exporters))
	d.styledTable("TableSmall", smallTableMargin, expWidths, expRight, expHeader, expRows)
	if len(pairRows) > 0 {
		d.text("Heading1", "Exporter pairs")
		d.styledTable("TableSmall", smallTableMargin, pairWidths, pairRight, pairHeader, pairRows)
		for _, s := range []string{report.ContinuationsFootnote(m.PerPair), report.IntervalFootnote(m.PerPair)} {
			if s != "" {
				d.text("", s)
			}
		}
	}
	if landscape {
		d.endSection(landscapeSection)
	}

	if len(m.Notes) > 0 {
		d.text("Heading1", "Notes")
		for _, n := range m.Notes {
			d.text("ListLine", "•\u00a0"+n)
		}
	}

	// Pair list.
	xlsx := "the XLSX report (--xlsx)"
	if opt.XLSXName != "" {
		xlsx = "the XLSX report " + opt.XLSXName
	}
	style := report.LineStyleOf(m)
	d.text("Heading1", "Pairs")
	n := len(m.Pairs)
	shown := min(n, max(opt.PairLines, 0))
	pairSheets := report.SheetsText(report.SheetNames(report.SheetPairs, n, sheetRows))
	switch {
	case n == 0:
		d.text("", "No pairs were found.")
	case shown == n:
		d.text("", fmt.Sprintf("All %s pairs, one line each: pre record <=> post record: socket, protocol, application, difference post - pre.", thousands(n)))
	default:
		d.text("", fmt.Sprintf("The first %s of %s pairs, one line each (pre record <=> post record: socket, protocol, application, difference post - pre). The list is cut at %s lines; all pairs are in %s, %s.",
			thousands(shown), thousands(n), thousands(shown), xlsx, pairSheets))
	}
	for i := range shown {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		d.text("PairLine", report.PairLine(&m.Pairs[i], style))
	}
	if shown < n {
		d.para("", run{text: fmt.Sprintf("... %s more pairs in %s, %s.", thousands(n-shown), xlsx, pairSheets), italic: true})
	}

	d.text("Heading1", "Unmatched records")
	for side, list := range [2][]report.Unmatched{m.UnmatchedPre, m.UnmatchedPost} {
		name := [...]string{"pre-NAT", "post-NAT"}[side]
		sheets := report.SheetsText(report.SheetNames([...]string{report.SheetUnmatchedPre, report.SheetUnmatchedPost}[side], len(list), sheetRows))
		k := min(len(list), max(opt.UnmatchedLines, 0))
		msg := fmt.Sprintf("%s unmatched %s records", thousands(len(list)), name)
		if k < len(list) {
			msg += fmt.Sprintf("; the first %s are listed, all are in %s, %s", thousands(k), xlsx, sheets)
		}
		d.para("", run{text: msg + ".", bold: true})
		for i := range k {
			if i&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			d.text("PairLine", report.UnmatchedLine(&list[i], style))
		}
	}
	d.raw(documentEnd)
	return ctx.Err()
}

// histogramCaption describes the histogram as drawn: whether tail columns
// collect the values outside the 0.5th..99.5th percentile (200 pairs or
// more, when some lie there) or every difference has its own column.
func histogramCaption(h report.Histogram) string {
	s := "Figure 1: histogram of the differences post - pre (ms). "
	if n := len(h.Bins); n > 0 && (math.IsInf(h.Bins[0].Low, -1) || math.IsInf(h.Bins[n-1].High, 1)) {
		s += "Values outside the 0.5th..99.5th percentile are collected in the outer columns"
	} else {
		s += "Every difference is shown in columns of equal width"
	}
	return s + "; continuation pairs are left out, as in the statistics."
}

// naNote is report.ExportersNA as a second sentence, or "".
func naNote(es []report.Exporter) string {
	if s := report.ExportersNA(es); s != "" {
		return " " + s
	}
	return ""
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "n/a"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + " %"
}

func fmtPPM(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// thousands formats n with a comma every three digits: 1048575 -> "1,048,575".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
