package gen

import (
	"io"
	"testing"
)

// BenchmarkGenerate measures Generate plus WritePcap on the popular-5s
// scenario scaled to about 100 000 records; records/s is reported. The
// 1 000 000-record figure in README-gen.md was measured with the CLI.
func BenchmarkGenerate(b *testing.B) {
	cfg, _ := Scenario("popular-5s")
	cfg.Sessions = 50_000
	b.ReportAllocs()
	var records int
	for b.Loop() {
		c, err := Generate(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.WritePcap(io.Discard); err != nil {
			b.Fatal(err)
		}
		records = len(c.Records)
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
