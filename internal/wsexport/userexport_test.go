package wsexport

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

const userExportDir = "../../../shared/captures/user-export"

func userExport(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(userExportDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the analyst's export %s is not available (../shared missing): %v", p, err)
	}
	return p
}

func readAll(t *testing.T, path string, opt Options) ([]flow.Record, *flow.Tally) {
	t.Helper()
	r, err := Open(context.Background(), path, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := flow.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return recs, r.Tally()
}

// The expected counts were read off c2p1med01.csv independently of this
// package, with Python's csv module:
//
//	rows = list(csv.reader(open('c2p1med01.csv')))[1:]           # 137 frames
//	flows per row = len(row['DstPort'].split(','))                 # 1353 in all
//	per (Source, Observation Domain Id): sum of flows per row
//	starts = re.findall(r'[A-Z][a-z]{2} [ \d]\d, \d{4} \d\d:\d\d:\d\d\.\d{9} [^,]+', StartTime)
//	complete = those ending in 'GTB Daylight Time'                 # 678; 1353-678 = 675 lost
//	rows whose StartTime has 255 characters                        # 133
func TestUserExportCountsAreThoseOfTheFile(t *testing.T) {
	for _, name := range []string{"c2p1med01.csv", "c2p1med01.xlsx"} {
		t.Run(name, func(t *testing.T) {
			recs, tl := readAll(t, userExport(t, name), Options{})
			if tl.Frames != 137 {
				t.Errorf("frames = %d, want 137", tl.Frames)
			}
			if len(recs) != 1353 {
				t.Errorf("records = %d, want 1353", len(recs))
			}
			withStart := 0
			for _, r := range recs {
				if r.HasStart() {
					withStart++
				}
			}
			if withStart != 678 {
				t.Errorf("records with a start = %d, want 678", withStart)
			}
			want := map[string]int{
				"10.103.0.168/310": 58, "10.103.0.168/320": 369,
				"10.103.0.169/310": 201, "10.103.0.169/320": 220,
				"10.103.0.170/310": 125, "10.103.0.170/320": 380,
			}
			lost, noStart := 0, 0
			for k, d := range tl.Domains {
				key := k.Exporter.String() + "/" + itoa(int(k.Domain))
				if d.Records != want[key] {
					t.Errorf("%s: %d records, want %d", key, d.Records, want[key])
				}
				lost += d.Errors["start time lost: StartTime cell cut by Wireshark"]
				noStart += d.NoStart
			}
			if len(tl.Domains) != len(want) {
				t.Errorf("%d exporter domains, want %d", len(tl.Domains), len(want))
			}
			if lost != 675 || noStart != 675 {
				t.Errorf("lost starts = %d, no start = %d, want 675 and 675", lost, noStart)
			}
			if len(tl.UnverifiedTimes) != 0 {
				t.Errorf("times unverified: %v", tl.UnverifiedTimes)
			}
			for _, n := range tl.Notes {
				t.Log(n)
			}
			first := recs[0]
			wantFirst := flow.Record{
				Pos:         flow.Pos{File: first.File, Frame: 1, Set: 1, Flow: 1},
				CaptureTime: flow.InstantOf(time.Date(2020, 5, 19, 7, 37, 12, 362041000, time.UTC)),
				Exporter:    netip.MustParseAddr("10.103.0.170"),
				Version:     10,
				Domain:      320,
				TemplateID:  265,
				Dst:         netip.MustParseAddr("157.185.128.213"),
				DstPort:     80,
				App:         "maribacaberita.com",
				Start:       flow.InstantOf(time.Date(2020, 5, 19, 7, 37, 25, 503000000, time.UTC)),
				StartEnc:    flow.EncExportString,
				// The export has DstPort but no SrcPort, protocol, packet or octet column.
				Lacks: flow.LacksSrcPort | flow.LacksProto | flow.LacksPackets | flow.LacksOctets |
					flow.LacksSequence | flow.LacksExporterPort | flow.LacksCollectorPort, // no header fields in a CSV
			}
			// Read off the CSV with Python (csv.DictReader): frame 1 flow 6 is
			// past the cut of its StartTime cell; frame 132 (Info "[Data-Template:265]
			// [Data-Template:266] [Options-Template:267] [Data:265]") is set 4;
			// frame 34 is the first of domain 310.
			byPos := map[[2]int]flow.Record{}
			for _, r := range recs {
				byPos[[2]int{int(r.Frame), int(r.Flow)}] = r
			}
			if r := byPos[[2]int{1, 6}]; r.HasStart() || r.App != "imotech.tech" || r.Dst != netip.MustParseAddr("103.65.43.150") || r.DstPort != 443 {
				t.Errorf("frame 1 flow 6: start %v app %q dst %v:%d; want no start, imotech.tech, 103.65.43.150:443", r.Start, r.App, r.Dst, r.DstPort)
			}
			if r := byPos[[2]int{1, 5}]; r.Start != utc(2020, 5, 19, 7, 36, 50, 884000000) {
				t.Errorf("frame 1 flow 5: start %v, want 07:36:50.884Z", r.Start)
			}
			if r := byPos[[2]int{132, 2}]; r.Set != 4 || r.TemplateID != 265 || r.Exporter != netip.MustParseAddr("10.103.0.168") ||
				r.App != "amplitude.com" || r.DstPort != 443 || r.Start != utc(2020, 5, 19, 7, 37, 22, 944000000) {
				t.Errorf("frame 132 flow 2: %+v", r.Pos)
			}
			if r := byPos[[2]int{34, 1}]; r.Domain != 310 || r.TemplateID != 268 || r.Exporter != netip.MustParseAddr("10.103.0.170") ||
				r.Dst != netip.MustParseAddr("18.203.20.219") || r.App != "https" || r.Start != utc(2020, 5, 19, 7, 38, 25, 995000000) ||
				r.CaptureTime != utc(2020, 5, 19, 7, 37, 12, 362832000) {
				t.Errorf("frame 34 flow 1: %s", diff(r, flow.Record{}))
			}
			if first != wantFirst {
				t.Errorf("frame 1 flow 1: %s", diff(first, wantFirst))
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// sameRecord compares two records, their post-NAT fields by value.
func sameRecord(g, w flow.Record) bool {
	gn, wn := g.NAT, w.NAT
	g.NAT, w.NAT = nil, nil
	return g == w && (gn == nil) == (wn == nil) && (gn == nil || *gn == *wn)
}

// diff lists the fields in which two records differ.
func diff(got, want flow.Record) string {
	var out []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		a, b := g.Field(i).Interface(), w.Field(i).Interface()
		if !reflect.DeepEqual(a, b) {
			out = append(out, fmt.Sprintf("%s: got %v, want %v", g.Type().Field(i).Name, a, b))
		}
	}
	return strings.Join(out, "; ")
}
