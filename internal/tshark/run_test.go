package tshark

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// The test binary doubles as a fake tshark: with NFTD_FAKE_TSHARK set it
// behaves as the mode says instead of running the tests.
const fakeEnv = "NFTD_FAKE_TSHARK"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeTshark(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeTshark(mode string, args []string) int {
	if slices.Contains(args, "--version") {
		if mode == "old" {
			fmt.Println("TShark (Wireshark) 2.6.10 (Git v2.6.10 packaged as 2.6.10-1~deb10u1).")
		} else {
			fmt.Println("TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3).")
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, `Running as user "root" and group "root". This could be dangerous.`)
	switch mode {
	case "ok":
		data, err := os.ReadFile(os.Getenv("NFTD_FAKE_JSON"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Stdout.Write(data)
		return 0
	case "exit":
		fmt.Print(`[{"_source":{"layers":{}}}`)
		fmt.Fprintln(os.Stderr, "tshark: out of memory")
		return 2
	case "garbage":
		fmt.Print("hello, this is not JSON")
		return 0
	case "eof":
		fmt.Print(`[{"_source":{"layers":{}}},{"_source":{"lay`)
		return 0
	case "crash":
		fmt.Print(`[{"_source":{"layers":{}}},`)
		os.Stdout.Sync()
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	case "slow":
		data, _ := os.ReadFile(os.Getenv("NFTD_FAKE_JSON"))
		i := bytes.Index(data, []byte("\n  },\n"))
		os.Stdout.Write(data[:i+4])
		os.Stdout.Sync()
		time.Sleep(time.Minute)
		return 0
	case "segv":
		// A packet, a message that alone would blame the input, then death
		// by SIGSEGV: the shell replaces this process and kills itself
		// (ulimit -c 0: no core file).
		fmt.Print(`[{"_source":{"layers":{}}},`)
		fmt.Fprintln(os.Stderr, "tshark: The file appears to be damaged or corrupt.")
		os.Stdout.Sync()
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", "ulimit -c 0; kill -SEGV $$"}, os.Environ())
		fmt.Fprintln(os.Stderr, err)
		return 1
	case "exit139":
		// A wrapper script around a tshark that segfaulted after its last
		// packet: the shell reports 128+11.
		fmt.Print(`[{"_source":{"layers":{}}}]`)
		fmt.Fprintln(os.Stderr, "Segmentation fault")
		return 139
	case "latenotcapture":
		// A complete packet, then an exit 2 with a message about the file:
		// tshark had read it, so this is tshark failing, not the input.
		fmt.Print(`[{"_source":{"layers":{}}}]`)
		fmt.Fprintln(os.Stderr, "tshark: isn't a capture file")
		return 2
	case "cutshort":
		fmt.Fprintf(os.Stderr, "tshark: The file \"%s\" appears to have been cut short in the middle of a packet or other data.\n", args[slices.Index(args, "-r")+1])
		return 2
	case "notcapture":
		fmt.Fprintf(os.Stderr, "tshark: The file \"%s\" isn't a capture file in a format TShark understands.\n", args[slices.Index(args, "-r")+1])
		return 2
	}
	return 1
}

// emptyPcap writes a valid pcap file without packets.
func emptyPcap(t *testing.T) string {
	t.Helper()
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 1)
	p := filepath.Join(t.TempDir(), "in.pcap")
	if err := os.WriteFile(p, h[:], 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func fakeSource(t *testing.T, mode string) (*Source, error) {
	t.Helper()
	t.Setenv(fakeEnv, mode)
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	return Open(context.Background(), Options{Files: []string{emptyPcap(t)}, Tshark: exe})
}

func TestFakeTshark(t *testing.T) {
	for _, tc := range []struct {
		Name string
		Mode string
		Kind error
		Want string
	}{
		{Name: "a non-zero exit is a failure with tshark's message", Mode: "exit", Kind: ErrFailed, Want: "out of memory"},
		{Name: "output that is not JSON is a failure", Mode: "garbage", Kind: ErrFailed, Want: "not its JSON packet array"},
		{Name: "output cut short is a failure, not a short result", Mode: "eof", Kind: ErrFailed, Want: "stopped before the end"},
		{Name: "a crash mid-stream is a failure", Mode: "crash", Kind: ErrFailed, Want: "signal"},
		{Name: "a file tshark cannot read is an input error", Mode: "notcapture", Kind: ErrInput, Want: "isn't a capture file"},
		{Name: "a capture cut short before its first packet is an input error", Mode: "cutshort", Kind: ErrInput, Want: "tshark cannot read it: The file"},
		{Name: "death by a signal is a crash of tshark, not an input error, whatever it printed before", Mode: "segv", Kind: ErrFailed,
			Want: "tshark crashed (signal: segmentation fault; last message: tshark: The file appears to be damaged or corrupt.); records of this file are incomplete"},
		{Name: "an exit status of 139 is a crash of tshark (a wrapper's signal 11)", Mode: "exit139", Kind: ErrFailed,
			Want: "tshark crashed (exit status 139, that is killed by signal 11; last message: Segmentation fault); records of this file are incomplete"},
		{Name: "a bad exit after packets were printed is a tshark failure, not an input error", Mode: "latenotcapture", Kind: ErrFailed,
			Want: "tshark failed (exit status 2): tshark: isn't a capture file; records of this file are incomplete"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			src, err := fakeSource(t, tc.Mode)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			_, err = flow.ReadAll(src)
			if !errors.Is(err, tc.Kind) || !strings.Contains(err.Error(), tc.Want) {
				t.Fatalf("error %v, want kind %v containing %q", err, tc.Kind, tc.Want)
			}
			if strings.Contains(err.Error(), "Running as user") {
				t.Errorf("error repeats the root warning: %v", err)
			}
			if _, err2 := src.Read(); err2 == nil || err2 == io.EOF {
				t.Errorf("Read after failure: %v", err2)
			}
		})
	}
}

func TestFakeTsharkCrashIsNotAnInputError(t *testing.T) {
	src, err := fakeSource(t, "segv")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = flow.ReadAll(src)
	if errors.Is(err, ErrInput) {
		t.Errorf("a crash is classified as an input error: %v", err)
	}
	file := src.opt.Files[0]
	want := file + ": tshark crashed (signal: segmentation fault; last message: tshark: The file appears to be damaged or corrupt.); records of this file are incomplete: run `tshark -r " + file + "` to see where it fails, and update tshark or report the file to Wireshark"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestNamesReplaceTheFilesInRecordsTallyAndErrors(t *testing.T) {
	fakeJSON(t, "k_pitfalls.json")
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	t.Setenv(fakeEnv, "ok")
	src, err := Open(context.Background(), Options{Files: []string{emptyPcap(t)}, Names: []string{"-"}, Tshark: exe})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, err := flow.ReadAll(src)
	if err != nil || len(recs) != 6 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.File != "-" {
			t.Errorf("record of frame %d names file %q, want \"-\"", r.Frame, r.File)
		}
	}
	if in := src.Tally().Inputs; !slices.Equal(in, []string{"-"}) {
		t.Errorf("tally inputs %q, want [-]", in)
	}

	t.Setenv(fakeEnv, "notcapture")
	src, err = Open(context.Background(), Options{Files: []string{emptyPcap(t)}, Names: []string{"-"}, Tshark: exe})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = flow.ReadAll(src)
	want := `-: tshark cannot read it: The file "-" isn't a capture file in a format TShark understands.`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	_, err = Open(context.Background(), Options{Files: []string{"/nonexistent/copy"}, Names: []string{"-"}, Tshark: exe})
	if want := "-: cannot read input: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestFakeTsharkOutputIsWalked(t *testing.T) {
	fakeJSON(t, "k_pitfalls.json")
	src, err := fakeSource(t, "ok")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, err := flow.ReadAll(src)
	if err != nil || len(recs) != 6 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if tl := src.Tally(); tl.Tool != "TShark (Wireshark) 4.0.17" || tl.Frames != 6 || len(tl.Inputs) != 1 {
		t.Errorf("tally tool %q frames %d inputs %v", tl.Tool, tl.Frames, tl.Inputs)
	}
}

func TestCancelStopsTsharkPromptly(t *testing.T) {
	fakeJSON(t, "k_pitfalls.json")
	t.Setenv(fakeEnv, "slow")
	exe, _ := os.Executable()
	ctx, cancel := context.WithCancel(context.Background())
	src, err := Open(ctx, Options{Files: []string{emptyPcap(t)}, Tshark: exe})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Read(); err != nil {
		t.Fatalf("first record: %v", err)
	}
	src.Read() // the second record of frame 1
	start := time.Now()
	cancel()
	_, err = src.Read()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
}

func TestTsharkTooOldOrMissing(t *testing.T) {
	_, err := fakeSource(t, "old")
	if !errors.Is(err, ErrTooOld) || !strings.Contains(err.Error(), "2.6.10") {
		t.Errorf("old: %v", err)
	}
	_, err = Open(context.Background(), Options{Files: []string{emptyPcap(t)}, Tshark: "/nonexistent/tshark"})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "apt-get install tshark") {
		t.Errorf("missing: %v", err)
	}
}

func TestOpenRefusesMissingInput(t *testing.T) {
	t.Setenv(fakeEnv, "ok")
	exe, _ := os.Executable()
	_, err := Open(context.Background(), Options{Files: []string{"/nonexistent.pcap"}, Tshark: exe})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "/nonexistent.pcap") {
		t.Errorf("got %v", err)
	}
}

func TestTsharkArgs(t *testing.T) {
	got := strings.Join(tsharkArgs(argSpec{file: "x.pcap", ports: []int{9995}, twoPass: true, shard: 1, jobs: 3}), " ")
	want := `-n -r x.pcap -o cflow.max_template_fields:0 -T json -J frame ip ipv6 cflow -d udp.port==9995,cflow -2 -Y frame.number % 3 == 1`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestTwoPassNoteSaysWhatTheSecondPassDecodedAndWhatHasNoTemplate(t *testing.T) {
	tally := func(recovered ...int) *flow.Tally {
		t := &flow.Tally{}
		for i, n := range recovered {
			t.Domain(flow.ExporterDomain{Domain: uint32(i)}).RecoveredSets = n
		}
		return t
	}
	for _, tc := range []struct {
		name   string
		before int
		t      *flow.Tally
		want   string
	}{
		{"every set decoded by the template that came later", 2, tally(1, 1),
			"x.pcap: 2 data sets came before (or without) a template: tshark's two passes (-2) decoded 2 of them with a template that came later"},
		{"no template anywhere: nothing decoded, and the capture says why", 3, tally(0),
			"x.pcap: 3 data sets came before (or without) a template: 3 have no template anywhere in the capture (the exporter sent it before the capture began) and could not be decoded: capture from the exporter's start, or for longer (most exporters resend their templates every few minutes)"},
		{"some of each, in the singular", 2, tally(1),
			"x.pcap: 2 data sets came before (or without) a template: tshark's two passes (-2) decoded 1 of them with a template that came later; 1 has no template anywhere in the capture (the exporter sent it before the capture began) and could not be decoded: capture from the exporter's start, or for longer (most exporters resend their templates every few minutes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := twoPassNote("x.pcap", tc.before, tc.t); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Damaged capture headers are the input's fault (exit 4), not tshark's:
// the files are the sample's first bytes, cut or with the link type
// changed; the messages are tshark 4.0's own.
func TestDamagedCaptureHeadersAreInputErrors(t *testing.T) {
	needTshark(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", "sample.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, data[:10], 0o644)
	link := filepath.Join(dir, "link33.pcap")
	bad := slices.Clone(data)
	binary.LittleEndian.PutUint32(bad[20:], 33) // pcap header: network (link type) 33, which no dissector takes
	os.WriteFile(link, bad, 0o644)
	for _, tc := range []struct{ name, file, want string }{
		{"a header cut short", cut, "appears to have been cut short"},
		{"an unknown link type", link, "network type 33 unknown or unsupported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := Open(context.Background(), Options{Files: []string{tc.file}})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			_, err = flow.ReadAll(src)
			if !errors.Is(err, ErrInput) || !strings.HasPrefix(err.Error(), tc.file+": tshark cannot read it: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an input error naming %s and %q", err, tc.file, tc.want)
			}
		})
	}
}

// A tshark wrapper script whose tshark (here: sleep) runs as its child, not
// by exec, keeps our pipes open after the script is killed. Cancelling
// must end the whole process group: reading returns promptly and the
// child is gone.
func TestCancelEndsAWrapperScriptsChildren(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := filepath.Join(dir, "tshark")
	os.WriteFile(script, []byte(`#!/bin/sh
if [ "$1" = "--version" ]; then echo "TShark (Wireshark) 4.0.17"; exit 0; fi
sleep 1000 &
echo $! > "$NFTD_TEST_PIDFILE"
wait
`), 0o755)
	t.Setenv("NFTD_TEST_PIDFILE", pidFile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := Open(ctx, Options{Files: []string{emptyPcap(t)}, Tshark: script})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	done := make(chan error, 1)
	go func() {
		_, err := src.Read()
		done <- err
	}()
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(pidFile)
		fmt.Sscan(string(b), &pid)
	}
	if pid == 0 {
		t.Fatal("the wrapper never started its child")
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatal("Read still blocked 10 s after cancel")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to stop", d)
	}
	// The child is gone (or a zombie waiting for init to reap it).
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the wrapper's child %d still runs: %s", pid, stat)
		}
	}
}

// tshark's stdout goes through a 1 MiB stdio buffer when coreutils' stdbuf
// is on PATH, and tshark runs directly when it is not.
func TestTsharkRunsThroughStdbufOnlyWhenItIsInstalled(t *testing.T) {
	dir := t.TempDir()
	stdbuf := filepath.Join(dir, "stdbuf")
	if err := os.WriteFile(stdbuf, []byte("#!/bin/sh\nshift 2\nexec \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	cmd := outputBuffered(context.Background(), "/usr/bin/tshark", []string{"-n", "-r", "x.pcap"})
	if want := []string{stdbuf, "-o", "1048576", "/usr/bin/tshark", "-n", "-r", "x.pcap"}; !slices.Equal(cmd.Args, want) || cmd.Path != stdbuf {
		t.Errorf("with stdbuf: %s %q, want %q", cmd.Path, cmd.Args, want)
	}
	t.Setenv("PATH", t.TempDir())
	cmd = outputBuffered(context.Background(), "/usr/bin/tshark", []string{"-n"})
	if want := []string{"/usr/bin/tshark", "-n"}; !slices.Equal(cmd.Args, want) || cmd.Path != "/usr/bin/tshark" {
		t.Errorf("without stdbuf: %s %q, want %q", cmd.Path, cmd.Args, want)
	}
}

// gone reports whether process pid has ended (or is a zombie waiting for
// init to reap it), waiting up to two seconds for it.
func gone(pid int) bool {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// A tshark wrapper script that runs tshark and exits, leaving a
// background child that holds stdout and stderr (here: a 30 s sleep):
// once tshark has exited and its array is complete, the run ends at once,
// with the version and the records tshark gave, and the leftover child is
// killed with the wrapper's process group.
func TestAWrappersBackgroundChildHoldingThePipesDoesNotStallTheRun(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	fakeJSON(t, "k_pitfalls.json")
	t.Setenv(fakeEnv, "ok")
	t.Setenv("NFTD_TEST_EXE", exe)
	for _, tc := range []struct {
		name     string
		version  string // the script's line for --version
		children int
	}{
		{"a child left by the run only", `case "$1" in --version) exit 0;; esac`, 1},
		{"a child left by --version too", "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pids := filepath.Join(dir, "pids")
			t.Setenv("NFTD_TEST_PIDFILE", pids)
			script := filepath.Join(dir, "tshark")
			os.WriteFile(script, []byte("#!/bin/sh\n\"$NFTD_TEST_EXE\" \"$@\"\n"+tc.version+"\n(sleep 30 & echo $! >> \"$NFTD_TEST_PIDFILE\")\nexit 0\n"), 0o755)
			start := time.Now()
			src, err := Open(context.Background(), Options{Files: []string{emptyPcap(t)}, Tshark: script})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			recs, err := flow.ReadAll(src)
			if err != nil || len(recs) != 6 || src.Version() != "TShark (Wireshark) 4.0.17" {
				t.Fatalf("%d records, version %q, %v", len(recs), src.Version(), err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: waited for the wrapper's background child", d)
			}
			b, _ := os.ReadFile(pids)
			var left []int
			for _, f := range strings.Fields(string(b)) {
				var pid int
				fmt.Sscan(f, &pid)
				if !gone(pid) {
					left = append(left, pid)
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			if n := len(strings.Fields(string(b))); n != tc.children || len(left) > 0 {
				t.Errorf("%d background children started (want %d), still running: %v", n, tc.children, left)
			}
		})
	}
}

// A stdbuf on PATH that cannot run tshark (exit status 125 without output)
// is not a tshark failure: tshark runs without it, and a note says why.
func TestABrokenStdbufIsLeftOutWithANote(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stdbuf"), []byte("#!/bin/sh\necho \"stdbuf: failed to run command\" >&2\nexit 125\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	fakeJSON(t, "k_pitfalls.json")
	src, err := fakeSource(t, "ok")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs, err := flow.ReadAll(src)
	if err != nil || len(recs) != 6 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	want := filepath.Join(dir, "stdbuf") + " could not run tshark (exit status 125: stdbuf: failed to run command): tshark runs without it, its output in 4 KiB pieces (a little slower)"
	if notes := src.Tally().Notes; !slices.Contains(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
}

// fakeJSON makes the fake tshark print testdata/tshark/name (an absolute
// path: the fake runs in another directory).
func fakeJSON(t *testing.T, name string) {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", "testdata", "tshark", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NFTD_FAKE_JSON", abs)
}
