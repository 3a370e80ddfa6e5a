package wsexport

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"netflowtimedifference/internal/flow"
)

const guiFixture = "../../testdata/wsexport/b_ipfix_basic-gui-gtb.json"

func TestDetectBytes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Kind
	}{
		{"a pcap in microseconds, big-endian", "\xa1\xb2\xc3\xd4\x00\x02\x00\x04", KindPcap},
		{"a pcap in microseconds, little-endian", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", KindPcap},
		{"a pcap in nanoseconds, little-endian", "\x4d\x3c\xb2\xa1\x02\x00\x04\x00", KindPcap},
		{"a pcap in nanoseconds, big-endian", "\xa1\xb2\x3c\x4d\x00\x02\x00\x04", KindPcap},
		{"a pcapng, little-endian", "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a", KindPcapNG},
		{"a pcapng, big-endian", "\x0a\x0d\x0d\x0a\x00\x00\x00\x1c\x1a\x2b\x3c\x4d", KindPcapNG},
		{"a gzip stream", "\x1f\x8b\x08\x00", KindGzip},
		{"a zip archive", "PK\x03\x04\x14\x00", KindZip},
		{"a raw IPFIX message", "\x00\x0a\x00\x30\x65\x53\xf1\x00\x00\x00\x00\x00\x00\x00\x01\x40\x00\x02\x00\x20", KindIPFIXFile},
		{"a JSON array of packets", "[\n  {\n    \"_index\": \"packets-2023-11-14\",", KindJSON},
		{"a JSON array with a BOM and CRLF", "\xef\xbb\xbf[\r\n  {", KindJSON},
		{"an EK bulk index line", `{"index":{"_index":"packets-2023-11-14","_type":"doc"}}` + "\n{\"timestamp\"", KindEK},
		{"an EK document without index lines", `{"timestamp":"1700000000100","layers":{"cflow":{}}}`, KindEK},
		{"a Wireshark CSV header", `"No.","Time","Source","Destination","Protocol","Length","Info"` + "\n", KindCSV},
		{"a CSV with field names", "frame.number,ip.src,cflow.od_id,cflow.dstaddr\n", KindCSV},
		{"a JSON object that is not EK", `{"a":1}`, KindJSONObject},
		{"plain text", "hello world\n", KindUnknown},
		{"binary garbage", "\x00\x01\x02\x03\xff\xfe", KindUnknown},
		{"nothing", "", KindUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DetectBytes([]byte(tc.in)); got != tc.want {
				t.Errorf("DetectBytes = %v, want %v", got, tc.want)
			}
		})
	}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// The GUI fixture is b_ipfix_basic.pcap exported in GTB Standard Time
// (UTC+2); the records are the capture's (see testdata/wsexport/README.md).
func checkGUIRecords(t *testing.T, recs []flow.Record, shift time.Duration) {
	t.Helper()
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	want := []flow.Instant{
		utc(2023, 11, 14, 22, 13, 10, 123000000), utc(2023, 11, 14, 22, 13, 15, 0),
		utc(2023, 11, 14, 22, 13, 19, 0), utc(2023, 11, 14, 22, 13, 18, 0),
	}
	for i, r := range recs {
		if r.Start != want[i].Add(shift) || r.Exporter != netip.MustParseAddr("192.0.2.20") || r.Domain != 320 {
			t.Errorf("record %d: start %v exporter %v domain %d; want start %v", i, r.Start, r.Exporter, r.Domain, want[i].Add(shift))
		}
	}
	if recs[0].ExportTime != utc(2023, 11, 14, 22, 13, 20, 0) || recs[0].CaptureTime != utc(2023, 11, 14, 22, 13, 20, 100000000) {
		t.Errorf("export time %v, capture time %v", recs[0].ExportTime, recs[0].CaptureTime)
	}
}

func TestAGUIExportInAWindowsZoneGivesTheCaptureRecords(t *testing.T) {
	recs, tl := readAll(t, guiFixture, Options{})
	checkGUIRecords(t, recs, 0)
	if len(tl.UnverifiedTimes) != 0 {
		t.Errorf("unverified: %v", tl.Notes)
	}
}

func TestAnUnknownZoneInAJSONExportMarksTheTimesUnverifiedAndInputTZFixesThem(t *testing.T) {
	b, err := os.ReadFile(guiFixture)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("GTB Standard Time"), []byte("Ora standard a Europei de Est"))
	path := filepath.Join(t.TempDir(), "ro.json")
	os.WriteFile(path, b, 0o644)

	recs, tl := readAll(t, path, Options{})
	checkGUIRecords(t, recs, 2*time.Hour) // read as UTC: two hours late, differences intact
	if len(tl.UnverifiedTimes) != 1 || !strings.Contains(strings.Join(tl.Notes, "\n"), `"Ora standard a Europei de Est" is not known`) {
		t.Errorf("unverified %v, notes %q", tl.UnverifiedTimes, tl.Notes)
	}
	loc, _ := ParseInputTZ("+02:00")
	recs, tl = readAll(t, path, Options{InputTZ: loc})
	checkGUIRecords(t, recs, 0)
	if len(tl.UnverifiedTimes) != 0 {
		t.Errorf("unverified with --input-tz: %v", tl.Notes)
	}
}

func TestGzipAndStandardInputAreReadByContent(t *testing.T) {
	raw, err := os.ReadFile(guiFixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.bin") // no telling extension
	os.WriteFile(path, gz(t, raw), 0o644)
	recs, _ := readAll(t, path, Options{})
	checkGUIRecords(t, recs, 0)

	recs, _ = readAll(t, "-", Options{Stdin: bytes.NewReader(gz(t, raw))})
	checkGUIRecords(t, recs, 0)
	if recs[0].File != "-" { // as the README says: records read from standard input name their file "-"
		t.Errorf("file %q", recs[0].File)
	}
}

// A .gz cut short says so, whatever is inside (here a JSON export): not a
// bare "unexpected EOF", nor, for a gzip stream that is not one, a cut.
func TestACutOrDamagedGzipSaysWhatIsWrongWithIt(t *testing.T) {
	raw, err := os.ReadFile(guiFixture)
	if err != nil {
		t.Fatal(err)
	}
	z := gz(t, raw)
	dir := t.TempDir()
	cut := filepath.Join(dir, "export.json.gz")
	os.WriteFile(cut, z[:len(z)/2], 0o644)
	r, err := Open(context.Background(), cut, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = flow.ReadAll(r)
	if !errors.Is(err, ErrGzipCut) || !strings.HasSuffix(err.Error(), ": reading JSON output: the gzip file is cut: it ends before its compressed data does (unexpected EOF)") || !strings.HasPrefix(err.Error(), cut) {
		t.Errorf("cut: %v", err)
	}

	bad := slices.Clone(z)
	bad[len(bad)-8] ^= 0xff // the CRC-32 of the trailer
	damaged := filepath.Join(dir, "damaged.json.gz")
	os.WriteFile(damaged, bad, 0o644)
	r, err = Open(context.Background(), damaged, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = flow.ReadAll(r)
	if errors.Is(err, ErrGzipCut) || err == nil || !strings.HasSuffix(err.Error(), "gzip data damaged: gzip: invalid checksum") {
		t.Errorf("damaged: %v", err)
	}
}

func TestAWorkbookOnStandardInputIsSpooled(t *testing.T) {
	raw, err := os.ReadFile(userExport(t, "c2p1med01.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	recs, tl := readAll(t, "-", Options{Stdin: bytes.NewReader(gz(t, raw))})
	if len(recs) != 1353 || tl.Frames != 137 {
		t.Errorf("%d records, %d frames", len(recs), tl.Frames)
	}
}

func TestACaptureIsHandedBackWithItsContent(t *testing.T) {
	pcap := filepath.Join(capturesDir, "format/a_nf9_basic.pcap")
	raw, err := os.ReadFile(pcap)
	if err != nil {
		t.Skipf("captures not available: %v", err)
	}
	_, err = Open(context.Background(), "-", Options{Stdin: bytes.NewReader(gz(t, raw))})
	var ne *NotExportError
	if !errors.Is(err, ErrNotExport) || !errors.As(err, &ne) || ne.Kind != KindPcap || ne.Body == nil {
		t.Fatalf("error %v, want a NotExportError for a pcap with a body", err)
	}
	defer ne.Body.Close()
	got, _ := io.ReadAll(ne.Body)
	if !bytes.Equal(got, raw) {
		t.Errorf("body has %d bytes, want the %d of the capture", len(got), len(raw))
	}
}

func TestBadFilesGiveOneErrorWithThePosition(t *testing.T) {
	raw, err := os.ReadFile(guiFixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		want    string // substring of the error
	}{
		// The fixture's second packet (frame 2) starts at byte 8426 and ends at 12832.
		{"a JSON export cut in the middle names the cut packet and its byte", raw[:len(raw)*2/3],
			" (after frame 1): JSON output ended inside a packet: packet 2, which starts at byte 8426, is cut (1 complete packets before it): unexpected EOF"},
		{"a JSON export whose second packet is damaged names it and its byte", bytes.Replace(raw, []byte(`"frame.number": "2"`), []byte(`"frame.number" "2"`), 1),
			" (after frame 1): not tshark -T json output: packet 2 at byte 8426 (4405 bytes) is not valid JSON"}, // 4406 bytes less the colon taken out
		{"a JSON object is not taken for an export", []byte(`{"frames": 3}`), ": a JSON object, not tshark's packet array"},
		{"a truncated workbook is said to be damaged", truncatedBook(t), ": a zip archive (an Excel workbook?) that cannot be read: damaged or truncated"},
		{"binary garbage", []byte("\x00\x01\x02garbage\xff"), "not a capture (pcap, pcapng) nor a Wireshark export"},
		{"a zip that is not a workbook", zipOf(t, "a.txt"), "not an Excel workbook"},
		{"an EK file cut in the middle", []byte(`{"index":{"_index":"packets-2023-11-14","_type":"doc"}}` + "\n" + `{"timestamp":"1700000000100","layers":{"cflow":{"cflow_cflow_version":"10"`), " line 2 (byte 56): not a JSON document"},
		{"a CSV whose frame number is not a number", []byte(csvHead + csvRow("x1", "", "10.0.0.1", "", "CFLOW", "", "320", "80", "1.1.1.1", "", "")), `line 2, No.: "x1" is not a frame number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad")
			os.WriteFile(path, tc.content, 0o644)
			r, err := Open(context.Background(), path, Options{})
			if err == nil {
				_, err = flow.ReadAll(r)
				r.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and %q", err, path, tc.want)
			}
		})
	}
}

// truncatedBook returns the first half of the analyst's workbook: its zip
// directory, at the end, is gone.
func truncatedBook(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(userExport(t, "c2p1med01.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return b[:len(b)/2]
}

func zipOf(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	w.Write([]byte("hello"))
	zw.Close()
	return buf.Bytes()
}

func TestACancelledContextStopsReading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, userExport(t, "c2p1med01.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	cancel()
	for i := 0; i < 100; i++ { // the current frame's queued records may still come
		if _, err = r.Read(); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestUTF16TextIsReadAsUTF8(t *testing.T) {
	text := "No.\tSource\tObservation Domain Id\tDstAddr\tL7 Application Name\tStartTime\r\n" +
		"3\t10.0.0.1\t310\t1.1.1.1\tCafé 𝄞\tMay 19, 2020 10:37:25.503000000 GTB Daylight Time\r\n"
	for _, big := range []bool{false, true} {
		var b bytes.Buffer
		if big {
			b.WriteString("\xfe\xff")
		} else {
			b.WriteString("\xff\xfe")
		}
		for _, u := range utf16.Encode([]rune(text)) {
			if big {
				b.WriteByte(byte(u >> 8))
				b.WriteByte(byte(u))
			} else {
				b.WriteByte(byte(u))
				b.WriteByte(byte(u >> 8))
			}
		}
		recs, _ := readAll(t, "-", Options{Stdin: &b})
		if len(recs) != 1 || recs[0].App != "Café 𝄞" || recs[0].Start != utc(2020, 5, 19, 7, 37, 25, 503000000) {
			t.Errorf("big-endian %v: records %v", big, recs)
		}
	}
}
