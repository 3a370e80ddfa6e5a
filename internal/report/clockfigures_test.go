package report

import (
	"context"
	"strings"
	"testing"
	"time"
)

// After a clock step the offset is the last level's: the headline says
// since when, and what the levels were before, instead of passing the
// pooled median of two levels off as the offset.
func TestOffsetTextAfterClockStepsSaysSinceWhenAndTheEarlierLevels(t *testing.T) {
	at := time.Date(2025, 6, 10, 9, 0, 40, 224e6, time.UTC)
	c := Clock{Pairs: 513, Offset: 0, OffsetLow: 0, OffsetHigh: 1, OffsetInterval: "95 % interval", OffsetCoverage: 0.96, OffsetIntervalReached: true}
	if got, want := OffsetText(&c), "0 ms (95 % interval 0 .. 1 ms), post - pre"; got != want {
		t.Errorf("no step: %q, want %q", got, want)
	}
	c.Steps = []Step{{At: at.Add(-20 * time.Second), BeforeMs: 300, AfterMs: -1500}, {At: at, BeforeMs: -1500, AfterMs: 0}}
	want := "0 ms (95 % interval 0 .. 1 ms) since the clock step at 2025-06-10 09:00:40.224 UTC (before it: 300 ms, then -1500 ms), post - pre"
	if got := OffsetText(&c); got != want {
		t.Errorf("two steps: %q, want %q", got, want)
	}
}

// Exporter pairs of different precision pooled: the pooled precision is
// not the coarsest pair's alone, and each pair's is in the table.
func TestPrecisionVaryingByExporterPairIsSaidSoAndTabled(t *testing.T) {
	c := Clock{Pairs: 3, Uncertainty: 1000, UncertaintyMin: 0.001}
	if got, want := PrecisionText(&c), "±0.001 ms to ±1000 ms depending on exporter pair (see the per exporter pair table): pooled figures mix them"; got != want {
		t.Errorf("PrecisionText = %q, want %q", got, want)
	}
	c.UncertaintyMin = 1000
	if got := PrecisionText(&c); !strings.HasPrefix(got, "±1000 ms: at least one side carries whole seconds") {
		t.Errorf("one precision: %q, want the whole-seconds sentence", got)
	}
	m := &Model{Overall: Clock{Label: "all", Pairs: 2, Uncertainty: 1000, UncertaintyMin: 1},
		PerPair: []Clock{{Label: "a/310 -> a/320", Pairs: 1, Uncertainty: 1000}, {Label: "b/310 -> b/320", Pairs: 1, Uncertainty: 1}}}
	var b strings.Builder
	if err := WriteText(context.Background(), &b, m); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"STEPS  PRECISION ms\n", "   ±1000\n", "      ±1\n", "Precision         ±1 ms to ±1000 ms depending on exporter pair"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}
