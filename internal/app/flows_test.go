package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

var formatDir = filepath.Join("..", "..", "..", "shared", "captures", "format")
var realDir = filepath.Join("..", "..", "..", "shared", "captures", "real")

func needCapture(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: skipping")
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("capture %s not found: skipping", path)
	}
}

func TestFlowsCSVKeepsCommasQuotesAndLongNames(t *testing.T) {
	in := filepath.Join(formatDir, "c_ipfix_ixia.pcap")
	needCapture(t, in)
	var out bytes.Buffer
	if err := Flows(context.Background(), FlowsConfig{Inputs: []string{in}, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(FlowColumns, ",") {
		t.Fatalf("header %v", rows[0])
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want header + 5", len(rows))
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for i, want := range []string{"HTTP", "Microsoft Teams, Skype", "", "LongApp-" + strings.Repeat("a", 292), "Caf\uFFFD\uFFFD \"quoted\""} {
		if got := rows[i+1][col["app"]]; got != want {
			t.Errorf("row %d app %q, want %q", i+1, got, want)
		}
	}
	r := rows[2]
	for k, want := range map[string]string{
		"frame": "1", "set": "2", "flow": "2", "exporter": "192.0.2.30", "exporter_port": "50002", "collector_port": "4739",
		"version": "10", "domain": "330", "export_time": "2023-11-14T22:13:20Z", "sys_uptime_ms": "", "template_id": "257",
		"src": "10.2.0.2", "dst": "10.2.1.2", "src_port": "50001", "dst_port": "443", "proto": "6", "app_id": "1001",
		"start": "2023-11-14T22:13:10.001Z", "start_encoding": "flowStartMilliseconds", "start_precision": "ms",
		"end": "2023-11-14T22:13:19.001Z", "packets": "11", "octets": "1001", "capture_time": "2023-11-14T22:13:20.100000000Z",
	} {
		if r[col[k]] != want {
			t.Errorf("%s = %q, want %q", k, r[col[k]], want)
		}
	}
	if rows[3][col["app_id"]] != "0" { // tshark: "cflow.pie.ixia.l7-application-id": "0"
		t.Errorf("flow 3 app id %q", rows[3][col["app_id"]])
	}
}

func TestFlowsJSONLinesAreValidJSON(t *testing.T) {
	in := filepath.Join(formatDir, "k_pitfalls.pcap")
	needCapture(t, in)
	var out bytes.Buffer
	if err := Flows(context.Background(), FlowsConfig{Inputs: []string{in}, Format: "jsonl", Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6", len(lines))
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["start_encoding"] != "v9 FIRST_SWITCHED=0+header" || first["start"] != "2023-11-14T21:13:20.000Z" ||
		first["start_precision"] != "v9 uptime via header: +-1 s" || first["sys_uptime_ms"] != 3600000.0 {
		t.Errorf("first line %v", first)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("%v: %s", err, l)
		}
		for k := range m {
			if !strings.Contains(","+strings.Join(FlowColumns, ",")+",", ","+k+",") {
				t.Errorf("key %q is not a documented column", k)
			}
		}
	}
}

func TestFlowsOutputFileIsWrittenAtomically(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "flows.csv")
	err := Flows(context.Background(), FlowsConfig{Inputs: []string{filepath.Join(dir, "missing.pcap")}, Output: out})
	if Code(err) != ExitInput {
		t.Fatalf("missing input: %v (code %d), want exit %d", err, Code(err), ExitInput)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left files behind: %v", ents)
	}
	in := filepath.Join(formatDir, "a_nf9_basic.pcap")
	needCapture(t, in)
	if err := Flows(context.Background(), FlowsConfig{Inputs: []string{in}, Output: out}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || bytes.Count(data, []byte("\n")) != 6 {
		t.Fatalf("%v, %q", err, data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temp files left: %v", ents)
	}
}

func TestInputErrorsHaveExitCodes(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, not a capture\n"), 0o644)
	empty := filepath.Join(dir, "empty.pcap")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		Name  string
		Files []string
		Opt   SourceOptions
		Code  int
		Want  string
	}{
		{Name: "a missing file is an input error", Files: []string{filepath.Join(dir, "nope.pcap")}, Code: ExitInput, Want: "nope.pcap"},
		{Name: "a text file is an input error", Files: []string{text}, Code: ExitInput, Want: "not a capture (pcap, pcapng) nor a Wireshark export"},
		{Name: "an empty file is an input error", Files: []string{empty}, Code: ExitInput, Want: "empty file"},
		{Name: "a directory is an input error", Files: []string{dir}, Code: ExitInput, Want: "directory"},
		{Name: "no files is a usage error", Code: ExitUsage, Want: "no input"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := OpenInputs(context.Background(), tc.Files, tc.Opt)
			if Code(err) != tc.Code || err == nil || !strings.Contains(err.Error(), tc.Want) {
				t.Errorf("got %v (code %d), want code %d containing %q", err, Code(err), tc.Code, tc.Want)
			}
		})
	}
	in := filepath.Join(formatDir, "a_nf9_basic.pcap")
	if _, err := os.Stat(in); err == nil {
		_, err := OpenInputs(context.Background(), []string{in}, SourceOptions{Tshark: "/nonexistent/tshark"})
		if Code(err) != ExitTshark || !strings.Contains(err.Error(), "install") {
			t.Errorf("missing tshark: %v (code %d)", err, Code(err))
		}
	}
}

func TestInspectFindsPort9991AndSysUpTimeStarts(t *testing.T) {
	in := filepath.Join(realDir, "pmacct-400-ipfix-iosxr-port9991.pcap")
	needCapture(t, in)
	var out bytes.Buffer
	if err := Inspect(context.Background(), InspectConfig{Inputs: []string{in}, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"UDP port 9991 carries NetFlow/IPFIX (583 packets): decoded automatically",
		"flow records: 657, options records: 338",
		"flowStartSysUpTime+systemInitTime [ms] (657)",
		"exporter 51730 -> collector 9991",
		"203.0.113.90",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, s)
		}
	}
}

func TestLags(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	for _, tc := range []struct {
		Name string
		In   []time.Duration
		Want LagStats
	}{
		{Name: "no lags give zero stats", In: nil, Want: LagStats{}},
		{Name: "an odd count takes the middle", In: []time.Duration{ms(30), ms(-10), ms(20)}, Want: LagStats{3, ms(20), ms(-10), ms(30)}},
		{Name: "an even count averages the middle two", In: []time.Duration{ms(4), ms(1), ms(2), ms(3)}, Want: LagStats{4, 2500 * time.Microsecond, ms(1), ms(4)}},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			if got := Lags(tc.In); got != tc.Want {
				t.Errorf("got %+v, want %+v", got, tc.Want)
			}
		})
	}
}

var _ = flow.Record{}

func TestZoneLikeOffsets(t *testing.T) {
	for _, tc := range []struct {
		Name string
		In   time.Duration
		OK   bool
	}{
		{Name: "three hours and 400 ms looks like a zone", In: 3*time.Hour + 400*time.Millisecond, OK: true},
		{Name: "minus five and a half hours looks like a zone", In: -5*time.Hour - 30*time.Minute, OK: true},
		{Name: "five seconds is a clock fault", In: 5 * time.Second, OK: false},
		{Name: "zero is in sync", In: 0, OK: false},
		{Name: "355 days is no zone", In: 355 * 24 * time.Hour, OK: false},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			if _, ok := zoneLike(tc.In); ok != tc.OK {
				t.Errorf("zoneLike(%v) = %v", tc.In, ok)
			}
		})
	}
}

func TestFlowsLeavesHeaderFieldsTheInputDoesNotShowEmpty(t *testing.T) {
	// The analysts' CSV export has no port columns and cannot carry the
	// header's sequence number or export time: empty cells, not zeros.
	csvIn := filepath.Join(realDir, "..", "user-export", "c2p1med01.csv")
	if _, err := os.Stat(csvIn); err != nil {
		t.Skipf("%s not found: skipping", csvIn)
	}
	// A tshark JSON export without the udp layer (-J "frame ip cflow") has
	// the sequence number but not the export packet's ports.
	in := filepath.Join(formatDir, "b_ipfix_basic.pcap")
	needCapture(t, in)
	js := filepath.Join(t.TempDir(), "noudp.json")
	cmd := exec.Command("tshark", "-r", in, "-T", "json", "-J", "frame ip cflow")
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(js, out, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want map[string]string // columns of the first record
	}{
		{csvIn, map[string]string{"exporter_port": "", "collector_port": "", "sequence": "", "export_time": "", "version": "10", "domain": "320"}},
		// tshark -T fields -e cflow.sequence -e udp.srcport: frame 1 has sequence 0 (known) from port 50001 (not in this export).
		{js, map[string]string{"exporter_port": "", "collector_port": "", "sequence": "0", "domain": "320"}},
		{in, map[string]string{"exporter_port": "50001", "collector_port": "4739", "sequence": "0", "domain": "320"}},
	} {
		var buf bytes.Buffer
		if err := Flows(context.Background(), FlowsConfig{Inputs: []string{tc.in}, Stdout: &buf}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, c := range rows[0] {
			col[c] = i
		}
		for k, want := range tc.want {
			if got := rows[1][col[k]]; got != want {
				t.Errorf("%s: %s = %q, want %q", filepath.Base(tc.in), k, got, want)
			}
		}
	}
}

// A gzip-compressed capture whose .gz file is cut is read like the plain
// capture cut where the compressed data ends: up to its last complete
// packet, with a note that names the file and says it is cut. A .gz cut
// inside its first bytes is an input error that says the same.
func TestACutGzipCaptureIsReadUpToItsLastCompletePacket(t *testing.T) {
	in := filepath.Join(formatDir, "k_pitfalls.pcap")
	needCapture(t, in)
	plain, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.NoCompression) // stored blocks: every byte cut is a byte lost
	zw.Write(plain)
	zw.Close()
	dir := t.TempDir()
	cutGz := filepath.Join(dir, "cut.pcap.gz")
	os.WriteFile(cutGz, z.Bytes()[:z.Len()*2/3], 0o644)
	// What the cut .gz still holds, as a plain capture.
	zr, _ := gzip.NewReader(bytes.NewReader(z.Bytes()[:z.Len()*2/3]))
	held, rerr := io.ReadAll(zr)
	if !errors.Is(rerr, io.ErrUnexpectedEOF) || len(held) < 24 || len(held) >= len(plain) {
		t.Fatalf("the cut gzip holds %d of %d bytes (%v)", len(held), len(plain), rerr)
	}
	cutPlain := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cutPlain, held, 0o644)

	read := func(f string) ([]flow.Record, *flow.Tally) {
		t.Helper()
		src, err := OpenInputs(context.Background(), []string{f}, SourceOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		defer src.Close()
		recs, err := flow.ReadAll(src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return recs, src.Tally()
	}
	got, tally := read(cutGz)
	want, _ := read(cutPlain)
	all, _ := read(in)
	if len(got) == 0 || len(got) != len(want) || len(got) >= len(all) {
		t.Fatalf("%d records from the cut .gz, %d from the plain capture cut alike, %d from the whole capture", len(got), len(want), len(all))
	}
	for i := range got {
		g, w := got[i], want[i]
		g.File, w.File = "", ""
		if g.NAT != nil || w.NAT != nil {
			g.NAT, w.NAT = nil, nil
		}
		if g != w {
			t.Errorf("record %d: %v, want %v", i, got[i], want[i])
		}
	}
	note := cutGz + ": the gzip file is cut (it ends before its compressed data does): the capture in it is read up to its last complete packet"
	if !slices.Contains(tally.Notes, note) {
		t.Errorf("notes %q, want %q", tally.Notes, note)
	}

	head := filepath.Join(dir, "head.pcap.gz")
	os.WriteFile(head, z.Bytes()[:12], 0o644)
	_, err = OpenInputs(context.Background(), []string{head}, SourceOptions{})
	if want := head + ": the gzip file is cut: it ends before its compressed data does (unexpected EOF)"; Code(err) != ExitInput || err == nil || err.Error() != want {
		t.Errorf("got %v (code %d), want code %d: %s", err, Code(err), ExitInput, want)
	}
}
