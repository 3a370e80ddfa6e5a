package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func TestLongInputNamesGiveFileNamesThatFit(t *testing.T) {
	long := strings.Repeat("a", 230)
	for _, tc := range []struct {
		name   string
		inputs []string
	}{
		{"a 230-character base name", []string{"/captures/" + long + ".pcap"}},
		{"two long inputs", []string{long + ".pcap", strings.Repeat("b", 200) + ".pcap"}},
		{"multi-byte characters are cut at a character boundary", []string{strings.Repeat("ü", 150) + ".pcap"}},
		{"many long inputs", []string{long, long, long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := report.PathsInDir(dir, tc.inputs)
			for _, path := range []string{p.Text, p.JSON, p.CSV, p.XLSX, p.DOCX} {
				base := filepath.Base(path)
				if len(base) > report.MaxNameBytes {
					t.Errorf("%d-byte name %q", len(base), base)
				}
				if !utf8.ValidString(base) {
					t.Errorf("name %q is cut inside a character", base)
				}
				// The temporary name ".NAME.tmp-" + 10 digits fits too.
				if n := len("." + base + ".tmp-4294967295"); n > report.MaxNameBytes {
					t.Errorf("temporary name of %q has %d bytes", base, n)
				}
				// And the file system takes it.
				if err := report.WriteFile(context.Background(), path, func(_ context.Context, w io.Writer) error {
					_, err := io.WriteString(w, "report")
					return err
				}); err != nil {
					t.Errorf("WriteFile: %v", err)
				}
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 5 {
				t.Errorf("directory holds %d files, want the 5 reports", len(ents))
			}
		})
	}
}

func TestLongStemsAreCutWithAHashOfTheWholeStem(t *testing.T) {
	a := strings.Repeat("x", 300) + "-first.pcap"
	b := strings.Repeat("x", 300) + "-second.pcap"
	pa, pb := report.PathsInDir("out", []string{a}), report.PathsInDir("out", []string{b})
	if pa.XLSX == pb.XLSX {
		t.Errorf("two long names that differ at the end give the same file %q", pa.XLSX)
	}
	stem := strings.TrimSuffix(filepath.Base(pa.XLSX), report.Suffix+".xlsx")
	if len(stem) != report.MaxStemBytes {
		t.Errorf("cut stem has %d bytes, want %d", len(stem), report.MaxStemBytes)
	}
	// The stem keeps its beginning and ends in "~" and 8 hex digits.
	if !strings.HasPrefix(stem, strings.Repeat("x", 200)) || stem[len(stem)-9] != '~' || strings.Trim(stem[len(stem)-8:], "0123456789abcdef") != "" {
		t.Errorf("cut stem %q does not end in ~ and 8 hex digits", stem)
	}
	// The same input always gives the same name.
	if again := report.PathsInDir("out", []string{a}); again != pa {
		t.Errorf("the name is not stable: %q, %q", pa.XLSX, again.XLSX)
	}
	// A stem that fits is left alone.
	fits := strings.Repeat("y", report.MaxStemBytes)
	if got := report.PathsInDir("out", []string{fits + ".pcap"}).CSV; got != "out/"+fits+report.Suffix+".csv" {
		t.Errorf("a stem of exactly %d bytes was changed: %q", report.MaxStemBytes, got)
	}
}

func TestWriteFileTakesANameOfTheFullLength(t *testing.T) {
	// --xlsx with a name of 255 bytes: the temporary name is cut to fit.
	dir := t.TempDir()
	path := filepath.Join(dir, strings.Repeat("é", 125)+".xlsx") // 250 + 5 bytes
	if len(filepath.Base(path)) != report.MaxNameBytes {
		t.Fatalf("test name has %d bytes", len(filepath.Base(path)))
	}
	if err := report.WriteFile(context.Background(), path, func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "complete")
		return err
	}); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "complete" {
		t.Errorf("file = %q, %v", b, err)
	}
	onlyFile(t, dir, filepath.Base(path))
}

func TestSheetNames(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, per   int
		want     string
		wantText string
	}{
		{"an empty table has its sheet", 0, 4, "Pairs", "sheet Pairs"},
		{"a full sheet needs no second one", 4, 4, "Pairs", "sheet Pairs"},
		{"one row more continues on Pairs (2)", 5, 4, "Pairs|Pairs (2)", "sheets Pairs and Pairs (2)"},
		{"three sheets", 9, 4, "Pairs|Pairs (2)|Pairs (3)", "sheets Pairs, Pairs (2) and Pairs (3)"},
		{"Excel's rows: 1,048,575 pairs fit one sheet", report.SheetRows, 0, "Pairs", "sheet Pairs"},
		{"Excel's rows: 1,048,576 pairs need two", report.SheetRows + 1, report.SheetRows, "Pairs|Pairs (2)", "sheets Pairs and Pairs (2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names := report.SheetNames(report.SheetPairs, tc.n, tc.per)
			if got := strings.Join(names, "|"); got != tc.want {
				t.Errorf("SheetNames = %q, want %q", got, tc.want)
			}
			if got := report.SheetsText(names); got != tc.wantText {
				t.Errorf("SheetsText = %q, want %q", got, tc.wantText)
			}
		})
	}
}

func TestStartsAfterExportIsNAWithoutExportTimes(t *testing.T) {
	m := reporttest.Model(3)
	m.Exporters = []report.Exporter{
		{Exporter: "192.0.2.8", Domain: 310, Side: "pre", Versions: "10", Records: 5, Encodings: "flowStartMilliseconds (ms)"},
		{Exporter: "192.0.2.9", Domain: 320, Side: "post", Versions: "10", Records: 5, Encodings: "flowStartMilliseconds (ms)",
			StartAfterExport: 3, HasStartAfterExport: true},
		{Exporter: "192.0.2.10", Domain: 330, Side: "post", Versions: "10", Records: 5, Encodings: "flowStartMilliseconds (ms)",
			HasExportLag: true, ExportLagMedian: 4, ExportLagMin: 3, ExportLagMax: 5}, // lag known: export times known
	}
	t.Run("text", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.WriteText(context.Background(), &buf, m); err != nil {
			t.Fatal(err)
		}
		fields := map[string][]string{}
		for _, line := range strings.Split(buf.String(), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && strings.HasPrefix(f[0], "192.0.2.") {
				fields[f[0]] = f
			}
		}
		// ... LAG MEDIAN, LAG MIN .. MAX, START AFTER EXPORT, UNDECODED SETS
		for exp, want := range map[string]string{
			"192.0.2.8":  "n/a n/a n/a 0",
			"192.0.2.9":  "n/a n/a 3 0",
			"192.0.2.10": "4 3 .. 5 0 0",
		} {
			f := fields[exp]
			n := len(strings.Fields(want))
			if len(f) < n || strings.Join(f[len(f)-n:], " ") != want {
				t.Errorf("row %s = %q, want it to end in %q", exp, f, want)
			}
		}
		if !strings.Contains(buf.String(), "\n  n/a: not known from this input (Wireshark CSV/XLSX exports carry no export times).\n") {
			t.Errorf("the text does not explain n/a")
		}
	})
	t.Run("JSON", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Exporters []map[string]any `json:"exporters"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for i, want := range []any{nil, 3.0, 0.0} {
			if got := doc.Exporters[i]["start_after_export"]; got != want {
				t.Errorf("exporter %d start_after_export = %v, want %v", i+1, got, want)
			}
		}
		if v, ok := doc.Exporters[0]["start_after_export"]; !ok || v != nil {
			t.Errorf("unknown start_after_export is not null")
		}
	})
}
