package wsexport

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/gen"
)

func ekExport(t *testing.T, exe, capture, dir string, ports ...int) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(capture)+".ek")
	args := []string{"-n", "-r", capture, "-o", "cflow.max_template_fields:0", "-T", "ek"}
	for _, p := range ports {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,cflow", p))
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "TZ=Europe/Bucharest")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -T ek %s: %v", capture, err)
	}
	os.WriteFile(out, b, 0o644)
	return out
}

// Where every flow field array of a packet has one value per flow, EK gives
// the capture's records (the start's encoding aside: EK does not name the
// IE), compared field by field with what the capture gives through tshark's
// JSON. A packet with several data sets is refused (EK merges their arrays):
// every record of the other frames must be there.
func TestEKPacketsWithAlignedArraysGiveTheCaptureRecords(t *testing.T) {
	exe := needTshark(t)
	dir := t.TempDir()
	for _, c := range []struct {
		file  string
		ports []int
		why   string
	}{
		{"format/a_nf9_basic.pcap", nil, "v9 uptime times"},
		{"format/b_ipfix_basic.pcap", nil, "IPFIX milliseconds"},
		{"format/e_ipfix_time_variants.pcap", nil, "every start IE, 22 with 160 in the same packet"},
		{"format/f_ipv6.pcap", nil, "IPv6"},
		{"format/i_ipfix_tcp.pcap", nil, "two messages in one segment"},
		{"real/logstash-ipfix-procera-seconds.pcap", nil, "records with IPv4 and IPv6 address fields, the unused ones zero"},
		{"real/pmacct-102-nfv9-cisco-two-source-ids.pcap", []int{9991}, "v9 records with IPv4 and IPv6 address fields"},
		{"real/pmacct-400-ipfix-iosxr-port9991.pcap", []int{9991}, "systemInitTime (160) in options data whose template came in an earlier packet"},
		{"real/ipfixcol-04-odid256+512.pcap", nil, "VLAN ids (IE 58)"},
		{"real/logstash-nfv9-cisco-asa-nsel.pcap", nil, "post-NAT addresses and ports (IEs 225-228)"},
	} {
		capture := filepath.Join(capturesDir, c.file)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(c.file+": "+c.why, func(t *testing.T) {
			want := captureRecords(t, capture, c.ports)
			got, tl := readAll(t, ekExport(t, exe, capture, dir, c.ports...), Options{})
			sets := map[uint32]map[uint16]bool{}
			for _, w := range want {
				if sets[w.Frame] == nil {
					sets[w.Frame] = map[uint16]bool{}
				}
				sets[w.Frame][w.Set] = true
			}
			// Two messages in one TCP segment repeat the positions: the
			// sequence number tells them apart.
			type key struct {
				flow.Pos
				seq uint32
			}
			byPos := map[key]flow.Record{}
			single := 0
			for _, w := range want {
				w.File = ""
				byPos[key{w.Pos, w.Sequence}] = w
				if len(sets[w.Frame]) == 1 {
					single++
				}
			}
			if len(want) == 0 || len(got) != single {
				t.Fatalf("%d records, the capture has %d in frames with one data set (%d in all); notes %q", len(got), single, len(want), tl.Notes)
			}
			for i, g := range got {
				g.File = ""
				w, ok := byPos[key{g.Pos, g.Sequence}]
				if !ok {
					t.Fatalf("record %d at %v: not in the capture", i, g.Pos)
				}
				if (g.StartEnc == flow.EncExportString || g.StartEnc == flow.EncExportStringMicro || g.StartEnc == flow.EncExportStringNano) && w.StartEnc != flow.EncNone {
					g.StartEnc = w.StartEnc
				}
				gn, wn := g.NAT, w.NAT
				g.NAT, w.NAT = nil, nil
				if g != w || (gn == nil) != (wn == nil) || (gn != nil && *gn != *wn) {
					t.Errorf("record %d (%v): %s; NAT %v, want %v", i, w.Pos, diff(g, w), gn, wn)
				}
			}
		})
	}
}

// Values read off tshark's own dissection of the captures (tshark -V).
func TestEKRecordsCarryTheFieldsOfTheirFlows(t *testing.T) {
	exe := needTshark(t)
	dir := t.TempDir()
	procera := filepath.Join(capturesDir, "real/logstash-ipfix-procera-seconds.pcap")
	asa := filepath.Join(capturesDir, "real/logstash-nfv9-cisco-asa-nsel.pcap")
	if _, err := os.Stat(asa); err != nil {
		t.Skipf("captures not available: %v", err)
	}
	got, _ := readAll(t, ekExport(t, exe, procera, dir), Options{})
	// Frame 2 flow 1: IPv4 181.214.87.71 -> 138.44.161.14, the IPv6 fields ::.
	if r := got[0]; r.Frame != 2 || r.Flow != 1 || r.Src != netip.MustParseAddr("181.214.87.71") || r.Dst != netip.MustParseAddr("138.44.161.14") {
		t.Errorf("procera frame %d flow %d: %v -> %v, want 181.214.87.71 -> 138.44.161.14", r.Frame, r.Flow, r.Src, r.Dst)
	}
	got, _ = readAll(t, ekExport(t, exe, asa, dir), Options{})
	// Frame 2 flow 1: post NAT 192.168.14.1 -> 2.2.2.11, ports 0 -> 17549.
	want := flow.NAT{Src: netip.MustParseAddr("192.168.14.1"), Dst: netip.MustParseAddr("2.2.2.11"), SrcPort: 0, DstPort: 17549}
	if r := got[0]; r.NAT == nil || *r.NAT != want {
		t.Errorf("asa frame %d flow %d: NAT %v, want %v", r.Frame, r.Flow, r.NAT, want)
	}
}

func TestEKPacketsWhoseArraysCannotBeAlignedAreRefused(t *testing.T) {
	exe := needTshark(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name, why string
	}{
		{"d_ipfix_two_templates.pcap", "the packet has 2 data sets (templates 257, 256)"},
		{"c_ipfix_ixia.pcap", "pie_ixia_l7-application-name has 4 values for 5 flows"},
	} {
		capture := filepath.Join(capturesDir, "format", c.name)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(c.name, func(t *testing.T) {
			got, tl := readAll(t, ekExport(t, exe, capture, dir), Options{})
			notes := strings.Join(tl.Notes, "\n")
			if len(got) != 0 || !strings.Contains(notes, c.why) || !strings.Contains(notes, "frame 1") ||
				!strings.Contains(notes, ErrEKUnaligned.Error()) || !strings.Contains(notes, "Export the packets as JSON") {
				t.Errorf("%d records, notes %q; want none and a note saying %q", len(got), notes, c.why)
			}
			refused := 0
			for _, d := range tl.Domains {
				refused += d.Errors["EK packet refused: arrays not provably aligned"]
			}
			if refused != 1 {
				t.Errorf("%d packets refused, want 1", refused)
			}
		})
	}
}

func FuzzEKExport(f *testing.F) {
	f.Add([]byte(`{"index":{"_index":"packets-2023-11-14","_type":"doc"}}` + "\n" +
		`{"timestamp":"1700000000100","layers":{"ip":{"ip_ip_src":"192.0.2.20"},"cflow":{"cflow_cflow_version":"10","cflow_cflow_od_id":"320","text":"Set 2 [id=256] (2 flows)","text":["Flow 1","Flow 2"],"cflow_cflow_dstaddr":["10.1.1.1","10.1.1.2"],"cflow_cflow_abstimestart":["2023-11-14T22:13:10.123000000Z","Nov 14, 2023 22:13:10.123000000 CEST"]}}}` + "\n"))
	f.Add([]byte(`{"timestamp":"1","layers":{"cflow":[{"text":["Set 1 [id=256] (1 flows)","Flow 1"],"cflow_cflow_timestart":"-1.5"},{}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(context.Background(), bytes.NewReader(b), KindEK, "f.ek", Options{})
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			if _, err := r.Read(); err != nil {
				return
			}
		}
	})
}

func TestAnEKExportOfSelectedFieldsIsRefused(t *testing.T) {
	text := `{"index":{"_index":"packets-2023-11-15","_type":"doc"}}` + "\n" +
		`{"timestamp":"1700000000100","layers":{"frame_time_epoch":["1700000000.100000000"],"ip_src":["192.0.2.20"],"cflow_od_id":["320"],"cflow_srcaddr":["10.1.0.1","10.1.0.2","10.1.0.3"]}}` + "\n"
	r, err := NewReader(context.Background(), strings.NewReader(text), KindEK, "e.ek", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := flow.ReadAll(r)
	notes := strings.Join(r.Tally().Notes, "\n")
	if err != nil || len(recs) != 0 || !strings.Contains(notes, "e.ek line 2 (frame 1): EK arrays cannot be paired with flows: an EK export made with -e fields") {
		t.Errorf("%d records, error %v, notes %q", len(recs), err, notes)
	}
}

func TestEKReadsTotalCountersVLANsAndTheSpecifiedAddress(t *testing.T) {
	// One IPFIX set of two flows: each record has IPv4 and IPv6 address
	// fields (one unused, zero), total counters only (IEs 85/86) and a VLAN.
	text := `{"index":{"_index":"packets-2023-11-14","_type":"doc"}}` + "\n" +
		`{"timestamp":"1700000000100","layers":{"ip":{"ip_ip_src":"192.0.2.20"},"cflow":{"cflow_cflow_version":"10","cflow_cflow_od_id":"320",` +
		`"text":"Set 2 [id=256] (2 flows)","text":["Flow 1","Flow 2"],` +
		`"cflow_cflow_srcaddr":["10.1.0.1","0.0.0.0"],"cflow_cflow_srcaddrv6":["::","2001:db8::1"],` +
		`"cflow_cflow_dstaddr":["10.1.1.1","0.0.0.0"],"cflow_cflow_dstaddrv6":["::","2001:db8::2"],` +
		`"cflow_cflow_permanent_packets":["2","4"],"cflow_cflow_permanent_octets":["132","172"],"cflow_cflow_vlanid":["310","320"]}}}` + "\n"
	r, err := NewReader(context.Background(), strings.NewReader(text), KindEK, "t.ek", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := flow.ReadAll(r)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, error %v", len(recs), err)
	}
	for i, w := range []struct {
		src, dst        string
		packets, octets uint64
		vlan            uint16
	}{{"10.1.0.1", "10.1.1.1", 2, 132, 310}, {"2001:db8::1", "2001:db8::2", 4, 172, 320}} {
		g := recs[i]
		if g.Src.String() != w.src || g.Dst.String() != w.dst || g.Packets != w.packets || g.Octets != w.octets || !g.HasVLAN || g.VLAN != w.vlan {
			t.Errorf("flow %d: %v -> %v packets %d octets %d vlan %d (%v); want %+v", i+1, g.Src, g.Dst, g.Packets, g.Octets, g.VLAN, g.HasVLAN, w)
		}
	}
}

func TestExportsSavedWithAByteOrderMarkAreRead(t *testing.T) {
	raw, err := os.ReadFile(guiFixture)
	if err != nil {
		t.Fatal(err)
	}
	ek := `{"index":{"_index":"packets-2023-11-14","_type":"doc"}}` + "\n" +
		`{"timestamp":"1700000000100","layers":{"ip":{"ip_ip_src":"192.0.2.20"},"cflow":{"cflow_cflow_version":"10","cflow_cflow_od_id":"320",` +
		`"text":"Set 2 [id=256] (1 flows)","text":["Flow 1"],"cflow_cflow_dstaddr":["10.1.1.1"]}}}` + "\n"
	for _, tc := range []struct {
		name    string
		content []byte
		records int
	}{
		{"a JSON export", raw, 4},
		{"an EK export", []byte(ek), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bom")
			os.WriteFile(path, append([]byte("\xef\xbb\xbf"), tc.content...), 0o644)
			recs, _ := readAll(t, path, Options{})
			if len(recs) != tc.records {
				t.Errorf("%d records, want %d", len(recs), tc.records)
			}
		})
	}
}

func TestAnEKExportWithoutFrameLayerSaysItsFrameNumbersArePositions(t *testing.T) {
	text := `{"timestamp":"1700000000100","layers":{"ip":{"ip_ip_src":"192.0.2.20"},"cflow":{"cflow_cflow_version":"10","cflow_cflow_od_id":"320",` +
		`"text":"Set 2 [id=256] (1 flows)","text":["Flow 1"],"cflow_cflow_dstaddr":["10.1.1.1"]}}}` + "\n"
	r, err := NewReader(context.Background(), strings.NewReader(text+text), KindEK, "t.ek", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := flow.ReadAll(r)
	want := []string{"t.ek: the EK export has no frame layer (exported with -J without frame?): frame numbers are packet positions in the export (capture times come from the documents' timestamps, in milliseconds)"}
	if err != nil || len(recs) != 2 || recs[1].Frame != 2 || recs[1].CaptureTime != flow.UnixMilli(1700000000100) || !slices.Equal(r.Tally().Notes, want) {
		t.Errorf("%d records (%+v), error %v, notes %q", len(recs), recs, err, r.Tally().Notes)
	}
}

// A flowStartDeltaMicroseconds of 0 (a flow that started in its export
// second, clamped to it: RFC 7011 counts the delta from the whole-second
// export time) is read from EK as that bound, exact to the second only. The
// generator's own records are the truth: they say what each start encodes.
func TestEKDeltaZeroStartsAreTheExportSecondAsTheGeneratorEncodedThem(t *testing.T) {
	exe := needTshark(t)
	cfg, ok := gen.Scenario("time-variants")
	if !ok {
		t.Skip("scenario time-variants not in this generator")
	}
	cfg.Sessions, cfg.Seed = 150, 8 // two flows start in their export second
	c, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	capture := filepath.Join(dir, "tv.pcap")
	var b bytes.Buffer
	if err := c.WritePcap(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(capture, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[flow.Pos]flow.Record{}
	for _, r := range c.Records {
		r.File = ""
		want[r.Pos] = r
	}
	got, _ := readAll(t, ekExport(t, exe, capture, dir), Options{})
	zero, delta := 0, 0
	for _, g := range got {
		g.File = ""
		w, ok := want[g.Pos]
		if !ok {
			t.Fatalf("%v: not a generated record", g.Pos)
		}
		if w.StartEnc != flow.EncDeltaMicrosecondsZero && w.StartEnc != flow.EncDeltaMicroseconds {
			continue
		}
		if g.StartEnc != w.StartEnc || g.Start != w.Start {
			t.Errorf("%v: start %s %v, generated %s %v", g.Pos, g.Start, g.StartEnc, w.Start, w.StartEnc)
		}
		if w.StartEnc == flow.EncDeltaMicrosecondsZero {
			zero++
		} else {
			delta++
		}
	}
	if zero == 0 || delta == 0 {
		t.Errorf("%d delta-0 and %d other delta records read: the comparison needs both", zero, delta)
	}
}
