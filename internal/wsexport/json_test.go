package wsexport

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

const capturesDir = "../../../shared/captures"

// jsonCaptures are the captures whose tshark JSON exports must give the same
// records as the captures themselves (format/ all, real/ a selection that
// adds real exporters: nprobe v9 uptime over 16 minutes and Ixia app names).
var jsonCaptures = []struct {
	file  string
	ports []int
}{
	{"format/a_nf9_basic.pcap", nil},
	{"format/b_ipfix_basic.pcap", nil},
	{"format/c_ipfix_ixia.pcap", nil},
	{"format/d_ipfix_two_templates.pcap", nil},
	{"format/e_ipfix_time_variants.pcap", nil},
	{"format/f_ipv6.pcap", nil},
	{"format/g_data_before_template.pcap", nil},
	{"format/h_ports.pcap", []int{9995}},
	{"format/i_ipfix_tcp.pcap", nil},
	{"format/j_ipfix_sctp.pcap", nil},
	{"format/k_pitfalls.pcap", nil},
	{"real/logstash-ixia-ixflow-odid0+1.pcap", nil},
	{"real/graylog-nprobe-netflow9-3.pcap", nil},
}

func needTshark(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed: the JSON export round trip needs it")
	}
	return exe
}

// export runs tshark like an analyst exporting every layer as JSON, in the
// given zone, into dir.
func export(t *testing.T, exe, capture, dir, tz string, ports []int, extra ...string) string {
	t.Helper()
	out := filepath.Join(dir, fmt.Sprintf("%s-%s%d.json", filepath.Base(capture), filepath.Base(tz), len(extra)))
	args := []string{"-n", "-r", capture, "-o", "cflow.max_template_fields:0", "-T", "json"}
	for _, p := range ports {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,cflow", p))
	}
	args = append(args, extra...)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "TZ="+tz)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout = f
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	return out
}

func captureRecords(t *testing.T, capture string, ports []int) []flow.Record {
	t.Helper()
	src, err := tshark.Open(context.Background(), tshark.Options{Files: []string{capture}, Ports: ports, TwoPass: tshark.TwoPassNever, NoAutoPorts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, err := flow.ReadAll(src)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestJSONExportsGiveTheCaptureRecords(t *testing.T) {
	exe := needTshark(t)
	dir := t.TempDir()
	for _, c := range jsonCaptures {
		if testing.Short() && !strings.Contains("a_nf9_basic b_ipfix_basic c_ipfix_ixia i_ipfix_tcp", strings.TrimSuffix(filepath.Base(c.file), ".pcap")) {
			continue // -short: four captures cover v9, IPFIX, Ixia names and two messages in one frame
		}
		capture := filepath.Join(capturesDir, c.file)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available (../shared missing): %v", err)
		}
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			want := captureRecords(t, capture, c.ports)
			variants := []struct {
				name, tz string
				extra    []string
			}{
				{"TZ=UTC", "UTC", nil},
				{"TZ=Europe/Bucharest", "Europe/Bucharest", nil},
				{"--no-duplicate-keys", "Europe/Bucharest", []string{"--no-duplicate-keys"}},
			}
			if c.file == "format/i_ipfix_tcp.pcap" {
				variants = append(variants, struct {
					name, tz string
					extra    []string
				}{"-J, TZ=America/New_York", "America/New_York", []string{"-J", "frame ip ipv6 udp tcp sctp cflow"}})
			}
			for _, v := range variants {
				path := export(t, exe, capture, dir, v.tz, c.ports, v.extra...)
				got, tl := readAll(t, path, Options{})
				if len(tl.UnverifiedTimes) != 0 {
					t.Errorf("%s: times unverified: %v", v.name, tl.Notes)
				}
				if len(want) == 0 {
					t.Fatalf("the capture gives no records")
				}
				if len(got) != len(want) {
					t.Errorf("%s: %d records, capture gives %d", v.name, len(got), len(want))
					continue
				}
				for i := range got {
					g, w := got[i], want[i]
					g.File, w.File = "", ""
					if g != w {
						t.Errorf("%s: record %d (%v): %s", v.name, i, w.Pos, diff(g, w))
						break
					}
				}
			}
		})
	}
}
