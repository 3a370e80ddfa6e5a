package docx

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func render(t *testing.T, m *report.Model, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, m, opt); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func entries(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// paragraphs returns the text of each w:p of document.xml, decoded by
// encoding/xml (so escapes are undone exactly as Word would); a
// <w:noBreakHyphen/> is U+2011, as Word shows it.
func paragraphs(t *testing.T, docXML []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(docXML))
	var paras []string
	var cur strings.Builder
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("document.xml is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "t":
				inText = true
			case "noBreakHyphen":
				cur.WriteString("\u2011")
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "t":
				inText = false
			case "p":
				paras = append(paras, cur.String())
				cur.Reset()
			}
		case xml.CharData:
			if inText {
				cur.Write(el)
			}
		}
	}
	return paras
}

func contains(paras []string, want string) bool {
	for _, p := range paras {
		if p == want {
			return true
		}
	}
	return false
}

func TestPackageHasThePartsWordNeeds(t *testing.T) {
	e := entries(t, render(t, reporttest.Model(10), Options{}))
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
		"word/styles.xml", "word/settings.xml", "word/footer1.xml", "docProps/core.xml", "docProps/app.xml", "word/media/image1.png", "word/media/image2.png"} {
		if _, ok := e[name]; !ok {
			t.Errorf("missing part %s", name)
		}
	}
	for name, b := range e {
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			if err := xml.NewDecoder(bytes.NewReader(b)).Decode(new(struct{})); err != nil {
				t.Errorf("%s is not well-formed: %v", name, err)
			}
		}
	}
	for _, img := range []string{"word/media/image1.png", "word/media/image2.png"} {
		if _, err := png.Decode(bytes.NewReader(e[img])); err != nil {
			t.Errorf("%s is not a PNG: %v", img, err)
		}
	}
	doc := string(e["word/document.xml"])
	for _, rid := range []string{`r:embed="rIdImage1"`, `r:embed="rIdImage2"`} {
		if !strings.Contains(doc, rid) {
			t.Errorf("document.xml does not show the picture %s", rid)
		}
	}
}

func TestDocumentHasVerdictAndOldStylePairLines(t *testing.T) {
	m := reporttest.Model(10)
	m.Params.Inputs = []string{"capture.pcap"}
	paras := paragraphs(t, entries(t, render(t, m, Options{}))["word/document.xml"])
	for _, want := range []string{
		"nftimediff test report",
		"OUT OF SYNC: Exporter 192.0.2.2 (domain 320) runs 5.001\u00a0s ahead of 192.0.2.1 (domain 310).",
		// The example line, literally (a no-break space keeps
		// "ms" with its number).
		"domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112\u00a0ms",
		"domain 310 frame 101 flow 2 <=> domain 320 frame 201 flow 2: 198.51.100.1:443 tcp " + reporttest.AppFormula + ", difference 5001\u00a0ms",
		"domain 310 frame 102 flow 3 <=> domain 320 frame 202 flow 3: 198.51.100.2:443 tcp " + reporttest.AppMarkup + ", difference 5002\u00a0ms",
		"domain 310 frame 104 flow 5 <=> domain 320 frame 204 flow 5: 198.51.100.4:443 tcp facebook, difference 5001\u00a0ms (continuation)",
		"All 10 pairs, one line each: pre record <=> post record: socket, protocol, application, difference post - pre.",
	} {
		if !contains(paras, want) {
			t.Errorf("document lacks the paragraph %q", want)
		}
	}
	n := 0
	for _, p := range paras {
		if strings.HasPrefix(p, "domain ") && strings.Contains(p, " <=> ") {
			n++
		}
	}
	if n != 10 {
		t.Errorf("%d pair lines, want 10", n)
	}
}

func TestPairListIsCappedWithAPointerToTheXLSX(t *testing.T) {
	m := reporttest.Model(30)
	paras := paragraphs(t, entries(t, render(t, m, Options{PairLines: 12, XLSXName: "capture-nftimediff.xlsx"}))["word/document.xml"])
	n := 0
	for _, p := range paras {
		if strings.HasPrefix(p, "domain ") && strings.Contains(p, " <=> ") {
			n++
		}
	}
	if n != 12 {
		t.Errorf("%d pair lines, want 12", n)
	}
	for _, want := range []string{
		"The first 12 of 30 pairs, one line each (pre record <=> post record: socket, protocol, application, difference post - pre). The list is cut at 12 lines; all pairs are in the XLSX report capture-nftimediff.xlsx, sheet Pairs.",
		"... 18 more pairs in the XLSX report capture-nftimediff.xlsx, sheet Pairs.",
	} {
		if !contains(paras, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

func TestHostileTextIsEscapedAndControlCharactersShown(t *testing.T) {
	m := reporttest.Model(3)
	m.Pairs[0].Pre.App = "a\x01b\uFFFEc]]>"
	m.Notes = append(m.Notes, `<w:p>&amp;`)
	doc := entries(t, render(t, m, Options{}))["word/document.xml"]
	paras := paragraphs(t, doc)
	if !contains(paras, "domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp a\u2401b\uFFFDc]]>, difference 112\u00a0ms") {
		t.Errorf("control characters are not shown visibly")
	}
	if !contains(paras, "•\u00a0<w:p>&amp;") {
		t.Errorf("markup in a note is not kept literally")
	}
	if bytes.Contains(doc, []byte("<b>&")) {
		t.Errorf("raw markup leaked into document.xml")
	}
}

func TestCancelledContextStopsTheWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, io.Discard, reporttest.Model(10), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestNoPairsStillGivesADocument(t *testing.T) {
	m := reporttest.Model(0)
	m.Overall = report.Clock{Label: "all"}
	m.Verdict = report.Verdict{Code: "undetermined", Summary: "No pairs."}
	paras := paragraphs(t, entries(t, render(t, m, Options{}))["word/document.xml"])
	if !contains(paras, "No pairs were found.") || !contains(paras, "UNDETERMINED: No pairs.") {
		t.Errorf("paragraphs = %q", paras)
	}
}

func TestLibreOfficeConvertsTheDocumentToPDF(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-writer-nogui to run this test")
	}
	if testing.Short() {
		t.Skip("-short: skipping the LibreOffice conversion")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.docx")
	// Pair lines of many lengths, half of them negative, so that some wrap
	// right at their unit or minus sign.
	m := reporttest.Model(200)
	for i := 5; i < len(m.Pairs); i++ {
		m.Pairs[i].Pre.App = "app" + strings.Repeat("x", i%60)
		if i%2 == 1 {
			m.Pairs[i].DeltaMs = -m.Pairs[i].DeltaMs
		}
	}
	if err := os.WriteFile(in, render(t, m, Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	out, err := exec.CommandContext(ctx, soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", dir, in).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "report.pdf"))
	if err != nil {
		t.Fatalf("no PDF: %v\n%s", err, out)
	}
	pages := pdfPages(pdf)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pages < 3 {
		t.Errorf("PDF (%d bytes) has %d pages, want at least 3 (text, two charts, 200 pair lines)", len(pdf), pages)
	}
	// The pages as laid out (poppler's pdftotext): footers "Page N of M",
	// and no line that starts with a lone unit or follows a lone minus.
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.CommandContext(ctx, pdftotext, "-layout", filepath.Join(dir, "report.pdf"), "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := string(out)
		for _, want := range []string{"Page 1 of " + strconv.Itoa(pages), "Page " + strconv.Itoa(pages) + " of " + strconv.Itoa(pages)} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks the footer %q", want)
			}
		}
		wrapped := 0
		for _, line := range strings.Split(text, "\n") {
			l := strings.TrimSpace(line)
			if strings.HasPrefix(l, "ms ") || l == "ms" || strings.HasSuffix(l, " -") || strings.HasSuffix(l, " \u2011") {
				t.Errorf("a line breaks between a number and its unit or sign: %q", line)
			}
			if strings.HasPrefix(line, "      ") && strings.Contains(l, "ms") && !strings.Contains(l, "<=>") {
				wrapped++ // the continuation of a wrapped pair line
			}
		}
		if wrapped == 0 {
			t.Errorf("no pair line wraps: the test does not test wrapping")
		}
	} else {
		t.Log("pdftotext (poppler-utils) not installed: footers and line breaks not checked")
	}
	// LibreOffice's text view of the document has the example line.
	out, err = exec.CommandContext(ctx, soffice, profile, "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", dir, in).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice txt: %v\n%s", err, out)
	}
	txt, _ := os.ReadFile(filepath.Join(dir, "report.txt"))
	for _, want := range []string{
		"domain 310 frame 5 flow 3 <=> domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112\u00a0ms",
		reporttest.AppFormula, reporttest.AppMarkup, "OUT OF SYNC",
	} {
		if !bytes.Contains(txt, []byte(want)) {
			t.Errorf("LibreOffice's text of the document lacks %q", want)
		}
	}
	if os.Getenv("DOCX_OUT") != "" {
		_ = os.WriteFile(os.Getenv("DOCX_OUT"), pdf, 0o644)
	}
}

// pdfPages counts the page objects of a PDF ("/Type /Page" not followed by "s").
func pdfPages(pdf []byte) int {
	n := 0
	for _, marker := range [][]byte{[]byte("/Type /Page"), []byte("/Type/Page")} {
		for i := 0; ; {
			j := bytes.Index(pdf[i:], marker)
			if j < 0 {
				break
			}
			i += j + len(marker)
			if i < len(pdf) && pdf[i] != 's' {
				n++
			}
		}
	}
	return n
}

func TestExporterPairsTableCountsContinuationsApart(t *testing.T) {
	m := reporttest.Model(5) // pair 5 is a continuation pair
	m.PerPair[0].Continuations = 1
	paras := paragraphs(t, entries(t, render(t, m, Options{}))["word/document.xml"])
	want := []string{"Pre -> post", "Pairs", "Continuation pairs", "Unmatched pre / post"}
	row := []string{"192.0.2.1/310 -> 192.0.2.2/320", "5", "1", "2 / 2"}
	i := slices.Index(paras, want[0])
	j := slices.Index(paras, row[0])
	if i < 0 || j < 0 || !slices.Equal(paras[i:i+4], want) || !slices.Equal(paras[j:j+4], row) {
		t.Errorf("exporter pairs table: header at %d, row at %d; want %q and %q in\n%q", i, j, want, row, paras)
	}
	if !slices.ContainsFunc(paras, func(p string) bool { return strings.Contains(p, "continuation pairs among them") }) {
		t.Error("no footnote explains the continuation column")
	}
}

func TestHistogramCaptionSaysWhatTheColumnsHold(t *testing.T) {
	few := paragraphs(t, entries(t, render(t, reporttest.Model(20), Options{}))["word/document.xml"])
	if want := "Figure 1: histogram of the differences post - pre (ms). Every difference is shown in columns of equal width; continuation pairs are left out, as in the statistics."; !contains(few, want) {
		t.Errorf("20 pairs: no caption %q", want)
	}
	// 400 pairs, one far outside: the tail column collects it.
	m := reporttest.Model(400)
	m.Pairs[7].DeltaMs = 90000
	many := paragraphs(t, entries(t, render(t, m, Options{PairLines: 1}))["word/document.xml"])
	if want := "Figure 1: histogram of the differences post - pre (ms). Values outside the 0.5th..99.5th percentile are collected in the outer columns; continuation pairs are left out, as in the statistics."; !contains(many, want) {
		t.Errorf("400 pairs with an outlier: no caption %q", want)
	}
	i := slices.Index(few, "Offset")
	if i < 0 || strings.Count(few[i+1], "post - pre") != 1 {
		t.Errorf("offset row: %q", few[i:min(i+2, len(few))])
	}
}

func TestPairLinesNameTheExporterWhenADomainHasSeveral(t *testing.T) {
	m := reporttest.Model(3)
	m.Exporters = append(m.Exporters, report.Exporter{Exporter: "192.0.2.9", Domain: 310, Side: "pre"})
	paras := paragraphs(t, entries(t, render(t, m, Options{}))["word/document.xml"])
	if want := "192.0.2.1 domain 310 frame 5 flow 3 <=> 192.0.2.2 domain 320 frame 9 flow 1: 157.240.25.63:443 tcp facebook, difference 112\u00a0ms"; !contains(paras, want) {
		t.Errorf("no pair line %q", want)
	}
}
