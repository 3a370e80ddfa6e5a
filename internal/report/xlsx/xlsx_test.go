package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func render(t *testing.T, m *report.Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, m); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func open(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize cannot read the workbook back: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func zipEntry(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("zip entry %s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWorkbookHasTheSheetsInOrder(t *testing.T) {
	f := open(t, render(t, reporttest.Model(10)))
	want := []string{"Summary", "Pairs", "Unmatched pre", "Unmatched post", "Exporters", "Exporter pairs", "Charts", "Chart data"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
}

func TestPairsSheetHasHeaderAndOneRowPerPair(t *testing.T) {
	const n = 25
	f := open(t, render(t, reporttest.Model(n)))
	rows, err := f.GetRows("Pairs")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("Pairs has %d rows, want header + %d", len(rows), n)
	}
	if rows[0][0] != "#" || rows[0][1] != "Difference (ms) post - pre" || rows[0][2] != "Pre start (UTC)" {
		t.Errorf("header = %q", rows[0][:3])
	}
	if len(rows[0]) != len(pairColumns) {
		t.Errorf("header has %d columns, want %d", len(rows[0]), len(pairColumns))
	}
	// Pair 1 is the example; raw values: difference 112, frames 5 and 9.
	get := func(cell string) string {
		v, err := f.GetCellValue("Pairs", cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for cell, want := range map[string]string{
		"A2": "1", "B2": "112", "E2": "192.0.2.1", "F2": "310", "G2": "10", "I2": "5", "K2": "3",
		"L2": "192.0.2.2", "M2": "320", "P2": "9", "R2": "1", "U2": "157.240.25.63", "V2": "443",
		"AA2": "tcp", "AB2": "facebook", "B3": "5001", "A26": "25", "AL2": "", "AL6": "yes",
	} {
		if got := get(cell); got != want {
			t.Errorf("Pairs!%s = %q, want %q", cell, got, want)
		}
	}
	for _, sheet := range []string{"Unmatched pre", "Unmatched post"} {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "Reason" || !strings.HasPrefix(rows[1][0], "no ") {
			t.Errorf("%s rows = %q", sheet, rows)
		}
	}
}

func TestCellsAreTyped(t *testing.T) {
	f := open(t, render(t, reporttest.Model(5)))
	for _, tc := range []struct {
		name, cell string
		want       excelize.CellType
	}{
		{"pair number is a number", "A2", excelize.CellTypeUnset},
		{"difference is a number", "B2", excelize.CellTypeUnset},
		{"pre start is a number (date serial)", "C2", excelize.CellTypeUnset},
		{"frame is a number", "I2", excelize.CellTypeUnset},
		{"exporter is an inline string", "E2", excelize.CellTypeInlineString},
		{"app is an inline string", "AB3", excelize.CellTypeInlineString},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.GetCellType("Pairs", tc.cell)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("type of %s = %v, want %v", tc.cell, got, tc.want)
			}
		})
	}
	// Frame numbers are integers, not "5.0".
	if v, _ := f.GetCellValue("Pairs", "I2", excelize.Options{RawCellValue: true}); v != "5" {
		t.Errorf("frame raw value %q, want 5", v)
	}
}

func TestStartTimesAreExcelDateTimesInUTCWithMilliseconds(t *testing.T) {
	f := open(t, render(t, reporttest.Model(5)))
	raw, err := f.GetCellValue("Pairs", "C2", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	serial, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("C2 raw %q is not a number", raw)
	}
	// 2026-12-03 10:00:00.250 UTC: days since 1899-12-30, worked out by hand:
	// 2026-12-03 is 20,790 days after 1970-01-01 (= serial 25,569), so 46,359,
	// plus (10 h + 0.25 s) / 24 h = 0.416669560185...
	want := 46359 + (10*3600+0.25)/86400
	if math.Abs(serial-want) > 1e-9 {
		t.Errorf("C2 serial = %v, want %v", serial, want)
	}
	// (excelize's own formatter drops the milliseconds when it renders
	// the cell; LibreOffice shows them: see TestLibreOffice...)
	style, _ := f.GetCellStyle("Pairs", "C2")
	s, err := f.GetStyle(style)
	if err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != fmtDate {
		t.Errorf("C2 style has number format %v, want %q", s.CustomNumFmt, fmtDate)
	}
	// Post start: pre + 112 ms.
	raw, _ = f.GetCellValue("Pairs", "D2", excelize.Options{RawCellValue: true})
	post, _ := strconv.ParseFloat(raw, 64)
	if d := (post - serial) * 86400e3; math.Abs(d-112) > 0.001 {
		t.Errorf("D2 - C2 = %v ms, want 112", d)
	}
}

func TestHeaderIsFrozenAndFiltered(t *testing.T) {
	data := render(t, reporttest.Model(5))
	f := open(t, data)
	panes, err := f.GetPanes("Pairs")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, want frozen first row", panes)
	}
	sheet := string(zipEntry(t, data, "xl/worksheets/sheet2.xml"))
	if !strings.Contains(sheet, `<autoFilter ref="$A$1:$AL$6"`) {
		t.Errorf("Pairs has no autofilter over A1:AL6")
	}
	if !strings.Contains(sheet, `<dimension ref="A1:AL6">`) {
		t.Errorf("Pairs dimension is not A1:AL6")
	}
}

func TestHostileNamesStayLiteralTextNeverFormulas(t *testing.T) {
	data := render(t, reporttest.Model(5))
	f := open(t, data)
	for cell, want := range map[string]string{"AB3": reporttest.AppFormula, "AB4": reporttest.AppMarkup} {
		got, err := f.GetCellValue("Pairs", cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Pairs!%s = %q, want %q", cell, got, want)
		}
		if formula, _ := f.GetCellFormula("Pairs", cell); formula != "" {
			t.Errorf("Pairs!%s has formula %q", cell, formula)
		}
	}
	for _, part := range []string{"xl/worksheets/sheet2.xml"} {
		xml := string(zipEntry(t, data, part))
		if strings.Contains(xml, "<f>") || strings.Contains(xml, "<f ") {
			t.Errorf("%s contains a formula element", part)
		}
		if !strings.Contains(xml, `<c r="AB3" t="inlineStr"><is><t>=HYPERLINK(&quot;x&quot;)</t></is></c>`) {
			t.Errorf("%s does not hold the formula-like app name as an inline string", part)
		}
	}
}

func TestHostileTextOnTheSummaryStaysText(t *testing.T) {
	m := reporttest.Model(3)
	m.Notes = []string{"=1+1", "<b>&", "@SUM(A1)"}
	f := open(t, render(t, m))
	rows, _ := f.GetRows("Summary")
	found := map[string]bool{}
	for i, r := range rows {
		if len(r) > 1 {
			found[r[1]] = true
			cell, _ := excelize.CoordinatesToCellName(2, i+1)
			if formula, _ := f.GetCellFormula("Summary", cell); formula != "" {
				t.Errorf("Summary!%s has formula %q", cell, formula)
			}
		}
	}
	for _, n := range m.Notes {
		if !found[n] {
			t.Errorf("note %q is not on the Summary literally", n)
		}
	}
}

func TestControlCharactersAreShownVisibly(t *testing.T) {
	m := reporttest.Model(3)
	m.Pairs[0].Pre.App = "a\x01b\tc_x0041_"
	f := open(t, render(t, m))
	got, _ := f.GetCellValue("Pairs", "AB2")
	if want := "a\u2401b\u2409c_x0041_"; got != want {
		t.Errorf("app cell = %q, want %q", got, want)
	}
}

func TestAChartIsPresent(t *testing.T) {
	data := render(t, reporttest.Model(300))
	for _, part := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml"} {
		xml := string(zipEntry(t, data, part))
		if !strings.Contains(xml, "&#39;Chart data&#39;!$") {
			t.Errorf("%s does not take its data from sheet Chart data", part)
		}
	}
	if !strings.Contains(string(zipEntry(t, data, "xl/charts/chart1.xml")), "<barChart>") {
		t.Errorf("chart1 is not a column chart")
	}
	scatter := string(zipEntry(t, data, "xl/charts/chart2.xml"))
	if !strings.Contains(scatter, "<scatterChart>") {
		t.Errorf("chart2 is not a scatter chart")
	}
	if !strings.Contains(scatter, "<xVal><numRef><f>&#39;Chart data&#39;!$F$2:$F$300</f>") {
		t.Errorf("the scatter's x values are not numbers (times)")
	}
	f := open(t, data)
	rows, _ := f.GetRows("Chart data")
	// 299 charted differences (pair 5 is a continuation pair) of 112 (once),
	// 5000, 5001, 5002 ms: fewer than 200?
	// No: 300 >= 200, so the inner bins cover the 0.5th..99.5th percentile
	// (5000..5002) and the 112 ms pair falls into the "< 5000" bin.
	if rows[1][0] != "< 5000" || rows[1][3] != "1" {
		t.Errorf("first bin = %q, want < 5000 with 1 pair", rows[1])
	}
}

func TestRowsBeyondASheetContinueOnFurtherSheets(t *testing.T) {
	defer func(old int) { sheetRowLimit = old }(sheetRowLimit)
	sheetRowLimit = 4 // header + 3 rows per sheet
	const n = 8
	f := open(t, render(t, reporttest.Model(n)))
	want := []string{"Summary", "Pairs", "Pairs (2)", "Pairs (3)", "Unmatched pre", "Unmatched post", "Exporters", "Exporter pairs", "Charts", "Chart data"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	total := 0
	for i, sheet := range want[1:4] {
		rows, _ := f.GetRows(sheet)
		if rows[0][0] != "#" {
			t.Errorf("%s has no header", sheet)
		}
		total += len(rows) - 1
		if first := rows[1][0]; first != strconv.Itoa(3*i+1) {
			t.Errorf("%s starts with pair %s, want %d", sheet, first, 3*i+1)
		}
	}
	if total != n {
		t.Errorf("pair rows over all sheets = %d, want %d", total, n)
	}
	rows, _ := f.GetRows("Summary")
	found := false
	for _, r := range rows {
		if len(r) > 1 && r[0] == "Pairs" && strings.Contains(r[1], "continued on sheets Pairs, Pairs (2), Pairs (3)") {
			found = true
		}
	}
	if !found {
		t.Errorf("Summary does not say that the pairs continue on further sheets")
	}
}

func TestSummaryShowsVerdictAndTypedStatistics(t *testing.T) {
	f := open(t, render(t, reporttest.Model(5)))
	rows, _ := f.GetRows("Summary")
	if rows[2][0] != "Verdict" || rows[2][1] != "OUT OF SYNC" {
		t.Errorf("row 3 = %q, want the verdict", rows[2])
	}
	v, _ := f.GetCellValue("Summary", "B9", excelize.Options{RawCellValue: true})
	label, _ := f.GetCellValue("Summary", "A9")
	if label != "Offset post - pre" || v != "5001" {
		t.Errorf("Summary row 9 = %q %q, want the offset 5001", label, v)
	}
	typ, _ := f.GetCellType("Summary", "B9")
	if typ != excelize.CellTypeUnset {
		t.Errorf("offset cell type %v, want a number", typ)
	}
}

func TestNoPairsGivesAWorkbookWithoutCharts(t *testing.T) {
	m := reporttest.Model(0)
	f := open(t, render(t, m))
	rows, _ := f.GetRows("Pairs")
	if len(rows) != 1 {
		t.Errorf("Pairs has %d rows, want the header only", len(rows))
	}
}

func TestCancelledContextStopsTheWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Write(ctx, io.Discard, reporttest.Model(10))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestLibreOfficeConvertsTheWorkbookToPDF(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui to run this test")
	}
	if testing.Short() {
		t.Skip("-short: skipping the LibreOffice conversion")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.xlsx")
	if err := os.WriteFile(in, render(t, reporttest.Model(50)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "pdf", "--outdir", dir, in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "report.pdf"))
	if err != nil {
		t.Fatalf("no PDF: %v\n%s", err, out)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pdfPages(pdf) < 1 {
		t.Errorf("PDF (%d bytes) has no pages", len(pdf))
	}

	// The Pairs sheet (sheet 2) as LibreOffice shows it: dates with
	// milliseconds, the formula-like app name as text, not evaluated.
	cmd = exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
		"--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice csv: %v\n%s", err, out)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "report-Pairs.csv"))
	if err != nil {
		csv, err = os.ReadFile(filepath.Join(dir, "report.csv"))
	}
	if err != nil {
		t.Fatalf("no CSV of the Pairs sheet: %v", err)
	}
	for _, want := range []string{
		"1,112,2026-12-03 10:00:00.250,2026-12-03 10:00:00.362,192.0.2.1,310,10,capture.pcap,5,1,3,192.0.2.2,320,10,capture.pcap,9,1,1,",
		`"=HYPERLINK(""x"")"`,
		"<b>&",
	} {
		if !bytes.Contains(csv, []byte(want)) {
			t.Errorf("LibreOffice's view of Pairs lacks %q:\n%.600s", want, csv)
		}
	}
}

// pdfPages counts page objects in a PDF.
func pdfPages(pdf []byte) int {
	return bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type/Page")) - bytes.Count(pdf, []byte("/Type/Pages")) +
		bytes.Count(pdf, []byte("/Type /Page/")) + bytes.Count(pdf, []byte("/Type /Page "))
}

func TestWrappedLines(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     string
		width int
		want  int
	}{
		{"short text is one line", "in sync", 10, 1},
		{"words break at spaces", "aaaa bbbb cccc", 9, 2},
		{"a long word takes several lines", strings.Repeat("x", 25), 10, 3},
		{"empty text is one line", "", 10, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wrappedLines(tc.s, tc.width); got != tc.want {
				t.Errorf("wrappedLines(%q, %d) = %d, want %d", tc.s, tc.width, got, tc.want)
			}
		})
	}
}

func TestFieldsARecordLacksAreEmptyCellsNotZeros(t *testing.T) {
	m := reporttest.Model(3)
	all := flow.LacksSrcPort | flow.LacksDstPort | flow.LacksProto | flow.LacksPackets | flow.LacksOctets
	m.Pairs[0].Pre.Lacks = all
	m.UnmatchedPre[0].Rec.Lacks = all
	f := open(t, render(t, m))
	for sheet, cells := range map[string]map[string]string{
		// Pre src port, pre dst port, proto (read from the pre record), pre
		// packets, pre octets empty; the post record's values stay.
		"Pairs": {"T2": "", "V2": "", "AA2": "", "AD2": "", "AF2": "", "Z2": "443", "AE2": "10", "AG2": "1500"},
		// Src port, dst port, proto, packets, octets.
		"Unmatched pre": {"J2": "", "L2": "", "M2": "", "O2": "", "P2": "", "L3": "443", "O3": "10"},
	} {
		for cell, want := range cells {
			got, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want)
			}
		}
	}
}

func TestExporterPairsSheetCountsContinuationsApart(t *testing.T) {
	m := reporttest.Model(5) // pair 5 is a continuation pair
	m.PerPair[0].Continuations = 1
	f := open(t, render(t, m))
	for cell, want := range map[string]string{"B1": "Pairs", "C1": "Continuation pairs (not in the figures)", "B2": "5", "C2": "1", "D2": "2",
		"I1": "Offset interval", "I2": m.PerPair[0].OffsetInterval} {
		if got, _ := f.GetCellValue("Exporter pairs", cell); got != want {
			t.Errorf("Exporter pairs!%s = %q, want %q", cell, got, want)
		}
	}
	// "Continuation pairs (not in the figures)" wraps into 4 lines of its
	// 12-wide column: the header row is 4 lines high.
	if h, err := f.GetRowHeight("Exporter pairs", 1); err != nil || h != 60 {
		t.Errorf("header row height %v (%v), want 60", h, err)
	}
}
