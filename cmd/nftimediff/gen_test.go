package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
