package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"netflowtimedifference/internal/app"
)

// helperEnv makes TestHelperProcess run nftimediff with the arguments after
// "--" instead of testing: the CLI tests below re-execute the test binary to
// see the real exit code, stdout and stderr.
const helperEnv = "NFTD_CLI_HELPER"

func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	runHelperArgs()
}

// runHelperArgs runs the CLI on the test binary's arguments after "--"
// and exits with its code: the body of every helper process.
func runHelperArgs() {
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(append([]string{"nftimediff"}, args...)))
}

// nftimediff runs the CLI in a child process with stdin as its standard
// input (an *os.File is handed over as it is, anything else through a pipe).
func nftimediff(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func TestUsageErrorsExitWithCode2AndOneLine(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "sample", "sample.pcap")
	dotSample := "../../testdata/./sample/sample.pcap" // filepath.Join would clean the "."
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "copy.pcap")
	if err := os.WriteFile(copied, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		Name   string
		Args   []string
		Stdin  string // file to redirect standard input from; "": empty
		Stderr string
	}{
		{Name: "an unknown command is a usage error, not cli's exit code 3", Args: []string{"frobnicate"},
			Stderr: `nftimediff: unknown command "frobnicate": the commands are flows, inspect, match and gen (nftimediff help)` + "\n"},
		{Name: "help for an unknown command is a usage error", Args: []string{"help", "frobnicate"},
			Stderr: `nftimediff: unknown command "frobnicate": the commands are flows, inspect, match and gen (nftimediff help)` + "\n"},
		{Name: "a port above 65535 is a usage error naming the range", Args: []string{"inspect", "--port", "99999", sample},
			Stderr: "nftimediff: --port 99999: use a UDP port from 1 to 65535\n"},
		{Name: "port 0 is a usage error", Args: []string{"flows", sample, "--port", "0"},
			Stderr: "nftimediff: --port 0: use a UDP port from 1 to 65535\n"},
		{Name: "a negative port is a usage error", Args: []string{"match", "--port=-5", sample},
			Stderr: "nftimediff: --port -5: use a UDP port from 1 to 65535\n"},
		{Name: "an unknown input zone is named once", Args: []string{"flows", "--input-tz", "Mars/Base", sample},
			Stderr: `nftimediff: --input-tz "Mars/Base": not an IANA time zone name nor an offset like +03:00: unknown time zone Mars/Base` + "\n"},
		{Name: "the same input twice is refused", Args: []string{"match", sample, sample},
			Stderr: "nftimediff: " + sample + " given twice: its records would be counted twice\n"},
		{Name: "the same file under two paths is refused", Args: []string{"inspect", sample, dotSample},
			Stderr: "nftimediff: " + dotSample + " given twice (also as " + sample + "): its records would be counted twice\n"},
		{Name: "standard input twice is refused", Args: []string{"flows", "-", "-"},
			Stderr: "nftimediff: - given twice: its records would be counted twice\n"},
		{Name: "standard input redirected from a file also named is refused", Args: []string{"match", sample, "-"}, Stdin: sample,
			Stderr: "nftimediff: - (standard input) is " + sample + ", given twice: its records would be counted twice\n"},
		{Name: "a copy of an input is refused", Args: []string{"match", sample, copied},
			Stderr: "nftimediff: " + sample + " and " + copied + " have the same content (a copy?): its records would be counted twice\n"},
		{Name: "the same packets in two exports are refused at the first packet they share",
			Args:   []string{"flows", "../../testdata/tshark/i_ipfix_tcp.json", "../../testdata/tshark/i_ipfix_tcp.nodup.json"},
			Stderr: "nftimediff: ../../testdata/tshark/i_ipfix_tcp.nodup.json frame 4 is the export packet of ../../testdata/tshark/i_ipfix_tcp.json frame 4 too (exporter 192.0.2.90, domain 390, captured at 2023-11-14 22:13:20.100000000): the same traffic given twice (a capture and its export, or a CSV export and its Excel form?); its records would be counted twice: give one of them\n"},
		{Name: "a duration without a unit says how to write one", Args: []string{"match", "--window", "5", sample},
			Stderr: `nftimediff: --window "5": not a duration: give it with a unit, e.g. 6s, 500ms, 1m30s or 3h10s ('nftimediff help match' lists the flags)` + "\n"},
		{Name: "a window beyond a week is refused before reading, naming the largest", Args: []string{"match", "--window", "2500000h", sample},
			Stderr: "nftimediff: --window 2500000h is beyond the largest supported window, 168h (a week: clocks set to different time zones differ by at most 26 h)\n"},
		{Name: "a bad duration after the inputs says the same", Args: []string{"match", sample, "--tolerance", "abc"},
			Stderr: `nftimediff: --tolerance "abc": not a duration: give it with a unit, e.g. 6s, 500ms, 1m30s or 3h10s ('nftimediff help match' lists the flags)` + "\n"},
		{Name: "an unknown flag points to the help", Args: []string{"match", "--windw", "3s", sample},
			Stderr: "nftimediff: unknown flag --windw ('nftimediff help match' lists the flags)\n"},
		{Name: "the same domain on both sides without exporters is refused before reading", Args: []string{"match", "--pre-odid", "320", sample},
			Stderr: "nftimediff: domain 320 is on both sides (--pre-odid, --post-odid): give different domains, or --pre-exporter and --post-exporter to tell the sides apart\n"},
		{Name: "an empty key is refused", Args: []string{"match", "--key", "", sample},
			Stderr: "nftimediff: --key is empty: name the fields that must agree, e.g. --key dst,dst_port,proto,app\n"},
		{Name: "an output that is an input is refused", Args: []string{"flows", copied, "-o", copied},
			Stderr: "nftimediff: " + copied + " is an input: writing the output there would replace it\n"},
		{Name: "an empty domain list is refused, not taken as the default", Args: []string{"match", "--pre-odid", "", sample},
			Stderr: "nftimediff: --pre-odid is empty: give it a value, or leave the flag out for its default ('nftimediff help match' lists the flags)\n"},
		{Name: "an empty element of a domain list is refused, not skipped", Args: []string{"match", "--pre-odid", "310,,320", sample},
			Stderr: `nftimediff: --pre-odid "310,,320" has an empty element (two commas, or a comma at an end): separate the values by single commas` + "\n"},
		{Name: "a comma at the end of an exporter list is refused", Args: []string{"match", "--post-exporter", "10.103.0.168,", sample},
			Stderr: `nftimediff: --post-exporter "10.103.0.168," has an empty element (two commas, or a comma at an end): separate the values by single commas` + "\n"},
		{Name: "an empty format is refused, not taken as csv", Args: []string{"flows", sample, "--format", ""},
			Stderr: "nftimediff: --format is empty: give it a value, or leave the flag out for its default ('nftimediff help flows' lists the flags)\n"},
		{Name: "an empty report file name is refused, not taken as no report", Args: []string{"match", "--json=", sample},
			Stderr: "nftimediff: --json is empty: give it a value, or leave the flag out for its default ('nftimediff help match' lists the flags)\n"},
		{Name: "two reports into one file are refused", Args: []string{"match", sample, "--json", "a.json", "--csv", "a.json"},
			Stderr: "nftimediff: --json and --csv both write a.json: give each report its own file\n"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			var stdin io.Reader = strings.NewReader("")
			if tc.Stdin != "" {
				f, err := os.Open(tc.Stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				stdin = f
			}
			code, stdout, stderr := nftimediff(t, stdin, tc.Args...)
			if code != app.ExitUsage {
				t.Errorf("exit %d, want %d", code, app.ExitUsage)
			}
			if stderr != tc.Stderr {
				t.Errorf("stderr\n%q\nwant\n%q", stderr, tc.Stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

func TestCaptureOnStandardInputIsNamedDash(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: skipping")
	}
	pcap, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", "sample.pcap"))
	if err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := nftimediff(t, bytes.NewReader(pcap), "flows", "-q", "--format", "jsonl", "-")
	if code != 0 {
		t.Fatalf("flows: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 432 {
		t.Errorf("%d records, want the sample's 432", len(lines))
	}
	for i, l := range lines {
		var r struct{ File string }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if r.File != "-" {
			t.Fatalf("line %d names file %q, want \"-\"", i+1, r.File)
		}
	}

	code, stdout, stderr = nftimediff(t, bytes.NewReader(pcap), "inspect", "-q", "-")
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	if first, _, _ := strings.Cut(stdout, "\n"); first != "inputs: -" {
		t.Errorf("inspect's first line %q, want %q", first, "inputs: -")
	}
	if strings.Contains(stdout+stderr, "nftimediff-capture-") {
		t.Errorf("the temporary copy's name shows:\n%s%s", stdout, stderr)
	}
}

// `nftimediff match x -o DIR | head -3`: the reader of the summary goes
// away; the reports must still be written (and the run is no failure).
func TestReportsAreWrittenWhenStandardOutputIsClosed(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "sample", "sample.pcap")
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody reads: the first write gets EPIPE (SIGPIPE by default)
	defer w.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", "match", sample, "-o", dir)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stdout = w
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v; stderr %s", err, errb.String())
	}
	for _, ext := range []string{"txt", "json", "csv", "xlsx", "docx"} {
		if fi, err := os.Stat(filepath.Join(dir, "sample-nftimediff."+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("report %s missing: %v", ext, err)
		}
	}
}

func TestDoubleDashEndsFlagsInEveryCommand(t *testing.T) {
	// "-dash.json" does not exist: the input error proves it was taken as
	// an input, not as an unknown flag (exit 2).
	for _, args := range [][]string{
		{"flows", "--", "-dash.json"},
		{"inspect", "--", "-dash.json"},
		{"match", "--", "-dash.json"},
		{"flows", "-q", "--", "-dash.json"},
		{"match", "nope.pcap", "--", "-dash.json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := nftimediff(t, strings.NewReader(""), args...)
			first := args[len(args)-1]
			if args[1] == "nope.pcap" {
				first = "nope.pcap"
			}
			if want := "nftimediff: " + first + ": no such file (check the path)\n"; code != app.ExitInput || stderr != want {
				t.Errorf("exit %d, stderr %q; want exit %d, %q", code, stderr, app.ExitInput, want)
			}
		})
	}
}

func TestNoCommandPrintsTheHelpToStderrAndExits2(t *testing.T) {
	code, stdout, stderr := nftimediff(t, strings.NewReader(""))
	if code != app.ExitUsage || stdout != "" || !strings.Contains(stderr, "COMMANDS:") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and the help on stderr only", code, stdout, stderr, app.ExitUsage)
	}
	if code, stdout, _ := nftimediff(t, strings.NewReader(""), "help"); code != 0 || !strings.Contains(stdout, "COMMANDS:") {
		t.Errorf("help: exit %d, stdout %q; want 0 and the help", code, stdout)
	}
}
