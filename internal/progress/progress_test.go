package progress

import (
	"strings"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name    string
		s       State
		elapsed time.Duration
		want    string
	}{
		{"a quarter of one file after ten seconds leaves thirty seconds",
			State{Name: "a.pcap", File: 1, Files: 1, Frame: 250, Frames: 1000, Records: 5000}, 10 * time.Second,
			"a.pcap: frame 250/1000 (25.0 %), 5000 records, 500 records/s, 0:30 left"},
		{"several files show which one is read and no time left",
			State{Name: "b.pcap", File: 2, Files: 3, Frame: 10, Frames: 20, Records: 100}, 2 * time.Second,
			"b.pcap (2/3): frame 10/20 (50.0 %), 100 records, 50 records/s"},
		{"an export without a frame count shows the frame only",
			State{Name: "x.csv", File: 1, Files: 1, Frame: 7, Records: 70}, time.Second,
			"x.csv: frame 7, 70 records, 70 records/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.s, tt.elapsed); got != tt.want {
				t.Errorf("Line() = %q\nwant     %q", got, tt.want)
			}
		})
	}
}

func TestBarDrawsAtMostOncePerIntervalAndClearsItsLine(t *testing.T) {
	var out strings.Builder
	now := time.Unix(0, 0)
	b := NewWriter(&out, time.Second, func() time.Time { return now })
	s := State{Name: "a.pcap", File: 1, Files: 1, Frame: 1, Frames: 4, Records: 1}
	b.Update(s) // starts the clock
	now = now.Add(500 * time.Millisecond)
	b.Update(s)
	if out.Len() != 0 {
		t.Fatalf("drew before the interval: %q", out.String())
	}
	now = now.Add(time.Second)
	s.Frame, s.Records = 2, 3
	b.Update(s)
	want := "\ra.pcap: frame 2/4 (50.0 %), 3 records, 2 records/s, 0:02 left"
	if out.String() != want {
		t.Fatalf("drew %q, want %q", out.String(), want)
	}
	b.Done()
	if !strings.HasSuffix(out.String(), "\r"+strings.Repeat(" ", len(want)-1)+"\r") {
		t.Errorf("Done did not clear the line: %q", out.String())
	}
}

func TestNilBarIsSilent(t *testing.T) {
	var b *Bar
	b.Update(State{})
	b.Done()
	if New(nil, false) != nil {
		t.Error("New(nil) should be silent")
	}
}
