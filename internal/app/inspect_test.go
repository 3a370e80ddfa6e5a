package app

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

func TestFmtDur(t *testing.T) {
	for _, tc := range []struct {
		Name string
		In   time.Duration
		Want string
	}{
		{Name: "a positive duration carries a plus sign", In: 1500 * time.Millisecond, Want: "+1.500 s"},
		{Name: "a negative duration carries a minus sign", In: -389 * time.Millisecond, Want: "-0.389 s"},
		{Name: "less than half a millisecond below zero is 0.000 s without a sign", In: -400 * time.Microsecond, Want: "0.000 s"},
		{Name: "less than half a millisecond above zero is 0.000 s without a sign", In: 400 * time.Microsecond, Want: "0.000 s"},
		{Name: "sub-millisecond digits are rounded", In: -1500 * time.Microsecond, Want: "-0.002 s"},
		{Name: "an hour or more is also given in hours", In: -3 * time.Hour, Want: "-10800.000 s (-3.00 h)"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			if got := fmtDur(tc.In); got != tc.Want {
				t.Errorf("fmtDur(%v) = %q, want %q", tc.In, got, tc.Want)
			}
		})
	}
}

func TestClockLag(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		Name string
		In   LagStats
		Want string
	}{
		{Name: "a lag within the header's cut second agrees with the collector",
			In: LagStats{N: 72, Median: -389 * ms, Min: -987 * ms, Max: -18 * ms}, Want: "agrees with the collector within the 1 s header resolution"},
		{Name: "a small positive lag (transit, jitter) still agrees",
			In: LagStats{N: 1, Median: 200 * ms}, Want: "agrees with the collector within the 1 s header resolution"},
		{Name: "a lag beyond the margin ahead gives the range the exporter's offset lies in",
			In: LagStats{N: 1, Median: 4613 * ms}, Want: "runs 4.613 s .. 5.613 s ahead of the collector"},
		{Name: "a lag beyond the margin behind gives the range, without signs",
			In: LagStats{N: 1, Median: -2500 * ms}, Want: "runs 1.500 s .. 2.500 s behind the collector"},
		{Name: "a lag of hours is also given in hours",
			In: LagStats{N: 1, Median: -2 * time.Hour}, Want: "runs 7199.000 s (2.00 h) .. 7200.000 s (2.00 h) behind the collector"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			if got := clockLag(tc.In); got != tc.Want {
				t.Errorf("clockLag(%+v) = %q, want %q", tc.In, got, tc.Want)
			}
		})
	}
}

func TestLagsSpreadWiderThanTheHeaderExplainsAreNamed(t *testing.T) {
	ms := time.Millisecond
	if s := lagSpreadNote(LagStats{N: 9, Median: -887 * ms, Min: -2387 * ms, Max: -387 * ms}); !strings.Contains(s, "lags range from -2.387 s to -0.387 s") {
		t.Errorf("a 2 s spread (a clock step) gives %q", s)
	}
	if s := lagSpreadNote(LagStats{N: 72, Median: -389 * ms, Min: -987 * ms, Max: -18 * ms}); s != "" {
		t.Errorf("a spread within the header's second gives %q, want none", s)
	}
}

func TestWriteInspectUsesSingularForOneAndBehindForNegativeLag(t *testing.T) {
	tl := &flow.Tally{Inputs: []string{"-"}, Tool: "TShark (Wireshark) 4.0.17", Frames: 1}
	d := tl.Domain(flow.ExporterDomain{Exporter: netip.MustParseAddr("192.0.2.1"), Domain: 310})
	d.Versions[10] = 1
	d.Packets, d.Records = 1, 1
	d.UndecodedSets, d.UndecodedBytes, d.RecoveredSets = 1, 1, 1
	d.TemplateIDs[256] = 1
	d.Encodings[flow.EncMilliseconds] = 1
	d.ExporterPorts[50001], d.CollectorPorts[4739] = 1, 1
	d.ExportLag = []time.Duration{-389 * time.Millisecond}
	d.StartAfterExp = 1
	d.FirstFrame, d.LastFrame = 1, 1
	var b strings.Builder
	if err := WriteInspect(&b, tl); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"inputs: -\n",
		"  template ids    256 (1 record)\n",
		"  undecodable     1 data set (1 byte) tshark could not decode (no template / malformed); 1 set recovered with a later template (-2)\n",
		"  export clock    agrees with the collector within the 1 s header resolution (median lag -0.389 s over 1 packet; min -0.389 s, max -0.389 s)\n",
		"  impossible      1 record starts after its packet's export time\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "-0.389 s ahead") || strings.Contains(got, "-0.000") {
		t.Errorf("negative 'ahead' or '-0.000' in\n%s", got)
	}
}

// inspect's table uses match's forms: versions as 9/10, lags in ms, and
// n/a (explained below the table) where the input carries no export times.
func TestInspectTableSpeaksLikeMatchAndSaysNAWithoutExportTimes(t *testing.T) {
	tl := &flow.Tally{Inputs: []string{"x"}, Frames: 2}
	withLag := tl.Domain(flow.ExporterDomain{Exporter: netip.MustParseAddr("192.0.2.1"), Domain: 310})
	withLag.Versions[9], withLag.Versions[10] = 1, 1
	withLag.Packets, withLag.Records = 2, 4
	withLag.ExportLag = []time.Duration{-711276 * time.Microsecond, -389 * time.Millisecond}
	csvOnly := tl.Domain(flow.ExporterDomain{Exporter: netip.MustParseAddr("192.0.2.2"), Domain: 320})
	csvOnly.Versions[10] = 1
	csvOnly.Packets, csvOnly.Records = 1, 3
	var b strings.Builder
	if err := WriteInspect(&b, tl); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(b.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && rows[f[0]] == nil { // the table comes before the details
			rows[f[0]] = f
		}
	}
	// exporter domain version packets records options undecodable median min .. max start-after-export
	want := map[string]string{
		"192.0.2.1": "192.0.2.1 310 9,10 2 4 0 0 -550.138 -711.276 .. -389 0",
		"192.0.2.2": "192.0.2.2 320 10 1 3 0 0 n/a n/a n/a",
	}
	for k, w := range want {
		if got := strings.Join(rows[k], " "); got != w {
			t.Errorf("row %q, want %q", got, w)
		}
	}
	if !strings.Contains(b.String(), "n/a: not known from this input (Wireshark CSV/XLSX exports carry no export times).") {
		t.Errorf("n/a is not explained:\n%s", b.String())
	}
}
