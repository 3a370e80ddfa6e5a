package tshark

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// want is the part of a Record the fixture tests check. Values were read by
// hand off tshark's own tree (the JSON fixture files, see testdata/tshark/README.md).
type want struct {
	frame, set, flw uint32
	exporter        string
	exportPort      uint16
	domain          uint32
	src, dst        string
	sport, dport    uint16
	proto           uint8
	app             string
	start           string // Instant.Format(enc.Precision()), "" = no start
	enc             flow.Encoding
	packets, octets uint64
}

func fixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "tshark", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func walkFixture(t *testing.T, name string, opt WalkOptions) ([]flow.Record, *Walker) {
	t.Helper()
	opt.File = name
	w := Walk(fixture(t, name), opt)
	recs, err := flow.ReadAll(w)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs, w
}

func checkRecords(t *testing.T, got []flow.Record, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, r := range got {
			t.Logf("got %v %s -> %s app %q start %s", r.Pos, r.Src, r.Dst, r.App, r.Start)
		}
		t.Fatalf("got %d records, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		r := got[i]
		start := ""
		if r.HasStart() {
			start = r.Start.Format(r.StartEnc.Precision())
		}
		g := want{
			frame: r.Frame, set: uint32(r.Set), flw: uint32(r.Flow),
			exporter: r.Exporter.String(), exportPort: r.ExporterPort, domain: r.Domain,
			src: r.Src.String(), dst: r.Dst.String(), sport: r.SrcPort, dport: r.DstPort, proto: r.Proto,
			app: r.App, start: start, enc: r.StartEnc, packets: r.Packets, octets: r.Octets,
		}
		if g != w {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestWalkIxiaAppNamesWithCommaEmptyLongAndNonASCII(t *testing.T) {
	recs, w := walkFixture(t, "c_ipfix_ixia.json", WalkOptions{})
	long := "LongApp-" + strings.Repeat("a", 292)
	ms := flow.EncMilliseconds
	checkRecords(t, recs, []want{
		{1, 2, 1, "192.0.2.30", 50002, 330, "10.2.0.1", "10.2.1.1", 50000, 443, 6, "HTTP", "2023-11-14T22:13:10.000Z", ms, 10, 1000},
		{1, 2, 2, "192.0.2.30", 50002, 330, "10.2.0.2", "10.2.1.2", 50001, 443, 6, "Microsoft Teams, Skype", "2023-11-14T22:13:10.001Z", ms, 11, 1001},
		{1, 2, 3, "192.0.2.30", 50002, 330, "10.2.0.3", "10.2.1.3", 50002, 443, 6, "", "2023-11-14T22:13:10.002Z", ms, 12, 1002},
		{1, 2, 4, "192.0.2.30", 50002, 330, "10.2.0.4", "10.2.1.4", 50003, 443, 6, long, "2023-11-14T22:13:10.003Z", ms, 13, 1003},
		{1, 2, 5, "192.0.2.30", 50002, 330, "10.2.0.5", "10.2.1.5", 50004, 443, 6, "Caf\uFFFD\uFFFD \"quoted\"", "2023-11-14T22:13:10.004Z", ms, 14, 1004},
	})
	if len(recs[3].App) != 300 {
		t.Errorf("300-byte name has %d bytes", len(recs[3].App))
	}
	if !recs[0].HasAppID || recs[0].AppID != 1000 || recs[2].AppID != 0 {
		t.Errorf("app ids: %d %v, %d", recs[0].AppID, recs[0].HasAppID, recs[2].AppID)
	}
	d := w.Tally().Domains[recs[0].ExporterDomain()]
	if d.Records != 5 || d.Packets != 1 || d.TemplateIDs[257] != 5 || d.Encodings[ms] != 5 {
		t.Errorf("tally %+v", d)
	}
}

func TestWalkTwoTemplatesInOnePacketAreNotMisaligned(t *testing.T) {
	recs, _ := walkFixture(t, "d_ipfix_two_templates.json", WalkOptions{})
	ms := flow.EncMilliseconds
	checkRecords(t, recs, []want{
		{1, 2, 1, "192.0.2.40", 50003, 340, "10.3.0.1", "10.3.1.1", 1111, 443, 6, "AppA", "", 0, 1, 100},
		{1, 2, 2, "192.0.2.40", 50003, 340, "10.3.0.2", "10.3.1.2", 2222, 443, 6, "AppB", "", 0, 2, 200},
		{1, 3, 1, "192.0.2.40", 50003, 340, "10.3.0.3", "10.3.1.3", 3333, 80, 6, "", "2023-11-14T22:13:17.000Z", ms, 3, 300},
		{1, 3, 2, "192.0.2.40", 50003, 340, "10.3.0.4", "10.3.1.4", 4444, 80, 6, "", "2023-11-14T22:13:16.000Z", ms, 4, 400},
	})
	if recs[0].TemplateID != 257 || recs[2].TemplateID != 256 {
		t.Errorf("template ids %d %d", recs[0].TemplateID, recs[2].TemplateID)
	}
}

func TestWalkEveryTimeEncodingGivesTheSameInstant(t *testing.T) {
	recs, w := walkFixture(t, "e_ipfix_time_variants.json", WalkOptions{})
	wantEnc := []flow.Encoding{
		flow.EncSeconds, flow.EncMilliseconds, flow.EncMicroseconds, flow.EncNanoseconds,
		flow.EncDeltaMicroseconds, flow.EncSysUpTime, flow.EncMilliseconds, flow.EncMilliseconds,
	}
	wantStart := []string{
		"2023-11-14T22:13:10Z",
		"2023-11-14T22:13:10.123Z",
		"2023-11-14T22:13:10.123456Z",    // NTP fraction .123456716 printed with the IE's six digits
		"2023-11-14T22:13:10.123456716Z", // NTP nanoseconds as printed
		"2023-11-14T22:13:10.123456Z",    // export time - delta
		"2023-11-14T22:13:10.123Z",       // 21:13:20 + 3590.123 s
		"2023-11-14T22:13:10.123Z",
		"2023-11-14T22:13:10.123Z",
	}
	if len(recs) != len(wantEnc) {
		t.Fatalf("got %d records, want %d", len(recs), len(wantEnc))
	}
	ref := flow.UnixMilli(1699999990123)
	for i, r := range recs {
		if r.StartEnc != wantEnc[i] {
			t.Errorf("frame %d: encoding %v, want %v", r.Frame, r.StartEnc, wantEnc[i])
		}
		if got := r.Start.Format(r.StartEnc.Precision()); got != wantStart[i] {
			t.Errorf("frame %d: start %s, want %s", r.Frame, got, wantStart[i])
		}
		// Same instant at the coarser precision of the two (the reference is ms).
		u := max(r.StartEnc.Precision().Uncertainty(), time.Millisecond)
		if r.Start.Truncate(u) != ref.Truncate(u) {
			t.Errorf("frame %d: start %s is not %s at %v resolution", r.Frame, r.Start, ref, u)
		}
	}
	d := w.Tally().Domains[recs[0].ExporterDomain()]
	if d.Records != 8 || d.NoStart != 0 || len(d.Encodings) != 6 {
		t.Errorf("tally: records %d nostart %d encodings %v", d.Records, d.NoStart, d.Encodings)
	}
}

func TestWalkTCPSegmentWithTwoMessagesYieldsAllFiveFlows(t *testing.T) {
	for _, name := range []string{"i_ipfix_tcp.json", "i_ipfix_tcp.nodup.json"} {
		t.Run(name, func(t *testing.T) {
			recs, w := walkFixture(t, name, WalkOptions{})
			ms := flow.EncMilliseconds
			checkRecords(t, recs, []want{
				{4, 2, 1, "192.0.2.90", 40000, 390, "10.7.0.1", "10.7.1.1", 1, 2, 6, "", "2023-11-14T22:13:11.000Z", ms, 1, 1},
				{6, 1, 1, "192.0.2.90", 40000, 390, "10.7.0.2", "10.7.1.2", 3, 4, 6, "", "2023-11-14T22:13:12.000Z", ms, 2, 2},
				{6, 1, 2, "192.0.2.90", 40000, 390, "10.7.0.3", "10.7.1.3", 5, 6, 6, "", "2023-11-14T22:13:13.000Z", ms, 3, 3},
				{7, 1, 1, "192.0.2.90", 40000, 390, "10.7.0.4", "10.7.1.4", 7, 8, 6, "", "2023-11-14T22:13:14.000Z", ms, 4, 4},
				{7, 1, 1, "192.0.2.90", 40000, 390, "10.7.0.5", "10.7.1.5", 9, 10, 6, "", "2023-11-14T22:13:15.000Z", ms, 5, 5},
			})
			if recs[3].Sequence != 3 || recs[4].Sequence != 4 {
				t.Errorf("sequences %d %d, want 3 4", recs[3].Sequence, recs[4].Sequence)
			}
			d := w.Tally().Domains[recs[0].ExporterDomain()]
			if d.Packets != 4 || d.CollectorPorts[4739] != 4 {
				t.Errorf("tally packets %d ports %v", d.Packets, d.CollectorPorts)
			}
		})
	}
}

func TestWalkPitfalls(t *testing.T) {
	for _, name := range []string{"k_pitfalls.json", "k_pitfalls.nodup.json"} {
		t.Run(name, func(t *testing.T) {
			recs, w := walkFixture(t, name, WalkOptions{})
			ms := flow.EncMilliseconds
			checkRecords(t, recs, []want{
				// P1: v9 FIRST_SWITCHED = 0 -> unix_secs*1000 - sysUptime = 1700000000000 - 3600000.
				{1, 2, 1, "192.0.2.100", 50100, 400, "10.9.0.1", "10.9.1.1", 1, 2, 6, "", "2023-11-14T21:13:20.000Z", flow.EncV9UptimeZero, 1, 100},
				// 1700000000000 - 3600000 + 3590000.
				{1, 2, 2, "192.0.2.100", 50100, 400, "10.9.0.2", "10.9.1.2", 3, 4, 6, "", "2023-11-14T22:13:10.000Z", flow.EncV9Uptime, 2, 200},
				// P2: the options record (set 3) is not a flow.
				{2, 4, 1, "192.0.2.101", 50101, 401, "10.9.0.3", "10.9.1.3", 5, 6, 6, "", "2023-11-14T22:13:11.000Z", ms, 3, 300},
				// P3: biflow, forward counters 4/400 (reverse 40/4000 follow under the same keys).
				{3, 2, 1, "192.0.2.101", 50101, 401, "10.9.0.4", "10.9.1.4", 7, 8, 6, "", "2023-11-14T22:13:11.000Z", ms, 4, 400},
				// P4: template 256 redefined; tshark decodes with the first definition (garbage, as shown).
				{4, 2, 1, "192.0.2.101", 50101, 401, "32.1.13.184", "0.9.0.0", 0, 0, 0, "", "2009-03-13T18:17:37.536Z", ms, 2199174253062, 1699999991000},
				// P5: the 61-field template is decoded (-o cflow.max_template_fields:0).
				{5, 2, 1, "192.0.2.101", 50101, 401, "10.9.0.5", "10.9.1.5", 11, 12, 6, "", "", 0, 0, 0},
			})
			d := w.Tally().Domains[recs[2].ExporterDomain()]
			if d.OptionsRecords != 1 {
				t.Errorf("options records %d, want 1", d.OptionsRecords)
			}
			// P6: new source port, data only: no template found.
			if d.UndecodedSets != 1 || d.UndecodedBytes != 45 {
				t.Errorf("undecoded sets %d bytes %d, want 1 and 45", d.UndecodedSets, d.UndecodedBytes)
			}
			if d.ExporterPorts[50101] != 4 || d.ExporterPorts[50102] != 1 {
				t.Errorf("exporter ports %v", d.ExporterPorts)
			}
			var redefined bool
			for _, n := range w.Tally().Notes {
				redefined = redefined || strings.Contains(n, "template 256 redefined")
			}
			if !redefined {
				t.Errorf("no note about the redefined template: %q", w.Tally().Notes)
			}
		})
	}
}

func TestWalkCountsExportClockLag(t *testing.T) {
	recs, w := walkFixture(t, "e_ipfix_time_variants.json", WalkOptions{})
	d := w.Tally().Domains[recs[0].ExporterDomain()]
	// Frames are captured 100..170 ms after the header's 22:13:20.
	if len(d.ExportLag) != 8 || d.ExportLag[0].Milliseconds() != -100 || d.ExportLag[7].Milliseconds() != -170 {
		t.Errorf("lags %v", d.ExportLag)
	}
	if d.StartAfterExp != 0 {
		t.Errorf("start after export %d", d.StartAfterExp)
	}
}

func TestWalkExportStringsOptionMarksUnknownIEs(t *testing.T) {
	// Only the data packet of b_ipfix_basic's shape: no template set in the stream.
	const doc = `[{"_source":{"layers":{"frame":{"frame.number":"9","frame.time_epoch":"1700000000.5"},` +
		`"ip":{"ip.src":"192.0.2.20","ip.dst":"192.0.2.1"},"cflow":{"cflow.version":"10",` +
		`"cflow.timestamp":"Nov 14, 2023 22:13:20.000000000 UTC","cflow.timestamp_tree":{"cflow.exporttime":"1700000000"},` +
		`"cflow.sequence":"3","cflow.od_id":"320","Set 1 [id=256] (1 flows)":{"cflow.template_frame":"1",` +
		`"Flow 1":{"cflow.srcaddr":"10.1.0.4","cflow.dstaddr":"10.1.1.4","cflow.timedelta_tree":{` +
		`"cflow.abstimestart":"Nov 14, 2023 22:13:18.250000000 UTC"}}}}}}}]`
	for _, tc := range []struct {
		name string
		opt  WalkOptions
		enc  flow.Encoding
	}{
		{"digits guess milliseconds", WalkOptions{}, flow.EncMilliseconds},
		{"export strings stay export strings", WalkOptions{ExportStrings: true}, flow.EncExportString},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := flow.ReadAll(Walk(strings.NewReader(doc), tc.opt))
			if err != nil || len(recs) != 1 {
				t.Fatalf("%v %d", err, len(recs))
			}
			r := recs[0]
			if r.StartEnc != tc.enc || r.Start != flow.UnixMilli(1699999998250) || r.Frame != 9 || r.CaptureTime != flow.UnixMilli(1700000000500) {
				t.Errorf("got %v %v frame %d capture %v", r.StartEnc, r.Start, r.Frame, r.CaptureTime)
			}
		})
	}
}

func TestWalkCustomTimeParserIsUsed(t *testing.T) {
	const doc = `[{"_source":{"layers":{"ip":{"ip.src":"10.0.0.1"},"cflow":{"cflow.version":"10","cflow.od_id":"1",` +
		`"Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":"1.1.1.1","cflow.dstaddr":"2.2.2.2",` +
		`"cflow.abstimestart":"Jul 10, 2019 11:53:30.922000000 GTB Daylight Time"}}}}}}]`
	called := 0
	parse := func(s string) (flow.Instant, error) {
		called++
		if s != "Jul 10, 2019 11:53:30.922000000 GTB Daylight Time" {
			return ParseTime(s)
		}
		return flow.UnixMilli(1562748810922), nil // 08:53:30.922Z
	}
	recs, err := flow.ReadAll(Walk(strings.NewReader(doc), WalkOptions{ParseTime: parse, ExportStrings: true}))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %d", err, len(recs))
	}
	if called == 0 || recs[0].Start != flow.UnixMilli(1562748810922) {
		t.Errorf("parser called %d times, start %v", called, recs[0].Start)
	}
}

func TestWalkErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"an empty stream is an unexpected end", "", "empty JSON output"},
		{"a stream cut inside a packet says so", `[{"_source":{"layers":{`, "ended inside a packet"},
		{"a stream without the closing bracket says so", `[{"_source":{"layers":{}}}`, "ended inside the array"},
		{"an object instead of an array is not tshark output", `{"a":1}`, "not a JSON array"},
		{"an element without layers is named by its position", `[{"x":1}]`, "frame 1 field _source.layers"},
		{"garbage between elements is a syntax error", `[{"_source":{"layers":{}}} x]`, "expected ','"},
		{"a balanced packet that is not JSON is refused, not half read", `[{"_source":{"layers":{"cflow":{"cflow.version" "10"}}}}]`, "frame 1: not tshark -T json output: packet 1 (55 bytes) is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flow.ReadAll(Walk(strings.NewReader(tc.doc), WalkOptions{File: "in.json"}))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "in.json") {
				t.Errorf("error %v, want it to name in.json and contain %q", err, tc.want)
			}
		})
	}
}

func TestWalkEmptyArrayIsNoRecords(t *testing.T) {
	w := Walk(strings.NewReader("[\n\n]\n"), WalkOptions{})
	if _, err := w.Read(); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
	if !w.Done() {
		t.Error("not done")
	}
}

// FuzzWalk: the walker never panics and never loops on arbitrary input; on
// the fixtures' shapes it returns records or an error.
func FuzzWalk(f *testing.F) {
	for _, name := range []string{"d_ipfix_two_templates.json", "k_pitfalls.nodup.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tshark", name))
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`[{"_source":{"layers":{"cflow":[{"cflow.version":"10","Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":["1.1.1.1","2.2.2.2"]}}}]}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w := Walk(bytes.NewReader(data), WalkOptions{File: "fuzz"})
		for range 100000 {
			if _, err := w.Read(); err != nil {
				return
			}
		}
	})
}
