package xlsx

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

// BenchmarkMillionPairs writes a 1,000,000-pair workbook to a file.
// Run with -benchtime=1x: go test -run XXX -bench MillionPairs -benchtime=1x ./internal/report/xlsx
func BenchmarkMillionPairs(b *testing.B) {
	m := reporttest.Model(1_000_000)
	path := filepath.Join(b.TempDir(), "million.xlsx")
	b.ResetTimer()
	for range b.N {
		h := reporttest.StartHeapPeak()
		if err := report.WriteFile(context.Background(), path, func(ctx context.Context, w io.Writer) error {
			return Write(ctx, w, m)
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
