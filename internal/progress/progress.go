// Package progress draws a one-line progress display on a terminal: frames
// and records so far, the share of the input read, the rate and the time left.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// State is what the reader knows about how far it has come.
type State struct {
	Name    string // input being read
	File    int    // its number, 1-based
	Files   int    // number of inputs
	Frame   uint32 // frame of the last record
	Frames  int    // frames in the current input, 0 when unknown
	Records int    // records read so far, all inputs
}

// Bar is a throttled one-line display. The zero value and a nil *Bar are
// silent, so callers need not check whether the display is on.
type Bar struct {
	w       io.Writer
	start   time.Time
	last    time.Time
	every   time.Duration
	now     func() time.Time
	drawn   int // length of the line on screen
	started bool
}

// New returns a Bar drawing on f when f is a terminal and quiet is false,
// otherwise a silent Bar.
func New(f *os.File, quiet bool) *Bar {
	if quiet || f == nil || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return NewWriter(f, 250*time.Millisecond, time.Now)
}

// NewWriter returns a Bar that always draws on w, at most once per every.
// It exists for tests; commands use New.
func NewWriter(w io.Writer, every time.Duration, now func() time.Time) *Bar {
	return &Bar{w: w, every: every, now: now}
}

// Update redraws the line when the last drawing is older than the interval.
func (b *Bar) Update(s State) {
	if b == nil {
		return
	}
	t := b.now()
	if !b.started {
		b.start, b.last, b.started = t, t, true
		return
	}
	if t.Sub(b.last) < b.every {
		return
	}
	b.last = t
	line := Line(s, t.Sub(b.start))
	pad := ""
	if n := b.drawn - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.drawn = len(line)
}

// Done clears the line.
func (b *Bar) Done() {
	if b == nil || b.drawn == 0 {
		return
	}
	fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", b.drawn))
	b.drawn = 0
}

// Line formats a state after elapsed time:
// "sample.pcap (1/2): frame 41200/118000 (34.9 %), 1234567 records, 45210 records/s, 0:42 left".
func Line(s State, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", s.Name)
	if s.Files > 1 {
		fmt.Fprintf(&b, " (%d/%d)", s.File, s.Files)
	}
	share := -1.0
	if s.Frames > 0 {
		share = min(float64(s.Frame)/float64(s.Frames), 1)
		fmt.Fprintf(&b, ": frame %d/%d (%.1f %%)", s.Frame, s.Frames, 100*share)
	} else {
		fmt.Fprintf(&b, ": frame %d", s.Frame)
	}
	fmt.Fprintf(&b, ", %d records", s.Records)
	if sec := elapsed.Seconds(); sec > 0 {
		fmt.Fprintf(&b, ", %.0f records/s", float64(s.Records)/sec)
	}
	if share > 0 && share < 1 && s.Files <= 1 {
		left := time.Duration(float64(elapsed) * (1 - share) / share).Round(time.Second)
		fmt.Fprintf(&b, ", %d:%02d left", int(left.Minutes()), int(left.Seconds())%60)
	}
	return b.String()
}
