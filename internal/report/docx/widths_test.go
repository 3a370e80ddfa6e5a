package docx

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func TestFitWidthsGivesEachColumnItsLongestWordAndSharesTheRest(t *testing.T) {
	// Worked by hand at 8 pt (16 half points: 1 em = 160 twips), margins 57:
	// "Side" bold = (0.74+0.278+0.62+0.62) * 1.1 em = 398 twips; "pre" 264:
	// need 398 + 2*57 + 20 = 532. "Lag" bold = (0.74+0.62+0.62) * 1.1 em =
	// 349; "-711.276" whole (numeric) = 0.39 + 6*0.636 + 0.318 em = 724:
	// need 858. No text is longer than its need, so the 2610 twips left of
	// 4000 are shared evenly: 532+1305, 858+1305.
	got, fits := fitWidths([]string{"Side", "Lag"}, []bool{false, true}, [][]string{{"pre", "-711.276"}}, 16, 57, 4000)
	if want := []int{1837, 2163}; !fits || !slices.Equal(got, want) {
		t.Errorf("got %v (fits %v), want %v (fits true)", got, fits, want)
	}
}

func TestFitWidthsGivesLongTextTheSpareWidthFirst(t *testing.T) {
	// "a b c d" is 4 words of 0.62 em (100 twips each: 99.2 rounded up) and
	// 3 spaces: whole 0.62*4+0.318*3 = 3.434 em = 550 twips. Header "X" bold
	// 0.74*1.1 em = 131. Column 0 needs 131+134 = 265 and wants 550+134 =
	// 684; column 1 ("1", numeric) needs max(131, 102)+134 = 265. Of 1000,
	// 470 are spare: 419 go to column 0 (all it wants), the other 51 are
	// shared evenly (25 each, the odd twip to the last column).
	got, fits := fitWidths([]string{"X", "X"}, []bool{false, true}, [][]string{{"a b c d", "1"}}, 16, 57, 1000)
	if want := []int{709, 291}; !fits || !slices.Equal(got, want) {
		t.Errorf("got %v (fits %v), want %v (fits true)", got, fits, want)
	}
}

func TestFitWidthsScalesATableThatDoesNotFit(t *testing.T) {
	// Needs 532 and 858 (see above) in 695 twips: scaled by 695/1390 = 1/2.
	got, fits := fitWidths([]string{"Side", "Lag"}, []bool{false, true}, [][]string{{"pre", "-711.276"}}, 16, 57, 695)
	if want := []int{266, 429}; fits || !slices.Equal(got, want) {
		t.Errorf("got %v (fits %v), want %v (fits false)", got, fits, want)
	}
}

// exportersTable returns the gridCol widths and the XML of the table that
// follows the "Exporters" heading.
func exportersTable(t *testing.T, doc string) ([]int, string) {
	t.Helper()
	i := strings.Index(doc, ">Exporters<")
	if i < 0 {
		t.Fatal("no Exporters heading")
	}
	tbl := doc[i:]
	tbl = tbl[strings.Index(tbl, "<w:tbl>"):]
	tbl = tbl[:strings.Index(tbl, "</w:tbl>")]
	var widths []int
	for _, m := range regexp.MustCompile(`<w:gridCol w:w="(\d+)"/>`).FindAllStringSubmatch(tbl, -1) {
		w, _ := strconv.Atoi(m[1])
		widths = append(widths, w)
	}
	return widths, tbl
}

func TestExportersTableFitsPortraitWithoutBreakingWordsOrNumbers(t *testing.T) {
	m := reporttest.Model(10)
	doc := string(entries(t, render(t, m, Options{}))["word/document.xml"])
	widths, tbl := exportersTable(t, doc)
	header := []string{"Exporter", "Domain", "Side", "Version", "Records", "Start encoding", "Lag median (ms)", "Lag min (ms)", "Lag max (ms)", "Starts after export"}
	if len(widths) != len(header) {
		t.Fatalf("%d columns, want %d", len(widths), len(header))
	}
	sum := 0
	for i, w := range widths {
		sum += w
		if need := longestWord(header[i], smallTableSize, true) + 2*smallTableMargin; need > w {
			t.Errorf("column %q is %d twips wide, its header word needs %d", header[i], w, need)
		}
	}
	if sum != textWidth {
		t.Errorf("columns add up to %d twips, want the portrait text width %d", sum, textWidth)
	}
	for i, e := range m.Exporters {
		for col, v := range map[int]string{6: report.FormatMs(e.ExportLagMedian), 7: report.FormatMs(e.ExportLagMin), 8: report.FormatMs(e.ExportLagMax)} {
			if need := textTwips(v, smallTableSize, false) + 2*smallTableMargin; need > widths[col] {
				t.Errorf("exporter %d: %s needs %d twips, column %q is %d", i, v, need, header[col], widths[col])
			}
		}
	}
	// The cells of the 6 numeric columns carry noWrap; headers and text cells do not.
	if n := strings.Count(tbl, "<w:noWrap/>"); n != 6*len(m.Exporters) {
		t.Errorf("%d cells with noWrap, want %d (6 numeric columns x %d rows)", n, 6*len(m.Exporters), len(m.Exporters))
	}
	if strings.Contains(doc, `w:orient="landscape"`) {
		t.Errorf("the sample's exporters fit a portrait page but went landscape")
	}
	if !strings.Contains(tbl, `<w:pStyle w:val="TableSmall"/>`) || !strings.Contains(tbl, `<w:tblCellMar><w:left w:w="57" w:type="dxa"/>`) {
		t.Errorf("the exporters table is not in the small style with 1 mm margins")
	}
}

func TestTooWideExportersTableGoesOnALandscapePage(t *testing.T) {
	m := reporttest.Model(10)
	m.Exporters[0].Exporter = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
	m.Exporters[0].ExportLagMedian, m.Exporters[0].ExportLagMin, m.Exporters[0].ExportLagMax = -10800123.456, -10800999.001, -10799000.999
	doc := string(entries(t, render(t, m, Options{}))["word/document.xml"])
	heading := strings.Index(doc, ">Exporters<")
	portraitEnd := strings.Index(doc, "<w:p><w:pPr>"+portraitSection+"</w:pPr></w:p>")
	landscapeEnd := strings.Index(doc, "<w:p><w:pPr>"+landscapeSection+"</w:pPr></w:p>")
	pairs := strings.LastIndex(doc, ">Pairs<") // the pair list's heading
	if !(portraitEnd >= 0 && portraitEnd < heading && heading < landscapeEnd && landscapeEnd < pairs) {
		t.Errorf("section breaks at %d and %d, want the landscape section around the Exporters heading (%d) ending before the pair list (%d)",
			portraitEnd, landscapeEnd, heading, pairs)
	}
	widths, _ := exportersTable(t, doc)
	sum := 0
	for _, w := range widths {
		sum += w
	}
	if sum != landscapeTxt {
		t.Errorf("columns add up to %d twips, want the landscape text width %d", sum, landscapeTxt)
	}
	if !strings.HasSuffix(doc, portraitSection+"</w:body></w:document>\n") {
		t.Errorf("the document's last section is not portrait")
	}
}
