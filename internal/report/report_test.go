package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func TestWriteFileRenamesOnlyAfterSuccess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := report.WriteFile(context.Background(), path, func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "complete")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "complete" {
		t.Fatalf("file = %q, %v", b, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	onlyFile(t, dir, "r.json")
}

func onlyFile(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("directory holds %q, want %q (no temporary file left)", names, want)
	}
}

func TestWriteFileLeavesNothingBehindOnFailure(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, tc := range []struct {
		name    string
		ctx     func() context.Context
		render  report.RenderFunc
		wantErr error
	}{
		{"a renderer error after half a report removes the temporary file", context.Background,
			func(_ context.Context, w io.Writer) error {
				_, _ = io.WriteString(w, strings.Repeat("half a report ", 100000))
				return boom
			}, boom},
		{"a context cancelled during rendering removes the temporary file", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, "looks complete")
			return err
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			old := filepath.Join(dir, "r.xlsx")
			if err := os.WriteFile(old, []byte("previous report"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := report.WriteFile(tc.ctx(), old, tc.render)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), old) {
				t.Errorf("error %q does not name the file", err)
			}
			if b, _ := os.ReadFile(old); string(b) != "previous report" {
				t.Errorf("the previous report was replaced by %q", b)
			}
			onlyFile(t, dir, "r.xlsx")
		})
	}
	t.Run("an unwritable directory is an error naming the file", func(t *testing.T) {
		err := report.WriteFile(context.Background(), "/nonexistent-dir/r.csv", func(context.Context, io.Writer) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "/nonexistent-dir/r.csv") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestPathsInDirDerivesNamesFromTheInputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs []string
		want   string
	}{
		{"one capture drops its extension", []string{"/data/capture.pcap"}, "out/capture-nftimediff"},
		{"two inputs are joined", []string{"pre.pcapng", "dir/post.json"}, "out/pre-post-nftimediff"},
		{"more inputs are counted", []string{"a.pcap", "b.pcap", "c.pcap"}, "out/a-and-2-more-nftimediff"},
		{"standard input is stdin", []string{"-"}, "out/stdin-nftimediff"},
		{"no input is stdin", nil, "out/stdin-nftimediff"},
		{"a dot file keeps its name", []string{".hidden"}, "out/.hidden-nftimediff"},
		{"odd characters become underscores", []string{"a:b*c\x01.pcap"}, "out/a_b_c_-nftimediff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := report.PathsInDir("out", tc.inputs)
			want := report.Paths{Text: tc.want + ".txt", JSON: tc.want + ".json", CSV: tc.want + ".csv", XLSX: tc.want + ".xlsx", DOCX: tc.want + ".docx"}
			if p != want {
				t.Errorf("got %+v, want %+v", p, want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain text is kept", "facebook", "facebook"},
		{"markup is kept (escaping is the writer's job)", "<b>&", "<b>&"},
		{"control characters become control pictures", "a\x00b\x01c\td\ne\x7f", "a\u2400b\u2401c\u2409d\u240ae\u2421"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "a\uFFFDb"},
		{"non-characters U+FFFE and U+FFFF become U+FFFD", "a\uFFFEb\uFFFF", "a\uFFFDb\uFFFD"},
		{"other Unicode is kept", "Zürich 東京 🙂", "Zürich 東京 🙂"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := report.CleanText(tc.in); got != tc.want {
				t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFormulaSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("x")`, `'=HYPERLINK("x")`},
		{"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"},
		{"facebook", "facebook"}, {"", ""}, {"a=b", "a=b"}, {"-", "-"}, {"--x", "'--x"},
	} {
		if got := report.FormulaSafe(tc.in); got != tc.want {
			t.Errorf("FormulaSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSONHasTheDocumentedSchema(t *testing.T) {
	m := reporttest.Model(5)
	var buf bytes.Buffer
	if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema  string `json:"schema"`
		Summary struct {
			Pairs          int     `json:"pairs"`
			UnmatchedPre   int     `json:"unmatched_pre"`
			UnmatchedPost  int     `json:"unmatched_post"`
			OffsetMs       float64 `json:"offset_ms"`
			MedianDeltaMs  float64 `json:"median_delta_ms"`
			DriftPPM       float64 `json:"drift_ppm"`
			Verdict        string  `json:"verdict"`
			RecordsPre     int     `json:"records_pre"`
			WithinTolerace float64 `json:"within_tolerance"`
		}
		Pairs []struct {
			Pre, Post struct {
				File     string  `json:"file"`
				Frame    int     `json:"frame"`
				Flow     int     `json:"flow"`
				Exporter string  `json:"exporter"`
				Domain   int     `json:"domain"`
				Src      string  `json:"src"`
				SrcPort  int     `json:"src_port"`
				Dst      string  `json:"dst"`
				DstPort  int     `json:"dst_port"`
				Proto    int     `json:"proto"`
				App      string  `json:"app"`
				Start    string  `json:"start"`
				StartNs  int64   `json:"start_ns"`
				NAT      *any    `json:"nat"`
				VLAN     *int    `json:"vlan"`
				Packets  float64 `json:"packets"`
			}
			DeltaMs      float64  `json:"delta_ms"`
			Candidates   int      `json:"candidates"`
			RunnerUpMs   *float64 `json:"runner_up_ms"`
			Continuation bool     `json:"continuation"`
		}
		UnmatchedPre []struct {
			Record struct{ Frame int }
			Reason string
		} `json:"unmatched_pre"`
		PerPair []struct{ Label string } `json:"per_pair"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not valid JSON: %v\n%s", err, buf.Bytes())
	}
	s := got.Summary
	if got.Schema != report.JSONSchema || s.Pairs != 5 || s.UnmatchedPre != 2 || s.UnmatchedPost != 2 || s.OffsetMs != 5001 ||
		s.MedianDeltaMs != 5001 || s.DriftPPM != 0.1 || s.Verdict != "out of sync" || s.RecordsPre != 7 {
		t.Errorf("summary = %+v", s)
	}
	if len(got.Pairs) != 5 {
		t.Fatalf("%d pairs, want 5", len(got.Pairs))
	}
	p := got.Pairs[0]
	if p.Pre.File != "capture.pcap" || p.Pre.Frame != 5 || p.Pre.Flow != 3 || p.Pre.Exporter != "192.0.2.1" || p.Pre.Domain != 310 ||
		p.Pre.Dst != "157.240.25.63" || p.Pre.DstPort != 443 || p.Pre.Proto != 6 || p.Pre.App != "facebook" ||
		p.Pre.Start != "2026-12-03T10:00:00.250Z" || p.Post.Start != "2026-12-03T10:00:00.362Z" || p.Post.Frame != 9 || p.DeltaMs != 112 {
		t.Errorf("pair 1 = %+v", p)
	}
	if p.Post.StartNs-p.Pre.StartNs != 112e6 {
		t.Errorf("start_ns differ by %d, want 112e6", p.Post.StartNs-p.Pre.StartNs)
	}
	if p.RunnerUpMs != nil {
		t.Errorf("runner_up_ms = %v, want null for NaN", *p.RunnerUpMs)
	}
	if got.Pairs[0].Continuation || !got.Pairs[4].Continuation {
		t.Errorf("continuation = %v, %v; want false, true", got.Pairs[0].Continuation, got.Pairs[4].Continuation)
	}
	if got.Pairs[1].Pre.App != reporttest.AppFormula || got.Pairs[2].Pre.App != reporttest.AppMarkup {
		t.Errorf("hostile app names = %q, %q", got.Pairs[1].Pre.App, got.Pairs[2].Pre.App)
	}
	if len(got.UnmatchedPre) != 2 || got.UnmatchedPre[0].Record.Frame != 50 || !strings.HasPrefix(got.UnmatchedPre[0].Reason, "no post record") {
		t.Errorf("unmatched_pre = %+v", got.UnmatchedPre)
	}
	if len(got.PerPair) != 1 || got.PerPair[0].Label != "192.0.2.1/310 -> 192.0.2.2/320" {
		t.Errorf("per_pair = %+v", got.PerPair)
	}
}

func TestJSONIsValidForAnyText(t *testing.T) {
	m := reporttest.Model(2)
	m.Pairs[0].Pre.App = "q\"b\\s\x00\x1f\n\u2028\xff€"
	m.Overall.Offset = math.NaN()
	m.Overall.DriftPPM = math.Inf(1)
	var buf bytes.Buffer
	if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Summary struct {
			OffsetMs *float64 `json:"offset_ms"`
			DriftPPM *float64 `json:"drift_ppm"`
		}
		Pairs []struct{ Pre struct{ App string } }
	}
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if want := "q\"b\\s\x00\x1f\n\u2028\uFFFD€"; v.Pairs[0].Pre.App != want {
		t.Errorf("app = %q, want %q", v.Pairs[0].Pre.App, want)
	}
	if v.Summary.OffsetMs != nil || v.Summary.DriftPPM != nil {
		t.Errorf("NaN/Inf are not null: %v %v", v.Summary.OffsetMs, v.Summary.DriftPPM)
	}
}

func TestCSVHasOneRowPerPairAndNoFormulas(t *testing.T) {
	m := reporttest.Model(4)
	m.Pairs[3].Continuation = true
	var buf bytes.Buffer
	if err := report.WriteCSV(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want header + 4", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	r := rows[1]
	for name, want := range map[string]string{
		"pair": "1", "delta_ms": "112", "candidates": "1", "runner_up_ms": "",
		"pre_file": "capture.pcap", "pre_frame": "5", "pre_flow": "3", "pre_exporter": "192.0.2.1", "pre_domain": "310",
		"pre_dst": "157.240.25.63", "pre_dst_port": "443", "pre_proto": "6", "pre_app": "facebook",
		"pre_start": "2026-12-03T10:00:00.250Z", "pre_start_encoding": "flowStartMilliseconds",
		"post_frame": "9", "post_flow": "1", "post_domain": "320", "post_start": "2026-12-03T10:00:00.362Z",
	} {
		if got := r[col[name]]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := rows[2][col["pre_app"]]; got != "'"+reporttest.AppFormula {
		t.Errorf("formula-like app = %q, want it prefixed with a quote", got)
	}
	if got := rows[3][col["pre_app"]]; got != reporttest.AppMarkup {
		t.Errorf("markup app = %q, want it literally", got)
	}
	if got := rows[2][col["runner_up_ms"]]; got != "2500" {
		t.Errorf("runner_up_ms = %q", got)
	}
	for i, want := range []string{"false", "false", "false", "true"} {
		if got := rows[1+i][col["continuation"]]; got != want {
			t.Errorf("row %d continuation = %q, want %q", i+1, got, want)
		}
	}
}

func TestTextSummaryStartsWithTheVerdict(t *testing.T) {
	m := reporttest.Model(5)
	m.Pairs[0].Pre.App = "\x1b[31mred"
	m.Notes = append(m.Notes, "\x1b[2Jclear")
	var buf bytes.Buffer
	if err := report.WriteText(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	if lines[2] != "VERDICT: OUT OF SYNC" {
		t.Errorf("line 3 = %q, want the verdict", lines[2])
	}
	for _, want := range []string{
		"Offset            5001 ms (95 % interval 5000.9 .. 5001.1 ms), post - pre",
		"Drift             +0.36 ms/hour (+0.1 ppm)",
		"5 one-to-one pairs (1 of them a continuation pair, left out of the clock figures) from 7 pre and 7 post records; unmatched: 2 pre, 2 post",
		"192.0.2.1/310 -> 192.0.2.2/320",
		"  - \u241b[2Jclear",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, 0x1b) {
		t.Errorf("an escape character reached the terminal")
	}
}

func TestCSVQuotesLikeEncodingCSV(t *testing.T) {
	m := reporttest.Model(1)
	m.Pairs[0].Pre.App = "a,b \"c\"\nd"
	m.Pairs[0].Pre.File = " lead space.pcap"
	var buf bytes.Buffer
	if err := report.WriteCSV(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][5+12]; got != m.Pairs[0].Pre.App {
		t.Errorf("pre_app = %q, want %q", got, m.Pairs[0].Pre.App)
	}
	if got := rows[1][5]; got != m.Pairs[0].Pre.File {
		t.Errorf("pre_file = %q, want %q", got, m.Pairs[0].Pre.File)
	}
	if len(rows[1]) != len(report.CSVHeader) {
		t.Errorf("%d fields, want %d", len(rows[1]), len(report.CSVHeader))
	}
}

func TestWriteFileWritesIntoANamedPipeInsteadOfReplacingIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(path)
		got <- string(b)
	}()
	err := report.WriteFile(context.Background(), path, func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "summary\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "summary\n" {
		t.Errorf("reader got %q, want %q", s, "summary\n")
	}
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was replaced: %v %v", fi.Mode(), err)
	}
}

// /dev/stdout is a link to /proc/self/fd/1; with standard output redirected
// to a file it resolves to a regular file, and an atomic write would rename
// a temporary file over the link. Descriptor links are written directly.
func TestWriteFileWritesThroughADescriptorLinkInsteadOfReplacingIt(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "redirected"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	link := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	if _, err := os.Lstat(link); err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if err := report.WriteFile(context.Background(), link, func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "summary\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f.Name()); string(b) != "summary\n" {
		t.Errorf("the redirected file holds %q, want the report", b)
	}
}

// A link to a report elsewhere: the report replaces the file it points to,
// and the link stays a link.
func TestWriteFileReplacesTheTargetOfALinkAndKeepsTheLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := report.WriteFile(context.Background(), link, func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "new\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new\n" {
		t.Errorf("the target holds %q, want the new report", b)
	}
}

func TestSummarySentencesAreWrappedToTheTextWidth(t *testing.T) {
	long := strings.Repeat("word ", 50) + "https://a.very.long.address.example/that-is-not-broken-anywhere-at-all-whatever-the-width-is-for-sure"
	got := report.WrapForTest(long, "  - ", "    ")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "  - word") || !strings.HasPrefix(lines[1], "    word") {
		t.Fatalf("wrapped:\n%s", got)
	}
	for _, l := range lines[:len(lines)-1] {
		if len(l) > 100 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "for-sure") || strings.Join(strings.Fields(got), " ") != "- "+long {
		t.Errorf("words lost or broken: %q", got)
	}
}

func TestFieldsARecordLacksAreNullInJSONAndEmptyInCSV(t *testing.T) {
	m := reporttest.Model(3)
	// A Wireshark CSV export without port, protocol and counter columns.
	m.Pairs[0].Pre.Lacks = flow.LacksSrcPort | flow.LacksDstPort | flow.LacksProto | flow.LacksPackets | flow.LacksOctets
	var buf bytes.Buffer
	if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Pairs []struct{ Pre, Post map[string]any }
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"src_port", "dst_port", "proto", "packets", "octets"} {
		if v, ok := got.Pairs[0].Pre[k]; !ok || v != nil {
			t.Errorf("pre %s = %v (present %v), want null", k, v, ok)
		}
	}
	// The post record carries them: reporttest's record() gives 443, tcp, 10 packets, 1500 octets.
	for k, want := range map[string]float64{"dst_port": 443, "proto": 6, "packets": 10, "octets": 1500} {
		if v := got.Pairs[0].Post[k]; v != want {
			t.Errorf("post %s = %v, want %v", k, v, want)
		}
	}

	buf.Reset()
	if err := report.WriteCSV(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, k := range []string{"pre_src_port", "pre_dst_port", "pre_proto", "pre_packets", "pre_octets"} {
		if v := rows[1][col[k]]; v != "" {
			t.Errorf("%s = %q, want an empty cell", k, v)
		}
	}
	for k, want := range map[string]string{"post_dst_port": "443", "post_proto": "6", "post_packets": "10", "post_octets": "1500"} {
		if v := rows[1][col[k]]; v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}

func TestPerExporterPairCountsShowContinuationsApart(t *testing.T) {
	m := reporttest.Model(5) // pair 5 is a continuation pair
	m.Overall.Continuations, m.PerPair[0].Continuations = 1, 1
	var buf bytes.Buffer
	if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	type counts struct {
		Pairs             int `json:"pairs"`
		ClockPairs        int `json:"clock_pairs"`
		ContinuationPairs int `json:"continuation_pairs"`
	}
	var got struct {
		Clock   counts   `json:"clock"`
		PerPair []counts `json:"per_pair"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := counts{Pairs: 5, ClockPairs: 4, ContinuationPairs: 1}
	if got.Clock != want || len(got.PerPair) != 1 || got.PerPair[0] != want {
		t.Errorf("clock %+v, per_pair %+v; want %+v", got.Clock, got.PerPair, want)
	}
	buf.Reset()
	if err := report.WriteText(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	var header, row string
	for _, l := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.Contains(l, "EXPORTER PAIR"):
			header = l
		case strings.HasPrefix(strings.TrimSpace(l), "192.0.2.1/310 -> 192.0.2.2/320"):
			row = l
		}
	}
	if f, r := strings.Fields(header), strings.Fields(row); len(f) < 4 || f[2] != "PAIRS" || f[3] != "CONT." || len(r) < 5 || r[3] != "5" || r[4] != "1" {
		t.Errorf("per exporter pair table:\n%s\n%s\nwant PAIRS 5 and CONT. 1", header, row)
	}
	if !strings.Contains(buf.String(), "continuation pairs among them") {
		t.Errorf("no footnote explains CONT.:\n%s", buf.String())
	}
}

func TestSpacedDurationWritesAmountsAsTheSentencesDo(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{6 * time.Second, "6 s"},
		{100 * time.Millisecond, "100 ms"},
		{90 * time.Second, "1 min 30 s"},
		{3*time.Hour + 6*time.Second, "3 h 6 s"},
		{1500 * time.Millisecond, "1.5 s"},
		{-2 * time.Second, "-2 s"},
	} {
		if got := report.SpacedDuration(tc.in); got != tc.want {
			t.Errorf("SpacedDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParametersWriteWindowAndToleranceWithSpacedUnits(t *testing.T) {
	m := reporttest.Model(3) // window 6 s, tolerance 10 ms
	rows := map[string]string{}
	for _, kv := range report.ParamRows(m) {
		rows[kv[0]] = kv[1]
	}
	if rows["Window"] != "6 s" || rows["Tolerance"] != "±10 ms" {
		t.Errorf("window %q, tolerance %q; want \"6 s\" and \"±10 ms\"", rows["Window"], rows["Tolerance"])
	}
}
