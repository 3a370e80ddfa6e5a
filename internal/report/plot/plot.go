// Package plot draws the report's two charts as PNG images with the standard
// library (image/png) and the basicfont bitmap font: the histogram of the
// differences and the difference over time. They are kept simple: axes, ticks,
// labels and a title, readable when placed 16 cm wide in a Word document.
package plot

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"slices"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

// Image size in pixels (2:1, shown 16 cm x 8 cm in the DOCX) and the text scale.
const (
	Width  = 1200
	Height = 600
	scale  = 2 // basicfont 7x13 drawn at 14x26 px: about 9 pt at 16 cm width
)

const (
	marginLeft   = 140
	marginRight  = 40
	marginTop    = 100
	marginBottom = 110
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grid  = color.RGBA{225, 225, 225, 255}
	bar   = color.RGBA{68, 114, 196, 255}
	dot   = color.RGBA{197, 90, 17, 255}
	red   = color.RGBA{220, 0, 0, 255}
)

type canvas struct {
	img                    *image.RGBA
	left, right, top, bott int // plot area in pixels
}

func newCanvas(title string) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	c := &canvas{img: img, left: marginLeft, right: Width - marginRight, top: marginTop, bott: Height - marginBottom}
	c.text(Width/2, 8, title, 0.5, black)
	return c
}

func (c *canvas) encode(w io.Writer) error {
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, c.img)
}

func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	if x0 > x1 {
		x0, x1 = x1, x0
	}
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	draw.Draw(c.img, image.Rect(x0, y0, x1+1, y1+1), image.NewUniform(col), image.Point{}, draw.Src)
}

func (c *canvas) hline(x0, x1, y int, col color.Color) { c.rect(x0, y, x1, y+1, col) }
func (c *canvas) vline(x, y0, y1 int, col color.Color) { c.rect(x, y0, x+1, y1, col) }

// text draws s with its top at y; align 0 = left of x, 0.5 = centred, 1 = right.
// basicfont holds printable ASCII; other characters show as "?".
func (c *canvas) text(x, y int, s string, align float64, col color.Color) {
	b := []byte{}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b = append(b, byte(r))
	}
	s = string(b)
	face := basicfont.Face7x13
	w, h := len(s)*face.Advance, face.Height
	small := image.NewAlpha(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: small, Src: image.Opaque, Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(s)
	x0 := x - int(align*float64(w*scale))
	x0 = max(0, min(x0, Width-w*scale)) // keep labels inside the image
	for sy := 0; sy < h; sy++ {
		for sx := 0; sx < w; sx++ {
			if small.AlphaAt(sx, sy).A < 128 {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					px, py := x0+sx*scale+dx, y+sy*scale+dy
					if image.Pt(px, py).In(c.img.Rect) {
						c.img.Set(px, py, col)
					}
				}
			}
		}
	}
}

const charH = 13 * scale

// yAxis draws horizontal grid lines and labels for values lo..hi and returns
// the value -> pixel mapping.
func (c *canvas) yAxis(lo, hi float64, label string) func(float64) int {
	if hi <= lo {
		hi = lo + 1
	}
	ticks, step := niceTicks(lo, hi, 6)
	lo, hi = math.Min(lo, ticks[0]), math.Max(hi, ticks[len(ticks)-1])
	y := func(v float64) int { return c.bott - int(math.Round((v-lo)/(hi-lo)*float64(c.bott-c.top))) }
	for _, t := range ticks {
		py := y(t)
		c.hline(c.left, c.right, py, grid)
		c.text(c.left-10, py-charH/2, tickLabel(t, step), 1, black)
	}
	c.text(10, c.top-charH-10, label, 0, black)
	return y
}

func (c *canvas) frame() {
	c.vline(c.left, c.top, c.bott, black)
	c.hline(c.left, c.right, c.bott, black)
}

// niceTicks returns ticks at a step of 1, 2 or 5 times a power of ten
// covering lo..hi with at most about n ticks.
func niceTicks(lo, hi float64, n int) ([]float64, float64) {
	step := niceStep((hi - lo) / float64(n))
	first := math.Floor(lo/step) * step
	var t []float64
	for v := first; v <= hi+step*1e-9; v += step {
		t = append(t, math.Round(v/step)*step)
	}
	if t[len(t)-1] < hi {
		t = append(t, t[len(t)-1]+step)
	}
	return t, step
}

func niceStep(x float64) float64 {
	if !(x > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v, step float64) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	s := fmt.Sprintf("%.*f", dec, v)
	if s == "-0" {
		s = "0"
	}
	return s
}

// Histogram draws the histogram of differences as columns, one per bin.
func Histogram(w io.Writer, h report.Histogram, title string) error {
	c := newCanvas(title)
	maxCount := 0
	for _, b := range h.Bins {
		maxCount = max(maxCount, b.Count)
	}
	y := c.yAxis(0, float64(max(maxCount, 1)), "pairs")
	n := len(h.Bins)
	if n == 0 {
		c.frame()
		c.text(Width/2, Height/2, "no pairs", 0.5, black)
		return c.encode(w)
	}
	slot := float64(c.right-c.left) / float64(n)
	// Label at most ~8 bins: their lower edge, or the tail bin's label.
	every := max(1, int(math.Ceil(float64(n)/8)))
	for i, b := range h.Bins {
		x0 := c.left + int(float64(i)*slot+slot*0.1)
		x1 := c.left + int(float64(i+1)*slot-slot*0.1)
		if b.Count > 0 {
			c.rect(x0, y(float64(b.Count)), max(x0, x1), c.bott, bar)
		}
		if i%every == 0 || i == n-1 && n <= 8 {
			label := report.FormatMs(b.Low)
			if math.IsInf(b.Low, -1) {
				label = b.Label
			} else if math.IsInf(b.High, 1) {
				label = b.Label
			}
			c.text((x0+x1)/2, c.bott+10, label, 0.5, black)
		}
	}
	c.frame()
	c.text((c.left+c.right)/2, Height-charH-20, fmt.Sprintf("difference post - pre (ms), bins of %s ms, %d pairs", report.FormatMs(h.Width), h.Total), 0.5, black)
	return c.encode(w)
}

// Scatter draws the difference over time: x is the pre start time (UTC),
// y the difference in ms.
func Scatter(w io.Writer, pts []report.Point, title string) error {
	c := newCanvas(title)
	if len(pts) == 0 {
		c.yAxis(0, 1, "difference (ms)")
		c.frame()
		c.text(Width/2, Height/2, "no pairs", 0.5, black)
		return c.encode(w)
	}
	t0, t1 := pts[0].At, pts[0].At
	ds := make([]float64, len(pts))
	for i, p := range pts {
		ds[i] = p.DeltaMs
		t0, t1 = min(t0, p.At), max(t1, p.At)
	}
	slices.Sort(ds)
	lo, hi := ds[0], ds[len(ds)-1]
	// A few wild pairs must not flatten the picture: when the 1st..99th
	// percentile spans less than a fifth of the full range, show that band
	// and mark the points outside at the edge.
	if len(ds) >= 50 {
		qlo, qhi := ds[len(ds)/100], ds[len(ds)-1-len(ds)/100]
		if qhi-qlo < (hi-lo)/5 {
			lo, hi = qlo, qhi
		}
	}
	if hi-lo < 1 { // a flat line: give it a 1 ms band
		mid := (hi + lo) / 2
		lo, hi = mid-0.5, mid+0.5
	}
	pad := (hi - lo) * 0.05
	y := c.yAxis(lo-pad, hi+pad, "difference (ms)")
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Second
	}
	x := func(t flow.Instant) int {
		return c.left + int(math.Round(float64(t.Sub(t0))/float64(span)*float64(c.right-c.left)))
	}
	// Time ticks at a round interval, labelled with the UTC time of day.
	step := timeStep(span / 6)
	first := t0.Time().Truncate(step)
	if first.Before(t0.Time()) {
		first = first.Add(step)
	}
	layout := "15:04:05"
	if step >= 24*time.Hour {
		layout = "01-02 15:04"
	}
	for t := first; !t.After(t1.Time()); t = t.Add(step) {
		px := x(flow.InstantOf(t))
		c.vline(px, c.top, c.bott, grid)
		c.vline(px, c.bott, c.bott+6, black)
		c.text(px, c.bott+10, t.Format(layout), 0.5, black)
	}
	outside := 0
	for _, p := range pts {
		px := x(p.At)
		switch {
		case p.DeltaMs > hi+pad:
			outside++
			c.rect(px-2, c.top, px+2, c.top+8, red)
		case p.DeltaMs < lo-pad:
			outside++
			c.rect(px-2, c.bott-8, px+2, c.bott, red)
		default:
			py := y(p.DeltaMs)
			c.rect(px-2, py-2, px+2, py+2, dot)
		}
	}
	if outside > 0 {
		c.text(c.right, 8+charH+4, fmt.Sprintf("%d outside the range shown (red, at the edge)", outside), 1, red)
	}
	c.frame()
	axis := fmt.Sprintf("pre start, UTC, from %s (%d points)", t0.Time().Format("2006-01-02 15:04:05"), len(pts))
	c.text((c.left+c.right)/2, Height-charH-20, axis, 0.5, black)
	return c.encode(w)
}

// timeStep rounds d up to a readable tick interval.
func timeStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{
		time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
		50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	} {
		if s >= d {
			return s
		}
	}
	days := (d + 24*time.Hour - 1) / (24 * time.Hour)
	return days * 24 * time.Hour
}
