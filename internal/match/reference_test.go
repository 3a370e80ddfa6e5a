package match

import (
	"testing"
	"time"
)

func TestSignedDurationReadsNearQuarterHoursAsATimeZone(t *testing.T) {
	tests := []struct {
		name string
		ns   int64
		want string
	}{
		{"below a minute it stays in seconds", int64(7200 * time.Millisecond), "+7.2 s"},
		{"a negative difference below a minute keeps its sign", -int64(49 * time.Millisecond), "-0.049 s"},
		{"just below a minute after rounding to the millisecond is seconds", int64(59999 * time.Millisecond), "+59.999 s"},
		{"a minute is a minute", int64(time.Minute), "+1 min"},
		{"away from quarter hours it is hours, minutes and seconds", int64(time.Hour + 7*time.Minute + 3500*time.Millisecond), "+1 h 7 min 3.5 s"},
		{"a negative value away from quarter hours", -int64(7*time.Minute + 12*time.Second), "-7 min 12 s"},
		{"exactly three hours is three hours", int64(3 * time.Hour), "+3 h"},
		{"three hours and a millisecond shows the millisecond", int64(3*time.Hour + time.Millisecond), "+3 h +0.001 s"},
		{"three hours less 32.3 s still reads as three hours", int64(3*time.Hour - 32300*time.Millisecond), "+3 h -32.3 s"},
		{"India's time zone behind", -int64(5*time.Hour + 30*time.Minute), "-5 h 30 min"},
		{"a negative time zone with a rest adds the signed rest", -int64(5*time.Hour + 30*time.Minute - 2500*time.Millisecond), "-5 h 30 min +2.5 s"},
		{"five minutes from a quarter hour is no longer read as one", int64(3*time.Hour + 5*time.Minute), "+3 h 5 min"},
		{"sub-millisecond parts round to the millisecond", int64(3*time.Hour + 400*time.Microsecond), "+3 h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := signedDuration(tt.ns); got != tt.want {
				t.Errorf("signedDuration(%d) = %q, want %q", tt.ns, got, tt.want)
			}
		})
	}
}

// stepSamples returns unambiguous differences every 200 ms over [0, 90 s)
// from base: -1500 ms (alternating -1499 and -1501) before 40 s, 0 (+-1)
// from 40 s on, and every seventh one a coincidental key 3 s off.
func stepSamples() []sample {
	var u []sample
	for i := 0; i < 450; i++ {
		t := int64(base) + int64(i)*int64(200*time.Millisecond)
		d := int64(-1500 * time.Millisecond)
		if i >= 200 { // 40 s
			d = 0
		}
		d += int64(1-2*(i%2)) * int64(time.Millisecond)
		if i%7 == 3 {
			d += int64(3 * time.Second)
		}
		u = append(u, sample{t, d})
	}
	return u
}

func TestLocalReferenceFollowsAStepBetweenTwoKeys(t *testing.T) {
	m := &matcher{}
	c := &combo{unique: stepSamples(), ref: reference{global: -int64(1500 * time.Millisecond)}}
	m.localReference(c, int64(2*time.Millisecond))
	at := func(s float64) float64 {
		return float64(c.ref.at(int64(base)+int64(s*float64(time.Second)))) / 1e6
	}
	// The last key at -1.5 s is at 39.6 s (the one at 39.8 s is a
	// coincidence 3 s off: i = 199, 199 mod 7 = 3), the first at 0 is at
	// 40.0 s: the reference switches at their midpoint, 39.8 s. Every value
	// is one of the keys' differences (-1501, -1499, -1, +1 ms): the rolling
	// median picks a key, and the keys 3 s off never reach it.
	for _, tt := range []struct {
		at       float64
		low, hig float64
	}{
		{-5, -1501, -1499}, {0, -1501, -1499}, {20, -1501, -1499}, {39.6, -1501, -1499}, {39.79, -1501, -1499},
		{39.81, -1, 1}, {39.9, -1, 1}, {40, -1, 1}, {41, -1, 1}, {60, -1, 1}, {89.8, -1, 1}, {100, -1, 1},
	} {
		if got := at(tt.at); got < tt.low || got > tt.hig {
			t.Errorf("reference at %v s = %v ms, want %v..%v ms", tt.at, got, tt.low, tt.hig)
		}
	}
	if len(c.ref.steps) != 1 {
		t.Fatalf("steps at knots %v, want exactly one", c.ref.steps)
	}
	i := c.ref.steps[0]
	if got, want := c.ref.t[i], int64(base)+int64(39600*time.Millisecond); got != want {
		t.Errorf("step from the key at %v, want the key at 39.6 s", time.Duration(got-int64(base)))
	}
	if got, want := c.ref.t[i+1], int64(base)+int64(40*time.Second); got != want {
		t.Errorf("step to the key at %v, want the key at 40 s", time.Duration(got-int64(base)))
	}
}

func TestLocalReferenceInterpolatesDriftAndFallsBackWhenEvidenceIsThin(t *testing.T) {
	// 100 ppm over an hour is 360 ms: keys every 10 s with the difference
	// 5 s + 100 ppm * t. The reference follows it to within a key's step
	// (1 ms) and reports no step.
	var u []sample
	for i := 0; i <= 360; i++ {
		dt := int64(i) * int64(10*time.Second)
		u = append(u, sample{int64(base) + dt, int64(5*time.Second) + dt/10_000})
	}
	m := &matcher{}
	c := &combo{unique: u, ref: reference{global: int64(5 * time.Second)}}
	m.localReference(c, int64(2*time.Millisecond))
	if len(c.ref.steps) != 0 {
		t.Errorf("steps at knots %v, want none for a drift", c.ref.steps)
	}
	for _, s := range []int64{20, 25, 1800, 1805, 3570} {
		dt := s * int64(time.Second)
		want := int64(5*time.Second) + dt/10_000
		if got := c.ref.at(int64(base) + dt); abs64(got-want) > int64(time.Millisecond) {
			t.Errorf("reference at %d s = %v, want %v within 1 ms", s, time.Duration(got), time.Duration(want))
		}
	}
	// Nine keys are fewer than two blocks: the overall offset serves.
	c = &combo{unique: u[:2*minBucket-1], ref: reference{global: 42}}
	m.localReference(c, int64(2*time.Millisecond))
	if got := c.ref.at(int64(base) + int64(time.Hour)); got != 42 || len(c.ref.t) != 0 {
		t.Errorf("with 9 keys the reference is %d with %d knots, want the overall 42 and none", got, len(c.ref.t))
	}
}

// Between the last key at the old level (39.6 s) and the first at the new
// one (40 s) the step may have happened at any time: a difference is judged
// against the nearer of the two levels there, and only there.
func TestLocalReferenceAcceptsEitherLevelWithinTheStepBracket(t *testing.T) {
	m := &matcher{}
	c := &combo{unique: stepSamples(), ref: reference{global: -int64(1500 * time.Millisecond)}}
	m.localReference(c, int64(2*time.Millisecond))
	ms := func(v float64) int64 { return int64(v * float64(time.Millisecond)) }
	for _, tt := range []struct {
		name      string
		at, d     float64 // s, ms
		low, high float64 // the level wanted, ms
	}{
		{"in the bracket nearer the old key, a difference at the new level takes the new level", 39.7, 0, -1, 1},
		{"in the bracket nearer the old key, a difference at the old level takes the old level", 39.7, -1500, -1501, -1499},
		{"in the bracket nearer the new key, a difference at the old level takes the old level", 39.95, -1500, -1501, -1499},
		{"before the bracket a difference at the new level is judged against the old", 39.5, 0, -1501, -1499},
		{"after the bracket a difference at the old level is judged against the new", 40.1, -1500, -1, 1},
		{"the old key itself is at the old level", 39.6, 0, -1501, -1499},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at := int64(base) + int64(tt.at*float64(time.Second))
			got := float64(c.ref.level(at, ms(tt.d))) / 1e6
			if got < tt.low || got > tt.high {
				t.Errorf("level at %v s for %v ms = %v ms, want %v..%v ms", tt.at, tt.d, got, tt.low, tt.high)
			}
			if dev := c.ref.dev(at, ms(tt.d)); dev != abs64(ms(tt.d)-c.ref.level(at, ms(tt.d))) {
				t.Errorf("dev = %d, want the distance to the level", dev)
			}
		})
	}
}
