package tshark

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/gen"
)

// TestGeneratedCapturesMatchTheirTruth reads captures written by
// internal/gen and compares every record, field by field, with the
// generator's own list of what a collector decodes (independent truth: the
// generator encodes the packets; tshark and this package decode them).
func TestGeneratedCapturesMatchTheirTruth(t *testing.T) {
	needTshark(t)
	for _, name := range []string{"v9-ipfix", "uptime-wrap", "time-variants", "ipv6-mixed", "mid-stream", "port-9995"} {
		t.Run(name, func(t *testing.T) {
			cfg, ok := gen.Scenario(name)
			if !ok {
				t.Skipf("scenario %s not in this generator", name)
			}
			cfg.Sessions = 150
			if name == "time-variants" {
				cfg.Seed = 8 // two flows start in their export second: delta 0 (checked below)
			}
			c, err := gen.Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := writeGenerated(t, c, name)
			got, _ := readCapture(t, Options{Files: []string{path}})
			if len(got) != len(c.Records) {
				t.Fatalf("%d records, generator says %d", len(got), len(c.Records))
			}
			bad := 0
			for i := range got {
				g, w := got[i], c.Records[i]
				g.File, w.File = "", ""
				gn, wn := g.NAT, w.NAT
				g.NAT, w.NAT = nil, nil
				if g != w || (gn == nil) != (wn == nil) || (gn != nil && *gn != *wn) {
					if bad++; bad <= 3 {
						t.Errorf("record %d (%v): %s", i, got[i].Pos, diff(g, w))
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d records differ", bad, len(got))
			}
			if name == "time-variants" {
				// Its delta probe exports every second: some flows start in
				// the export second and are sent with delta 0, which the
				// comparison above must have met (flow.EncDeltaMicrosecondsZero).
				zero := 0
				for _, r := range c.Records {
					if r.StartEnc == flow.EncDeltaMicrosecondsZero {
						zero++
					}
				}
				if zero == 0 {
					t.Error("no record with flowStartDeltaMicroseconds 0: the clamp to the export second is not exercised")
				}
			}
		})
	}
}

// diff lists the fields in which two records differ.
func diff(g, w flow.Record) string {
	var out string
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			out += fmt.Sprintf(" %s: got %v want %v;", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
	return out
}

// TestSequenceGapsOfAGeneratedCaptureAreTsharksOwn generates the
// one-sided-drops scenario (2 % of the pre side's and 5 % of the post side's
// data packets dropped before the collector), as IPFIX (sequence numbers
// count records) and as NetFlow v9 (they count packets), and compares the
// gaps with the ones tshark itself flags (expert info
// cflow.unexpected_sequence_number, "expected X, got Y": Y - X records or
// packets missing), an independent check. The generator's truth bounds them:
// no side shows more gaps than packets it dropped (drops before or after the
// capture window do not show).
func TestSequenceGapsOfAGeneratedCaptureAreTsharksOwn(t *testing.T) {
	needTshark(t)
	for _, format := range []gen.Format{gen.FormatIPFIXMilli, gen.FormatV9} {
		t.Run(string(format), func(t *testing.T) {
			cfg, ok := gen.Scenario("one-sided-drops")
			if !ok {
				t.Skip("scenario one-sided-drops not in this generator")
			}
			for _, p := range cfg.Probes {
				for _, e := range []*gen.Export{p.Pre, p.Post} {
					if e != nil {
						e.Format = format
						e.AppNames = e.AppNames && format != gen.FormatV9
					}
				}
			}
			c, err := gen.Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := writeGenerated(t, c, "drops")

			out, err := exec.Command("tshark", "-n", "-r", path, "-Y", "cflow.unexpected_sequence_number",
				"-T", "fields", "-e", "cflow.od_id", "-e", "cflow.source_id", "-e", "_ws.expert.message").Output()
			if err != nil {
				t.Fatal(err)
			}
			type counts struct {
				gaps    int
				missing int64
			}
			want := map[uint32]counts{}
			re := regexp.MustCompile(`expected (\d+), got (\d+)`)
			for line := range strings.Lines(string(out)) {
				cols := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
				m := re.FindStringSubmatch(line)
				dom, err := strconv.ParseUint(strings.Split(cols[0]+cols[1], ",")[0], 10, 32)
				if m == nil || err != nil {
					t.Fatalf("tshark line %q", line)
				}
				exp, _ := strconv.ParseInt(m[1], 10, 64)
				got, _ := strconv.ParseInt(m[2], 10, 64)
				w := want[uint32(dom)]
				w.gaps++
				w.missing += got - exp
				want[uint32(dom)] = w
			}
			if len(want) == 0 {
				t.Fatal("tshark flags no sequence gap: the scenario no longer drops packets inside the capture")
			}

			_, src := readCapture(t, Options{Files: []string{path}})
			for _, d := range src.Tally().Sorted() {
				w := want[d.Key.Domain]
				missing, other := d.SeqMissingRecords, d.SeqMissingPackets
				if format == gen.FormatV9 {
					missing, other = other, missing
				}
				if d.SeqGaps != w.gaps || missing != w.missing || other != 0 || d.SeqResets != 0 || d.SeqUnchecked != 0 {
					t.Errorf("%v: %d gaps, %d missing (other unit %d, %d resets, %d unchecked); tshark: %d gaps, %d missing",
						d.Key, d.SeqGaps, missing, other, d.SeqResets, d.SeqUnchecked, w.gaps, w.missing)
				}
				for _, cl := range c.Truth.Clocks {
					if cl.Domain == d.Key.Domain && d.SeqGaps > cl.Dropped {
						t.Errorf("%v: %d gaps, but the generator dropped only %d packets", d.Key, d.SeqGaps, cl.Dropped)
					}
				}
				t.Logf("%v: %d gaps, %d missing", d.Key, d.SeqGaps, missing)
			}
		})
	}
}

// writeGenerated writes a generated capture as NAME.pcap in a temporary
// directory and returns its path.
func writeGenerated(t *testing.T, c *gen.Capture, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := c.WritePcap(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
