package tshark

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
			c, err := gen.Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), name+".pcap")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.WritePcap(f); err != nil {
				t.Fatal(err)
			}
			f.Close()
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
