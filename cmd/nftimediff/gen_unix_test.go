//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netflowtimedifference/internal/app"
)

// Environment of TestGenHelperProcess: genFsizeEnv limits the size of the
// files the child may write (bytes; writes beyond fail with EFBIG, as under
// `ulimit -f`); genReadyEnv names a file the child creates once SIGINT can
// no longer kill it outright.
const (
	genFsizeEnv = "NFTD_GEN_FSIZE"
	genReadyEnv = "NFTD_GEN_READY"
)

// TestGenHelperProcess is TestHelperProcess with a file size limit or a
// readiness file. Before run installs its own handler, SIGINT would kill
// the child with the default action: the child catches it from the start,
// and the test keeps sending it until run has seen one.
func TestGenHelperProcess(t *testing.T) {
	fsize, ready := os.Getenv(genFsizeEnv), os.Getenv(genReadyEnv)
	if fsize == "" && ready == "" {
		return
	}
	if fsize != "" {
		n, err := strconv.ParseUint(fsize, 10, 64)
		if err != nil {
			os.Exit(99)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			os.Exit(99)
		}
	}
	if ready != "" {
		signal.Notify(make(chan os.Signal, 1), os.Interrupt)
		if err := os.WriteFile(ready, nil, 0o644); err != nil {
			os.Exit(99)
		}
	}
	runHelperArgs()
}

// genChild prepares nftimediff in a child process with env set.
func genChild(env string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestGenHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), env)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	return cmd, &errb
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// The in-sync scenario writes a 53,914-byte capture and a 320,941-byte
// truth: a 20,000-byte limit stops the capture, a 100,000-byte one the
// truth after the capture is complete in its temporary file.
func TestGenLeavesNoFileBehindWhenAFileOutgrowsTheSizeLimit(t *testing.T) {
	for _, tc := range []struct {
		Name  string
		Limit int
		Old   bool // capture and truth exist already
	}{
		{Name: "the capture does not fit", Limit: 20000},
		{Name: "the truth does not fit", Limit: 100000},
		{Name: "the capture does not fit and the old files stay", Limit: 20000, Old: true},
		{Name: "the truth does not fit and the old files stay", Limit: 100000, Old: true},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			dir := t.TempDir()
			pcap, truth := filepath.Join(dir, "x.pcap"), filepath.Join(dir, "x.json")
			if tc.Old {
				for _, f := range []string{pcap, truth} {
					if err := os.WriteFile(f, []byte("old "+f), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			cmd, stderr := genChild(genFsizeEnv+"="+strconv.Itoa(tc.Limit), "gen", "-o", pcap, "--truth", truth)
			if code := exitCode(t, cmd.Run()); code != app.ExitOutput {
				t.Errorf("exit %d, want %d; stderr %s", code, app.ExitOutput, stderr)
			}
			failed := pcap
			if tc.Limit > 53914 {
				failed = truth
			}
			if s := stderr.String(); !strings.HasPrefix(s, "nftimediff: gen: write report "+failed+": ") || !strings.HasSuffix(s, ": file too large\n") {
				t.Errorf("stderr %q, want the file too large error of %s", s, failed)
			}
			want := 0
			if tc.Old {
				want = 2
				for _, f := range []string{pcap, truth} {
					if b, err := os.ReadFile(f); err != nil || string(b) != "old "+f {
						t.Errorf("%s: %q, %v; want its old content", f, b, err)
					}
				}
			}
			if left := dirNames(t, dir); len(left) != want {
				t.Errorf("directory holds %q, want %d files", left, want)
			}
		})
	}
}

func TestGenInterruptedExitsWith130AndLeavesNothing(t *testing.T) {
	dir, ready := t.TempDir(), filepath.Join(t.TempDir(), "ready")
	cmd, stderr := genChild(genReadyEnv+"="+ready, "gen", "--scenario", "popular-5s", "--records", "400000",
		"-o", filepath.Join(dir, "x.pcap"), "--truth", filepath.Join(dir, "x.json"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the child ended before it was ready: %v %s", err, stderr)
		case <-deadline:
			t.Fatal("the child never got ready")
		case <-time.After(5 * time.Millisecond):
		}
	}
	// Into the generation (the pilot runs of --records take about 0.1 s,
	// the whole run several seconds), then SIGINT until run has seen one.
	time.Sleep(500 * time.Millisecond)
	var err error
	first := time.Now()
wait:
	for {
		if e := cmd.Process.Signal(os.Interrupt); e != nil {
			t.Fatal(e)
		}
		select {
		case err = <-done:
			break wait
		case <-deadline:
			t.Fatal("the child did not stop")
		case <-time.After(20 * time.Millisecond):
		}
	}
	// The generator looks at the context every 4,096 sessions, packets,
	// frames or records (milliseconds); without that it would run on for
	// seconds and be stopped only before its files are renamed into place.
	if took := time.Since(first); took > 1500*time.Millisecond {
		t.Errorf("stopped %v after the first SIGINT, want well within 1.5 s", took.Round(time.Millisecond))
	} else {
		t.Logf("stopped %v after the first SIGINT", took.Round(time.Millisecond))
	}
	if code := exitCode(t, err); code != app.ExitInterrupted {
		t.Errorf("exit %d, want %d; stderr %s", code, app.ExitInterrupted, stderr)
	}
	if s := stderr.String(); s != "nftimediff: interrupted\n" {
		t.Errorf("stderr %q", s)
	}
	if left := dirNames(t, dir); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}
