package stats

import (
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// BenchmarkAnalyze1M analyzes a million pairs over an hour (5 s offset,
// 10 ppm drift, a step, +-2 ms jitter).
func BenchmarkAnalyze1M(b *testing.B) {
	const n = 1_000_000
	t0 := int64(1_700_000_000) * 1e9
	samples := make([]Sample, n)
	for i := range samples {
		at := t0 + int64(i)*int64(3600*time.Second)/n
		d := int64(5*time.Second) + int64(float64(at-t0)*10e-6) + int64(i%5-2)*int64(time.Millisecond)
		if i > n*2/3 {
			d += int64(300 * time.Millisecond)
		}
		samples[i] = Sample{AtNs: at, DeltaNs: d, PreEnc: flow.EncMilliseconds, PostEnc: flow.EncMilliseconds}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var a Analysis
	for i := 0; i < b.N; i++ {
		a = Analyze(samples, Options{})
	}
	b.StopTimer()
	if len(a.Steps) != 1 || a.Verdict.Code != OutOfSync || a.Drift.PPM < 9.9 || a.Drift.PPM > 10.1 {
		b.Fatalf("steps %+v verdict %s drift %+v", a.Steps, a.Verdict.Code, a.Drift)
	}
}
