package docx

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

// BenchmarkMillionPairs writes the document of a 1,000,000-pair model
// (5,000 pair lines, charts over all pairs). Run with -benchtime=1x.
func BenchmarkMillionPairs(b *testing.B) {
	m := reporttest.Model(1_000_000)
	path := filepath.Join(b.TempDir(), "million.docx")
	b.ResetTimer()
	for range b.N {
		h := reporttest.StartHeapPeak()
		if err := report.WriteFile(context.Background(), path, func(ctx context.Context, w io.Writer) error {
			return Write(ctx, w, m, Options{})
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
