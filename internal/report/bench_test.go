package report_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

// Run with -benchtime=1x, e.g.
// go test -run XXX -bench MillionPairs -benchtime=1x ./internal/report/...
func benchmarkMillion(b *testing.B, name string, render func(context.Context, io.Writer, *report.Model) error) {
	m := reporttest.Model(1_000_000)
	path := filepath.Join(b.TempDir(), name)
	b.ResetTimer()
	for range b.N {
		h := reporttest.StartHeapPeak()
		if err := report.WriteFile(context.Background(), path, func(ctx context.Context, w io.Writer) error {
			return render(ctx, w, m)
		}); err != nil {
			b.Fatal(err)
		}
		base, peak := h.Stop()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(base)/(1<<20), "model-heap-MiB")
	}
	b.StopTimer()
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
	}
}

func BenchmarkMillionPairsJSON(b *testing.B) { benchmarkMillion(b, "million.json", report.WriteJSON) }
func BenchmarkMillionPairsCSV(b *testing.B)  { benchmarkMillion(b, "million.csv", report.WriteCSV) }
func BenchmarkMillionPairsText(b *testing.B) { benchmarkMillion(b, "million.txt", report.WriteText) }
