package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"netflowtimedifference/internal/app"
	"netflowtimedifference/internal/gen"
)

func TestGenWritesTheBundledSampleByteForByte(t *testing.T) {
	dir := t.TempDir()
	pcap, truth := filepath.Join(dir, "s.pcap"), filepath.Join(dir, "s.json")
	if code := run([]string{"nftimediff", "gen", "--scenario", "sample", "-o", pcap, "--truth", truth}); code != app.ExitOK {
		t.Fatalf("exit %d", code)
	}
	for got, want := range map[string]string{pcap: "sample.pcap", truth: "sample.truth.json"} {
		g, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", want))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from testdata/sample/%s (run scripts/gen-sample.sh)", got, want)
		}
	}
}

func TestGenFlagsOverrideTheScenario(t *testing.T) {
	dir := t.TempDir()
	out, truth := filepath.Join(dir, "x.pcapng"), filepath.Join(dir, "x.json")
	code := run([]string{"nftimediff", "gen", "--scenario", "in-sync", "--seed", "7", "--records", "3000", "--pcapng",
		"--pre-format", "v9", "--post-format", "ipfix-us", "--post-offset", "2s", "--probes", "2", "--port", "9995",
		"--return-share", "0.5", "--ipv6-share", "0.2", "-o", out, "--truth", truth})
	if code != app.ExitOK {
		t.Fatalf("exit %d", code)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Errorf("not pcapng: % x", b[:4])
	}
	var tr gen.Truth
	j, err := os.ReadFile(truth)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &tr); err != nil {
		t.Fatal(err)
	}
	c := tr.Config
	if tr.Seed != 7 || c.CollectorPort != 9995 || len(c.Probes) != 2 || c.ReturnShare != 0.5 || c.IPv6Share != 0.2 || !c.PcapNG {
		t.Errorf("config %+v", c)
	}
	for _, p := range c.Probes {
		if p.Pre.Format != gen.FormatV9 || p.Pre.AppNames || p.Post.Format != gen.FormatIPFIXMicro || p.Post.Clock.Offset.Seconds() != 2 {
			t.Errorf("probe %+v pre %+v post %+v", p, p.Pre, p.Post)
		}
	}
	if n := tr.Summary.Records; n < 2700 || n > 3300 {
		t.Errorf("%d records for --records 3000", n)
	}
}

func TestGenFailsWithUsageOrOutputExitCodes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"an unknown scenario is a usage error", []string{"--scenario", "nope", "-o", filepath.Join(dir, "a.pcap")}, app.ExitUsage},
		{"a missing -o is a usage error", []string{"--scenario", "sample"}, app.ExitUsage},
		{"a bad format is a usage error", []string{"--pre-format", "v5", "-o", filepath.Join(dir, "b.pcap")}, app.ExitUsage},
		{"an impossible config is a usage error", []string{"--ipv6-share", "2", "-o", filepath.Join(dir, "c.pcap")}, app.ExitUsage},
		{"an unwritable output is an output error", []string{"-o", filepath.Join(dir, "no", "such", "dir.pcap")}, app.ExitOutput},
		{"--list succeeds", []string{"--list"}, app.ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code := run(append([]string{"nftimediff", "gen"}, tc.args...)); code != tc.want {
				t.Errorf("exit %d, want %d", code, tc.want)
			}
		})
	}
}

func TestGenRefusesBadFlagsAndOutputsBeforeWritingAnything(t *testing.T) {
	for _, tc := range []struct {
		Name   string
		Args   []string // DIR stands for an empty directory
		Code   int
		Stderr string
	}{
		{Name: "a share that is not a number", Args: []string{"--ipv6-share", "NaN"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --ipv6-share NaN: give a finite number\n"},
		{Name: "a drift that is not a number", Args: []string{"--pre-drift-ppm", "NaN"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --pre-drift-ppm NaN: give a finite number\n"},
		{Name: "an infinite drift", Args: []string{"--post-drift-ppm", "Inf"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --post-drift-ppm +Inf: give a finite number\n"},
		{Name: "a drift of a billion ppm", Args: []string{"--pre-drift-ppm", "1e9"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: bad config: probe 1 (probe-a) domain 310: drift 1e+09 ppm must be within -10000..10000 ppm\n"},
		{Name: "a drop rate that is not a number", Args: []string{"--post-drop", "NaN"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --post-drop NaN: give a finite number\n"},
		{Name: "a negative jitter", Args: []string{"--jitter", "-1ms"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --jitter -1ms: must not be negative\n"},
		{Name: "a negative uptime wrap", Args: []string{"--scenario", "uptime-wrap", "--uptime-wrap", "-1s"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --uptime-wrap -1s: must not be negative\n"},
		{Name: "an uptime wrap after the capture", Args: []string{"--pre-format", "v9", "--uptime-wrap", "2m"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --uptime-wrap 2m0s: the wrap would come after the capture's end (1m0s); give a time within the capture\n"},
		{Name: "an uptime wrap without a v9 exporter", Args: []string{"--uptime-wrap", "10s"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --uptime-wrap 10s: no exporter uses NetFlow v9 (only v9's sysUptime wraps); add --pre-format v9 or --post-format v9\n"},
		{Name: "a step time without a step", Args: []string{"--post-step-at", "10s"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --post-step-at 10s: the post-side clocks take no step; give --post-step too\n"},
		{Name: "a step after the capture", Args: []string{"--scenario", "clock-step", "--post-step-at", "10h"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: bad config: probe 2 (probe-b) domain 320: step at 10h0m0s must be within the capture: 0 up to (not including) its duration 1m30s\n"},
		{Name: "an offset that puts the clock before 1970", Args: []string{"--post-offset", "-500000h"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: bad config: probe 2 (probe-b) domain 320: offset -500000h0m0s puts clock readings at 1968-05-27T00:58:40Z..1968-05-27T01:02:00Z, " +
				"beyond what the export headers carry (32-bit seconds since 1970: 1970-01-01 up to 2106-02-07T06:28:16Z): bring the offset (or step) closer to 0\n"},
		{Name: "a template delay without mid-stream", Args: []string{"--template-delay", "5s"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --template-delay applies only to a capture that starts mid-stream: add --mid-stream\n"},
		{Name: "no records", Args: []string{"--records", "0"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: --records 0: give a positive number of records\n"},
		{Name: "the truth written over the capture", Args: []string{"-o", "DIR/x.pcap", "--truth", "DIR/./x.pcap"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: -o and --truth both name DIR/./x.pcap: give the truth its own file, e.g. --truth DIR/x.json\n"},
		{Name: "capture and truth both on standard output", Args: []string{"-o", "-", "--truth", "-"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: -o and --truth both name -: give the truth its own file, e.g. --truth truth.json\n"},
		{Name: "capture and truth both in the standard output pipe", Args: []string{"-o", "/dev/stdout", "--truth", "-"}, Code: app.ExitUsage,
			Stderr: "nftimediff: gen: -o and --truth both name -: give the truth its own file, e.g. --truth truth.json\n"},
		{Name: "a truth in a missing directory, found before generating", Args: []string{"-o", "DIR/x.pcap", "--truth", "DIR/no/x.json"}, Code: app.ExitOutput,
			Stderr: "nftimediff: gen: cannot write DIR/no/x.json: directory DIR/no does not exist\n"},
		{Name: "a capture that is a directory", Args: []string{"-o", "DIR", "--truth", "DIR/x.json"}, Code: app.ExitOutput,
			Stderr: "nftimediff: gen: cannot write DIR: it is a directory\n"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"gen"}
			if !slices.Contains(tc.Args, "-o") {
				args = append(args, "-o", filepath.Join(dir, "x.pcap"), "--truth", filepath.Join(dir, "x.json"))
			}
			for _, a := range tc.Args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
			}
			code, stdout, stderr := nftimediff(t, strings.NewReader(""), args...)
			if code != tc.Code {
				t.Errorf("exit %d, want %d", code, tc.Code)
			}
			if want := strings.ReplaceAll(tc.Stderr, "DIR", dir); stderr != want {
				t.Errorf("stderr\n%q\nwant\n%q", stderr, want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if left := dirNames(t, dir); len(left) != 0 {
				t.Errorf("left behind: %q", left)
			}
		})
	}
}

// dirNames lists the names in dir, hidden (temporary) files included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestGenWritesDevicesAndStandardOutputDirectly(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", "sample.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := nftimediff(t, strings.NewReader(""), "gen", "--scenario", "sample", "-o", "-", "--truth", "/dev/null")
	if code != app.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != string(sample) {
		t.Errorf("standard output (%d bytes) is not the sample capture (%d bytes)", len(stdout), len(sample))
	}
	if code, _, stderr := nftimediff(t, strings.NewReader(""), "gen", "-o", "/dev/null", "--truth", "/dev/null"); code != app.ExitOK {
		t.Fatalf("both to /dev/null: exit %d: %s", code, stderr)
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/null is no longer a device: %v %v", fi.Mode(), err)
	}
}

func TestGenWritesNeitherFileWhenInterruptedBeforeWriting(t *testing.T) {
	cfg, _ := gen.Scenario("in-sync")
	capt, err := gen.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pcap, truth := filepath.Join(dir, "x.pcap"), filepath.Join(dir, "x.json")
	for _, f := range []string{pcap, truth} {
		if err := os.WriteFile(f, []byte("old "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := writeGenOutputs(ctx, capt, pcap, truth); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	for _, f := range []string{pcap, truth} {
		if b, err := os.ReadFile(f); err != nil || string(b) != "old "+f {
			t.Errorf("%s: %q, %v; want its old content", f, b, err)
		}
	}
	if left := dirNames(t, dir); len(left) != 2 {
		t.Errorf("directory holds %q, want only the two old files", left)
	}
}
