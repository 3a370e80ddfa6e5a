package wsexport

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
)

func ekExport(t *testing.T, exe, capture, dir string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(capture)+".ek")
	cmd := exec.Command(exe, "-n", "-r", capture, "-o", "cflow.max_template_fields:0", "-T", "ek")
	cmd.Env = append(os.Environ(), "TZ=Europe/Bucharest")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -T ek %s: %v", capture, err)
	}
	os.WriteFile(out, b, 0o644)
	return out
}

// Where every flow field array of a packet has one value per flow, EK gives
// the capture's records (the start's encoding aside: EK does not name the IE).
func TestEKPacketsWithAlignedArraysGiveTheCaptureRecords(t *testing.T) {
	exe := needTshark(t)
	dir := t.TempDir()
	for _, name := range []string{"a_nf9_basic.pcap", "b_ipfix_basic.pcap", "e_ipfix_time_variants.pcap", "f_ipv6.pcap", "i_ipfix_tcp.pcap"} {
		capture := filepath.Join(capturesDir, "format", name)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(name, func(t *testing.T) {
			want := captureRecords(t, capture, nil)
			got, tl := readAll(t, ekExport(t, exe, capture, dir), Options{})
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("%d records, capture gives %d; notes %q", len(got), len(want), tl.Notes)
			}
			for i := range got {
				g, w := got[i], want[i]
				g.File, w.File = "", ""
				if g.StartEnc == flow.EncExportString && w.StartEnc != flow.EncNone {
					g.StartEnc = w.StartEnc
				}
				if g != w {
					t.Errorf("record %d (%v): %s", i, w.Pos, diff(g, w))
				}
			}
		})
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
