package plot

import (
	"bytes"
	"image/png"
	"os"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func TestChartsAreDecodablePNGsOfTheStatedSize(t *testing.T) {
	m := reporttest.Model(500)
	for _, tc := range []struct {
		name string
		draw func(*bytes.Buffer) error
	}{
		{"histogram", func(b *bytes.Buffer) error { return Histogram(b, report.DeltaHistogram(m.Pairs, 40), "Histogram") }},
		{"scatter", func(b *bytes.Buffer) error { return Scatter(b, report.DeltaSeries(m.Pairs, 2000), "Over time") }},
		{"empty histogram", func(b *bytes.Buffer) error { return Histogram(b, report.Histogram{}, "none") }},
		{"empty scatter", func(b *bytes.Buffer) error { return Scatter(b, nil, "none") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.draw(&b); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if r := img.Bounds(); r.Dx() != Width || r.Dy() != Height {
				t.Errorf("size %v, want %dx%d", r, Width, Height)
			}
			if dir := os.Getenv("PLOT_OUT"); dir != "" {
				_ = os.WriteFile(dir+"/"+tc.name+".png", b.Bytes(), 0o644)
			}
		})
	}
}

func TestNiceTicksCoverTheRangeAtRoundSteps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lo, hi    float64
		wantFirst float64
		wantStep  float64
	}{
		{"0 to 100 in steps of 20", 0, 100, 0, 20},
		{"4999.5 to 5002.5 in steps of 0.5", 4999.5, 5002.5, 4999.5, 0.5},
		{"-7 to 3 in steps of 2", -7, 3, -8, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ticks, step := niceTicks(tc.lo, tc.hi, 6)
			if step != tc.wantStep || ticks[0] != tc.wantFirst || ticks[len(ticks)-1] < tc.hi {
				t.Errorf("ticks %v step %v", ticks, step)
			}
		})
	}
}
