package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

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
	for _, want := range []string{"VERDICT: IN SYNC", "+949 ms (domain 0 frame 7 set 2 flow 1 <=> domain 4 frame 11 set 2 flow 1, 212.111.2.151:8000 -> 147.229.14.221:52866 tcp)", "already running when the capture began"} {
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
	want := "675 records (184 pre, 491 post) carry no start time" // counted apart from the tool from the CSV's cells
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
	capt, tally := generatedWithTally(t, "multi-probe")
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
	// Each row counts every pair of its exporter pair (the truth file: 243,
	// 220 and 212 pairs) and says how many are continuations; the verdict's
	// count for .169 is the pairs its figures rest on, and says so.
	wantPairs := map[string]int{"10.103.0.169/310 -> 10.103.0.169/320": 243, "10.103.0.170/310 -> 10.103.0.170/320": 220, "10.103.0.168/310 -> 10.103.0.168/320": 212}
	conts := map[string]int{}
	for _, g := range res.ByExporterPair(capt.Records) {
		for _, i := range g.Pairs {
			if res.Pairs[i].Continuation {
				conts[g.Key.String()]++
			}
		}
	}
	for _, c := range m.PerPair {
		if c.Pairs != wantPairs[c.Label] || c.Continuations != conts[c.Label] || c.Continuations == 0 || c.ClockPairs() != c.Pairs-conts[c.Label] {
			t.Errorf("%s: %d pairs, %d continuations, %d clock pairs; want %d, %d, %d", c.Label, c.Pairs, c.Continuations, c.ClockPairs(),
				wantPairs[c.Label], conts[c.Label], wantPairs[c.Label]-conts[c.Label])
		}
		if c.Label == "10.103.0.169/310 -> 10.103.0.169/320" {
			if want := fmt.Sprintf(", %d pairs besides %d continuation pairs)", c.ClockPairs(), c.Continuations); !strings.Contains(m.Verdict.Summary, want) {
				t.Errorf("summary %q lacks %q", m.Verdict.Summary, want)
			}
		}
	}
}

// Inputs that cannot be matched as they are say what would help: the
// other side's capture for one domain (choosing domains cannot help: the
// same domain on both sides is refused), the missing templates for data
// without them. Counts from tshark: graylog 892 records of domain 70 from
// 127.0.0.1; a_nf9_basic 5 records of domain 310 from 192.0.2.10;
// ipfixcol-only-data 3 data sets and no template; header-and-zeros 1 set.
func TestMatchSaysWhatWouldHelpWhenItCannotPair(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		cfg      match.Config
		want     string
	}{
		{"one unknown domain: add the other side and name the domains", filepath.Join(realDir, "graylog-nprobe-netflow9-3.pcap"), match.Config{},
			"the input holds one observation domain only (domain 70, 892 flows from exporter 127.0.0.1): one side of the NAT at most. Add the capture of the other side: match reads several inputs (nftimediff match %s OTHER-SIDE.pcap), and name the domains with --pre-odid and --post-odid when they are not 310 and 320 (e.g. --pre-odid 70 --post-odid ID, or the other way round)"},
		{"the pre side alone: add the post side", filepath.Join(formatDir, "a_nf9_basic.pcap"), match.Config{},
			"no flow records on the post side (domain 320): the input holds the pre side only (domain 310, 5 flows from exporter 192.0.2.10). Add the capture of the post side: match reads several inputs (nftimediff match %s OTHER-SIDE.pcap), with --post-odid if the post side is not domain 320"},
		{"the one domain named as post: add the pre side", filepath.Join(formatDir, "a_nf9_basic.pcap"), match.Config{PreDomains: []uint32{311}, PostDomains: []uint32{310}},
			"no flow records on the pre side (domain 311): the input holds the post side only (domain 310, 5 flows from exporter 192.0.2.10). Add the capture of the pre side: match reads several inputs (nftimediff match %s OTHER-SIDE.pcap), with --pre-odid if the pre side is not domain 311"},
		{"data sets without any template: capture longer", filepath.Join(realDir, "ipfixcol-only-data-no-templates.pcap"), match.Config{},
			"no flow records in the input: %s: 3 data sets came before (or without) a template: 3 have no template anywhere in the capture (the exporter sent it before the capture began) and could not be decoded: capture from the exporter's start, or for longer (most exporters resend their templates every few minutes)"},
		{"one undecodable set, in the singular", filepath.Join(realDir, "ipfixcol-header-and-zeros.pcap"), match.Config{},
			"no flow records in the input: 1 data set could not be decoded ('nftimediff inspect' shows them per exporter)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			needCapture(t, tc.in)
			err := Match(context.Background(), MatchConfig{Inputs: []string{tc.in}, Match: tc.cfg})
			want := tc.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, tc.in)
			}
			if Code(err) != ExitNoFlows || err.Error() != want {
				t.Errorf("exit %d, error\n%v\nwant exit %d and\n%s", Code(err), err, ExitNoFlows, want)
			}
		})
	}
}

// When nothing pairs, the summary says why per side and still lists the
// exporter pair that was compared. a_nf9_basic holds 5 records of
// 192.0.2.10/310, b_ipfix_basic 4 of 192.0.2.20/320, with no common
// destination (tshark -T fields -e cflow.dstaddr).
func TestMatchWithoutPairsSaysWhyPerSide(t *testing.T) {
	pre, post := filepath.Join(formatDir, "a_nf9_basic.pcap"), filepath.Join(formatDir, "b_ipfix_basic.pcap")
	needCapture(t, pre)
	needCapture(t, post)
	var out bytes.Buffer
	xlsxPath := filepath.Join(t.TempDir(), "r.xlsx")
	if err := Match(context.Background(), MatchConfig{Inputs: []string{pre, post}, Stdout: &out, Paths: report.Paths{XLSX: xlsxPath}}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"  - 5 pre records: no record with the same key on the other side\n",
		"  - 4 post records: no record with the same key on the other side\n",
		"  192.0.2.10/310 -> 192.0.2.20/320      0      0         5          4        n/a",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"nothing to compare", "n/a ms", "of pairs within"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("summary says %q:\n%s", unwanted, text)
		}
	}
	f, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Exporter pairs")
	if len(rows) != 2 || rows[1][0] != "192.0.2.10/310 -> 192.0.2.20/320" || rows[1][1] != "0" || rows[1][3] != "5" || rows[1][4] != "4" {
		t.Errorf("Exporter pairs sheet %q, want one row with 0 pairs, 5 and 4 unmatched", rows)
	}
}

func TestMatchRefusesTwoReportsAimedAtOneFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "capture.pcap") // never read: the outputs are checked first
	a := filepath.Join(dir, "a.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(a, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name   string
		paths  report.Paths
		outDir string
		want   string
	}{
		{"the same name for two flags", report.Paths{JSON: a, CSV: a}, "", "--json and --csv both write " + a},
		{"two spellings of one path", report.Paths{JSON: a, Text: filepath.Join(dir, ".", "a.json")}, "", "--text and --json both write " + filepath.Join(dir, "a.json")},
		{"a link to the other file", report.Paths{JSON: a, DOCX: link}, "", "--json and --docx both write " + a + " (also named " + link + ")"},
		{"standard output twice", report.Paths{JSON: "-", CSV: "/dev/stdout"}, "", "--json and --csv both write standard output"},
		{"an explicit flag onto a name -o derived", func() report.Paths {
			p := report.PathsInDir(out, []string{in})
			p.CSV = p.JSON
			return p
		}(), out, "-o " + out + " (json) and --csv both write " + filepath.Join(out, "capture-nftimediff.json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Match(context.Background(), MatchConfig{Inputs: []string{in}, Paths: tc.paths, OutDir: tc.outDir})
			want := tc.want + ": give each report its own file"
			if Code(err) != ExitUsage || err.Error() != want {
				t.Errorf("exit %d: %v\nwant exit %d: %s", Code(err), err, ExitUsage, want)
			}
		})
	}
	if b, _ := os.ReadFile(a); string(b) != "old" {
		t.Errorf("a.json now holds %q: a refused run must not write", b)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("-o DIR was created although the run was refused")
	}
}

// cancelOn is a stderr that cancels the run once a line containing
// trigger was written to it (an interrupt at a known point).
type cancelOn struct {
	bytes.Buffer
	trigger string
	cancel  func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	n, err := c.Buffer.Write(p)
	if strings.Contains(c.Buffer.String(), c.trigger) {
		c.cancel()
	}
	return n, err
}

// An interrupt between two reports: each "wrote" line came as its file
// was renamed into place, the rest are named as not written, and their
// earlier versions stay.
func TestInterruptedReportsSayWhichFilesWereWritten(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "sample", "sample.pcap")
	needCapture(t, in)
	dir := t.TempDir()
	p := report.PathsInDir(dir, []string{in})
	if err := os.WriteFile(p.CSV, []byte("earlier report"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &cancelOn{trigger: "wrote " + p.JSON, cancel: cancel}
	err := Match(ctx, MatchConfig{Inputs: []string{in}, OutDir: dir, Paths: p, Stderr: stderr})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	want := "wrote " + p.Text + "\nwrote " + p.JSON + "\nnot written (interrupted; a file of that name from an earlier run is left as it was): " +
		p.CSV + ", " + p.XLSX + ", " + p.DOCX + "\n"
	if got := stderr.String(); got != want {
		t.Errorf("stderr\n%s\nwant\n%s", got, want)
	}
	if b, _ := os.ReadFile(p.CSV); string(b) != "earlier report" {
		t.Errorf("the earlier CSV report was replaced: %q", b)
	}
	for _, f := range []string{p.XLSX, p.DOCX} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s exists", f)
		}
	}
}

func TestAReportThatFailsNamesTheFilesNotWritten(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "sample", "sample.pcap")
	needCapture(t, in)
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full (every write fails with ENOSPC): skipping")
	}
	dir := t.TempDir()
	p := report.Paths{Text: filepath.Join(dir, "a.txt"), XLSX: "/dev/full", DOCX: filepath.Join(dir, "a.docx")}
	var stderr bytes.Buffer
	err := Match(context.Background(), MatchConfig{Inputs: []string{in}, Paths: p, Stderr: &stderr})
	if Code(err) != ExitOutput || !strings.HasSuffix(err.Error(), "; not written: /dev/full, "+p.DOCX) {
		t.Errorf("exit %d: %v; want exit %d ending in the files not written", Code(err), err, ExitOutput)
	}
	if got := stderr.String(); got != "wrote "+p.Text+"\n" {
		t.Errorf("stderr %q, want only the text report's wrote line", got)
	}
}

// -o DIR is made with its missing parents, as documented; a single report
// file into a missing directory is refused before the inputs are read
// (the input here does not exist: reading it would be exit 4).
func TestOutputDirectoryIsMadeButAFilesDirectoryMustExist(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "sample", "sample.pcap")
	needCapture(t, in)
	dir := filepath.Join(t.TempDir(), "new", "sub")
	if err := Match(context.Background(), MatchConfig{Inputs: []string{in}, OutDir: dir, Paths: report.PathsInDir(dir, []string{in})}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sample-nftimediff.docx")); err != nil {
		t.Errorf("-o into a new directory: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nodir", "r.xlsx")
	err := Match(context.Background(), MatchConfig{Inputs: []string{"/nonexistent.pcap"}, Paths: report.Paths{XLSX: missing}})
	if want := "cannot write " + missing + ": directory " + filepath.Dir(missing) + " does not exist"; Code(err) != ExitOutput || err.Error() != want {
		t.Errorf("exit %d: %v; want exit %d: %s", Code(err), err, ExitOutput, want)
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
	capt, tally := generatedWithTally(t, "multi-probe")
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

// generatedWithTally generates the scenario and tallies its records as a
// reader would: records per exporter domain, and the export lag of each
// export packet (header export time - capture time).
func generatedWithTally(t *testing.T, scenario string) (*gen.Capture, *flow.Tally) {
	t.Helper()
	cfg, _ := gen.Scenario(scenario)
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
	return capt, tally
}
