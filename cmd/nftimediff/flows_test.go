package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"netflowtimedifference/internal/app"
)

func TestFlowsAndInspectExitCodes(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a capture"), 0o644)
	for _, tc := range []struct {
		Name string
		Args []string
		Code int
	}{
		{Name: "flows without input is a usage error", Args: []string{"flows"}, Code: app.ExitUsage},
		{Name: "inspect without input is a usage error", Args: []string{"inspect"}, Code: app.ExitUsage},
		{Name: "an unknown format is a usage error", Args: []string{"flows", "--format", "xml", text}, Code: app.ExitUsage},
		{Name: "an unknown late flag is a usage error", Args: []string{"flows", text, "--bogus"}, Code: app.ExitUsage},
		{Name: "a missing input is an input error", Args: []string{"flows", filepath.Join(dir, "nope.pcap")}, Code: app.ExitInput},
		{Name: "a text file is an input error", Args: []string{"inspect", text}, Code: app.ExitInput},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			if got := run(append([]string{"nftimediff"}, tc.Args...)); got != tc.Code {
				t.Errorf("exit %d, want %d", got, tc.Code)
			}
		})
	}
}

func TestFlowsWithLateOutputFlag(t *testing.T) {
	in := filepath.Join("..", "..", "..", "shared", "captures", "format", "h_ports.pcap")
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: skipping")
	}
	if _, err := os.Stat(in); err != nil {
		t.Skip("capture not found: skipping")
	}
	out := filepath.Join(t.TempDir(), "f.jsonl")
	if got := run([]string{"nftimediff", "flows", in, "-o", out, "--format=jsonl", "--port", "9995"}); got != 0 {
		t.Fatalf("exit %d", got)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 4 || !strings.HasPrefix(string(data), `{"file":`) {
		t.Errorf("%d lines: %s", n, data)
	}
	if got := run([]string{"nftimediff", "flows", "--tshark", "/nonexistent/tshark", in}); got != app.ExitTshark {
		t.Errorf("missing tshark: exit %d, want %d", got, app.ExitTshark)
	}
}
