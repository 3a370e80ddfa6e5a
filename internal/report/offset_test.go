package report

import (
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
