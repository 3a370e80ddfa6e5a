package wsexport

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
)

// Exports that were joined, repeated, cut or edited are refused with their
// position; exports made without Decode As say which port to decode.

// readErr reads path to its end and returns the records, tally and error.
func readErr(t *testing.T, path string, opt Options) ([]flow.Record, *flow.Tally, error) {
	t.Helper()
	r, err := Open(context.Background(), path, opt)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	recs, err := flow.ReadAll(r)
	return recs, r.Tally(), err
}

func TestJoinedOrRepeatedJSONExportsAreRefused(t *testing.T) {
	exe := needTshark(t)
	a, b := filepath.Join(capturesDir, "format/a_nf9_basic.pcap"), filepath.Join(capturesDir, "format/b_ipfix_basic.pcap")
	if _, err := os.Stat(b); err != nil {
		t.Skipf("captures not available: %v", err)
	}
	dir := t.TempDir()
	ja, err := os.ReadFile(tsharkJSON(t, exe, a, dir, "UTC"))
	if err != nil {
		t.Fatal(err)
	}
	jb, err := os.ReadFile(tsharkJSON(t, exe, b, dir, "UTC"))
	if err != nil {
		t.Fatal(err)
	}
	var pkts []json.RawMessage
	if err := json.Unmarshal(ja, &pkts); err != nil {
		t.Fatal(err)
	}
	twice, err := json.Marshal(append(slices.Clone(pkts), pkts...))
	if err != nil {
		t.Fatal(err)
	}
	// a_nf9_basic has 2 frames. tshark ends its array with "]\n": what
	// follows starts at byte len(ja).
	for _, tc := range []struct {
		name    string
		content []byte
		want    string // after the path
	}{
		{"two exports joined into one file", append(slices.Clone(ja), jb...),
			fmt.Sprintf(" (after frame 2): JSON output byte %d: data after the packet array's closing ']': a second packet array (two exports joined into one file?); only white space may follow it", len(ja))},
		{"text after the export", append(slices.Clone(ja), "GARBAGE{{{\n"...),
			fmt.Sprintf(" (after frame 2): JSON output byte %d: data after the packet array's closing ']': 'G'; only white space may follow it", len(ja))},
		{"every packet twice", twice,
			" frame 1: comes after frame 2: frame numbers do not increase within one input, so it holds the same packets twice (two exports joined into one file, or packets exported twice?) or out of order; export the packets once, in capture order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.json")
			os.WriteFile(path, tc.content, 0o644)
			_, _, err := readErr(t, path, Options{})
			if err == nil || err.Error() != path+tc.want {
				t.Errorf("error\n %v\nwant\n %s", err, path+tc.want)
			}
		})
	}
	// White space after the array is no extra data.
	path := filepath.Join(dir, "spaces.json")
	os.WriteFile(path, append(slices.Clone(ja), " \r\n\t\n"...), 0o644)
	if recs, _, err := readErr(t, path, Options{}); err != nil || len(recs) != 5 {
		t.Errorf("%d records, error %v; want a_nf9_basic's 5", len(recs), err)
	}
}

// The walker's strings are views of its buffer (256 KiB, reused as the file
// is read); a zone label kept as a map key without a copy changed under the
// map, and the label was reported once per buffer refill.
func TestAZoneLabelIsNotedOnceHoweverLongTheExport(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 1; i <= 3000; i++ {
		if i > 1 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"_source":{"layers":{"frame":{"frame.number":"%d"},"ip":{"ip.src":"192.0.2.20"},"cflow":{"cflow.version":"10","cflow.od_id":"1",`+
			`"Set 1 [id=256] (1 flows)":{"Flow 1":{"cflow.srcaddr":"10.1.0.%d","cflow.dstaddr":"10.1.1.1",`+
			`"cflow.abstimestart":"Nov 14, 2023 22:13:10.%09d Foo Time"}}}}}}`, i, i%250, i)
	}
	b.WriteString("]")
	if b.Len() < 3*256<<10 {
		t.Fatalf("document of %d bytes: too short to refill the buffer", b.Len())
	}
	r, err := NewReader(context.Background(), strings.NewReader(b.String()), KindJSON, "foo.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := flow.ReadAll(r)
	if err != nil || len(recs) != 3000 {
		t.Fatalf("%d records, error %v", len(recs), err)
	}
	want := []string{`foo.json: time zone "Foo Time" is not known: absolute times read as UTC and unverified; differences within the input are still right; give --input-tz (an IANA zone such as Europe/Bucharest, or an offset such as +03:00)`}
	if got := r.Tally().Notes; !slices.Equal(got, want) {
		t.Errorf("%d notes %q\nwant\n %q", len(got), got, want)
	}
}
