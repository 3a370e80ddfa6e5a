package match_test

import (
	"context"
	"fmt"
	"testing"

	"netflowtimedifference/internal/gen"
	"netflowtimedifference/internal/match"
)

// generate runs a generator scenario with the given seed (and, when
// records > 0, about that many records) after edit, and matches it.
func generate(t *testing.T, name string, seed int64, records int, edit func(*gen.Config)) (*gen.Capture, *match.Result) {
	t.Helper()
	cfg, ok := gen.Scenario(name)
	if !ok {
		t.Skipf("the generator has no scenario %q", name)
	}
	cfg.Seed = seed
	if edit != nil {
		edit(&cfg)
	}
	if records > 0 {
		n, err := gen.SessionsFor(context.Background(), cfg, records)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Sessions = n
	}
	c, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Run(c.Records, match.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c, res
}

// TestPairsAroundAClockStepMayTakeEitherLevel: between the last unambiguous
// key at the old level and the first at the new one, the step may have
// happened at any time, so a pair there is judged against the nearer of
// the two levels. Before, each time took the level of the nearer key, and
// true pairs at the other level were refused as "not the same session"
// (seed 4: three pairs at 0 ms judged against -1.5 s; seeds 5 and 7: one
// pair at -1.5 s judged against 0).
func TestPairsAroundAClockStepMayTakeEitherLevel(t *testing.T) {
	for _, seed := range []int64{4, 5, 7} {
		t.Run(fmt.Sprintf("clock-step seed %d", seed), func(t *testing.T) {
			c, res := generate(t, "clock-step", seed, 0, nil)
			if missed, wrong := allPairs(c, res); len(missed)+len(wrong) > 0 {
				t.Errorf("of %d truth pairs, missed %v, and pairs not in the truth %v; want all found and no other", len(c.Truth.Pairs), missed, wrong)
			}
		})
	}
}
