package docx

import (
	"regexp"
	"strings"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func bullets(paras []string) []string {
	var out []string
	for _, p := range paras {
		if strings.HasPrefix(p, "•\u00a0") {
			out = append(out, strings.TrimPrefix(p, "•\u00a0"))
		}
	}
	return out
}

func TestVerdictShowsItsCodeOnceAndNoReasonRepeatsTheSummary(t *testing.T) {
	m := reporttest.Model(5)
	m.Notes = nil
	first := "2 of 2 exporter pairs out of sync: a/1 -> b/2 +120 ms (95 % interval +120 ms .. +121 ms, 9 pairs)"
	m.Verdict = report.Verdict{
		Code:    "out of sync",
		Summary: "Out of sync: " + first + ".",
		Reasons: []string{
			first + " (each exporter pair judged on its own: see the per exporter pair table)",
			"out of sync: the clock offset lies beyond the tolerance of ±100 ms",
			"  " + first + ".  ",
			"213 pairs",
		},
	}
	paras := paragraphs(t, entries(t, render(t, m, Options{}))["word/document.xml"])
	want := "OUT OF SYNC: 2 of 2 exporter pairs out of sync: a/1 -> b/2 +120\u00a0ms (95\u00a0% interval +120\u00a0ms .. +121\u00a0ms, 9 pairs)."
	if !contains(paras, want) {
		t.Errorf("document lacks the verdict paragraph %q", want)
	}
	got := bullets(paras)
	wantReasons := []string{
		"each exporter pair judged on its own: see the per exporter pair table",
		"the clock offset lies beyond the tolerance of ±100\u00a0ms",
		"213 pairs",
	}
	if strings.Join(got, "\n") != strings.Join(wantReasons, "\n") {
		t.Errorf("reasons = %q, want %q", got, wantReasons)
	}
	for _, p := range paras {
		if strings.Contains(strings.ToLower(p), "out of sync: out of sync") {
			t.Errorf("paragraph repeats the code: %q", p)
		}
	}
}

func TestPairListCutNamesEverySheetThePairsContinueOn(t *testing.T) {
	defer func(old int) { sheetRows = old }(sheetRows)
	sheetRows = 4 // as the XLSX with 4 data rows per sheet: 10 pairs on 3 sheets
	m := reporttest.Model(10)
	paras := paragraphs(t, entries(t, render(t, m, Options{PairLines: 3, UnmatchedLines: 1, XLSXName: "huge.xlsx"}))["word/document.xml"])
	for _, want := range []string{
		"The first 3 of 10 pairs, one line each (pre record <=> post record: socket, protocol, application, difference post - pre). The list is cut at 3 lines; all pairs are in the XLSX report huge.xlsx, sheets Pairs, Pairs (2) and Pairs (3).",
		"... 7 more pairs in the XLSX report huge.xlsx, sheets Pairs, Pairs (2) and Pairs (3).",
		"2 unmatched pre-NAT records; the first 1 are listed, all are in the XLSX report huge.xlsx, sheet Unmatched pre.",
		"2 unmatched post-NAT records; the first 1 are listed, all are in the XLSX report huge.xlsx, sheet Unmatched post.",
	} {
		if !contains(paras, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

func TestTableRowsNeverSplitAcrossPagesAndHeaderRowsRepeat(t *testing.T) {
	doc := string(entries(t, render(t, reporttest.Model(10), Options{}))["word/document.xml"])
	tables := strings.Count(doc, "<w:tbl>")
	rows := strings.Count(doc, "<w:tr>")
	if tables != 4 { // clock statistics, parameters, exporters, exporter pairs
		t.Errorf("%d tables, want 4", tables)
	}
	if n := strings.Count(doc, "<w:tr><w:trPr><w:cantSplit/>"); n != rows || rows == 0 {
		t.Errorf("%d of %d rows carry <w:cantSplit/>", n, rows)
	}
	// Each table's first row, and only that, is a repeated header row.
	if n := strings.Count(doc, "<w:tblHeader/>"); n != tables {
		t.Errorf("%d header rows, want one per table (%d)", n, tables)
	}
	for i, tbl := range strings.Split(doc, "<w:tbl>")[1:] {
		first := tbl[strings.Index(tbl, "<w:tr>"):]
		first = first[:strings.Index(first, "</w:tr>")]
		if !strings.Contains(first, "<w:tblHeader/>") {
			t.Errorf("table %d: the first row is not a header row", i+1)
		}
	}
}

func TestEveryPageHasAPageNOfMFooter(t *testing.T) {
	m := reporttest.Model(10)
	m.Exporters[0].Exporter = "2001:db8:1234:5678:9abc:def0:1234:5678" // wide: the exporter tables go landscape
	e := entries(t, render(t, m, Options{}))
	foot := e["word/footer1.xml"]
	if got := paragraphs(t, foot); len(got) != 1 || got[0] != "Page 1 of 1" {
		t.Errorf("footer paragraphs = %q, want [\"Page 1 of 1\"] (cached field values)", got)
	}
	for _, instr := range []string{`<w:instrText xml:space="preserve"> PAGE </w:instrText>`, `<w:instrText xml:space="preserve"> NUMPAGES </w:instrText>`} {
		if !strings.Contains(string(foot), instr) {
			t.Errorf("footer lacks the field %s", instr)
		}
	}
	doc := string(e["word/document.xml"])
	sects := strings.Count(doc, "<w:sectPr>")
	if sects != 3 { // portrait, landscape, portrait
		t.Errorf("%d sections, want 3", sects)
	}
	if n := strings.Count(doc, `<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1"/>`); n != sects {
		t.Errorf("%d of %d sections have the footer", n, sects)
	}
	if !strings.Contains(string(e["word/_rels/document.xml.rels"]), `Id="rIdFooter1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"`) {
		t.Errorf("document.xml.rels does not relate rIdFooter1 to footer1.xml")
	}
	if !strings.Contains(string(e["[Content_Types].xml"]), `<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>`) {
		t.Errorf("[Content_Types].xml does not declare the footer")
	}
}

func TestNegativeDifferencesKeepTheirMinusAndUnitOnOneLine(t *testing.T) {
	m := reporttest.Model(3)
	m.Pairs[0].DeltaMs = -184
	doc := entries(t, render(t, m, Options{}))["word/document.xml"]
	paras := paragraphs(t, doc)
	want := "domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference \u2011184\u00a0ms"
	if !contains(paras, want) {
		t.Errorf("document lacks %q", want)
	}
	if !strings.Contains(string(doc), `difference </w:t><w:noBreakHyphen/><w:t xml:space="preserve">184`+"\u00a0"+`ms</w:t>`) {
		t.Errorf("the minus of -184 is not a <w:noBreakHyphen/>")
	}
}

// A start encoding may wrap before its precision inside its cell
// ("flowStartMilliseconds" / "(ms)"): joining them would need a column too
// wide for the portrait page (the bundled sample's Exporters table would go
// landscape). The row itself never splits across pages.
func TestEncodingsLeaveTheExportersTableOnAPortraitPage(t *testing.T) {
	m := reporttest.Model(3)
	for i := range m.Exporters {
		m.Exporters[i].Exporter = "10.103.0.168"
		m.Exporters[i].ExportLagMedian, m.Exporters[i].ExportLagMin, m.Exporters[i].ExportLagMax = -711.276, -711.384, -711.204
	}
	doc := entries(t, render(t, m, Options{}))["word/document.xml"]
	if strings.Contains(string(doc), `w:orient="landscape"`) {
		t.Errorf("the Exporters table went landscape")
	}
	if !contains(paragraphs(t, doc), "flowStartMilliseconds (ms)") {
		t.Errorf("the encoding is not shown as written")
	}
}

func TestStartsAfterExportIsNAWithoutExportTimes(t *testing.T) {
	m := reporttest.Model(3)
	m.Exporters = []report.Exporter{
		{Exporter: "192.0.2.8", Domain: 310, Side: "pre", Versions: "10", Records: 5, Encodings: "flowStartMilliseconds (ms)"},
		{Exporter: "192.0.2.9", Domain: 320, Side: "post", Versions: "10", Records: 5, Encodings: "flowStartMilliseconds (ms)",
			StartAfterExport: 0, HasStartAfterExport: true},
	}
	paras := paragraphs(t, entries(t, render(t, m, Options{}))["word/document.xml"])
	row := func(exporter string) string {
		for i, p := range paras {
			if p == exporter && i+10 <= len(paras) {
				return strings.Join(paras[i:i+10], " | ")
			}
		}
		return ""
	}
	for exp, want := range map[string]string{
		"192.0.2.8": "192.0.2.8 | 310 | pre | 10 | 5 | flowStartMilliseconds (ms) | n/a | n/a | n/a | n/a",
		"192.0.2.9": "192.0.2.9 | 320 | post | 10 | 5 | flowStartMilliseconds (ms) | n/a | n/a | n/a | 0",
	} {
		if got := row(exp); got != want {
			t.Errorf("Exporters row\n got %q\nwant %q", got, want)
		}
	}
	found := false
	for _, p := range paras {
		if strings.HasSuffix(p, " n/a: not known from this input (Wireshark CSV/XLSX exports carry no export times).") {
			found = true
		}
	}
	if !found {
		t.Errorf("the Exporters text does not explain n/a")
	}
}

func TestNbspUnits(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"milliseconds stay with their number", "difference 112 ms", "difference 112\u00a0ms"},
		{"seconds before a word", "runs 5.001 s ahead", "runs 5.001\u00a0s ahead"},
		{"percent and a closing parenthesis", "(95 % interval 1 .. 2 ms)", "(95\u00a0% interval 1 .. 2\u00a0ms)"},
		{"a rate unit", "+0.36 ms/hour (+0.1 ppm)", "+0.36\u00a0ms/hour (+0.1\u00a0ppm)"},
		{"a unit before a full stop", "lag 10 s.", "lag 10\u00a0s."},
		{"a word that begins like a unit is no unit", "5 sessions, 3 msgs", "5 sessions, 3 msgs"},
		{"a unit after a word is left alone", "in ms", "in ms"},
		{"text without units is returned as it is", "domain 310 frame 5", "domain 310 frame 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nbspUnits(tc.in); got != tc.want {
				t.Errorf("nbspUnits(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMinusAt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"-184 ms", 0}, {"difference -184", 11}, {"(-5 ms", 1}, {"lag\u00a0-5", 5},
		{"10.0.0.1-2", -1}, {"a-1", -1}, {"- 5", -1}, {"pre - post", -1}, {"", -1},
	} {
		if got := minusAt(tc.in); got != tc.want {
			t.Errorf("minusAt(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// The document's XML never holds an <w:t> with a bare minus before digits
// that follow a space: every such minus became a no-break hyphen.
func TestNoBreakableMinusIsLeftInTheDocument(t *testing.T) {
	m := reporttest.Model(20)
	m.Exporters[0].ExportLagMin = -100
	for i := range m.Pairs {
		m.Pairs[i].DeltaMs = -m.Pairs[i].DeltaMs
	}
	doc := entries(t, render(t, m, Options{}))["word/document.xml"]
	if loc := regexp.MustCompile(`(^|[ (>]|\x{00a0})-[0-9]`).FindIndex(doc); loc != nil {
		t.Errorf("a breakable minus is left: %q", doc[max(0, loc[0]-60):loc[1]+10])
	}
}
