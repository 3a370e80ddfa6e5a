package report

import (
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

func TestAppendInstantMatchesInstantFormat(t *testing.T) {
	ts := []flow.Instant{0, flow.InstantOf(time.Date(2026, 12, 3, 10, 0, 0, 250_123_456, time.UTC)), flow.UnixMilli(-1)}
	for _, in := range ts {
		for p := flow.PrecisionUnknown; p <= flow.PrecisionNano+1; p++ {
			if got, want := string(appendInstant(nil, in, p)), in.Format(p); got != want {
				t.Errorf("appendInstant(%d, %v) = %q, want %q", in, p, got, want)
			}
		}
	}
}
