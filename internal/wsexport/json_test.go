package wsexport

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
	{"real/ipfixcol-04-odid256+512.pcap", nil},        // records with two time encodings (--no-duplicate-keys: an array of cflow.timedelta_tree)
	{"real/logstash-nfv9-cisco-asa-nsel.pcap", nil},   // post-NAT fields
	{"real/logstash-ipfix-yaf-applabel.pcap", nil},    // total counters only (IEs 85/86)
	{"real/logstash-ipfix-procera-seconds.pcap", nil}, // IPv4 and IPv6 address fields in each record
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
					if !sameRecord(g, w) {
						t.Errorf("%s: record %d (%v): %s", v.name, i, w.Pos, diff(g, w))
						break
					}
				}
			}
		})
	}
}

// tsharkJSON runs tshark -T json on capture with args (no other option), in
// zone tz, and returns the output file.
// tsharkJSON writes tshark's -T json of capture (with args, in zone tz)
// into dir and returns the file's path.
func tsharkJSON(t *testing.T, exe, capture, dir, tz string, args ...string) string {
	t.Helper()
	return tsharkExport(t, exe, capture, filepath.Join(dir, fmt.Sprintf("%s-%d.json", filepath.Base(capture), len(args))), tz, "json", args...)
}

// tsharkExport writes tshark's -T format output of capture (with args, in
// zone tz) to out and returns out.
func tsharkExport(t *testing.T, exe, capture, out, tz, format string, args ...string) string {
	t.Helper()
	cmd := exec.Command(exe, append([]string{"-n", "-r", capture, "-T", format}, args...)...)
	cmd.Env = append(os.Environ(), "TZ="+tz)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -T %s %v %s: %v", format, args, capture, err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// An export without the frame layer (-J without frame) or without the ip
// layer (-J cflow) keeps what it has; the notes say once what it lacks.
func TestAJSONExportWithoutFrameOrIPLayerSaysWhatItLacks(t *testing.T) {
	exe := needTshark(t)
	capture := filepath.Join(capturesDir, "format/b_ipfix_basic.pcap")
	if _, err := os.Stat(capture); err != nil {
		t.Skipf("captures not available: %v", err)
	}
	want := captureRecords(t, capture, nil)
	noFrame := "has no frame layer (exported with -J without frame?): frame numbers are packet positions in the export and capture times are unknown"
	noIP := "has no ip/ipv6 layer (exported with -J cflow?): the exporter address is unknown"
	for _, tc := range []struct {
		name      string
		layers    string
		notes     []string
		exporter  bool
		framesAre string
	}{
		{"-J \"ip ipv6 cflow\": no frame layer", "ip ipv6 cflow", []string{noFrame}, true, "positions"},
		{"-J cflow: no frame nor ip layer", "cflow", []string{noFrame, noIP}, false, "positions"},
		{"-J \"frame ip cflow\": all there", "frame ip cflow", nil, true, "frames"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tsharkJSON(t, exe, capture, t.TempDir(), "UTC", "-J", tc.layers)
			got, tl := readAll(t, path, Options{})
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				g.File, w.File = "", ""
				if !tc.exporter {
					w.Exporter = netip.Addr{}
				}
				if tc.framesAre == "positions" {
					// b_ipfix_basic: frame 1 and 2, the packets' positions too.
					w.CaptureTime = 0
				}
				w.ExporterPort, w.CollectorPort = 0, 0 // no udp layer in these exports
				w.Lacks |= flow.LacksExporterPort | flow.LacksCollectorPort
				if !sameRecord(g, w) {
					t.Errorf("record %d: %s", i, diff(g, w))
				}
			}
			var notes []string
			for _, n := range tl.Notes {
				if strings.Contains(n, "layer") {
					notes = append(notes, n)
				}
			}
			if len(notes) != len(tc.notes) {
				t.Fatalf("notes %q, want %d about layers", tl.Notes, len(tc.notes))
			}
			for _, want := range tc.notes {
				if !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, path+" "+want) }) {
					t.Errorf("notes %q, want one starting %q", notes, path+" "+want)
				}
			}
		})
	}
}

// A template tshark refused (more than 60 fields without
// -o cflow.max_template_fields:0: k_pitfalls frame 5, 61 fields) and data
// before its template (g_data_before_template frame 1, without -2) are
// undecodable in an export; the notes say how to export them again.
func TestUndecodableSetsOfAJSONExportComeWithAdvice(t *testing.T) {
	exe := needTshark(t)
	for _, tc := range []struct {
		name, capture string
		undecoded     int
		note          string
	}{
		{"a template with too many fields", "format/k_pitfalls.pcap", 2,
			" frame 5: template 258 has 61 fields, more than tshark's limit (cflow.max_template_fields, default 60): tshark did not use it, so its data sets are undecodable; export the packets again from the capture with tshark -o cflow.max_template_fields:0"},
		{"data before its template", "format/g_data_before_template.pcap", 1,
			": 1 data set of template 256 (first at frame 1) came before the template and could not be decoded in one pass; export the packets again from the capture with tshark's two passes (tshark -2 -T json ...)"},
	} {
		capture := filepath.Join(capturesDir, tc.capture)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(tc.name, func(t *testing.T) {
			path := tsharkJSON(t, exe, capture, t.TempDir(), "UTC")
			_, tl := readAll(t, path, Options{})
			undecoded := 0
			for _, d := range tl.Domains {
				undecoded += d.UndecodedSets
			}
			if undecoded != tc.undecoded || !slices.ContainsFunc(tl.Notes, func(n string) bool { return strings.HasPrefix(n, path+tc.note) }) {
				t.Errorf("%d undecodable sets, notes %q; want %d and a note starting %q", undecoded, tl.Notes, tc.undecoded, path+tc.note)
			}
		})
	}
}

// Wireshark prints zone abbreviations; tzdata gives some of them several UTC
// offsets at the same time, and those are not guessed: read as UTC, the
// input unverified, a note. The offsets are the zones' at the captures'
// dates (tzdata): Manila UTC+08:00 (PST), Havana UTC-04:00 in April (CDT),
// Pyongyang UTC+08:30 in 2015-2018 (KST, while Seoul's KST is UTC+09:00).
func TestAnAmbiguousZoneAbbreviationIsNotGuessed(t *testing.T) {
	exe := needTshark(t)
	for _, tc := range []struct {
		name, capture, tz, label string
		shift                    time.Duration // read as UTC: the instant moves by the zone's offset
		verified                 bool
	}{
		{"PST in Manila is not US Pacific", "format/b_ipfix_basic.pcap", "Asia/Manila", "PST", 8 * time.Hour, false},
		{"CDT in Havana is not US Central", "real/logstash-ipfix-procera-seconds.pcap", "America/Havana", "CDT", -4 * time.Hour, false},
		{"KST in Pyongyang in 2018 is not Seoul's", "real/logstash-ipfix-procera-seconds.pcap", "Asia/Pyongyang", "KST", 8*time.Hour + 30*time.Minute, false},
		{"KST in Seoul in 2023 is UTC+09:00: Pyongyang went back to it in 2018", "format/b_ipfix_basic.pcap", "Asia/Seoul", "KST", 0, true},
		{"BST in London in 2018 is UTC+01:00: Alaska's BST ended in 1983", "real/logstash-ipfix-procera-seconds.pcap", "Europe/London", "BST", 0, true},
	} {
		capture := filepath.Join(capturesDir, tc.capture)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(tc.name, func(t *testing.T) {
			want := captureRecords(t, capture, nil)
			path := tsharkJSON(t, exe, capture, t.TempDir(), tc.tz)
			got, tl := readAll(t, path, Options{})
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].Start != want[i].Start.Add(tc.shift) {
					t.Errorf("record %d: start %v, want %v", i, got[i].Start, want[i].Start.Add(tc.shift))
				}
			}
			if tc.verified {
				if len(tl.UnverifiedTimes) != 0 {
					t.Errorf("unverified %v, notes %q", tl.UnverifiedTimes, tl.Notes)
				}
				return
			}
			note := fmt.Sprintf("%s: time zone %q is ambiguous (tzdata in", path, tc.label)
			if !slices.Equal(tl.UnverifiedTimes, []string{path}) || !slices.ContainsFunc(tl.Notes, func(n string) bool { return strings.HasPrefix(n, note) }) {
				t.Errorf("unverified %v, notes %q; want the input and a note starting %q", tl.UnverifiedTimes, tl.Notes, note)
			}
		})
	}
}
