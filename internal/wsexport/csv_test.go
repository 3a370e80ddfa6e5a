package wsexport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

const csvHead = `"No.","Time","Source","Destination","Protocol","L7 Application Name","Observation Domain Id","DstPort","DstAddr","StartTime","Info"` + "\n"

var brazil4 = strings.Repeat(",May 19, 2020 10:37:25.503000000 Central Brazilian Daylight Time", 4)[1:]

func gtb(sec int) string {
	return "May 19, 2020 10:37:" + pad2(sec) + ".503000000 GTB Daylight Time"
}

// cutAt255 joins the entries and cuts the text to 255 bytes, as Wireshark's
// CSV export does.
func cutAt255(entries ...string) string {
	s := strings.Join(entries, ",")
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}

func csvRow(cells ...string) string {
	for i, c := range cells {
		cells[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
	}
	return strings.Join(cells, ",") + "\n"
}

func readCSV(t *testing.T, text string, opt Options) ([]flow.Record, *flow.Tally, error) {
	t.Helper()
	r, err := NewReader(context.Background(), strings.NewReader(text), KindCSV, "t.csv", opt)
	if err != nil {
		return nil, nil, err
	}
	recs, err := flow.ReadAll(r)
	return recs, r.Tally(), err
}

func TestCSVRows(t *testing.T) {
	starts6 := []string{gtb(1), gtb(2), gtb(3), gtb(4), gtb(5), gtb(6)}
	tests := []struct {
		name     string
		rows     string
		records  int
		starts   int
		apps     []string
		proto    uint8
		err      error  // errors.Is target, when an error is expected
		errText  string // substring of the error
		noteText string // substring of some note
	}{
		{
			name: "a StartTime list cut at 255 characters keeps the whole entries and counts the lost ones",
			rows: csvRow("1", "2020-05-19 07:37:12.362041", "10.0.0.1", "10.0.0.9", "CFLOW", "a,b,c,d,e,f", "320",
				"1,2,3,4,5,6", "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6", cutAt255(starts6...), "IPFIX flow (1 bytes) Obs-Domain-ID=  320 [Data:256]"),
			records: 6, starts: 5, apps: []string{"a", "b", "c", "d", "e", "f"},
			noteText: "1 of 6 records have no start time",
		},
		{
			// Four entries of 63 characters and three commas are exactly 255:
			// the last entry is whole (its zone label is that of the others).
			name: "a start list cut exactly after a whole entry keeps that entry",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "1,2,3,4,5",
				"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5", brazil4, ""),
			records: 5, starts: 4, noteText: "1 of 5 records have no start time",
		},
		{
			// Entries of 51 characters: the fifth is cut after 47, inside
			// its zone label ("Egypt Standard").
			name: "a start list cut inside the last zone label drops that entry",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "1,2,3,4,5",
				"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5", strings.Repeat("May 19, 2020 10:37:25.503000000 Egypt Standard Time,", 5)[:255], ""),
			records: 5, starts: 4,
		},
		{
			name: "a start entry that is not a time fails with its position",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "1,2,3,4,5",
				"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5", "X"+brazil4[:200], ""),
			errText: `line 2 (frame 1), StartTime: entry 1: "XMay 19`,
		},
		{
			name: "a start list cut inside the fraction drops that entry, though it parses",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "1,2,3,4,5",
				"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5", "May 19, 2020 10:37:00.503000000 UTC,"+brazil4[:219], ""),
			records: 5, starts: 4,
		},
		{
			name: "an app name with a comma and a space is kept whole",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "HTTP,Microsoft Teams, Skype,dns", "320", "80,443,53",
				"1.1.1.1,1.1.1.2,1.1.1.3", strings.Join(starts6[:3], ","), ""),
			records: 3, starts: 3, apps: []string{"HTTP", "Microsoft Teams, Skype", "dns"},
		},
		{
			name: "an app list shorter than the flows (an empty name is left out) is not used",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "HTTP,dns", "320", "80,443,53",
				"1.1.1.1,1.1.1.2,1.1.1.3", strings.Join(starts6[:3], ","), ""),
			records: 3, starts: 3, apps: []string{"", "", ""},
			noteText: "frame 1 has 2 names for 3 flows",
		},
		{
			name: "a port list Excel turned into a number is refused",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "a,b,c", "320", "443443443",
				"1.1.1.1,1.1.1.2,1.1.1.3", "", ""),
			err: ErrExcelNumber, errText: "t.csv line 2 (frame 1), DstPort",
		},
		{
			name: "a frame whose lists differ in length is not read and is noted",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "80,443", "1.1.1.1,1.1.1.2,1.1.1.3", "", "") +
				csvRow("2", "", "10.0.0.1", "", "CFLOW", "", "320", "80", "1.1.1.1", gtb(1), ""),
			records: 1, starts: 1, noteText: "1 frame was not read because its flow lists differ",
		},
		{
			name: "one frame with two observation domains is not read, and the note counts it in the singular",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "310,320", "80,443", "1.1.1.1,1.1.1.2", "", "") +
				csvRow("2", "", "10.0.0.1", "", "CFLOW", "", "320", "80", "1.1.1.1", gtb(1), ""),
			records: 1, starts: 1, noteText: "t.csv: 1 frame carries several observation domains (several messages in one TCP segment, or IE 149 in the records) and was not read; export as JSON",
		},
		{
			name: "two frames with two observation domains are counted in the plural",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "310,320", "80,443", "1.1.1.1,1.1.1.2", "", "") +
				csvRow("2", "", "10.0.0.1", "", "CFLOW", "", "320,310", "80,443", "1.1.1.1,1.1.1.2", "", "") +
				csvRow("3", "", "10.0.0.1", "", "CFLOW", "", "320", "80", "1.1.1.1", gtb(1), ""),
			records: 1, starts: 1, noteText: "t.csv: 2 frames carry several observation domains (several messages in one TCP segment, or IE 149 in the records) and were not read; export as JSON",
		},
		{
			name:    "a relative StartTime (v9 uptime) is refused",
			rows:    csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "80", "1.1.1.1", "3590.000000000", ""),
			errText: "relative time",
		},
		{
			name:    "a Source that is a host name is refused",
			rows:    csvRow("1", "", "probe1.example", "", "CFLOW", "", "320", "80", "1.1.1.1", "", ""),
			errText: `line 2 (frame 1), Source: "probe1.example" is not an IP address`,
		},
		{
			name: "an unknown zone is read as UTC and noted once",
			rows: csvRow("1", "", "10.0.0.1", "", "CFLOW", "", "320", "80,81", "1.1.1.1,1.1.1.2",
				"May 19, 2020 10:37:25.503000000 Ora de vară a Europei de Est,May 19, 2020 10:37:26.503000000 Ora de vară a Europei de Est", ""),
			records: 2, starts: 2, noteText: "is not known: absolute times read as UTC and unverified",
		},
		{
			name: "rows without flow lists are frames without records",
			rows: csvRow("1", "", "10.0.0.1", "", "TCP", "", "", "", "", "", "40000 → 4739 [SYN]"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, tl, err := readCSV(t, csvHead+tc.rows, Options{})
			if tc.err != nil || tc.errText != "" {
				if err == nil {
					t.Fatalf("no error, want %v %q", tc.err, tc.errText)
				}
				if tc.err != nil && !errors.Is(err, tc.err) {
					t.Errorf("error %v, want %v", err, tc.err)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Errorf("error %q does not contain %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			starts := 0
			for _, r := range recs {
				if r.HasStart() {
					starts++
				}
			}
			if len(recs) != tc.records || starts != tc.starts {
				t.Errorf("%d records, %d with a start; want %d and %d", len(recs), starts, tc.records, tc.starts)
			}
			for i, a := range tc.apps {
				if i < len(recs) && recs[i].App != a {
					t.Errorf("record %d app %q, want %q", i, recs[i].App, a)
				}
			}
			if tc.noteText != "" && !strings.Contains(strings.Join(tl.Notes, "\n"), tc.noteText) {
				t.Errorf("notes %q lack %q", tl.Notes, tc.noteText)
			}
		})
	}
}

func TestTheSecondProtocolColumnIsTheFlowProtocol(t *testing.T) {
	text := `"No.","Source","Protocol","Observation Domain Id","DstAddr","DstPort","Protocol","SrcAddr","SrcPort","StartTime"` + "\n" +
		csvRow("7", "2001:db8::50", "CFLOW", "360", "2001:db8:b::1,10.0.0.1", "443,53", "TCP,17", "2001:db8:a::1,10.0.0.2", "50000,50001",
			"2023-11-14T22:13:10.123000000Z,Nov 14, 2023 22:13:11.000000000 UTC")
	recs, tl, err := readCSV(t, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []flow.Record{
		{Pos: flow.Pos{File: "t.csv", Frame: 7, Flow: 1}, Exporter: netip.MustParseAddr("2001:db8::50"), Version: 10, Domain: 360,
			Src: netip.MustParseAddr("2001:db8:a::1"), Dst: netip.MustParseAddr("2001:db8:b::1"), SrcPort: 50000, DstPort: 443, Proto: 6,
			Start: utc(2023, 11, 14, 22, 13, 10, 123000000), StartEnc: flow.EncExportString,
			Lacks: flow.LacksPackets | flow.LacksOctets | flow.LacksSequence | flow.LacksExporterPort | flow.LacksCollectorPort},
		{Pos: flow.Pos{File: "t.csv", Frame: 7, Flow: 2}, Exporter: netip.MustParseAddr("2001:db8::50"), Version: 10, Domain: 360,
			Src: netip.MustParseAddr("10.0.0.2"), Dst: netip.MustParseAddr("10.0.0.1"), SrcPort: 50001, DstPort: 53, Proto: 17,
			Start: utc(2023, 11, 14, 22, 13, 11, 0), StartEnc: flow.EncExportString,
			Lacks: flow.LacksPackets | flow.LacksOctets | flow.LacksSequence | flow.LacksExporterPort | flow.LacksCollectorPort},
	}
	if len(recs) != 2 || recs[0] != want[0] || recs[1] != want[1] {
		t.Errorf("records:\n got %+v\nwant %+v", recs, want)
	}
	for _, n := range tl.Notes {
		if strings.Contains(n, "flow protocol is not in the export") {
			t.Errorf("unexpected note %q", n)
		}
	}
}

func TestAnExcelCSVWithSemicolonsAndBOMIsRead(t *testing.T) {
	text := "\xef\xbb\xbfNo.;Source;Observation Domain Id;DstAddr;DstPort;StartTime\r\n" +
		"5;10.0.0.1;310;1.1.1.1,1.1.1.2;80,443;\"May 19, 2020 10:37:25.503000000 GTB Daylight Time,May 19, 2020 10:37:26.503000000 GTB Daylight Time\"\r\n"
	if k := DetectBytes([]byte(text)); k != KindCSV {
		t.Fatalf("detected %v", k)
	}
	recs, _, err := readCSV(t, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Start != utc(2020, 5, 19, 7, 37, 26, 503000000) || recs[1].DstPort != 443 {
		t.Errorf("records %+v", recs)
	}
}

func TestAFileWithoutFlowColumnsIsRefusedAtItsHeader(t *testing.T) {
	_, _, err := readCSV(t, `"No.","Time","Source","Destination","Protocol","Length","Info"`+"\n"+csvRow("1", "0.0", "a", "b", "UDP", "1", "x"), Options{})
	var pe *PosError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "no DstAddr column") {
		t.Errorf("error %v, want a PosError about the missing DstAddr column", err)
	}
}

func TestCSVAndXLSXOfTheUserExportGiveTheSameRecords(t *testing.T) {
	a, _ := readAll(t, userExport(t, "c2p1med01.csv"), Options{})
	b, _ := readAll(t, userExport(t, "c2p1med01.xlsx"), Options{})
	if len(a) != len(b) {
		t.Fatalf("%d and %d records", len(a), len(b))
	}
	for i := range a {
		a[i].File, b[i].File = "", ""
		if a[i] != b[i] {
			t.Fatalf("record %d: %s", i, diff(b[i], a[i]))
		}
	}
}

func TestInputTZAppliesToTheUserExport(t *testing.T) {
	loc := time.FixedZone("+02:00", 2*3600)
	recs, _ := readAll(t, userExport(t, "c2p1med01.csv"), Options{InputTZ: loc})
	if want := utc(2020, 5, 19, 8, 37, 25, 503000000); recs[0].Start != want {
		t.Errorf("start %v, want %v (10:37:25.503 read at UTC+2)", recs[0].Start, want)
	}
}

func FuzzSplitLists(f *testing.F) {
	f.Add("May 19, 2020 10:37:25.503000000 GTB Daylight Time,May 19, 2020 10:37:56.132000000 GTB Daylight Time,May 1", 3)
	f.Add("HTTP,Microsoft Teams, Skype,dns", 3)
	f.Add("a,,b, ,c", 2)
	f.Add(`Caf\303\251 \"x\"\\`, 1)
	f.Fuzz(func(t *testing.T, cell string, n int) {
		if got := strings.Join(splitTimes(cell), ","); got != cell {
			t.Fatalf("splitTimes loses text: %q -> %q", cell, got)
		}
		apps, ok := splitApps(cell, n)
		if cell != "" && strings.Join(apps, ",") != cell {
			t.Fatalf("splitApps loses text: %q -> %q", cell, apps)
		}
		if ok && len(apps) != n {
			t.Fatalf("splitApps(%q, %d) ok with %d names", cell, n, len(apps))
		}
		unescape(cell)
		excelNumber(cell, n)
	})
}

func FuzzCSVExport(f *testing.F) {
	f.Add([]byte(csvHead + csvRow("1", "2020-05-19 07:37:12.362041", "10.0.0.1", "10.0.0.9", "CFLOW", "a,b", "320", "1,2", "1.1.1.1,1.1.1.2", gtb(1)+","+gtb(2), "[Data:256]")))
	f.Add([]byte("No.;Source;Observation Domain Id;DstAddr\n1;10.0.0.1;310;1.1.1.1\n"))
	f.Add([]byte(csvHead + `"1","x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(context.Background(), bytes.NewReader(b), KindCSV, "f.csv", Options{})
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			if _, err := r.Read(); err != nil {
				if err != io.EOF {
					var pe *PosError
					if !errors.As(err, &pe) {
						t.Fatalf("error without a position: %v", err)
					}
				}
				return
			}
		}
	})
}

func TestFrameTime(t *testing.T) {
	tests := []struct {
		name, in string
		want     flow.Instant
	}{
		{"the UTC date and time of day is read as UTC", "2020-05-19 07:37:12.362041", utc(2020, 5, 19, 7, 37, 12, 362041000)},
		{"epoch seconds are read", "1589873832.362041", utc(2020, 5, 19, 7, 37, 12, 362041000)},
		{"seconds since the first packet are unknown", "12.000001", 0},
		{"an Excel date serial is converted", "43970.31750418981", utc(2020, 5, 19, 7, 37, 12, 362000000)},
		{"garbage is unknown", "yesterday", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := frameTime(tc.in)
			if d := got.Sub(tc.want); d > time.Millisecond || d < -time.Millisecond {
				t.Errorf("frameTime(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func BenchmarkReadUserExportCSV(b *testing.B) {
	path := filepath.Join(userExportDir, "c2p1med01.csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("user export not available: %v", err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		r, _ := NewReader(context.Background(), bytes.NewReader(raw), KindCSV, "c.csv", Options{})
		if _, err := flow.ReadAll(r); err != nil {
			b.Fatal(err)
		}
	}
}

// A CSV with field names as titles, written by tshark -T fields the way the
// GUI writes its CSV (quoted cells, occurrences joined with ","), gives the
// capture's records in every field a CSV can carry.
func TestACSVOfFieldsGivesTheCaptureRecords(t *testing.T) {
	exe := needTshark(t)
	for _, c := range []struct {
		name    string
		noApps  bool // flow 3 has an empty app name: the list cannot be aligned
		appNote string
	}{
		{"b_ipfix_basic.pcap", false, ""},
		{"c_ipfix_ixia.pcap", true, "frame 1 has 4 names for 5 flows"},
	} {
		capture := filepath.Join(capturesDir, "format", c.name)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(c.name, func(t *testing.T) {
			args := []string{"-n", "-r", capture, "-T", "fields", "-E", "header=y"}
			for _, f := range []string{"frame.number", "frame.time_epoch", "ip.src", "udp.srcport", "udp.dstport", "cflow.od_id",
				"cflow.srcaddr", "cflow.dstaddr", "cflow.srcport", "cflow.dstport", "cflow.protocol", "cflow.abstimestart",
				"cflow.pie.ixia.l7-application-name", "cflow.packets", "cflow.octets"} {
				args = append(args, "-e", f)
			}
			cmd := exec.Command(exe, args...)
			cmd.Env = append(os.Environ(), "TZ=Asia/Kolkata") // IST: ambiguous, so the test gives --input-tz
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			kolkata, err := ParseInputTZ("Asia/Kolkata")
			if err != nil {
				t.Skipf("no tzdata: %v", err)
			}
			// tshark -T fields does not double quotes inside a quoted cell,
			// as the GUI's CSV export does: take tab-separated fields and
			// quote them the GUI's way.
			var gui strings.Builder
			for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
				cells := strings.Split(line, "\t")
				for i, c := range cells {
					cells[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
				}
				gui.WriteString(strings.Join(cells, ",") + "\n")
			}
			got, tl, err := readCSV(t, gui.String(), Options{InputTZ: kolkata})
			if err != nil {
				t.Fatal(err)
			}
			want := captureRecords(t, capture, nil)
			if len(got) != len(want) {
				t.Fatalf("%d records, capture gives %d", len(got), len(want))
			}
			for i := range want {
				w := want[i]
				if c.noApps {
					w.App = ""
				}
				w.AppID, w.HasAppID = 0, false // no L7 Application ID column
				// What a CSV cannot carry.
				w.File, w.Set, w.TemplateID, w.ExportTime, w.Sequence, w.End, w.HasEnd = "t.csv", 0, 0, 0, 0, 0, false
				w.Lacks |= flow.LacksSequence
				if w.StartEnc != flow.EncNone {
					w.StartEnc = flow.EncExportString
				}
				if got[i] != w {
					t.Errorf("record %d: %s", i, diff(got[i], w))
				}
			}
			if c.appNote != "" && !strings.Contains(strings.Join(tl.Notes, "\n"), c.appNote) {
				t.Errorf("notes %q lack %q", tl.Notes, c.appNote)
			}
		})
	}
}

// A record carrying both address fields has the unused one zero: per flow
// the specified address is taken, from whichever column holds it.
func TestCSVWithIPv4AndIPv6AddressColumnsTakesTheSpecifiedAddressPerFlow(t *testing.T) {
	for _, head := range []string{
		`"No.","Source","Observation Domain Id","cflow.dstaddr","cflow.dstaddrv6","cflow.srcaddr","cflow.srcaddrv6","DstPort"`,
		`"No.","Source","Observation Domain Id","DstAddr","DstAddrV6","SrcAddr","SrcAddrV6","DstPort"`,
	} {
		t.Run(head, func(t *testing.T) {
			text := head + "\n" +
				csvRow("3", "192.0.2.1", "7", "0.0.0.0,10.0.1.2", "2001:db8:b::1,::", "0.0.0.0,10.0.0.2", "2001:db8:a::1,::", "443,53")
			recs, _, err := readCSV(t, text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := [][2]string{{"2001:db8:a::1", "2001:db8:b::1"}, {"10.0.0.2", "10.0.1.2"}}
			if len(recs) != 2 {
				t.Fatalf("%d records, want 2", len(recs))
			}
			for i, w := range want {
				if recs[i].Src.String() != w[0] || recs[i].Dst.String() != w[1] {
					t.Errorf("flow %d: %v -> %v, want %s -> %s", i+1, recs[i].Src, recs[i].Dst, w[0], w[1])
				}
			}
		})
	}
}

func TestCSVAddressColumnsOfDifferentLengthsAreNotPaired(t *testing.T) {
	// Two data sets, one IPv4 (2 flows) and one IPv6 (1 flow): the lists
	// cannot say which address goes with which port.
	text := `"No.","Source","Observation Domain Id","cflow.dstaddr","cflow.dstaddrv6","DstPort"` + "\n" +
		csvRow("4", "192.0.2.1", "7", "10.0.1.1,10.0.1.2", "2001:db8:b::1", "80,443,53")
	recs, tl, err := readCSV(t, text, Options{})
	if err != nil || len(recs) != 0 || !strings.Contains(strings.Join(tl.Notes, "\n"), "1 frame was not read because its flow lists differ in length (first: frame 4)") {
		t.Errorf("%d records, error %v, notes %q", len(recs), err, tl.Notes)
	}
}

func TestCSVTotalCountersStandInForAbsentDeltaCounters(t *testing.T) {
	text := `"No.","Source","Observation Domain Id","DstAddr","Permanent Packets","Permanent Octets"` + "\n" +
		csvRow("3", "192.0.2.1", "0", "10.0.1.1,10.0.1.2", "2,4", "132,172")
	recs, _, err := readCSV(t, text, Options{})
	if err != nil || len(recs) != 2 || recs[0].Packets != 2 || recs[0].Octets != 132 || recs[1].Packets != 4 || recs[1].Octets != 172 {
		t.Errorf("records %+v, error %v; want 2/132 and 4/172", recs, err)
	}
}

func TestCSVStartsWithMicrosecondDigitsKeepThem(t *testing.T) {
	text := `"No.","Source","Observation Domain Id","DstAddr","StartTime"` + "\n" +
		csvRow("3", "192.0.2.1", "0", "10.0.1.1,10.0.1.2", "Nov 14, 2023 22:13:10.123456000 UTC,Nov 14, 2023 22:13:11.500000000 UTC")
	recs, _, err := readCSV(t, text, Options{})
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %+v, error %v", recs, err)
	}
	for i, want := range []string{"2023-11-14T22:13:10.123456Z", "2023-11-14T22:13:11.500Z"} {
		if got := recs[i].Start.Format(recs[i].StartEnc.Precision()); got != want {
			t.Errorf("flow %d: start %s (%v), want %s", i+1, got, recs[i].StartEnc, want)
		}
	}
}

// Excel's import puts a "Column1, Column2, ..." row above the header; a
// workbook saved as CSV again keeps it.
func TestACSVWithExcelsColumnRowIsDetectedAndRead(t *testing.T) {
	for _, tc := range []struct {
		name, text string
	}{
		{"comma-separated", "Column1,Column2,Column3,Column4\r\nNo.,Source,Observation Domain Id,DstAddr\r\n3,192.0.2.1,310,\"10.0.1.1,10.0.1.2\"\r\n"},
		{"semicolon-separated and quoted, with a BOM", "\xef\xbb\xbf\"Column1\";\"Column2\";\"Column3\";\"Column4\"\n\"No.\";\"Source\";\"Observation Domain Id\";\"DstAddr\"\n\"3\";\"192.0.2.1\";\"310\";\"10.0.1.1,10.0.1.2\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k := DetectBytes([]byte(tc.text)); k != KindCSV {
				t.Fatalf("detected %v, want %v", k, KindCSV)
			}
			recs, _, err := readCSV(t, tc.text, Options{})
			if err != nil || len(recs) != 2 || recs[1].Frame != 3 || recs[1].Dst != netip.MustParseAddr("10.0.1.2") || recs[1].Domain != 310 {
				t.Errorf("records %+v, error %v", recs, err)
			}
		})
	}
	if k := DetectBytes([]byte("Column1,Column2\nhello,world\n")); k != KindUnknown {
		t.Errorf("a Column row above a line that is no header: detected %v, want %v", k, KindUnknown)
	}
}

// The analyst's workbook saved as CSV by LibreOffice (the sheet with the
// data, as Excel's "Save As CSV" does) keeps the Column row: it gives the
// records of the workbook.
func TestTheUserWorkbookSavedAsCSVByLibreOfficeGivesItsRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs LibreOffice")
	}
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed")
	}
	book := userExport(t, "c2p1med01.xlsx")
	dir := t.TempDir()
	// Filter options: comma, double quote, UTF-8, from line 1, ..., every sheet (-1).
	cmd := exec.Command(soffice, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", dir, book)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v: %s", err, out)
	}
	csvPath := filepath.Join(dir, "c2p1med01-Sheet2.csv")
	head, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatalf("soffice wrote no sheet 2: %v", err)
	}
	if !bytes.HasPrefix(head, []byte("Column1,Column2,")) {
		t.Fatalf("the CSV does not start with the Column row: %q", head[:min(len(head), 60)])
	}
	got, _ := readAll(t, csvPath, Options{})
	want, _ := readAll(t, book, Options{})
	if len(got) != len(want) || len(want) != 1353 {
		t.Fatalf("%d records, the workbook gives %d", len(got), len(want))
	}
	for i := range got {
		got[i].File, want[i].File = "", ""
		if got[i] != want[i] {
			t.Fatalf("record %d: %s", i, diff(got[i], want[i]))
		}
	}
}

func TestTheUserCSVWithTheColumnRowPrependedGivesTheSameRecords(t *testing.T) {
	raw, err := os.ReadFile(userExport(t, "c2p1med01.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]string, 17)
	for i := range cols {
		cols[i] = fmt.Sprintf(`"Column%d"`, i+1)
	}
	path := filepath.Join(t.TempDir(), "with-column-row.csv")
	os.WriteFile(path, append([]byte(strings.Join(cols, ",")+"\n"), raw...), 0o644)
	got, tl := readAll(t, path, Options{})
	want, _ := readAll(t, userExport(t, "c2p1med01.csv"), Options{})
	if len(got) != 1353 || len(got) != len(want) || tl.Frames != 137 {
		t.Fatalf("%d records in %d frames, want 1353 in 137", len(got), tl.Frames)
	}
	for i := range got {
		if got[i].Frame != want[i].Frame || got[i].Start != want[i].Start || got[i].Dst != want[i].Dst {
			t.Fatalf("record %d: %s", i, diff(got[i], want[i]))
		}
	}
}

func TestACSVFrameWhoseMiddleListIsShorterIsNotRead(t *testing.T) {
	// DstAddr and SrcAddr have 3 entries, DstPort 2: the ports cannot be
	// paired with the flows, wherever the short list stands.
	text := `"No.","Source","Observation Domain Id","DstAddr","DstPort","SrcAddr"` + "\n" +
		csvRow("5", "192.0.2.1", "7", "10.0.1.1,10.0.1.2,10.0.1.3", "80,443", "10.0.0.1,10.0.0.2,10.0.0.3")
	recs, tl, err := readCSV(t, text, Options{})
	if err != nil || len(recs) != 0 || !strings.Contains(strings.Join(tl.Notes, "\n"), "1 frame was not read because its flow lists differ in length (first: frame 5)") {
		t.Errorf("%d records, error %v, notes %q", len(recs), err, tl.Notes)
	}
}

func TestACSVWithoutFrameNumbersSaysItsFramesArePositions(t *testing.T) {
	text := `"Source","Observation Domain Id","DstAddr"` + "\n" + csvRow("192.0.2.1", "7", "10.0.1.1") + csvRow("192.0.2.1", "7", "10.0.1.2")
	recs, tl, err := readCSV(t, text, Options{})
	note := "t.csv: no No. (frame.number) column: frame numbers are row positions in the export, not Wireshark's"
	if err != nil || len(recs) != 2 || recs[1].Frame != 2 || !slices.Contains(tl.Notes, note) {
		t.Errorf("%d records, error %v, notes %q", len(recs), err, tl.Notes)
	}
}
