package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

var update = flag.Bool("update", false, "rewrite testdata/sample from the sample scenario")

// generated caches one capture per scenario for the property tests.
var generated = map[string]*Capture{}

func scenarioCapture(t *testing.T, name string) *Capture {
	t.Helper()
	if c, ok := generated[name]; ok {
		return c
	}
	cfg, ok := Scenario(name)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	c, err := Generate(cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	generated[name] = c
	return c
}

func encodeAll(t *testing.T, c *Capture) (pcap, pcapng, truth []byte) {
	t.Helper()
	var a, b, j bytes.Buffer
	if err := c.WritePcap(&a); err != nil {
		t.Fatal(err)
	}
	if err := c.WritePcapng(&b); err != nil {
		t.Fatal(err)
	}
	if err := c.Truth.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes(), j.Bytes()
}

func TestTheSameSeedGivesByteIdenticalOutputAndAnotherSeedDoesNot(t *testing.T) {
	for _, name := range []string{"sample", "time-variants", "one-sided-drops", "return-flows"} {
		t.Run(name, func(t *testing.T) {
			cfg, _ := Scenario(name)
			c1, err := Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c2, err := Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			p1, n1, j1 := encodeAll(t, c1)
			p2, n2, j2 := encodeAll(t, c2)
			if !bytes.Equal(p1, p2) || !bytes.Equal(n1, n2) || !bytes.Equal(j1, j2) {
				t.Fatal("two runs with the same config differ")
			}
			cfg.Seed++
			c3, err := Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			p3, _, j3 := encodeAll(t, c3)
			if bytes.Equal(p1, p3) || bytes.Equal(j1, j3) {
				t.Fatal("seeds n and n+1 give the same output")
			}
		})
	}
}

func TestBundledSampleIsWhatTheSampleScenarioGenerates(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "sample")
	c := scenarioCapture(t, "sample")
	pcap, _, truth := encodeAll(t, c)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"sample.pcap": pcap, "sample.truth.json": truth} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range map[string][]byte{"sample.pcap": pcap, "sample.truth.json": truth} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v (regenerate with scripts/gen-sample.sh)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/sample/%s differs from what the sample scenario generates: run scripts/gen-sample.sh", name)
		}
	}
}

func TestTruthJSONReadsBackIntoTheSameTruth(t *testing.T) {
	c := scenarioCapture(t, "one-sided-drops")
	_, _, j := encodeAll(t, c)
	var back Truth
	if err := jsonUnmarshal(j, &back); err != nil {
		t.Fatal(err)
	}
	// Compare through a second encoding: the writer is the reference.
	var again bytes.Buffer
	if err := back.WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(j, again.Bytes()) {
		t.Fatal("truth JSON does not survive a round trip")
	}
	if len(back.Pairs) != len(c.Truth.Pairs) || back.Pairs[0] != c.Truth.Pairs[0] || back.Config.Probes[1].Post.DropRate != 0.05 {
		t.Fatal("round trip lost data")
	}
}

func TestUnsplitSessionsCarryEqualCountersOnBothSides(t *testing.T) {
	for _, name := range ScenarioNames() {
		c := scenarioCapture(t, name)
		for _, p := range c.Truth.Pairs {
			short := p.Pre.End-p.Pre.Start < flow.Instant(c.Truth.Config.ActiveTimeout-2*time.Second)
			if !p.Continuation && short && (p.Pre.Packets != p.Post.Packets || p.Pre.Octets != p.Post.Octets) {
				t.Errorf("%s: pair %+v: counters differ", name, p)
			}
		}
	}
}

func TestDeltaIsTheClockDifferencePlusLatencyJitterAndResolution(t *testing.T) {
	// Both sides in milliseconds: NAT latency < 0.25 ms, jitter 0.3 ms per
	// timestamp, 1 ms truncation: within 4 ms. Continuations start at each
	// exporter's own cache scan: within one scan interval more.
	for _, name := range []string{"in-sync", "offset-5s", "offset-drift", "popular-5s", "multi-probe", "ipv6-mixed", "return-flows", "sample"} {
		c := scenarioCapture(t, name)
		var worst time.Duration
		for _, p := range c.Truth.Pairs {
			d := time.Duration(p.DeltaNs - p.ClockDeltaNs).Abs()
			limit := 4 * time.Millisecond
			if p.Continuation {
				limit += c.Truth.Config.ScanInterval
			} else {
				worst = max(worst, d)
			}
			if d > limit {
				t.Errorf("%s: pair %+v: delta %v is %v off the clock difference %v", name, p, time.Duration(p.DeltaNs), d, time.Duration(p.ClockDeltaNs))
			}
		}
		t.Logf("%s: largest |delta - clock delta| of first segments: %v", name, worst)
	}
}

func TestClockDifferenceFollowsOffsetAndDrift(t *testing.T) {
	c := scenarioCapture(t, "offset-drift")
	start := c.Truth.Config.Start
	for _, p := range c.Truth.Pairs {
		// +2 s at the capture start, 50 ppm: +50 us per second.
		el := float64(p.Pre.TrueStart-start) / 1e9
		want := 2e9 + 50e3*el
		if d := float64(p.ClockDeltaNs) - want; d > 1 || d < -1 {
			t.Fatalf("pair at %+.0f s: clock delta %d, want %.0f", el, p.ClockDeltaNs, want)
		}
	}
	if got := c.Truth.Offsets[0].ClockEnd; got != 2180e6-1 && got != 2180e6 {
		t.Errorf("clock offset at the end %d, want 2.18 s", got)
	}
}

func TestNoRecordStartsAfterItsExportTimeOrEndsBeforeItStarts(t *testing.T) {
	for _, name := range ScenarioNames() {
		c := scenarioCapture(t, name)
		for _, r := range c.Records {
			if r.Start > r.ExportTime+flow.Instant(time.Second) || r.End < r.Start {
				t.Errorf("%s: frame %d set %d flow %d: start %v end %v export %v", name, r.Frame, r.Set, r.Flow, r.Start, r.End, r.ExportTime)
			}
		}
	}
}

func TestFrameTimesIncreaseAndExportLagShowsEachExportersOffset(t *testing.T) {
	c := scenarioCapture(t, "multi-probe")
	lag := map[flow.ExporterDomain][]time.Duration{}
	var last flow.Instant
	for _, r := range c.Records {
		if r.CaptureTime < last {
			t.Fatalf("frame %d: frame time goes back", r.Frame)
		}
		last = r.CaptureTime
		k := r.ExporterDomain()
		lag[k] = append(lag[k], r.ExportTime.Sub(r.CaptureTime))
	}
	if len(lag) != 6 {
		t.Fatalf("%d exporter/domain streams, want 3 probes x 2 domains", len(lag))
	}
	for _, ct := range c.Truth.Clocks {
		k := flow.ExporterDomain{Exporter: mustAddr(ct.Exporter), Domain: ct.Domain}
		v := slices.Clone(lag[k])
		slices.Sort(v)
		med := v[len(v)/2]
		// Export time is the exporter's clock cut to whole seconds, frame time
		// the collector's (exact) clock about 0.5 ms later.
		off := time.Duration(ct.OffsetStart)
		if med > off || med < off-time.Second-time.Millisecond {
			t.Errorf("%s domain %d: median export lag %v, want within (offset-1s, offset] for offset %v", ct.Exporter, ct.Domain, med, off)
		}
	}
}

func TestSequenceNumbersCountPacketsInV9AndRecordsInIPFIX(t *testing.T) {
	for _, name := range []string{"v9-ipfix", "multi-probe", "time-variants", "one-sided-drops"} {
		c := scenarioCapture(t, name)
		type state struct {
			frame   uint32
			seq     uint32
			records uint32
			version uint8
		}
		last := map[flow.ExporterDomain]*state{}
		gaps := map[flow.ExporterDomain]int{}
		options := map[flow.ExporterDomain]uint32{}
		for _, ct := range c.Truth.Clocks {
			if ct.Options > 0 {
				options[flow.ExporterDomain{Exporter: mustAddr(ct.Exporter), Domain: ct.Domain}] = 1
			}
		}
		check := func(k flow.ExporterDomain, s *state, next uint32) {
			want := uint32(1)
			if s.version == 10 {
				want = s.records
			}
			switch d := next - s.seq; {
			case d == want:
			case s.version == 10 && options[k] > 0 && d == want+options[k]: // the packet also carried the options record
			case d > want && d-want < 1<<20:
				gaps[k]++
			default:
				t.Errorf("%s: %v frame %d: sequence %d after %d with %d records", name, k, s.frame, next, s.seq, s.records)
			}
		}
		for _, r := range c.Records {
			k := r.ExporterDomain()
			s := last[k]
			if s != nil && s.frame == r.Frame {
				s.records++
				continue
			}
			if s != nil {
				check(k, s, r.Sequence)
			}
			last[k] = &state{frame: r.Frame, seq: r.Sequence, records: 1, version: r.Version}
		}
		dropped := 0
		for _, ct := range c.Truth.Clocks {
			dropped += ct.Dropped
		}
		total := 0
		for _, n := range gaps {
			total += n
		}
		if (dropped == 0) != (total == 0) {
			t.Errorf("%s: %d sequence gaps, %d packets dropped", name, total, dropped)
		}
	}
}

func TestPopularKeysRecurManyTimesWithinSeconds(t *testing.T) {
	c := scenarioCapture(t, "popular-5s")
	var resolver []flow.Instant
	for _, r := range c.Records {
		if r.Domain == 310 && r.Dst == mustAddr("198.51.100.53") && r.DstPort == 53 {
			resolver = append(resolver, r.Start)
		}
	}
	if rate := float64(len(resolver)) / c.Truth.Config.Duration.Seconds(); rate < 8 {
		t.Errorf("resolver queried %.1f times a second, want about 10", rate)
	}
	ambiguous := 0
	for _, p := range c.Truth.Pairs {
		if !p.Unambiguous {
			ambiguous++
		}
	}
	if share := float64(ambiguous) / float64(len(c.Truth.Pairs)); share < 0.3 {
		t.Errorf("only %.0f %% of pairs are ambiguous", 100*share)
	}
	for _, p := range c.Truth.Pairs {
		if p.Dst == "198.51.100.53" && p.KeyCandidates < 60 {
			t.Errorf("resolver pair %+v has only %d same-key records within 6 s", p, p.KeyCandidates)
			break
		}
	}
}

func TestUnmatchedRecordsHaveTheReasonsTheScenarioCreates(t *testing.T) {
	c := scenarioCapture(t, "one-sided-drops")
	reasons := map[string]int{}
	for _, r := range append(slices.Clone(c.Truth.UnmatchedPre), c.Truth.UnmatchedPost...) {
		reasons[r.Reason]++
	}
	for _, want := range []string{ReasonOneSided, ReasonDropped} {
		if reasons[want] < 10 {
			t.Errorf("%d unmatched records with reason %q, want many", reasons[want], want)
		}
	}
	in := scenarioCapture(t, "in-sync")
	for _, r := range append(slices.Clone(in.Truth.UnmatchedPre), in.Truth.UnmatchedPost...) {
		if r.Reason != ReasonBefore && r.Reason != ReasonAfter && r.Reason != ReasonSplit {
			t.Errorf("in-sync: unmatched record %+v", r)
		}
	}
}

func TestReturnFlowsHaveTheServerAsSourceOnBothSides(t *testing.T) {
	c := scenarioCapture(t, "return-flows")
	n := 0
	for _, p := range c.Truth.Pairs {
		if p.Direction != "return" {
			continue
		}
		n++
		pre, post := c.Records[p.Pre.Record], c.Records[p.Post.Record]
		if pre.Src != post.Src || pre.SrcPort != post.SrcPort || pre.Dst == post.Dst || !strings.HasPrefix(pre.Dst.String(), "100.64.") {
			t.Fatalf("return pair %+v / %+v", pre, post)
		}
	}
	if n < len(c.Truth.Pairs)/3 {
		t.Errorf("%d return pairs of %d", n, len(c.Truth.Pairs))
	}
}

func TestSessionsForHitsTheRequestedRecordCount(t *testing.T) {
	cfg, _ := Scenario("popular-5s")
	s, err := SessionsFor(context.Background(), cfg, 20000)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sessions = s
	c, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Records); n < 19000 || n > 21000 {
		t.Errorf("%d records for a target of 20000", n)
	}
}

func TestBadConfigsAreRejectedWithTheFieldNamed(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"a probe with an IPv6 address", func(c *Config) { c.Probes[0].Addr = mustAddr("2001:db8::1") }, "only IPv4 export transport"},
		{"an unknown format", func(c *Config) { c.Probes[0].Pre.Format = "v5" }, `unknown format "v5"`},
		{"app names on v9", func(c *Config) { c.Probes[0].Pre.Format = FormatV9 }, "app names need IPFIX"},
		{"no post side", func(c *Config) { c.Probes[1].Post = nil }, "at least one probe exporting each side"},
		{"a share above one", func(c *Config) { c.IPv6Share = 1.5 }, "ipv6 share 1.5"},
		{"an uptime shorter than the warmup", func(c *Config) { c.Probes[1].Post.Uptime = time.Second }, "uptime 1s must exceed"},
		{"mid-stream with a template delay beyond the capture", func(c *Config) { c.MidStream, c.TemplateDelay = true, time.Hour }, "template delay"},
		{"a share that is not a number", func(c *Config) { c.ReturnShare = math.NaN() }, "return share NaN must be within [0,1]"},
		{"a drop rate that is not a number", func(c *Config) { c.Probes[0].Pre.DropRate = math.NaN() }, "drop rate NaN must be within [0,1)"},
		{"a drift that is not a number", func(c *Config) { c.Probes[1].Post.Clock.DriftPPM = math.NaN() }, "probe 2 (probe-b) domain 320: drift NaN ppm must be within -10000..10000 ppm"},
		{"an infinite drift", func(c *Config) { c.Probes[1].Post.Clock.DriftPPM = math.Inf(-1) }, "drift -Inf ppm"},
		{"a drift of a billion ppm", func(c *Config) { c.Probes[0].Pre.Clock.DriftPPM = 1e9 }, "probe 1 (probe-a) domain 310: drift 1e+09 ppm"},
		{"a drift on the collector's clock beyond the limit", func(c *Config) { c.CollectorClock.DriftPPM = 10001 }, "collector: drift 10001 ppm"},
		{"a negative jitter", func(c *Config) { c.Probes[0].Pre.Clock.Jitter = -time.Millisecond }, "jitter -1ms must be within 0..10s"},
		{"a jitter beyond the minute before the first flow", func(c *Config) { c.Probes[0].Pre.Clock.Jitter = 11 * time.Second }, "jitter 11s"},
		{"a step after the capture's end", func(c *Config) {
			c.Probes[1].Post.Clock.Step, c.Probes[1].Post.Clock.StepAt = time.Second, 10*time.Hour
		},
			"step at 10h0m0s must be within the capture: 0 up to (not including) its duration 1m0s"},
		{"a step at the capture's very end", func(c *Config) { c.Probes[1].Post.Clock.Step, c.Probes[1].Post.Clock.StepAt = time.Second, time.Minute }, "step at 1m0s"},
		{"a negative step time", func(c *Config) {
			c.Probes[1].Post.Clock.Step, c.Probes[1].Post.Clock.StepAt = time.Second, -time.Second
		}, "step at -1s"},
		{"a step time without a step", func(c *Config) { c.Probes[1].Post.Clock.StepAt = 10 * time.Second }, "a step time (10s) without a step"},
		{"an offset that puts readings before 1970", func(c *Config) { c.Probes[1].Post.Clock.Offset = -500000 * time.Hour },
			"probe 2 (probe-b) domain 320: offset -500000h0m0s puts clock readings at 1968-05-27T00:58:40Z..1968-05-27T01:02:00Z, beyond what the export headers carry"},
		{"an offset beyond 2106 (32-bit export time)", func(c *Config) { c.Probes[0].Pre.Clock.Offset = 100 * 365 * 24 * time.Hour }, "beyond what the export headers carry"},
		{"a step that takes readings before 1970", func(c *Config) {
			c.Probes[1].Post.Clock.Offset, c.Probes[1].Post.Clock.Step, c.Probes[1].Post.Clock.StepAt = -time.Duration(c.Start)+time.Hour, -2*time.Hour, time.Second
		}, "beyond what the export headers carry"},
		{"a boot before 1970 with ipfix-uptime", func(c *Config) {
			c.Probes[1].Post.Format, c.Probes[1].Post.Clock.Offset = FormatIPFIXUptime, -time.Duration(c.Start)+24*time.Hour
		}, "offset -485961h0m0s and uptime 107h2m0s put the boot (systemInitTimeMilliseconds) before 1970"},
		{"a collector clock before 1970", func(c *Config) { c.CollectorClock.Offset = -time.Duration(c.Start) }, "collector: offset -485985h0m0s puts clock readings at 1969-12-31T23:58:40Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := Scenario("in-sync")
			cfg = cfg.clone()
			tc.change(&cfg)
			_, err := Generate(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestScenariosAreListedInAStableOrderAndAllGenerate(t *testing.T) {
	names := ScenarioNames()
	for _, want := range []string{"in-sync", "offset-5s", "offset-drift", "popular-5s", "v9-ipfix", "uptime-wrap", "ipv6-mixed",
		"multi-probe", "return-flows", "one-sided-drops", "time-variants", "mid-stream", "port-9995", "clock-step", "tz-3h", "sample"} {
		if !slices.Contains(names, want) {
			t.Errorf("scenario %q missing", want)
		}
		if ScenarioDescription(want) == "" {
			t.Errorf("scenario %q has no description", want)
		}
	}
	if _, ok := Scenario("nope"); ok {
		t.Error(`Scenario("nope") found`)
	}
	for _, n := range names {
		c := scenarioCapture(t, n)
		if len(c.Truth.Pairs) < 100 || len(c.Records) > 5000 {
			t.Errorf("%s: %d pairs in %d records: want a small but useful scenario", n, len(c.Truth.Pairs), len(c.Records))
		}
		if c.Truth.Scenario != n {
			t.Errorf("%s: truth names scenario %q", n, c.Truth.Scenario)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestReaderYieldsTheRecordsWithTheFileNameThenEOF(t *testing.T) {
	c := scenarioCapture(t, "sample")
	recs, err := flow.ReadAll(c.Reader("sample.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(c.Records) {
		t.Fatalf("%d records, want %d", len(recs), len(c.Records))
	}
	for i := range recs {
		if recs[i].File != "sample.pcap" || c.Records[i].File != "" {
			t.Fatalf("record %d: file %q (capture's %q)", i, recs[i].File, c.Records[i].File)
		}
		recs[i].File = ""
		if recs[i] != c.Records[i] {
			t.Fatalf("record %d differs", i)
		}
	}
}

func TestPartnersAreSymmetricAndMatchThePairs(t *testing.T) {
	c := scenarioCapture(t, "one-sided-drops")
	p := c.Partners()
	n := 0
	for i, j := range p {
		if j < 0 {
			continue
		}
		n++
		if p[j] != i || c.Records[i].Domain == c.Records[j].Domain {
			t.Fatalf("records %d and %d", i, j)
		}
	}
	if n != 2*len(c.Truth.Pairs) || len(c.Records)-n != len(c.Truth.UnmatchedPre)+len(c.Truth.UnmatchedPost) {
		t.Errorf("%d paired records, %d pairs, %d unmatched", n, len(c.Truth.Pairs), len(c.Truth.UnmatchedPre)+len(c.Truth.UnmatchedPost))
	}
}

func TestClockStepMovesTheDifferenceOnceAndForAll(t *testing.T) {
	c := scenarioCapture(t, "clock-step")
	stepAt := c.Truth.Config.Start + flow.Instant(40*time.Second)
	var before, after int
	for _, p := range c.Truth.Pairs {
		if p.Continuation {
			continue
		}
		want := -1500 * time.Millisecond
		if p.Post.TrueStart >= stepAt {
			want = 0
			after++
		} else {
			before++
		}
		if d := time.Duration(p.DeltaNs) - want; d.Abs() > 4*time.Millisecond {
			t.Errorf("pair %+v: delta %v, want %v", p, time.Duration(p.DeltaNs), want)
		}
	}
	if before < 100 || after < 100 {
		t.Errorf("%d pairs before the step, %d after", before, after)
	}
}

func TestV9RecordsTakeAClockStepAtTheirExportTime(t *testing.T) {
	// A v9 exporter whose wall clock steps +2 s at 30 s: sysUptime runs on,
	// so a flow that started before the step but was exported after it is
	// shifted by the whole step; one exported before is not.
	cfg, _ := Scenario("v9-ipfix")
	cfg.Probes[0].Pre.Clock.Step = 2 * time.Second
	cfg.Probes[0].Pre.Clock.StepAt = 30 * time.Second
	c, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stepAt := cfg.Start + flow.Instant(30*time.Second)
	n := 0
	for _, p := range c.Truth.Pairs {
		pre := c.Records[p.Pre.Record]
		if p.Continuation || p.Pre.TrueStart >= stepAt {
			continue
		}
		if (pre.CaptureTime - stepAt).Sub(0).Abs() < 10*time.Millisecond {
			continue // sent within the network delay of the step
		}
		exportedAfter := pre.CaptureTime > stepAt
		// pre.Start = clock reading + step if exported after - up to 1 s (header).
		shift := time.Duration(p.Pre.Start - p.Pre.ClockStart)
		if exportedAfter {
			n++
			shift -= 2 * time.Second
		}
		if shift > 0 || shift < -time.Second-time.Millisecond {
			t.Errorf("pre record %+v (exported after the step: %v): start %v off its clock reading", p.Pre, exportedAfter, shift)
		}
	}
	if n < 20 {
		t.Errorf("only %d records started before the step and were exported after it", n)
	}
}

// countingContext is never done by itself: its Err reports cancellation
// from the (after+1)-th call on, so that a test can stop a Generate call at
// every point at which it looks at its context.
type countingContext struct {
	context.Context
	calls, after int
}

func (c *countingContext) Err() error {
	c.calls++
	if c.calls > c.after {
		return context.Canceled
	}
	return nil
}

func TestGenerateStopsWhereverItIsCancelled(t *testing.T) {
	cfg, _ := Scenario("popular-5s")
	cfg.Sessions = 20000
	never := &countingContext{Context: context.Background(), after: math.MaxInt}
	c, err := GenerateContext(never, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The loops look every checkEvery sessions, packets, frames and
	// records, not only between the phases: the look count grows with the
	// capture's size.
	if min := (cfg.Sessions + len(c.Records)) / checkEvery; never.calls < min {
		t.Fatalf("%d looks at the context for %d sessions and %d records, want at least %d", never.calls, cfg.Sessions, len(c.Records), min)
	}
	for _, after := range []int{0, 1, never.calls / 4, never.calls / 2, never.calls - 1} {
		ctx := &countingContext{Context: context.Background(), after: after}
		c, err := GenerateContext(ctx, cfg)
		if !errors.Is(err, context.Canceled) || c != nil {
			t.Errorf("cancelled at look %d of %d: capture %v, error %v; want none and context.Canceled", after+1, never.calls, c != nil, err)
		}
		if ctx.calls != after+1 {
			t.Errorf("cancelled at look %d: it looked %d times, want it to stop at the first cancelled look", after+1, ctx.calls)
		}
	}
	if _, err := SessionsFor(&countingContext{Context: context.Background()}, cfg, 1000); !errors.Is(err, context.Canceled) {
		t.Errorf("SessionsFor with a cancelled context: %v, want context.Canceled", err)
	}
}
