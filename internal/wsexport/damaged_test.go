package wsexport

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
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

// h_ports.pcap sends v9 and IPFIX to UDP 9995 (frames 1, 2) and to the
// default ports 2055 and 4739 (frames 3, 4); pmacct-100 sends IPFIX to 9991
// (6 packets, tshark -Y udp.port==9991 counts them); v9_srcport53.pcap sends
// v9 from source port 53 to 2055, which tshark shows as DNS. Exported
// without Decode As, their records are missing: the note names the port.
func TestExportsMadeWithoutDecodeAsNameThePort(t *testing.T) {
	exe := needTshark(t)
	hPorts := filepath.Join(capturesDir, "format/h_ports.pcap")
	pmacct := filepath.Join(capturesDir, "real/pmacct-100-ipfix-cisco-two-odids.pcap")
	if _, err := os.Stat(pmacct); err != nil {
		t.Skipf("captures not available: %v", err)
	}
	const advice = "their records are missing; export the packets again with Decode As UDP port %d as CFLOW (tshark -d udp.port==%d,cflow ...), or give nftimediff the capture itself, which finds such ports"
	for _, tc := range []struct {
		name, capture string
		records       int
		note          string
	}{
		{"h_ports", hPorts, 2, "2 packets to UDP port 9995 look like NetFlow/IPFIX but were not decoded (tshark decodes only ports 2055, 4739 and 9996 by itself): " + fmt.Sprintf(advice, 9995, 9995)},
		{"pmacct on port 9991", pmacct, 0, "6 packets to UDP port 9991 look like NetFlow/IPFIX but were not decoded (tshark decodes only ports 2055, 4739 and 9996 by itself): " + fmt.Sprintf(advice, 9991, 9991)},
		{"v9 from source port 53", "../../testdata/tshark/v9_srcport53.pcap", 0, "1 packet from UDP source port 53 to port 2055 looks like NetFlow/IPFIX but was claimed by the source port's dissector: " + fmt.Sprintf(advice, 53, 53)},
	} {
		for _, format := range []string{"json", "ek"} {
			t.Run(tc.name+" "+format, func(t *testing.T) {
				var path string
				if format == "json" {
					path = tsharkJSON(t, exe, tc.capture, t.TempDir(), "UTC")
				} else {
					path = ekExport(t, exe, tc.capture, t.TempDir())
				}
				recs, tl := readAll(t, path, Options{})
				want := path + ": " + tc.note
				if len(recs) != tc.records || !slices.Contains(tl.Notes, want) {
					t.Errorf("%d records, notes %q; want %d and\n %s", len(recs), tl.Notes, tc.records, want)
				}
			})
		}
	}
}

// tsharkEK runs tshark -T ek on capture with no other option but extra, in
// UTC (so with tshark's default limit of 60 template fields).
func tsharkEK(t *testing.T, exe, capture, dir string, extra ...string) string {
	t.Helper()
	return tsharkExport(t, exe, capture, filepath.Join(dir, filepath.Base(capture)+".ek"), "UTC", "ek", extra...)
}

// The advice the JSON walker gives about undecodable data sets, given for
// EK too; the counts are the JSON walker's where EK can tell them (EK adds
// the sets of the packets it refuses).
func TestUndecodableSetsOfAnEKExportComeWithTheJSONAdvice(t *testing.T) {
	exe := needTshark(t)
	for _, tc := range []struct {
		name, capture string
		undecoded     int
		note          string
		extra         []string // further tshark options
	}{
		// Frame 4 is left out: its redefined template decodes to an end
		// time in the year 20552698, which tshark 4.0's EK writer prints
		// with bytes from uninitialised memory (invalid JSON in about one
		// run in four; -T json prints it correctly).
		{"a template with too many fields", "format/k_pitfalls.pcap", 6,
			" frame 5: template 258 has 61 fields, more than tshark's limit (cflow.max_template_fields, default 60): tshark did not use it, so its data sets are undecodable; export the packets again from the capture with tshark -o cflow.max_template_fields:0", []string{"-Y", "frame.number != 4"}},
		{"data before its template", "format/g_data_before_template.pcap", 1,
			": 1 data set of template 256 (first at frame 1) came before the template and could not be decoded in one pass; export the packets again from the capture with tshark's two passes (tshark -2 -T json ...)", nil},
		{"a template missing from the export", "real/ipfixcol-missing-template-258.pcap", 3,
			": 1 data set of template 258 (first at frame 1) could not be decoded: the export holds no template for them; export every packet of the capture (the template packets too)", nil},
		// One set of length 0 (malformed): the JSON walker and the capture count 1.
		{"a set of length 0", "real/ipfixcol-header-and-zeros.pcap", 1, "", nil},
	} {
		capture := filepath.Join(capturesDir, tc.capture)
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("captures not available: %v", err)
		}
		t.Run(tc.name, func(t *testing.T) {
			path := tsharkEK(t, exe, capture, t.TempDir(), tc.extra...)
			_, tl := readAll(t, path, Options{})
			undecoded := 0
			for _, d := range tl.Domains {
				undecoded += d.UndecodedSets
			}
			noted := tc.note == "" || slices.ContainsFunc(tl.Notes, func(n string) bool { return strings.HasPrefix(n, path+tc.note) })
			if undecoded != tc.undecoded || !noted {
				t.Errorf("%d undecodable sets, notes %q; want %d and a note starting %q", undecoded, tl.Notes, tc.undecoded, path+tc.note)
			}
		})
	}
}

const ekIndex = `{"index":{"_index":"packets-2023-11-14","_type":"doc"}}` + "\n"

// ekDoc is one EK bulk pair: the index line and a v9 packet with one record,
// its header fields as tshark writes them but for those in header; record
// adds record fields.
func ekDoc(frame int, header map[string]string, record string) string {
	h := map[string]string{"cflow_cflow_version": "9", "cflow_cflow_sysuptime": "3600.000000000", "cflow_cflow_unix_secs": "1700000000",
		"cflow_cflow_sequence": "1", "cflow_cflow_source_id": "310"}
	for k, v := range header {
		h[k] = v
	}
	return ekIndex + fmt.Sprintf(`{"timestamp":"1700000000100","layers":{"frame":{"frame_frame_number":"%d"},"ip":{"ip_ip_src":"192.0.2.10"},`+
		`"cflow":{"cflow_cflow_version":%q,"cflow_cflow_sysuptime":%q,"cflow_cflow_unix_secs":%q,"cflow_cflow_sequence":%q,"cflow_cflow_source_id":%q,`+
		`"text":"FlowSet 1 [id=256] (1 flows)","text":["Flow 1"],"cflow_cflow_srcaddr":"10.0.0.1","cflow_cflow_dstaddr":"10.0.1.1","cflow_cflow_srcport":"1000","cflow_cflow_dstport":"80"%s}}}`+"\n",
		frame, h["cflow_cflow_version"], h["cflow_cflow_sysuptime"], h["cflow_cflow_unix_secs"], h["cflow_cflow_sequence"], h["cflow_cflow_source_id"], record)
}

func readEK(t *testing.T, text string) ([]flow.Record, *flow.Tally, error) {
	t.Helper()
	r, err := NewReader(context.Background(), strings.NewReader(text), KindEK, "t.ek", Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := flow.ReadAll(r)
	return recs, r.Tally(), err
}

func TestEKHeaderFieldsThatDoNotReadAndRepeatedFramesAreRefused(t *testing.T) {
	const tail = ": the export is damaged or was edited; export the packets again"
	good := ekDoc(1, nil, "")
	// The second packet's document is line 4; it starts after the first
	// pair and its index line.
	at := fmt.Sprintf("t.ek line 4 (byte %d) (frame 2), ", len(good)+len(ekIndex))
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"an uptime that is not a number", "cflow_cflow_sysuptime", "abc", `"abc" is not a system uptime in seconds (0 to 4294967.295)`},
		{"an uptime past 2^32 ms", "cflow_cflow_sysuptime", "4294967.296", `"4294967.296" is not a system uptime in seconds (0 to 4294967.295)`},
		{"a domain past 32 bits", "cflow_cflow_source_id", "4294967296", `"4294967296" is not an observation domain id (0 to 4294967295)`},
		{"a negative domain", "cflow_cflow_source_id", "-310", `"-310" is not an observation domain id (0 to 4294967295)`},
		{"a sequence number that is not a number", "cflow_cflow_sequence", "x", `"x" is not a sequence number (0 to 4294967295)`},
		{"a version that is not a number", "cflow_cflow_version", "x", `"x" is not a NetFlow version number`},
		{"an export time that is not a number", "cflow_cflow_unix_secs", "x", `"x" is not an export time in epoch seconds (0 to 4294967295)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _, err := readEK(t, good+ekDoc(2, map[string]string{tc.field: tc.value}, "")+ekDoc(3, nil, ""))
			want := at + tc.field + ": " + tc.want + tail
			if err == nil || err.Error() != want {
				t.Errorf("error\n %v\nwant\n %s", err, want)
			}
			if len(recs) != 1 || recs[0].Frame != 1 {
				t.Errorf("%d records, want the one of frame 1", len(recs))
			}
		})
	}
	// Line 6, after two pairs and an index line.
	recs, _, err := readEK(t, ekDoc(1, nil, "")+ekDoc(2, nil, "")+ekDoc(1, nil, ""))
	want := fmt.Sprintf("t.ek line 6 (byte %d) (frame 1): comes after frame 2: frame numbers do not increase within one input, so it holds the same packets twice (two exports joined into one file, or packets exported twice?) or out of order; export the packets once, in capture order", 2*len(good)+len(ekIndex))
	if err == nil || err.Error() != want || len(recs) != 2 || !errors.Is(err, tshark.ErrFrameOrder) {
		t.Errorf("%d records, error\n %v\nwant\n %s", len(recs), err, want)
	}
}

func TestEKRecordFieldsThatDoNotReadAreNotedAsInJSON(t *testing.T) {
	long := strings.Repeat("9", 1000)
	recs, tl, err := readEK(t, ekDoc(1, nil, `,"cflow_cflow_packets":"`+long+`"`)+
		strings.Replace(ekDoc(2, nil, ""), `"cflow_cflow_dstport":"80"`, `"cflow_cflow_dstport":"http"`, 1))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, error %v", len(recs), err)
	}
	want := []string{`bad field value: first at t.ek frame 1 field cflow_cflow_packets: "` + strings.Repeat("9", 80) + `"… (1000 bytes) is not a number from 0 to 18446744073709551615`}
	if !slices.Equal(tl.Notes, want) || recs[0].Packets != 0 || recs[1].DstPort != 0 {
		t.Errorf("notes %q, packets %d, dst port %d; want %q", tl.Notes, recs[0].Packets, recs[1].DstPort, want)
	}
	bad := 0
	for _, d := range tl.Domains {
		bad += d.Errors["bad field value"]
	}
	if bad != 2 {
		t.Errorf("%d bad field values counted, want 2", bad)
	}
}

// cutUserCSV writes the analyst's CSV with its rows changed by edit.
func cutUserCSV(t *testing.T, edit func(rows [][]string) [][]string) string {
	t.Helper()
	f, err := os.Open(userExport(t, "c2p1med01.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(edit(rows))
	path := filepath.Join(t.TempDir(), "c2p1med01.csv")
	os.WriteFile(path, b.Bytes(), 0o644)
	return path
}

// c2p1med01.csv has 17 columns and 137 frames, numbered 1..137 on lines
// 2..138; frame 1 has flow records.
func TestCSVRowsCutShortOrRepeatedAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func([][]string) [][]string
		want string // after the path
	}{
		{"a data row cut to 12 cells", func(rows [][]string) [][]string {
			rows[1] = rows[1][:12]
			return rows
		}, " line 2 (frame 1): 12 cells, the header (line 1) has 17: the line was cut or damaged (Wireshark writes every cell of every row); export the packets again"},
		{"every row cut to 5 cells", func(rows [][]string) [][]string {
			for i := range rows[1:] {
				rows[i+1] = rows[i+1][:5]
			}
			return rows
		}, " line 2 (frame 1): 5 cells, the header (line 1) has 17: the line was cut or damaged (Wireshark writes every cell of every row); export the packets again"},
		{"a row with a cell more", func(rows [][]string) [][]string {
			rows[3] = append(rows[3], "x")
			return rows
		}, " line 4 (frame 3): 18 cells, the header (line 1) has 17: a cell holds an unquoted delimiter, which shifts every later column; export the packets again, or save the sheet as CSV again from Excel"},
		{"every row twice", func(rows [][]string) [][]string {
			return append(rows, rows[1:]...)
		}, " line 139 (frame 1): comes after frame 137: frame numbers do not increase within one input, so it holds the same packets twice (two exports joined into one file, or packets exported twice?) or out of order; export the packets once, in capture order; if the rows were sorted, sort them by No. again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := cutUserCSV(t, tc.edit)
			_, _, err := readErr(t, path, Options{})
			if err == nil || err.Error() != path+tc.want {
				t.Errorf("error\n %v\nwant\n %s", err, path+tc.want)
			}
		})
	}
	// Trailing empty cells and rows of blank cells carry nothing: read.
	path := cutUserCSV(t, func(rows [][]string) [][]string {
		rows[1] = append(rows[1], "", "")
		return append(rows, []string{"", ""})
	})
	if recs, _, err := readErr(t, path, Options{}); err != nil || len(recs) != 1353 {
		t.Errorf("%d records, error %v; want the file's 1353", len(recs), err)
	}
}

func TestCSVListsExcelFormattedAsNumbersAreRefused(t *testing.T) {
	head := `"No.","Source","Observation Domain Id","DstAddr","DstPort","Packets"` + "\n"
	for _, tc := range []struct {
		name, row, want string
	}{
		{"a zero-padded group in a port list", csvRow("1", "192.0.2.1", "310", "1.2.3.4,1.2.3.5,1.2.3.6", "443,525,004", "1,2,3"),
			`t.csv line 2 (frame 1), DstPort: a comma-joined list was turned into a number by Excel: entry 3 "004" of "443,525,004" has a leading zero, which Wireshark never writes: Excel wrote the list back as one number with thousands separators. Open the CSV in Excel with every column typed as Text (Data > From Text/CSV > Transform Data, or the Text Import Wizard), or give nftimediff the CSV itself`},
		{"a zero-padded group in a counter list", csvRow("1", "192.0.2.1", "310", "1.2.3.4,1.2.3.5,1.2.3.6", "443,80,53", "1,000,000"),
			`t.csv line 2 (frame 1), Packets: a comma-joined list was turned into a number by Excel: entry 2 "000" of "1,000,000" has a leading zero`},
		{"a counter in Excel's exponent form", csvRow("1", "192.0.2.1", "310", "1.2.3.4", "443", "1.23457E+11"),
			`t.csv line 2 (frame 1), Packets: entry 1: "1.23457E+11" is not a packet count`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readCSV(t, head+tc.row, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n %v\nwant one starting\n %s", err, tc.want)
			}
		})
	}
	// A port 0 is a port, not a padded group.
	recs, _, err := readCSV(t, head+csvRow("1", "192.0.2.1", "310", "1.2.3.4,1.2.3.5", "0,80", "1,2"), Options{})
	if err != nil || len(recs) != 2 || recs[0].DstPort != 0 || recs[1].DstPort != 80 {
		t.Errorf("%d records, error %v", len(recs), err)
	}
}

func TestMessagesNameStandardInputAsTheReadmeSays(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"CSV", csvHead + csvRow("1", "", "probe1.example", "", "CFLOW", "", "320", "80", "1.1.1.1", "", ""),
			`- (standard input) line 2 (frame 1), Source: "probe1.example" is not an IP address`},
		{"EK", ekDoc(1, nil, "") + ekDoc(1, nil, ""), fmt.Sprintf("- (standard input) line 4 (byte %d) (frame 1): appears twice in a row", len(ekDoc(1, nil, ""))+len(ekIndex))},
		{"JSON", `[{"_source":{"layers":{"frame":{"frame.number":"1"}}}}]x`, "- (standard input) (after frame 1): JSON output byte 55"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _, err := readErr(t, "-", Options{Stdin: strings.NewReader(tc.content)})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n %v\nwant one starting\n %s", err, tc.want)
			}
			for _, r := range recs {
				if r.File != "-" {
					t.Errorf("record file %q, want -", r.File)
				}
			}
		})
	}
	// Notes too.
	_, tl, err := readErr(t, "-", Options{Stdin: strings.NewReader(ekDoc(1, nil, `,"cflow_cflow_protocol":"tcp"`))})
	if err != nil || len(tl.Notes) != 1 || !strings.HasPrefix(tl.Notes[0], "bad field value: first at - (standard input) frame 1 field cflow_cflow_protocol") {
		t.Errorf("error %v, notes %q", err, tl.Notes)
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
