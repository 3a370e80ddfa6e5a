package app

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"netflowtimedifference/internal/gen"
	"netflowtimedifference/internal/report"
)

// zipPart returns one part of an OOXML file (XLSX, DOCX) and the names of
// all its parts.
func zipPart(t *testing.T, path, name string) (string, []string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var part string
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			part = string(b)
		}
	}
	return part, names
}

// Application names are untrusted network input. A capture whose Ixia
// names read `=HYPERLINK("x")<b>` and `<b>&</b>` (written into a generated
// capture in place of names of the same length, so the records stay
// valid) goes through tshark and match into the reports: the XLSX holds
// them as inline strings, never as formulas, and the DOCX as escaped text.
func TestAppNamesFromACaptureAppearLiterallyInTheReports(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: skipping")
	}
	cfg, _ := gen.Scenario("in-sync")
	c, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pcap bytes.Buffer
	if err := c.WritePcap(&pcap); err != nil {
		t.Fatal(err)
	}
	const formula, markup = `=HYPERLINK("x")<b>`, `<b>&</b>`
	b := pcap.Bytes()
	for _, r := range []struct{ from, to string }{{"amazon-prime-video", formula}, {"whatsapp", markup}} {
		if len(r.from) != len(r.to) {
			t.Fatalf("%q and %q differ in length", r.from, r.to)
		}
		if !bytes.Contains(b, []byte(r.from)) {
			t.Fatalf("the generated capture has no app name %q to replace", r.from)
		}
		b = bytes.ReplaceAll(b, []byte(r.from), []byte(r.to))
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "hostile.pcap")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := Match(context.Background(), MatchConfig{Inputs: []string{in}, OutDir: out, Paths: report.PathsInDir(out, []string{in})}); err != nil {
		t.Fatal(err)
	}
	p := report.PathsInDir(out, []string{in})

	sheet, parts := zipPart(t, p.XLSX, "xl/worksheets/sheet2.xml") // Pairs
	for _, want := range []string{`<is><t>=HYPERLINK(&#34;x&#34;)&lt;b&gt;</t></is>`, `<is><t>&lt;b&gt;&amp;&lt;/b&gt;</t></is>`} {
		if !strings.Contains(sheet, want) && !strings.Contains(sheet, strings.ReplaceAll(want, "&#34;", "&quot;")) {
			t.Errorf("XLSX Pairs sheet does not hold %s", want)
		}
	}
	for _, name := range parts {
		if strings.HasPrefix(name, "xl/worksheets/") {
			if x, _ := zipPart(t, p.XLSX, name); strings.Contains(x, "<f>") || strings.Contains(x, "<f ") {
				t.Errorf("%s holds a formula", name)
			}
		}
	}
	doc, _ := zipPart(t, p.DOCX, "word/document.xml")
	for _, want := range []string{`=HYPERLINK(&#34;x&#34;)&lt;b&gt;`, `&lt;b&gt;&amp;&lt;/b&gt;`} {
		if !strings.Contains(doc, want) && !strings.Contains(doc, strings.ReplaceAll(want, "&#34;", "&quot;")) {
			t.Errorf("DOCX does not hold %s", want)
		}
	}
	if strings.Contains(doc, "<b>&") {
		t.Error("DOCX holds the name unescaped")
	}
}
