package tshark

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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

// TestWalkDeltaZeroStartIsOnlyTheExportSecond takes frame 5 of the
// time-variants fixture (template 304: flowStartDeltaMicroseconds, 158) and
// sets its start to what tshark prints for a delta of 0, the header's export
// time 22:13:20 (tshark shows export time - delta). RFC 7011 makes the delta
// relative to the whole-second export time, so a flow that started during
// that second is clamped to it: its true start lies in [22:13:20, 22:13:21).
func TestWalkDeltaZeroStartIsOnlyTheExportSecond(t *testing.T) {
	raw, err := io.ReadAll(fixture(t, "e_ipfix_time_variants.json"))
	if err != nil {
		t.Fatal(err)
	}
	var frames []json.RawMessage
	if err := json.Unmarshal(raw, &frames); err != nil || len(frames) < 5 || !bytes.Contains(frames[4], []byte(`"cflow.template_ipfix_field_type": "158"`)) {
		t.Fatalf("fixture frame 5 is not the flowStartDeltaMicroseconds template and record (%v)", err)
	}
	const fixtureStart = "Nov 14, 2023 22:13:10.123456000 UTC"
	for _, tc := range []struct {
		name    string
		opt     WalkOptions
		start   string
		enc     flow.Encoding
		printed string
	}{
		{"a start equal to the export time is delta 0, exact to the second only", WalkOptions{}, "Nov 14, 2023 22:13:20.000000000 UTC", flow.EncDeltaMicrosecondsZero, "2023-11-14T22:13:20Z"},
		{"one microsecond before the export time is a real delta", WalkOptions{}, "Nov 14, 2023 22:13:19.999999000 UTC", flow.EncDeltaMicroseconds, "2023-11-14T22:13:19.999999Z"},
		{"a Wireshark JSON export with the template seen is read the same way", WalkOptions{ExportStrings: true}, "Nov 14, 2023 22:13:20.000000000 UTC", flow.EncDeltaMicrosecondsZero, "2023-11-14T22:13:20Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := "[" + strings.Replace(string(frames[4]), fixtureStart, tc.start, 1) + "]"
			if !strings.Contains(doc, tc.start) {
				t.Fatalf("the fixture's start %q is gone", fixtureStart)
			}
			recs, err := flow.ReadAll(Walk(strings.NewReader(doc), tc.opt))
			if err != nil || len(recs) != 1 {
				t.Fatalf("%v %d", err, len(recs))
			}
			r := recs[0]
			if got := r.Start.Format(r.StartEnc.Precision()); r.StartEnc != tc.enc || got != tc.printed {
				t.Errorf("got %v %s, want %v %s", r.StartEnc, got, tc.enc, tc.printed)
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
		name    string
		opt     WalkOptions
		start   string // the string in the export
		enc     flow.Encoding
		printed string // Start.Format(enc.Precision())
	}{
		{"digits guess milliseconds", WalkOptions{}, "22:13:18.250000000", flow.EncMilliseconds, "2023-11-14T22:13:18.250Z"},
		{"export strings stay export strings", WalkOptions{ExportStrings: true}, "22:13:18.250000000", flow.EncExportString, "2023-11-14T22:13:18.250Z"},
		{"an export string with microsecond digits prints them", WalkOptions{ExportStrings: true}, "22:13:18.250123000", flow.EncExportStringMicro, "2023-11-14T22:13:18.250123Z"},
		{"an export string with nanosecond digits prints them", WalkOptions{ExportStrings: true}, "22:13:18.250123456", flow.EncExportStringNano, "2023-11-14T22:13:18.250123456Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := flow.ReadAll(Walk(strings.NewReader(strings.Replace(doc, "22:13:18.250000000", tc.start, 1)), tc.opt))
			if err != nil || len(recs) != 1 {
				t.Fatalf("%v %d", err, len(recs))
			}
			r := recs[0]
			if r.StartEnc != tc.enc || r.Start.Format(r.StartEnc.Precision()) != tc.printed || r.Frame != 9 || r.CaptureTime != flow.UnixMilli(1700000000500) {
				t.Errorf("got %v %s frame %d capture %v; want %v %s", r.StartEnc, r.Start.Format(r.StartEnc.Precision()), r.Frame, r.CaptureTime, tc.enc, tc.printed)
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
	// frame7 is 53 bytes: in "[" + frame7 + "," the next packet starts at byte 55.
	const frame7 = `{"_source":{"layers":{"frame":{"frame.number":"7"}}}}`
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"an empty stream is an unexpected end", "", "in.json: empty JSON output: unexpected EOF"},
		{"a stream cut inside the second packet names that packet, its byte and the frame before it",
			"[" + frame7 + `,{"_source":{"layers":{`,
			"in.json (after frame 7): JSON output ended inside a packet: packet 2, which starts at byte 55, is cut (1 complete packets before it): unexpected EOF"},
		{"a stream cut inside the first packet says there is no frame before it",
			`[{"_source":{"layers":{`,
			"in.json: JSON output ended inside a packet: packet 1, which starts at byte 1, is cut (0 complete packets before it): unexpected EOF"},
		{"a stream without the closing bracket says so", "[" + frame7, "in.json (after frame 7): JSON output ended inside the array at byte 54, after 1 packets: unexpected EOF"},
		{"an object instead of an array says so", `{"a":1}`, "in.json: not a JSON array: a JSON object, not tshark's packet array"},
		{"an element without layers is named by its position and byte", "[" + frame7 + `,{"x":1}]`,
			"in.json (after frame 7) field _source.layers: not tshark -T json output: packet 2 at byte 55 has no _source.layers"},
		{"garbage between elements is a syntax error", "[" + frame7 + " x]", "in.json (after frame 7): JSON output byte 55: expected ',' or ']' after element 1, found 'x'"},
		{"a balanced packet that is not JSON is refused, not half read, with its byte",
			"[" + frame7 + `,{"_source":{"layers":{"cflow":{"cflow.version" "10"}}}}]`,
			"in.json (after frame 7): not tshark -T json output: packet 2 at byte 55 (55 bytes) is not valid JSON"},
		// "[" + frame7 + "]\n" is 56 bytes: what follows starts at byte 56.
		{"two exports joined into one file are refused at the byte where the second begins",
			"[" + frame7 + "]\n[" + frame7 + "]\n",
			"in.json (after frame 7): JSON output byte 56: data after the packet array's closing ']': a second packet array (two exports joined into one file?); only white space may follow it"},
		{"text after the array is refused at its byte", "[" + frame7 + "]\nGARBAGE{{{\n",
			"in.json (after frame 7): JSON output byte 56: data after the packet array's closing ']': 'G'; only white space may follow it"},
		{"two empty arrays are refused", "[][]",
			"in.json: JSON output byte 2: data after the packet array's closing ']': a second packet array (two exports joined into one file?); only white space may follow it"},
		{"a packet repeated is refused with its frame", "[" + frame7 + "," + frame7 + "]",
			"in.json frame 7: appears twice in a row: frame numbers do not increase within one input, so it holds the same packets twice (two exports joined into one file, or packets exported twice?) or out of order; export the packets once, in capture order"},
		{"a frame number going back is refused with both frames", "[" + frame7 + "," + strings.Replace(frame7, `"7"`, `"3"`, 1) + "]",
			"in.json frame 3: comes after frame 7: frame numbers do not increase within one input, so it holds the same packets twice (two exports joined into one file, or packets exported twice?) or out of order; export the packets once, in capture order"},
		{"a frame number that does not read names the packet's position", "[" + frame7 + "," + strings.Replace(frame7, `"7"`, `"7x"`, 1) + "]",
			`in.json (after frame 7) field frame.number: packet 2 at byte 55: "7x" is not a frame number (1 to 4294967295): the export is damaged or was edited; export the packets again`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flow.ReadAll(Walk(strings.NewReader(tc.doc), WalkOptions{File: "in.json"}))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n %v\nwant\n %s", err, tc.want)
			}
		})
	}
}

func TestWalkEmptyArrayIsNoRecords(t *testing.T) {
	// White space after the closing bracket is fine (tshark ends with a newline).
	w := Walk(strings.NewReader("[\n\n]\n \r\n\t"), WalkOptions{})
	if _, err := w.Read(); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
	if !w.Done() {
		t.Error("not done")
	}
}

// FuzzWalk: the walker never panics and never loops on arbitrary input; on
// the fixtures' shapes it returns records or an error.
//
// Its seeds stay small (testdata/fuzz/FuzzWalk: one packet each, at
// most a few KB, among them an IPFIX template with its data record and a
// v9 one cut from the fixtures to the layers the walker reads). Whole
// fixtures (10 and 49 KB) stalled fuzzing: every mutant with new coverage
// is minimized byte by byte before fuzzing goes on, which for a 49 KB
// input under coverage instrumentation took the whole -fuzztime ("execs:
// 13 (0/sec)").
func FuzzWalk(f *testing.F) {
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

// seqMsg is one export message of the hand-worked sequence cases.
type seqMsg struct {
	frame     uint32
	port      uint16 // UDP source port: another port is another stream
	version   int
	seq       uint32
	records   int  // data records
	options   int  // options data records (a second data set, no flow key)
	undecoded bool // a data set tshark had no template for
}

// seqDoc writes the messages as tshark -T json packets, one per frame.
func seqDoc(msgs []seqMsg) string {
	var b strings.Builder
	b.WriteString("[")
	for i, m := range msgs {
		if i > 0 {
			b.WriteString(",")
		}
		dom := `"cflow.od_id":"7"`
		if m.version == 9 {
			dom = `"cflow.source_id":"7"`
		}
		fmt.Fprintf(&b, `{"_source":{"layers":{"frame":{"frame.number":"%d"},"ip":{"ip.src":"192.0.2.9","ip.dst":"192.0.2.1"},`+
			`"udp":{"udp.srcport":"%d","udp.dstport":"4739"},"cflow":{"cflow.version":"%d","cflow.sequence":"%d",%s`,
			m.frame, m.port, m.version, m.seq, dom)
		set := 1
		if m.records > 0 {
			fmt.Fprintf(&b, `,"Set %d [id=256] (%d flows)":{"cflow.flowset_id":"256"`, set, m.records)
			for k := 1; k <= m.records; k++ {
				fmt.Fprintf(&b, `,"Flow %d":{"cflow.srcaddr":"10.0.0.%d","cflow.dstaddr":"10.0.1.%d"}`, k, k, k)
			}
			b.WriteString("}")
			set++
		}
		if m.options > 0 {
			fmt.Fprintf(&b, `,"Set %d [id=400] (%d flows)":{"cflow.flowset_id":"400"`, set, m.options)
			for k := 1; k <= m.options; k++ {
				fmt.Fprintf(&b, `,"Flow %d":{"cflow.sys_init_time":"Nov 14, 2023 21:13:20.000000000 UTC"}`, k)
			}
			b.WriteString("}")
			set++
		}
		if m.undecoded {
			fmt.Fprintf(&b, `,"Set %d [id=300]":{"cflow.flowset_id":"300","Data (20 bytes), no template found":{}}`, set)
		}
		b.WriteString("}}}}")
	}
	b.WriteString("]")
	return b.String()
}

func TestWalkCountsSequenceGaps(t *testing.T) {
	type tally struct {
		gaps             int
		packets, records int64
		resets, unchkd   int
	}
	for _, tc := range []struct {
		name string
		msgs []seqMsg
		want tally
	}{
		{
			name: "IPFIX counts data records, options records included, and skips the message after an undecodable set",
			msgs: []seqMsg{
				{frame: 1, port: 50000, version: 10, seq: 0, records: 3},                 // next 3
				{frame: 2, port: 50000, version: 10, seq: 3, records: 2},                 // in order; next 5
				{frame: 3, port: 50000, version: 10, seq: 9, records: 1},                 // gap: records 5..8 missing (4); next 10
				{frame: 4, port: 50000, version: 10, seq: 10, undecoded: true},           // in order; its record count is unknown
				{frame: 5, port: 50000, version: 10, seq: 20, records: 1},                // not checked; next 21
				{frame: 6, port: 50000, version: 10, seq: 21, records: 2, options: 1},    // in order; next 24
				{frame: 7, port: 50000, version: 10, seq: 24, records: 1},                // in order; next 25
				{frame: 8, port: 50000, version: 10, seq: 2, records: 1},                 // back: exporter restart; next 3
				{frame: 9, port: 50000, version: 10, seq: 4, records: 1},                 // gap: record 3 missing (1)
				{frame: 10, port: 50001, version: 10, seq: 1000, records: 1},             // another stream: first message
				{frame: 11, port: 50000, version: 10, seq: 5, records: 1},                // in order (port 50000 expects 5)
				{frame: 12, port: 50001, version: 10, seq: 1001 + 1<<24 + 1, records: 1}, // forward by more than 2^24: a reset, not loss
			},
			want: tally{gaps: 2, records: 5, resets: 2, unchkd: 1},
		},
		{
			name: "NetFlow v9 counts export packets and wraps at 2^32",
			msgs: []seqMsg{
				{frame: 1, port: 50000, version: 9, seq: 4294967295, records: 2}, // next 0
				{frame: 2, port: 50000, version: 9, seq: 0, records: 5},          // in order after the wrap; next 1
				{frame: 3, port: 50000, version: 9, seq: 3, undecoded: true},     // gap: packets 1 and 2 missing; v9 counts packets, so next is 4 all the same
				{frame: 4, port: 50000, version: 9, seq: 4, records: 1},          // in order
				{frame: 5, port: 50000, version: 9, seq: 10, records: 1},         // gap: 5..9 missing (5)
			},
			want: tally{gaps: 2, packets: 7},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := Walk(strings.NewReader(seqDoc(tc.msgs)), WalkOptions{File: "seq.json"})
			if _, err := flow.ReadAll(w); err != nil {
				t.Fatal(err)
			}
			var got tally
			for _, d := range w.Tally().Domains {
				got.gaps += d.SeqGaps
				got.packets += d.SeqMissingPackets
				got.records += d.SeqMissingRecords
				got.resets += d.SeqResets
				got.unchkd += d.SeqUnchecked
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestWalkNoDuplicateKeysKeepsTheFirstOfTwoTimeEncodings(t *testing.T) {
	// --no-duplicate-keys: a record with two start encodings (150 and 152)
	// has an array of two cflow.timedelta_tree; the first is the record's.
	const doc = `[{"_source":{"layers":{"frame":{"frame.number":"3"},"ip":{"ip.src":"192.0.2.20"},"cflow":{"cflow.version":"10","cflow.od_id":"320",` +
		`"Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":"10.1.0.4","cflow.dstaddr":"10.1.1.4",` +
		`"cflow.timedelta":["9.000000000","9.333000000"],"cflow.timedelta_tree":[` +
		`{"cflow.abstimestart":"Nov 14, 2023 22:13:10.000000000 UTC","cflow.abstimeend":"Nov 14, 2023 22:13:19.000000000 UTC"},` +
		`{"cflow.abstimestart":"Nov 14, 2023 22:13:10.123000000 UTC","cflow.abstimeend":"Nov 14, 2023 22:13:19.456000000 UTC"}]}}}}}}]`
	recs, err := flow.ReadAll(Walk(strings.NewReader(doc), WalkOptions{}))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v, %d records", err, len(recs))
	}
	if r := recs[0]; r.Start != flow.UnixMilli(1699999990000) || !r.HasEnd || r.End != flow.UnixMilli(1699999999000) {
		t.Errorf("start %v end %v (has end %v), want 22:13:10Z and 22:13:19Z", r.Start, r.End, r.HasEnd)
	}
}

func TestWalkReadsTotalCountersWhenTheDeltaOnesAreAbsent(t *testing.T) {
	rec := func(fields string) string {
		return `[{"_source":{"layers":{"ip":{"ip.src":"192.0.2.20"},"cflow":{"cflow.version":"10","cflow.od_id":"1",` +
			`"Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":"10.1.0.4","cflow.dstaddr":"10.1.1.4",` + fields + `}}}}}}]`
	}
	for _, tc := range []struct {
		name, fields    string
		packets, octets uint64
	}{
		{"total counters only (yaf: IEs 85 and 86)", `"cflow.permanent_octets":"132","cflow.permanent_octets":"200","cflow.permanent_packets":"2","cflow.permanent_packets":"2"`, 2, 132},
		{"delta counters win over total ones", `"cflow.permanent_packets":"99","cflow.packets":"7","cflow.octets":"700","cflow.permanent_octets":"9999"`, 7, 700},
		{"no counter at all is zero", `"cflow.protocol":"6"`, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := flow.ReadAll(Walk(strings.NewReader(rec(tc.fields)), WalkOptions{}))
			if err != nil || len(recs) != 1 {
				t.Fatalf("%v, %d records", err, len(recs))
			}
			if recs[0].Packets != tc.packets || recs[0].Octets != tc.octets {
				t.Errorf("packets %d octets %d, want %d and %d", recs[0].Packets, recs[0].Octets, tc.packets, tc.octets)
			}
		})
	}
}

func TestWalkNotesWhatAnExportWithoutFrameOrIPLayerLacks(t *testing.T) {
	// tshark -T json -J cflow: frame and ip are stubs.
	const doc = `[{"_source":{"layers":{"frame":{"filtered":"frame"},"ip":{"filtered":"ip"},"cflow":{"cflow.version":"10","cflow.od_id":"1",` +
		`"Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":"10.1.0.4","cflow.dstaddr":"10.1.1.4"}}}}}},` +
		`{"_source":{"layers":{"frame":{"filtered":"frame"},"ip":{"filtered":"ip"},"cflow":{"cflow.version":"10","cflow.od_id":"1",` +
		`"Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":"10.1.0.5","cflow.dstaddr":"10.1.1.5"}}}}}}]`
	w := Walk(strings.NewReader(doc), WalkOptions{File: "x.json", Export: true})
	recs, err := flow.ReadAll(w)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v, %d records", err, len(recs))
	}
	// The element index is all there is: kept, and said once.
	if recs[0].Frame != 1 || recs[1].Frame != 2 || recs[0].CaptureTime != 0 || recs[0].Exporter.IsValid() {
		t.Errorf("frames %d %d, capture time %v, exporter %v", recs[0].Frame, recs[1].Frame, recs[0].CaptureTime, recs[0].Exporter)
	}
	want := []string{
		`x.json has no ip/ipv6 layer (exported with -J cflow?): the exporter address is unknown (records carry none); export with the ip and ipv6 layers (tshark -T json without -J, or -J "frame ip ipv6 cflow")`,
		`x.json has no frame layer (exported with -J without frame?): frame numbers are packet positions in the export and capture times are unknown; export with the frame layer (tshark -T json without -J, or -J "frame ip ipv6 cflow") to have them`,
	}
	if got := w.Tally().Notes; !slices.Equal(got, want) {
		t.Errorf("notes\n %q\nwant\n %q", got, want)
	}
	// tshark reading a raw IPFIX file (RFC 5655) for Source: no IP header.
	raw := strings.Replace(doc, `"frame":{"filtered":"frame"}`, `"frame":{"frame.number":"1"}`, 1)
	raw = strings.Replace(raw, `"frame":{"filtered":"frame"}`, `"frame":{"frame.number":"2"}`, 1)
	w = Walk(strings.NewReader(raw), WalkOptions{File: "x.ipfix"})
	if _, err := flow.ReadAll(w); err != nil {
		t.Fatal(err)
	}
	want = []string{"x.ipfix: the export packets carry no IP header (a raw IPFIX file has none): the exporter address is unknown (records carry none)"}
	if got := w.Tally().Notes; !slices.Equal(got, want) {
		t.Errorf("notes\n %q\nwant\n %q", got, want)
	}
}

// v9Packet is one NetFlow v9 export packet with one record, its header
// fields as tshark prints them (a_nf9_basic's shape); header replaces
// key=value pairs in it.
func v9Packet(frame int, header map[string]string) string {
	h := map[string]string{"cflow.version": "9", "cflow.sysuptime": "3600.000000000", "cflow.unix_secs": "1700000000",
		"cflow.sequence": "1", "cflow.source_id": "310"}
	for k, v := range header {
		h[k] = v
	}
	return fmt.Sprintf(`{"_source":{"layers":{"frame":{"frame.number":"%d"},"ip":{"ip.src":"192.0.2.10","ip.dst":"192.0.2.1"},`+
		`"cflow":{"cflow.version":%q,"cflow.count":"1","cflow.sysuptime":%q,"cflow.timestamp":"Nov 14, 2023 22:13:20.000000000 UTC",`+
		`"cflow.timestamp_tree":{"cflow.unix_secs":%q,"cflow.unix_nsecs":"0"},"cflow.sequence":%q,"cflow.source_id":%q,`+
		`"FlowSet 1 [id=256] (1 flows)":{"cflow.flowset_id":"256","Flow 1":{"cflow.srcaddr":"10.0.0.1","cflow.dstaddr":"10.0.1.1",`+
		`"cflow.timedelta":"1.000000000","cflow.timedelta_tree":{"cflow.timestart":"3590.000000000","cflow.timeend":"3591.000000000"}}}}}}}`,
		frame, h["cflow.version"], h["cflow.sysuptime"], h["cflow.unix_secs"], h["cflow.sequence"], h["cflow.source_id"])
}

// A header field that does not read would give every record of the packet a
// wrong domain, version or start: the walk stops with the field's position,
// after the records of the packets before it and none of its own.
func TestWalkRefusesHeaderFieldsThatDoNotRead(t *testing.T) {
	const tail = ": the export is damaged or was edited; export the packets again"
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"an uptime that is not a number", "cflow.sysuptime", "abc", `"abc" is not a system uptime in seconds (0 to 4294967.295)`},
		{"an uptime in exponent form", "cflow.sysuptime", "1e30", `"1e30" is not a system uptime in seconds (0 to 4294967.295)`},
		{"an uptime past 2^32 ms", "cflow.sysuptime", "4294967.296", `"4294967.296" is not a system uptime in seconds (0 to 4294967.295)`},
		{"a negative uptime", "cflow.sysuptime", "-1.000000000", `"-1.000000000" is not a system uptime in seconds (0 to 4294967.295)`},
		{"a domain past 32 bits is not clamped", "cflow.source_id", "4294967296", `"4294967296" is not an observation domain id (0 to 4294967295)`},
		{"a negative domain is not zeroed", "cflow.source_id", "-310", `"-310" is not an observation domain id (0 to 4294967295)`},
		{"a sequence number that is not a number", "cflow.sequence", "x", `"x" is not a sequence number (0 to 4294967295)`},
		{"a version that is not a number", "cflow.version", "v9", `"v9" is not a NetFlow version number`},
		{"a version past 8 bits", "cflow.version", "265", `"265" is not a NetFlow version number`},
		{"an export time with a fraction", "cflow.unix_secs", "1700000000.5", `"1700000000.5" is not an export time in epoch seconds (0 to 4294967295)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := "[" + v9Packet(1, nil) + "," + v9Packet(2, map[string]string{tc.field: tc.value}) + "," + v9Packet(3, nil) + "]"
			w := Walk(strings.NewReader(doc), WalkOptions{File: "in.json"})
			recs, err := flow.ReadAll(w)
			want := "in.json frame 2 field " + tc.field + ": " + tc.want + tail
			if err == nil || err.Error() != want {
				t.Errorf("error\n %v\nwant\n %s", err, want)
			}
			if len(recs) != 1 || recs[0].Frame != 1 {
				t.Errorf("%d records, want the one of frame 1", len(recs))
			}
		})
	}
	// The largest values that fit are read as they are.
	doc := "[" + v9Packet(1, map[string]string{"cflow.sysuptime": "4294967.295", "cflow.source_id": "4294967295", "cflow.sequence": "4294967295"}) + "]"
	recs, err := flow.ReadAll(Walk(strings.NewReader(doc), WalkOptions{File: "in.json"}))
	if err != nil || len(recs) != 1 || recs[0].SysUptime != 4294967295 || recs[0].Domain != 4294967295 || recs[0].Sequence != 4294967295 {
		t.Fatalf("%v, %+v", err, recs)
	}
}

// The UDP payloads below are tshark's own (-T json, udp.payload) of
// h_ports.pcap frames 1 (v9) and 2 (IPFIX), sent to port 9995, which tshark
// does not decode by default, and of v9_srcport53.pcap (v9 from source port
// 53 to 2055: tshark shows a malformed DNS query).
const (
	v9Payload9995    = "00:09:00:02:00:36:ee:80:65:53:f1:00:00:00:00:01:00:00:01:7c:00:00:00:2c:01:00:00:09:00:08:00:04:00:0c:00:04:00:07:00:02:00:0b:00:02:00:04:00:01:00:16:00:04:00:15:00:04:00:02:00:04:00:01:00:04:01:00:00:21:0a:06:00:01:0a:06:01:01:03:e8:00:50:06:00:36:c7:70:00:36:ea:98:00:00:00:01:00:00:00:64"
	ipfixPayload9995 = "00:0a:00:6d:65:53:f1:00:00:00:00:00:00:00:01:7d:00:02:00:2c:01:00:00:09:00:08:00:04:00:0c:00:04:00:07:00:02:00:0b:00:02:00:04:00:01:00:98:00:08:00:99:00:08:00:02:00:08:00:01:00:08:01:00:00:31:0a:06:00:02:0a:06:01:02:03:e9:00:50:06:00:00:01:8b:cf:e5:44:d8:00:00:01:8b:cf:e5:64:18:00:00:00:00:00:00:00:01:00:00:00:00:00:00:00:64"
	v9PayloadFrom53  = "00:09:00:02:00:36:ee:80:65:53:f1:00:00:00:00:01:00:00:03:84:00:00:00:28:01:00:00:08:00:08:00:04:00:0c:00:04:00:07:00:02:00:0b:00:02:00:04:00:01:00:16:00:04:00:15:00:04:00:02:00:04:01:00:00:1d:0a:32:00:06:0a:33:00:06:03:ee:01:bb:06:00:36:c7:70:00:36:ea:98:00:00:00:01"
)

func udpPacket(frame int, sp, dp uint16, payloadLayer string) string {
	return fmt.Sprintf(`{"_source":{"layers":{"frame":{"frame.number":"%d"},"ip":{"ip.src":"192.0.2.82","ip.dst":"192.0.2.1"},`+
		`"udp":{"udp.srcport":"%d","udp.dstport":"%d"%s}}}}`, frame, sp, dp, payloadLayer)
}

func TestWalkNotesUDPPortsAnExportDidNotDecode(t *testing.T) {
	doc := "[" + strings.Join([]string{
		udpPacket(1, 50008, 9995, `,"udp.payload":"`+v9Payload9995+`"},"data":{"data.data":"`+v9Payload9995+`"`),
		udpPacket(2, 50009, 9995, `,"udp.payload":"`+ipfixPayload9995+`"`),
		// No udp.payload (older tshark): the data layer's bytes.
		udpPacket(3, 50009, 9997, `},"data":{"data.data":"`+strings.ReplaceAll(ipfixPayload9995, ":", "")+`"`),
		udpPacket(4, 53, 2055, `,"udp.payload":"`+v9PayloadFrom53+`"},"dns":{"dns.id":"0x0009"`),
		// A DNS answer is no export.
		udpPacket(5, 53, 40000, `,"udp.payload":"00:09:81:80:00:01:00:01:00:00:00:00:07:65:78:61:6d:70:6c:65:03:63:6f:6d:00:00:01:00:01"`),
	}, ",") + "]"
	for _, tc := range []struct {
		name   string
		export bool
		want   []string
	}{
		{"an export says how to export again", true, []string{
			"in.json: 1 packet from UDP source port 53 to port 2055 looks like NetFlow/IPFIX but was claimed by the source port's dissector: their records are missing; export the packets again with Decode As UDP port 53 as CFLOW (tshark -d udp.port==53,cflow ...), or give nftimediff the capture itself, which finds such ports",
			"in.json: 2 packets to UDP port 9995 look like NetFlow/IPFIX but were not decoded (tshark decodes only ports 2055, 4739 and 9996 by itself): their records are missing; export the packets again with Decode As UDP port 9995 as CFLOW (tshark -d udp.port==9995,cflow ...), or give nftimediff the capture itself, which finds such ports",
			"in.json: 1 packet to UDP port 9997 looks like NetFlow/IPFIX but was not decoded (tshark decodes only ports 2055, 4739 and 9996 by itself): their records are missing; export the packets again with Decode As UDP port 9997 as CFLOW (tshark -d udp.port==9997,cflow ...), or give nftimediff the capture itself, which finds such ports",
		}},
		{"tshark's output for a capture says which --port to add", false, []string{
			"in.json: 1 packet from UDP source port 53 to port 2055 looks like NetFlow/IPFIX but was claimed by the source port's dissector: their records are missing; add --port 53",
			"in.json: 2 packets to UDP port 9995 look like NetFlow/IPFIX but were not decoded (tshark decodes only ports 2055, 4739 and 9996 by itself): their records are missing; add --port 9995",
			"in.json: 1 packet to UDP port 9997 looks like NetFlow/IPFIX but was not decoded (tshark decodes only ports 2055, 4739 and 9996 by itself): their records are missing; add --port 9997",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := Walk(strings.NewReader(doc), WalkOptions{File: "in.json", Export: tc.export})
			if _, err := flow.ReadAll(w); err != nil {
				t.Fatal(err)
			}
			if got := w.Tally().Notes; !slices.Equal(got, tc.want) {
				t.Errorf("notes\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}
