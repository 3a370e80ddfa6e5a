package match

import (
	"math/rand/v2"
	"testing"

	"netflowtimedifference/internal/flow"
)

// TestRunPopularKeyAloneFindsTheOffset: no unambiguous key at all; the
// offset must come from the popular key's candidate differences alone,
// where the true difference recurs for every query while the false ones
// scatter with the irregular spacing.
func TestRunPopularKeyAloneFindsTheOffset(t *testing.T) {
	const offset = -5000.0
	var recs []flow.Record
	at := 0.0
	wrong := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 600; i++ {
		at += 60 + float64(rng.IntN(81)) // 60..140 ms apart
		recs = append(recs,
			r(310, "100.64.1.2", uint16(30000+i), "9.9.9.9", 53, at, "dns", 1),
			r(320, "203.0.113.7", uint16(40000+i), "9.9.9.9", 53, at+offset+float64(i%2), "dns", 1))
	}
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(res.OffsetNs) / 1e6; got < offset || got > offset+1 {
		t.Errorf("reference offset = %v ms, want -5000..-4999", got)
	}
	for _, p := range res.Pairs {
		if p.Post != p.Pre+1 {
			wrong++
		}
	}
	if len(res.Pairs) < 540 || wrong > 0 {
		t.Errorf("%d pairs, %d wrong; want at least 540 (records near the ends may lack partners within the window) and none wrong", len(res.Pairs), wrong)
	}
}
