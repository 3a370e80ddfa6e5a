package tshark

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// capturesDir is ../shared/captures seen from this package.
var capturesDir = filepath.Join("..", "..", "..", "shared", "captures")

func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: skipping tests that run it")
	}
}

func captures(t *testing.T, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, d := range dirs {
		m, _ := filepath.Glob(filepath.Join(capturesDir, d, "*.pcap"))
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Skipf("no captures under %s: skipping", capturesDir)
	}
	return out
}

func readCapture(t *testing.T, opt Options) ([]flow.Record, *Source) {
	t.Helper()
	src, err := Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	recs, err := flow.ReadAll(src)
	if err != nil {
		t.Fatal(err)
	}
	return recs, src
}

var crossFields = []string{
	"frame.number", "ip.src", "cflow.srcaddr", "cflow.srcaddrv6", "cflow.dstaddr", "cflow.dstaddrv6",
	"cflow.srcport", "cflow.dstport", "cflow.protocol", "cflow.abstimestart", "cflow.pie.ixia.l7-application-name",
}

// tsharkFields runs tshark -T fields with the arguments the Source used and
// returns, per frame number, each field's values.
func tsharkFields(t *testing.T, args []string) map[uint32][][]string {
	t.Helper()
	var a []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-T", "-J":
			i++
			continue
		}
		a = append(a, args[i])
	}
	a = append(a, "-T", "fields", "-E", "aggregator=|", "-E", "occurrence=a")
	for _, f := range crossFields {
		a = append(a, "-e", f)
	}
	cmd := exec.Command("tshark", a...)
	cmd.Env = childEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", a, err)
	}
	res := map[uint32][][]string{}
	for line := range bytes.Lines(out) {
		cols := strings.Split(strings.TrimRight(string(line), "\n"), "\t")
		n, err := strconv.ParseUint(cols[0], 10, 32)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		vals := make([][]string, len(crossFields))
		for i := 1; i < len(cols) && i < len(crossFields); i++ {
			if cols[i] != "" {
				vals[i] = strings.Split(cols[i], "|")
			}
		}
		res[uint32(n)] = vals
	}
	return res
}

// TestCapturesAgreeWithTsharkFields checks every shipped capture against
// tshark's flat -T fields output, an independent rendering of the same
// dissection: per frame, the number of flow records, and every field whose
// value list has one entry per record (flat lists misalign otherwise, see
// wireshark-cflow.md 3.4), compared index by index.
func TestCapturesAgreeWithTsharkFields(t *testing.T) {
	needTshark(t)
	dirs := []string{"format", "real"}
	if testing.Short() {
		dirs = dirs[:1]
	}
	for _, path := range captures(t, dirs...) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			recs, src := readCapture(t, Options{Files: []string{path}})
			fields := tsharkFields(t, src.args[0])
			byFrame := map[uint32][]flow.Record{}
			for _, r := range recs {
				byFrame[r.Frame] = append(byFrame[r.Frame], r)
			}
			total, compared, mixed := 0, 0, 0
			for frame, vals := range fields {
				mine := byFrame[frame]
				// One record per source address; records that carry both an
				// IPv4 and an IPv6 field (unused one zero) make this a range.
				// (pmacct-400 even has a record with two srcaddrv6 fields.)
				span := func(a, b int) (int, int) {
					if a == 0 || b == 0 {
						return a + b, a + b
					}
					return min(a, b), a + b
				}
				lo, hi := span(len(vals[2]), len(vals[3]))
				if hi == 0 {
					lo, hi = span(len(vals[4]), len(vals[5]))
				}
				if len(mine) < lo || len(mine) > hi {
					t.Errorf("frame %d: %d records, tshark shows %d to %d flow addresses", frame, len(mine), lo, hi)
					continue
				}
				if lo != hi {
					mixed++
				}
				total += len(mine)
				check := func(col int, get func(r *flow.Record) string) {
					if len(vals[col]) != len(mine) {
						return
					}
					for i := range mine {
						g := get(&mine[i])
						if g == "" {
							continue
						}
						compared++
						if g != vals[col][i] {
							t.Errorf("frame %d record %d %s: %q, tshark %q", frame, i+1, crossFields[col], g, vals[col][i])
						}
					}
				}
				if len(vals[1]) > 0 {
					for i := range mine {
						if mine[i].Exporter.String() != vals[1][len(vals[1])-1] {
							t.Errorf("frame %d: exporter %s, tshark %v", frame, mine[i].Exporter, vals[1])
						}
					}
				}
				// A record with both address families keeps one (the specified
				// one, else the first); the other family's list is not checked for it.
				v4 := func(a netip.Addr) string {
					if a.Is4() {
						return a.String()
					}
					return ""
				}
				v6 := func(a netip.Addr) string {
					if a.Is6() {
						return a.String()
					}
					return ""
				}
				check(2, func(r *flow.Record) string { return v4(r.Src) })
				check(3, func(r *flow.Record) string { return v6(r.Src) })
				check(4, func(r *flow.Record) string { return v4(r.Dst) })
				check(5, func(r *flow.Record) string { return v6(r.Dst) })
				check(6, func(r *flow.Record) string { return strconv.Itoa(int(r.SrcPort)) })
				check(7, func(r *flow.Record) string { return strconv.Itoa(int(r.DstPort)) })
				check(8, func(r *flow.Record) string { return strconv.Itoa(int(r.Proto)) })
				if !slices.ContainsFunc(mine, func(r flow.Record) bool { return strings.ContainsAny(r.App, "|\\") }) {
					check(10, func(r *flow.Record) string { return r.App })
				}
				if len(vals[9]) == len(mine) {
					for i := range mine {
						r := &mine[i]
						ok := false
						switch r.StartEnc {
						case flow.EncSeconds, flow.EncMilliseconds, flow.EncMicroseconds, flow.EncNanoseconds, flow.EncDeltaMicroseconds:
							ok = true
						}
						if !ok {
							continue
						}
						tv, err := ParseTime(vals[9][i])
						if err != nil {
							continue // tshark's garbage (redefined template) is outside Instant's range
						}
						var u time.Duration
						for _, row := range startIEs {
							if row.enc == r.StartEnc {
								u = row.unit
							}
						}
						compared++
						if tv.Truncate(u) != r.Start {
							t.Errorf("frame %d record %d start %v, tshark %q", frame, i+1, r.Start, vals[9][i])
						}
					}
				}
			}
			if total != len(recs) {
				t.Errorf("%d records, but only %d in frames where tshark shows flows", len(recs), total)
			}
			t.Logf("%d records, %d values compared, %d frames with mixed address families", len(recs), compared, mixed)
		})
	}
}

func TestDataBeforeTemplateIsRecoveredWithTwoPasses(t *testing.T) {
	needTshark(t)
	path := filepath.Join(capturesDir, "format", "g_data_before_template.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture missing:", err)
	}
	for _, tc := range []struct {
		Name      string
		TwoPass   TwoPass
		Records   int
		Recovered int
		Undecoded int
	}{
		{Name: "auto runs -2 and recovers both records of frame 1", TwoPass: TwoPassAuto, Records: 3, Recovered: 1},
		{Name: "never loses them and counts the set", TwoPass: TwoPassNever, Records: 1, Undecoded: 1},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			recs, src := readCapture(t, Options{Files: []string{path}, TwoPass: tc.TwoPass})
			if len(recs) != tc.Records {
				t.Fatalf("%d records, want %d", len(recs), tc.Records)
			}
			d := src.Tally().Sorted()[0]
			if d.RecoveredSets != tc.Recovered || d.UndecodedSets != tc.Undecoded || d.UndecodedBytes != 90*tc.Undecoded {
				t.Errorf("recovered %d undecoded %d (%d bytes)", d.RecoveredSets, d.UndecodedSets, d.UndecodedBytes)
			}
			if tc.Recovered > 0 {
				// Frame 1 holds 10.5.0.1 and 10.5.0.2 (22:13:11, 22:13:13), in
				// template 256 which frame 2 defines with flowStartMilliseconds
				// (tshark -V: "Field (6/9): flowStartMilliseconds"): the
				// encoding comes from the first pass over the capture, not
				// from the digits (which would say seconds).
				r := recs[0]
				if r.Frame != 1 || r.Src.String() != "10.5.0.1" || r.Start != flow.UnixMilli(1699999991000) || r.StartEnc != flow.EncMilliseconds {
					t.Errorf("first record %v %s %v %v, want frame 1 10.5.0.1 22:13:11 flowStartMilliseconds", r.Pos, r.Src, r.Start, r.StartEnc)
				}
			}
		})
	}
}

func TestUndecodedPortIsFoundAndDecoded(t *testing.T) {
	needTshark(t)
	path := filepath.Join(capturesDir, "format", "h_ports.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture missing:", err)
	}
	recs, src := readCapture(t, Options{Files: []string{path}})
	if len(recs) != 4 {
		t.Errorf("auto: %d records, want 4", len(recs))
	}
	if !slices.ContainsFunc(src.Tally().Notes, func(n string) bool { return strings.Contains(n, "UDP port 9995") }) {
		t.Errorf("no note about port 9995: %q", src.Tally().Notes)
	}
	recs, src = readCapture(t, Options{Files: []string{path}, NoAutoPorts: true})
	if len(recs) != 2 {
		t.Errorf("no auto: %d records, want 2 (2055 and 4739)", len(recs))
	}
	if !slices.ContainsFunc(src.Tally().Notes, func(n string) bool { return strings.Contains(n, "add --port 9995") }) {
		t.Errorf("no advice to add --port 9995: %q", src.Tally().Notes)
	}
	recs, _ = readCapture(t, Options{Files: []string{path}, Ports: []int{9995}, NoAutoPorts: true})
	if len(recs) != 4 {
		t.Errorf("--port 9995: %d records, want 4", len(recs))
	}
}

func TestSysUpTimeRecordsGetStartsThroughSystemInitTime(t *testing.T) {
	needTshark(t)
	path := filepath.Join(capturesDir, "real", "pmacct-400-ipfix-iosxr-port9991.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture missing:", err)
	}
	recs, src := readCapture(t, Options{Files: []string{path}})
	if len(recs) != 657 {
		t.Fatalf("%d records, want 657", len(recs))
	}
	for _, r := range recs {
		if r.StartEnc != flow.EncSysUpTime || r.CollectorPort != 9991 {
			t.Fatalf("%v: encoding %v port %d", r.Pos, r.StartEnc, r.CollectorPort)
		}
	}
	// Independent: tshark's own sys_init_time + timestart for the first data record.
	out, err := exec.Command("tshark", "-n", "-r", path, "-d", "udp.port==9991,cflow", "-T", "fields",
		"-e", "frame.number", "-e", "cflow.sys_init_time", "-e", "cflow.timestart", "-E", "aggregator=|", "-E", "occurrence=f").Output()
	if err != nil {
		t.Fatal(err)
	}
	var init flow.Instant
	for line := range strings.Lines(string(out)) {
		c := strings.Split(strings.TrimSpace(line), "\t")
		if len(c) >= 2 && c[1] != "" && init == 0 {
			init, _ = ParseTime(c[1])
		}
		if len(c) == 3 && c[2] != "" && c[0] == strconv.Itoa(int(recs[0].Frame)) {
			d, _ := ParseSeconds(c[2])
			if want := init + flow.Instant(d); recs[0].Start != want {
				t.Errorf("frame %s: start %v, want %v + %v = %v", c[0], recs[0].Start, init, d, want)
			}
		}
	}
	if init == 0 {
		t.Error("no sys_init_time in tshark's output")
	}
	d := src.Tally().Sorted()[0]
	if d.OptionsRecords != 338 || d.Records != 657 {
		t.Errorf("options %d records %d", d.OptionsRecords, d.Records)
	}
}

func TestShardedRunGivesTheSameRecords(t *testing.T) {
	needTshark(t)
	names := []string{"format/k_pitfalls.pcap", "format/i_ipfix_tcp.pcap", "format/e_ipfix_time_variants.pcap", "format/g_data_before_template.pcap"}
	if !testing.Short() {
		names = append(names, "real/pmacct-400-ipfix-iosxr-port9991.pcap")
	}
	for _, name := range names {
		path := filepath.Join(capturesDir, name)
		if _, err := os.Stat(path); err != nil {
			t.Skip("capture missing:", err)
		}
		t.Run(name, func(t *testing.T) {
			one, src1 := readCapture(t, Options{Files: []string{path}})
			three, src3 := readCapture(t, Options{Files: []string{path}, Jobs: 3})
			if len(src3.Commands()) != 3 {
				t.Errorf("%d tshark processes, want 3", len(src3.Commands()))
			}
			if len(one) != len(three) {
				t.Fatalf("%d records with one process, %d with three", len(one), len(three))
			}
			for i := range one {
				a, b := one[i], three[i]
				a.NAT, b.NAT = nil, nil
				if a != b {
					t.Fatalf("record %d differs:\n one %+v\nthree %+v", i, a, b)
				}
			}
			t1, t3 := src1.Tally(), src3.Tally()
			if t1.Frames != t3.Frames || len(t1.Domains) != len(t3.Domains) {
				t.Errorf("frames %d/%d domains %d/%d", t1.Frames, t3.Frames, len(t1.Domains), len(t3.Domains))
			}
			for k, d1 := range t1.Domains {
				d3 := t3.Domains[k]
				if d3 == nil || d1.Records != d3.Records || d1.Packets != d3.Packets || d1.UndecodedSets != d3.UndecodedSets ||
					d1.OptionsRecords != d3.OptionsRecords || d1.RecoveredSets != d3.RecoveredSets ||
					d1.SeqGaps != d3.SeqGaps || d1.SeqMissingRecords != d3.SeqMissingRecords || d1.SeqMissingPackets != d3.SeqMissingPackets ||
					d1.SeqResets != d3.SeqResets || d1.SeqUnchecked != d3.SeqUnchecked {
					t.Errorf("%v: tally differs: %+v vs %+v", k, d1, d3)
				}
			}
		})
	}
}

func TestCutShortCaptureKeepsItsCompletePackets(t *testing.T) {
	needTshark(t)
	full, err := os.ReadFile(filepath.Join(capturesDir, "real", "ipfixcol2-example-flows.pcap"))
	if err != nil {
		t.Skip("capture missing:", err)
	}
	path := filepath.Join(t.TempDir(), "cut.pcap")
	os.WriteFile(path, full[:5000], 0o644) // ends inside frame 3
	recs, src := readCapture(t, Options{Files: []string{path}})
	if len(recs) != 59 || recs[len(recs)-1].Frame != 1 { // frame 1: 59 records; frame 2: templates; frame 3 cut
		t.Fatalf("%d records", len(recs))
	}
	if !slices.ContainsFunc(src.Tally().Notes, func(n string) bool { return strings.Contains(n, "cut short") }) {
		t.Errorf("no note: %q", src.Tally().Notes)
	}
}

// yaf exports only total counters (IEs 85/86, biflow: forward then reverse).
// tshark -T fields -e cflow.permanent_packets -e cflow.permanent_octets shows
// frame 3: "2,2" and "132,200"; frame 4: "4,2" and "172,92".
func TestTotalCountersAreReadWhereTheDeltaOnesAreAbsent(t *testing.T) {
	needTshark(t)
	path := filepath.Join(capturesDir, "real", "logstash-ipfix-yaf-applabel.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture missing:", err)
	}
	recs, _ := readCapture(t, Options{Files: []string{path}})
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for i, w := range []struct {
		frame           uint32
		packets, octets uint64
	}{{3, 2, 132}, {4, 4, 172}} {
		if r := recs[i]; r.Frame != w.frame || r.Packets != w.packets || r.Octets != w.octets {
			t.Errorf("record %d: frame %d packets %d octets %d, want frame %d %d and %d", i, r.Frame, r.Packets, r.Octets, w.frame, w.packets, w.octets)
		}
	}
}

// An exporter sending from a well-known port (53) to the default collector
// port 2055: tshark's UDP tries the lower port first, and plain tshark shows
// the packet as a malformed DNS query (`tshark -r v9_srcport53.pcap`). The
// first pass notices it and decodes port 53 as NetFlow/IPFIX.
func TestExportsFromAWellKnownSourcePortAreDecoded(t *testing.T) {
	needTshark(t)
	path := filepath.Join("..", "..", "testdata", "tshark", "v9_srcport53.pcap")
	recs, src := readCapture(t, Options{Files: []string{path}})
	// From `tshark -d udp.port==53,cflow -r v9_srcport53.pcap -V`: one record
	// 10.50.0.6:1006 -> 10.51.0.6:443 tcp, exporter 192.0.2.205 port 53, source_id 900.
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1; notes %q", len(recs), src.Tally().Notes)
	}
	r := recs[0]
	if r.Exporter.String() != "192.0.2.205" || r.ExporterPort != 53 || r.CollectorPort != 2055 || r.Domain != 900 ||
		r.Src.String() != "10.50.0.6" || r.SrcPort != 1006 || r.Dst.String() != "10.51.0.6" || r.DstPort != 443 {
		t.Errorf("record %+v", r)
	}
	if !slices.ContainsFunc(src.Tally().Notes, func(n string) bool { return strings.Contains(n, "source port 53") }) {
		t.Errorf("no note names source port 53: %q", src.Tally().Notes)
	}
	recs, src = readCapture(t, Options{Files: []string{path}, NoAutoPorts: true})
	if len(recs) != 0 || !slices.ContainsFunc(src.Tally().Notes, func(n string) bool { return strings.Contains(n, "add --port 53") }) {
		t.Errorf("--no-auto-port: %d records, notes %q; want none and a note to add --port 53", len(recs), src.Tally().Notes)
	}
}

// Fields a record does not carry are flagged, not shown as 0: the Cisco ASA
// NSEL records carry ports, protocol and only a total octet count (IE 85):
// `tshark -Y frame.number==2 -T fields -e cflow.packets -e cflow.octets -e
// cflow.permanent_packets -e cflow.permanent_octets` prints nothing for the
// first three and 56 for the last, on each of the 14 records.
func TestRecordsSayWhichFieldsTheyLack(t *testing.T) {
	needTshark(t)
	path := filepath.Join(capturesDir, "real", "logstash-nfv9-cisco-asa-nsel.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("capture missing:", err)
	}
	recs, _ := readCapture(t, Options{Files: []string{path}})
	n := 0
	for _, r := range recs {
		if r.Frame != 2 {
			continue
		}
		n++
		if r.Lacks != flow.LacksPackets || r.Octets == 0 {
			t.Errorf("%v: lacks %05b octets %d; want only the packets missing", r.Pos, r.Lacks, r.Octets)
		}
	}
	if n != 14 {
		t.Errorf("%d records in frame 2, want 14", n)
	}
}
