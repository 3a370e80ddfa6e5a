package output

import (
	"archive/zip"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func TestWriteAllFormatsIntoADirectory(t *testing.T) {
	dir := t.TempDir()
	p := report.PathsInDir(dir, []string{"/captures/capture.pcap"})
	if err := Write(context.Background(), reporttest.Model(20), p, nil); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"capture-nftimediff.csv", "capture-nftimediff.docx", "capture-nftimediff.json", "capture-nftimediff.txt", "capture-nftimediff.xlsx"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	for _, zipped := range []string{p.XLSX, p.DOCX} {
		zr, err := zip.OpenReader(zipped)
		if err != nil {
			t.Fatalf("%s: %v", zipped, err)
		}
		zr.Close()
	}
	if b, _ := os.ReadFile(p.Text); !strings.Contains(string(b), "VERDICT: OUT OF SYNC") {
		t.Errorf("the text summary lacks the verdict")
	}
}

func TestWriteSkipsEmptyNamesAndStopsAtTheFirstError(t *testing.T) {
	dir := t.TempDir()
	p := report.Paths{JSON: filepath.Join(dir, "r.json"), XLSX: filepath.Join(dir, "missing", "r.xlsx"), DOCX: filepath.Join(dir, "r.docx")}
	err := Write(context.Background(), reporttest.Model(3), p, nil)
	if err == nil || !strings.Contains(err.Error(), p.XLSX) {
		t.Fatalf("err = %v, want one naming %s", err, p.XLSX)
	}
	if _, err := os.Stat(p.JSON); err != nil {
		t.Errorf("the JSON written before the error is gone: %v", err)
	}
	if _, err := os.Stat(p.DOCX); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the DOCX after the error was written")
	}
}

func TestDegenerateModelsRenderWithoutPanicking(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *report.Model
	}{
		{"an empty model", &report.Model{}},
		{"a pair without records and NaN statistics", func() *report.Model {
			m := reporttest.Model(2)
			m.Pairs = append(m.Pairs, report.Pair{DeltaMs: math.NaN(), RunnerUpMs: math.Inf(1)})
			m.UnmatchedPre = append(m.UnmatchedPre, report.Unmatched{Reason: "no record"})
			m.Overall.Offset, m.Overall.Median = math.NaN(), math.Inf(-1)
			return m
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(context.Background(), tc.m, report.PathsInDir(dir, []string{"x.pcap"}), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}
