package app

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/gen"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/stats"
)

// The ipfixcol capture carries the same traffic under ODID 0 and ODID 4.
// Figures read off tshark's own tree (TZ=UTC tshark -T json, counted with a
// short script): 121 records in ODID 0, 117 in ODID 4; 83 (5-tuple, start)
// combinations occur in both with identical start times; one long session
// (147.229.14.221:52866 <-> 212.111.2.151:8000, split every ~4 s by the active
// timeout) starts 949 ms later in ODID 4 in the return direction and 1051 ms
// later in the forward direction, and its continuation records differ by
// 0.9 to 1.3 s. That session was running when the capture began, so its
// first records in the capture are themselves continuations (split points). (../shared/captures/README.md summarises this as "67 with
// 0 ms, 2 with 949 ms" over 69 common 5-tuples; by first record per 5-tuple
// tshark's tree gives 66 common 5-tuples: 64 at 0 ms, 949 ms and 1051 ms.)
// Neither 310 nor 320 is present, so match must fall back to the two domains
// that carry flows and say so.
func TestMatchFindsTheKnownDifferencesOfTheIpfixcolCapture(t *testing.T) {
	in := filepath.Join(realDir, "ipfixcol-02-odid0+odid4.pcap")
	needCapture(t, in)
	cfg := MatchConfig{Inputs: []string{in}}
	recs, tally, err := readAll(context.Background(), cfg.Inputs, cfg.Source)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 238 {
		t.Fatalf("%d records, want 238", len(recs))
	}
	res, err := match.Run(recs, cfg.Match)
	if err != nil {
		t.Fatal(err)
	}
	m := BuildModel(recs, tally, res, cfg)
	if got := m.Params.PreDomains; len(got) != 1 || got[0] != 0 {
		t.Errorf("pre domains %v, want [0]", got)
	}
	if got := m.Params.PostDomains; len(got) != 1 || got[0] != 4 {
		t.Errorf("post domains %v, want [4]", got)
	}
	if m.Params.DomainNote == "" {
		t.Error("no note says that domains 0 and 4 replaced the defaults")
	}
	byDelta := map[float64]int{}
	var first, heads []float64 // differences of pairs that are not continuations; of the long session's first records
	for i, p := range m.Pairs {
		byDelta[p.DeltaMs]++
		if p.DeltaMs != 0 && !res.Pairs[i].Continuation {
			first = append(first, p.DeltaMs)
		}
		if res.Pairs[i].Head {
			heads = append(heads, p.DeltaMs)
		}
	}
	if len(m.Pairs) != 117 || byDelta[0] != 83 {
		t.Errorf("%d pairs, %d at 0 ms; want 117 (every ODID 4 record), 83 at 0 ms", len(m.Pairs), byDelta[0])
	}
	// The long session was running when the capture began (its first
	// records start at 11:18:49, the exporter's first export is at
	// 11:18:52): its first records in the capture are split points, so they
	// are continuations, and the report says why they differ.
	slices.Sort(heads)
	if len(first) != 0 || !slices.Equal(heads, []float64{949, 1051}) {
		t.Errorf("non-zero differences of first segments %v, of the running session's first records %v; want none and [949 1051]", first, heads)
	}
	if m.Overall.Median != 0 {
		t.Errorf("median %v, want 0", m.Overall.Median)
	}
	if m.Verdict.Code != stats.InSync {
		t.Errorf("verdict %q, want %q: %v", m.Verdict.Code, stats.InSync, m.Verdict.Reasons)
	}
	var text bytes.Buffer
	cfg.Stdout = &text
	if err := Match(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	words := strings.Join(strings.Fields(text.String()), " ") // the summary's sentences are wrapped
	for _, want := range []string{"VERDICT: IN SYNC", "+949 ms (domain 0 frame 7 flow 1 <=> domain 4 frame 11 flow 1, 212.111.2.151:8000 -> 147.229.14.221:52866 tcp)", "already running when the capture began"} {
		if !strings.Contains(words, want) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
}

// A post clock three hours ahead (a time-zone setting) gives no pair inside
// the default 6 s window. The model must say which window would find them,
// and that window must then find the offset and call it a time-zone hint.
func TestMatchSuggestsAWindowWhenTheOffsetIsHoursAndThenFindsIt(t *testing.T) {
	cfg, ok := gen.Scenario("tz-3h")
	if !ok {
		t.Fatal("scenario tz-3h missing")
	}
	capt, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs := capt.Records
	tally := &flow.Tally{}
	res, err := match.Run(recs, match.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := BuildModel(recs, tally, res, MatchConfig{})
	if len(m.Pairs) != 0 {
		t.Fatalf("%d pairs inside the default window, want 0", len(m.Pairs))
	}
	var hint string
	for _, n := range m.Verdict.Reasons {
		if _, after, ok := strings.Cut(n, "rerun with --window "); ok {
			hint = after
		}
	}
	window, err := time.ParseDuration(hint)
	if err != nil {
		t.Fatalf("no usable --window suggestion in the verdict's reasons %q: %v", m.Verdict.Reasons, err)
	}
	if window < 3*time.Hour || window > 4*time.Hour {
		t.Fatalf("suggested window %v, want between 3 h and 4 h", window)
	}
	res, err = match.Run(recs, match.Config{Window: window})
	if err != nil {
		t.Fatal(err)
	}
	m = BuildModel(recs, tally, res, MatchConfig{})
	if got := m.Overall.Median; got != 3*3600*1000 {
		t.Errorf("median difference %v ms, want exactly 10800000 (the scenario sets the post clock +3 h; the median of millisecond differences lands on it)", got)
	}
	if !strings.Contains(m.Overall.QuarterHourHint, "12 quarter hours") {
		t.Errorf("quarter-hour hint %q, want one naming 12 quarter hours", m.Overall.QuarterHourHint)
	}
}

// The analyst's real export (../shared/docs/mission.md): three probes
// each exporting 310 and 320; 1353 records, of which 675 lost their start
// time to Wireshark's 255-character CSV cells. Per side (counted from the
// CSV with Python's csv module): pre 58+201+125 = 384, post 369+220+380 = 969.
func TestMatchReadsTheAnalystsExcelExportAndSaysWhatWasLost(t *testing.T) {
	in := filepath.Join(realDir, "..", "user-export", "c2p1med01.xlsx")
	if _, err := os.Stat(in); err != nil {
		t.Skipf("%s not found: skipping", in)
	}
	cfg := MatchConfig{Inputs: []string{in}}
	recs, tally, err := readAll(context.Background(), cfg.Inputs, cfg.Source)
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Run(recs, cfg.Match)
	if err != nil {
		t.Fatal(err)
	}
	m := BuildModel(recs, tally, res, cfg)
	if len(recs) != 1353 || m.RecordsPre != 384 || m.RecordsPost != 969 {
		t.Errorf("%d records, %d pre, %d post; want 1353, 384, 969", len(recs), m.RecordsPre, m.RecordsPost)
	}
	if len(m.Pairs) == 0 {
		t.Fatal("no pairs between 310 and 320")
	}
	want := "675 records"
	found := false
	for _, r := range m.Verdict.Reasons {
		found = found || strings.Contains(r, want)
	}
	if !found {
		t.Errorf("verdict reasons do not mention the %s without a start time: %q", want, m.Verdict.Reasons)
	}
	for _, p := range m.Pairs {
		if p.Pre.Domain != 310 || p.Post.Domain != 320 || p.Pre.Dst != p.Post.Dst || p.Pre.DstPort != p.Post.DstPort {
			t.Errorf("pair %v <=> %v is not 310 -> 320 with the same destination", p.Pre.Pos, p.Post.Pos)
		}
	}
	// The export has no header export times, but its start times name the
	// probes whose clocks run ahead of the collector: read off the CSV with
	// a separate script, the largest start - capture time of probe .170's
	// domain 320 is 73.807 s (records at millisecond precision: at least
	// 73.806 s), 190 of its records carry a start, 177 of them after capture.
	want = "10.103.0.170/320 runs at least 73.806 s ahead of the collector (177 of 190 records start after their capture)"
	found = false
	for _, r := range m.Verdict.Reasons {
		found = found || strings.Contains(r, want)
	}
	if !found {
		t.Errorf("verdict reasons lack %q: %q", want, m.Verdict.Reasons)
	}
}

func TestStartsAfterTheirCaptureShowTheExportersClockAhead(t *testing.T) {
	ed := flow.ExporterDomain{Exporter: netip.MustParseAddr("192.0.2.1"), Domain: 320}
	capt := flow.UnixMilli(1_700_000_000_000)
	rec := func(afterMs int64, enc flow.Encoding) flow.Record {
		return flow.Record{Exporter: ed.Exporter, Domain: ed.Domain, CaptureTime: capt, Start: capt.Add(time.Duration(afterMs) * time.Millisecond), StartEnc: enc}
	}
	cs := startChecks{}
	for _, r := range []flow.Record{
		rec(-3000, flow.EncMilliseconds), // started before capture: normal
		rec(200, flow.EncMilliseconds),   // within the 250 ms margin: transit and jitter
		rec(5000, flow.EncMilliseconds),  // 5 s after capture: the clock is at least 4.999 s ahead
		rec(1100, flow.EncV9Uptime),      // a v9 start may lie 1 s off: 0.1 s is within the margin
	} {
		cs.add(&r)
	}
	got := cs.aheadOf(func(flow.ExporterDomain) bool { return false })
	want := []string{"192.0.2.1/320 runs at least 4.999 s ahead of the collector (1 of 4 records start after their capture)"}
	if !slices.Equal(got, want) {
		t.Errorf("aheadOf = %q, want %q", got, want)
	}
	if got := cs.aheadOf(func(flow.ExporterDomain) bool { return true }); len(got) != 0 {
		t.Errorf("an exporter with export times is left to the export clock check, got %q", got)
	}
}

// In the multi-probe scenario three probes export both domains; only probe
// .169's post clock is 5 s ahead (and .170's two clocks are both 1.5 s ahead,
// which pairing cannot see but the export-clock check can). Pooled figures
// would say "1 ms"; the verdict must name the exporter pair that is off and
// the export check the exporters whose clocks disagree with the collector.
func TestMatchNamesTheOneProbeThatIsOffAmongHealthyOnes(t *testing.T) {
	cfg, _ := gen.Scenario("multi-probe")
	capt, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tally := &flow.Tally{}
	for i := range capt.Records {
		r := &capt.Records[i]
		d := tally.Domain(r.ExporterDomain())
		d.Records++
		if i == 0 || capt.Records[i-1].Frame != r.Frame {
			d.ExportLag = append(d.ExportLag, r.ExportTime.Sub(r.CaptureTime))
		}
	}
	res, err := match.Run(capt.Records, match.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := BuildModel(capt.Records, tally, res, MatchConfig{})
	if m.Verdict.Code != stats.OutOfSync {
		t.Errorf("verdict %q, want %q", m.Verdict.Code, stats.OutOfSync)
	}
	if !strings.Contains(m.Verdict.Summary, "1 of 3 exporter pairs out of sync: 10.103.0.169/310 -> 10.103.0.169/320 +5 s") {
		t.Errorf("summary does not name the .169 pair at +5 s: %q", m.Verdict.Summary)
	}
	var check string
	for _, r := range m.Verdict.Reasons {
		if strings.HasPrefix(r, "Export clock check") {
			check = r
		}
	}
	for _, want := range []string{"10.103.0.169/320 runs 4.", "10.103.0.170/310 runs", "10.103.0.170/320 runs", "Agree with the collector: 10.103.0.168/310, 10.103.0.168/320, 10.103.0.169/310."} {
		if !strings.Contains(check, want) {
			t.Errorf("export clock check lacks %q: %q", want, check)
		}
	}
	for _, c := range m.PerPair {
		if len(c.Steps) != 0 {
			t.Errorf("%s: %d clock steps, the scenario has none", c.Label, len(c.Steps))
		}
	}
	if len(m.Overall.Steps) != 0 {
		t.Errorf("pooled figures show %d steps: mixing exporter pairs must not invent steps", len(m.Overall.Steps))
	}
}

// In the analysts' export the probes' clocks differ by over a minute (the
// start time check, read off c2p1med01.csv with a separate script: the
// largest start - capture time is 73.802454 s for .170/310 and 0.906348 s
// for .168/320; less the 1 ms precision, 73.801 s and 0.905 s ahead): with
// the default 6 s window only sessions within one probe can pair, and the
// verdict must say so and name the window that pairs across probes
// (72.896 s + 6 s, rounded up to 79 s). With that window the hint goes.
func TestMatchSaysWhenTheExportersClocksDifferBeyondTheWindow(t *testing.T) {
	in := filepath.Join(realDir, "..", "user-export", "c2p1med01.csv")
	if _, err := os.Stat(in); err != nil {
		t.Skipf("%s not found: skipping", in)
	}
	recs, tally, err := readAll(context.Background(), []string{in}, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hint := func(win time.Duration) string {
		cfg := MatchConfig{Inputs: []string{in}, Match: match.Config{Window: win}}
		res, err := match.Run(recs, cfg.Match)
		if err != nil {
			t.Fatal(err)
		}
		m := BuildModel(recs, tally, res, cfg)
		for _, r := range m.Verdict.Reasons {
			if strings.Contains(r, "clocks differ by as much as") {
				return r
			}
		}
		return ""
	}
	want := "The exporters' clocks differ by as much as 72.896 s (start time check: 10.103.0.170/310 runs 73.801 s ahead of the collector, 10.103.0.168/320 0.905 s ahead), beyond the 6 s window: sessions that cross these exporters cannot pair; rerun with --window 1m19s to pair them"
	if got := hint(0); got != want {
		t.Errorf("default window: hint\n%q\nwant\n%q", got, want)
	}
	if got := hint(79 * time.Second); got != "" {
		t.Errorf("window 79 s: hint %q, want none", got)
	}
}

// With export times the export clock check reads the clocks: in the
// multi-probe scenario .169/320 runs 5 s ahead (its lag's range, 1 s wide
// as the header's whole seconds allow, is read at its middle) and
// .168/310 agrees with the collector. A 3 s window is too narrow for the
// .169 pair; the default 6 s is wide enough, and no hint is given.
func TestMatchReadsTheExportClockCheckForTheWindowHint(t *testing.T) {
	cfg, _ := gen.Scenario("multi-probe")
	capt, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tally := &flow.Tally{}
	for i := range capt.Records {
		r := &capt.Records[i]
		d := tally.Domain(r.ExporterDomain())
		d.Records++
		if i == 0 || capt.Records[i-1].Frame != r.Frame {
			d.ExportLag = append(d.ExportLag, r.ExportTime.Sub(r.CaptureTime))
		}
	}
	hint := func(win time.Duration) string {
		res, err := match.Run(capt.Records, match.Config{Window: win})
		if err != nil {
			t.Fatal(err)
		}
		m := BuildModel(capt.Records, tally, res, MatchConfig{Match: match.Config{Window: win}})
		for _, r := range m.Verdict.Reasons {
			if strings.Contains(r, "clocks differ by as much as") {
				return r
			}
		}
		return ""
	}
	got := hint(3 * time.Second)
	for _, want := range []string{"(export clock check: 10.103.0.169/320 runs 5.", "s ahead of the collector, 10.103.0.168/310 agrees with it), beyond the 3 s window", "rerun with --window 9s"} {
		if !strings.Contains(got, want) {
			t.Errorf("3 s window: hint %q lacks %q", got, want)
		}
	}
	if got := hint(0); got != "" {
		t.Errorf("default window: hint %q, want none (the 5 s offset is within 6 s)", got)
	}
}

// The export clock check does not call an exporter whose lags spread
// beyond the header's second (a clock step, as in the clock-step
// scenario: -2.387 s .. -0.387 s) one that agrees with the collector,
// nor say that every exporter agrees while naming its step.
func TestWhoIsOffNamesASteppedExporterApartFromThoseThatAgree(t *testing.T) {
	exps := []report.Exporter{
		{Exporter: "10.103.0.168", Domain: 310, Side: "pre", Packets: 90, HasExportLag: true, ExportLagMedian: -650.393, ExportLagMin: -650.489, ExportLagMax: -650.29},
		{Exporter: "10.103.0.169", Domain: 320, Side: "post", Packets: 90, HasExportLag: true, ExportLagMedian: -387.112, ExportLagMin: -2387.129, ExportLagMax: -386.931},
	}
	want := "Export clock check (header export time - capture time, median per exporter and domain; 1 s header resolution): " +
		"10.103.0.169/320: lags range from -2.387 s to -0.387 s, more than the 1 s header resolution explains: the exporter's clock stepped, or its exports stalled, during the capture. " +
		"Agree with the collector: 10.103.0.168/310."
	if got := whoIsOff(exps); got != want {
		t.Errorf("whoIsOff =\n%q\nwant\n%q", got, want)
	}
	exps[1].ExportLagMin = -650 // no spread: both agree
	if got := whoIsOff(exps); !strings.HasSuffix(got, "every exporter agrees with the collector's clock within the header's resolution, so this check cannot say which exporter is off.") {
		t.Errorf("whoIsOff without a step = %q, want every exporter agreeing", got)
	}
}
