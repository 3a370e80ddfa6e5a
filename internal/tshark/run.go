package tshark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"netflowtimedifference/internal/flow"
)

// Error kinds. Every error Open and Source.Read return for tshark or input
// problems is an *Error whose Kind is one of these (errors.Is works).
var (
	ErrNotFound = errors.New("tshark not found")
	ErrTooOld   = errors.New("tshark too old")
	ErrFailed   = errors.New("tshark failed")
	ErrInput    = errors.New("input unreadable or not a capture file")
)

// MinVersion is the oldest tshark accepted (major, minor).
var MinVersion = [2]int{3, 0}

// Error is a tshark or input error: what happened, to which file, and what to do.
type Error struct {
	Kind error  // ErrNotFound, ErrTooOld, ErrFailed or ErrInput
	File string // input file, "" when not about one
	Msg  string // one line, says what to do where it can
	Err  error  // cause, may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// TwoPass says when tshark runs with -2.
type TwoPass uint8

const (
	// TwoPassAuto runs -2 when the first pass over the file finds data sets
	// that precede their template (v9/IPFIX data tshark would otherwise lose).
	TwoPassAuto TwoPass = iota
	TwoPassAlways
	TwoPassNever
)

// Options configure Open.
type Options struct {
	Files []string // capture files (pcap, pcapng, or anything tshark reads), read in order

	// Names are the files as the user should see them, parallel to Files:
	// the File of every record, Tally.Inputs, notes and errors use them. A
	// missing or empty name is the file's path. Callers that hand tshark a
	// temporary copy (of standard input, of a gzip-compressed capture) name
	// the original here ("-", "capture.pcap.gz").
	Names []string
	Ports []int // extra UDP ports to decode as NetFlow/IPFIX (-d udp.port==P,cflow)

	// Tshark is the tshark executable; "" looks up "tshark" in PATH.
	Tshark string

	TwoPass TwoPass

	// NoAutoPorts turns off decoding of detected NetFlow/IPFIX ports that
	// tshark does not decode by default; they are then only reported.
	NoAutoPorts bool

	// Jobs > 1 runs that many tshark processes per file, each printing every
	// Jobs-th frame (-Y "frame.number % Jobs == i"; every process still
	// dissects all frames, so all learn the templates). Their outputs are
	// merged in frame order: the records are the same as with one process.
	Jobs int
}

// Source reads flow records from capture files through tshark, one tshark
// process per file, one after the other. It implements flow.Reader.
type Source struct {
	ctx      context.Context
	opt      Options
	exe      string
	version  string
	buffered bool // through stdbuf (see check)
	next     int
	st       *state
	tally    *flow.Tally
	cur      *run
	err      error
	args     [][]string // tshark arguments of each file started
}

type run struct {
	file   string // the file name shown (Options.Names)
	path   string // the file tshark reads
	frames int    // frames in the file, from the first pass (0: unknown)
	// before counts the data sets the first pass found before (or
	// without) a template, when tshark runs with -2 for them: finish
	// says how many -2 decoded and how many have no template at all.
	before int
	procs  []*proc
	w      *Walker
}

// proc is one tshark process.
type proc struct {
	cmd    *exec.Cmd
	stderr *tailBuffer
	stdout *os.File
	args   []string

	errOut  *os.File      // read end of the stderr pipe
	errDone chan struct{} // closed once stderr is read to its end (or closed)
	reaped  sync.Once
	waitErr error // cmd.Wait's result, once reaped
}

// startProc starts cmd with stdout and stderr on pipes of our own (stdout's
// kernel buffer enlarged to pipeSize when > 0). exec then copies nothing
// itself, so cmd.Wait returns as soon as the process exits, even while a
// process it left behind (a tshark wrapper script's background child) still
// holds the pipes' write ends: reap then kills that leftover.
func startProc(cmd *exec.Cmd, pipeSize int) (*proc, error) {
	stdout, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errOut, ew, err := os.Pipe()
	if err != nil {
		stdout.Close()
		pw.Close()
		return nil, err
	}
	if pipeSize > 0 {
		setPipeSize(pw, pipeSize)
	}
	cmd.Stdout, cmd.Stderr = pw, ew
	err = cmd.Start()
	pw.Close()
	ew.Close()
	if err != nil {
		stdout.Close()
		errOut.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, stdout: stdout, errOut: errOut, stderr: &tailBuffer{max: 16 << 10}, errDone: make(chan struct{})}
	go func() {
		_, _ = io.Copy(p.stderr, errOut)
		close(p.errDone)
	}()
	return p, nil
}

// reap copies the rest of stdout to out while it waits for the process to
// exit, then kills what is left of its process group (a wrapper's
// background children holding our pipes: once tshark has exited we want
// nothing more from them), gives the pipes waitDelay to reach their end
// (a holder outside the group), closes them and returns Wait's error. It
// runs once; later calls return the first result.
func (p *proc) reap(out io.Writer) error {
	p.reaped.Do(func() {
		drained := make(chan struct{})
		go func() {
			_, _ = io.Copy(out, p.stdout)
			close(drained)
		}()
		p.waitErr = p.cmd.Wait()
		_ = killGroup(p.cmd)
		deadline := time.NewTimer(waitDelay)
		defer deadline.Stop()
		for _, c := range []chan struct{}{drained, p.errDone} {
			select {
			case <-c:
			case <-deadline.C:
				deadline.Reset(0) // expired: do not wait for the other pipe either
			}
		}
		p.stdout.Close() // unblocks the copies
		p.errOut.Close()
		<-drained
		<-p.errDone
	})
	return p.waitErr
}

// Open checks tshark and returns a Source over opt.Files. The first tshark
// process starts on the first Read.
func Open(ctx context.Context, opt Options) (*Source, error) {
	c, exe, err := check(ctx, opt.Tshark)
	if err != nil {
		return nil, err
	}
	for i, f := range opt.Files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, &Error{Kind: ErrInput, File: opt.name(i), Msg: "cannot read input", Err: errors.Unwrap(err)}
		}
		if fi.IsDir() {
			return nil, &Error{Kind: ErrInput, File: opt.name(i), Msg: "is a directory, not a capture file"}
		}
	}
	for _, p := range opt.Ports {
		if p <= 0 || p > 65535 {
			return nil, &Error{Kind: ErrInput, Msg: fmt.Sprintf("--port %d is not a UDP port", p)}
		}
	}
	t := &flow.Tally{Tool: c.version}
	if c.note != "" {
		t.Notes = append(t.Notes, c.note)
	}
	return &Source{ctx: ctx, opt: opt, exe: exe, version: c.version, buffered: c.buffered, st: newState(), tally: t}, nil
}

// name returns the name of the i-th file shown to the user.
func (o *Options) name(i int) string {
	if i < len(o.Names) && o.Names[i] != "" {
		return o.Names[i]
	}
	return o.Files[i]
}

// Position reports how far reading has come, for a progress display: the
// number of the file being read (1-based; 0 before the first Read), how many
// files there are, and the frame count of the current file from the first
// pass (0 when unknown).
func (s *Source) Position() (file, files, frames int) {
	if s.cur != nil {
		frames = s.cur.frames
	}
	return s.next, len(s.opt.Files), frames
}

// Version returns tshark's version line, e.g. "TShark (Wireshark) 4.0.17".
func (s *Source) Version() string { return s.version }

// Tally returns what was seen in the files read so far; it is complete once
// Read has returned io.EOF.
func (s *Source) Tally() *flow.Tally { return s.tally }

var versionRE = regexp.MustCompile(`^TShark \(Wireshark\) (\d+)\.(\d+)\.(\d+)`)

// checked caches check's result per executable path for this process.
var checked sync.Map // path, stdbuf's path -> checkResult

// checkResult is what running tshark --version found out.
type checkResult struct {
	version  string
	buffered bool   // run tshark through stdbuf (outputBuffered)
	note     string // why stdbuf is not used although it is installed
}

// Check finds tshark and returns its path and version line. A missing or too
// old tshark gives an *Error that says how to fix it.
func Check(ctx context.Context, exe string) (path, version string, err error) {
	c, path, err := check(ctx, exe)
	return path, c.version, err
}

// check is Check, also saying whether stdbuf can run tshark: the version
// check goes through it as every tshark run does. When stdbuf itself fails
// (exit status 125, or 126/127: it could not run the command) without
// output, tshark is asked again directly and then always runs without it.
func check(ctx context.Context, exe string) (res checkResult, path string, err error) {
	if exe == "" {
		exe = "tshark"
	}
	path, err = exec.LookPath(exe)
	if err != nil {
		if fi, serr := os.Stat(exe); serr == nil && strings.ContainsRune(exe, os.PathSeparator) {
			what := "is not executable"
			if fi.IsDir() {
				what = "is a directory"
			}
			return res, "", &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("%s %s: give the tshark program with --tshark, or leave it out to use tshark from PATH", exe, what)}
		}
		return res, "", &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("%s not found: install Wireshark's tshark (Debian/Ubuntu: sudo apt-get install tshark)", exe)}
	}
	sb, _ := exec.LookPath("stdbuf")
	key := path + "\x00" + sb + "\x00" + os.Getenv("NFTD_FAKE_TSHARK")
	if v, ok := checked.Load(key); ok {
		return v.(checkResult), path, nil
	}
	res.buffered = true
	cmd := outputBuffered(ctx, path, []string{"--version"})
	out, stderr, err := versionOutput(cmd)
	var ee *exec.ExitError
	if cmd.Path != path && len(out) == 0 && errors.As(err, &ee) && ee.ExitCode() >= 125 && ee.ExitCode() <= 127 {
		if stderr == "" {
			stderr = "no message"
		}
		res.buffered = false
		res.note = fmt.Sprintf("%s could not run tshark (%s: %s): tshark runs without it, its output in 4 KiB pieces (a little slower)", cmd.Path, ee.ProcessState, stderr)
		out, _, err = versionOutput(exec.CommandContext(ctx, path, "--version"))
	}
	if err != nil {
		return res, "", &Error{Kind: ErrFailed, Msg: fmt.Sprintf("%s --version failed (%v): is it tshark? Reinstall it (Debian/Ubuntu: sudo apt-get install --reinstall tshark)", path, err)}
	}
	line, _, _ := strings.Cut(string(out), "\n")
	line = strings.TrimSpace(line)
	m := versionRE.FindStringSubmatch(line)
	if m == nil {
		return res, "", &Error{Kind: ErrFailed, Msg: fmt.Sprintf("%s --version printed %q, not a tshark version", path, line)}
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	res.version = strings.TrimSpace(m[0])
	if major < MinVersion[0] || (major == MinVersion[0] && minor < MinVersion[1]) {
		return res, "", &Error{Kind: ErrTooOld, Msg: fmt.Sprintf("%s is too old: need tshark %d.%d or newer (Debian 12 ships 4.0)", res.version, MinVersion[0], MinVersion[1])}
	}
	checked.Store(key, res)
	return res, path, nil
}

// versionOutput runs cmd (tshark --version) and returns its output and
// stderr message. Like a tshark run it does not wait for a process the
// command left behind holding its output (see proc.reap).
func versionOutput(cmd *exec.Cmd) (out []byte, stderr string, err error) {
	cmd.Env = childEnv()
	ownGroup(cmd)
	p, err := startProc(cmd, 0)
	if err != nil {
		return nil, "", err
	}
	var b bytes.Buffer
	err = p.reap(&b)
	return b.Bytes(), p.stderr.message(), err
}

// waitDelay is how long Wait waits for tshark's pipes to close after it
// exited or was killed (exec.Cmd.WaitDelay).
const waitDelay = 2 * time.Second

// childEnv is the environment for tshark: ours with TZ=UTC, so absolute
// times are printed in UTC.
// stdoutBuffer is the size of tshark's stdout buffer when stdbuf is at hand.
const stdoutBuffer = 1 << 20

// outputBuffered returns the command running exe with args, through
// coreutils' stdbuf -o when it is installed. tshark prints through stdio,
// which writes to a pipe in 4 KiB pieces: for a million records that is
// 250,000 writes, each waking the reader, and tshark piped to cat took 20 %
// longer than tshark writing to /dev/null (15.6 s against 13.0 s). With a
// 1 MiB buffer the pipe costs 8 % (14.5 s). stdbuf execs tshark, so the
// process (its group, its exit status, its signals) is tshark's own.
func outputBuffered(ctx context.Context, exe string, args []string) *exec.Cmd {
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		return exec.CommandContext(ctx, sb, append([]string{"-o", strconv.Itoa(stdoutBuffer), exe}, args...)...)
	}
	return exec.CommandContext(ctx, exe, args...)
}

func childEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "TZ=") })
	return append(env, "TZ=UTC")
}

// Read returns the next record of the files, io.EOF after the last.
func (s *Source) Read() (flow.Record, error) {
	for {
		if s.err != nil {
			return flow.Record{}, s.err
		}
		if s.cur == nil {
			if s.next >= len(s.opt.Files) {
				s.err = io.EOF
				continue
			}
			f, name := s.opt.Files[s.next], s.opt.name(s.next)
			s.next++
			r, err := s.start(f, name)
			if err != nil {
				s.err = err
				continue
			}
			s.cur = r
		}
		rec, err := s.cur.w.Read()
		if err == nil {
			return rec, nil
		}
		s.err = s.finish(err)
		if s.err == nil {
			s.cur = nil
		}
	}
}

// Close stops a running tshark and waits for it. It is safe to call twice.
func (s *Source) Close() error {
	if s.cur != nil {
		s.cur.kill()
		s.cur = nil
	}
	if s.err == nil {
		s.err = errors.New("source closed")
	}
	return nil
}

// Commands returns the tshark arguments of every process started so far (for logs).
func (s *Source) Commands() [][]string { return s.args }

// argSpec describes one tshark invocation.
type argSpec struct {
	file           string
	ports          []int
	twoPass        bool
	withPortLayers bool // the capture's ports could not be read ahead: print udp/tcp/sctp
	shard, jobs    int
}

func tsharkArgs(a argSpec) []string {
	layers := "frame ip ipv6 cflow"
	if a.withPortLayers {
		layers = "frame ip ipv6 udp tcp sctp cflow"
	}
	args := []string{"-n", "-r", a.file, "-o", "cflow.max_template_fields:0", "-T", "json", "-J", layers}
	for _, p := range a.ports {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,cflow", p))
	}
	if a.twoPass {
		args = append(args, "-2")
	}
	if a.jobs > 1 {
		args = append(args, "-Y", fmt.Sprintf("frame.number %% %d == %d", a.jobs, a.shard))
	}
	return args
}

// start starts tshark on the file at path; name is how the user knows it.
func (s *Source) start(path, name string) (*run, error) {
	file := name // in every message, note and record
	ports := slices.Clone(s.opt.Ports)
	sc, err := scanFile(path, ports)
	withPortLayers := false
	switch {
	case errors.Is(err, errNotCapture):
		if sc != nil && sc.format == "" && sc.frames == 0 {
			if fi, e := os.Stat(path); e == nil && fi.Size() < 24 {
				return nil, &Error{Kind: ErrInput, File: file, Msg: "not a capture file (too short)"}
			}
		}
		// Not pcap/pcapng: tshark may still read it; let it report.
		withPortLayers, sc = true, nil
	case err != nil && sc == nil:
		return nil, &Error{Kind: ErrInput, File: file, Msg: "cannot read input", Err: err}
	case err != nil:
		s.tally.Notes = append(s.tally.Notes, fmt.Sprintf("%s: capture file damaged after frame %d (%v); tshark decides what it can read", file, sc.frames, err))
	}
	twoPass := s.opt.TwoPass == TwoPassAlways
	if sc != nil {
		var found []int
		for p := range sc.candidates {
			found = append(found, p)
		}
		slices.Sort(found)
		for _, p := range found {
			if s.opt.NoAutoPorts {
				s.tally.Notes = append(s.tally.Notes, fmt.Sprintf("%s: UDP port %d carries NetFlow/IPFIX (%s) that tshark does not decode by default: add --port %d", file, p, count(sc.candidates[p], "packet", "packets"), p))
				continue
			}
			ports = append(ports, p)
			s.tally.Notes = append(s.tally.Notes, fmt.Sprintf("%s: UDP port %d carries NetFlow/IPFIX (%s): decoded automatically (as with --port %d)", file, p, count(sc.candidates[p], "packet", "packets"), p))
		}
		for _, p := range slices.Sorted(maps.Keys(sc.lowSource)) {
			n := count(sc.lowSource[p], "packet", "packets")
			if s.opt.NoAutoPorts || slices.Contains(ports, p) {
				if !slices.Contains(ports, p) {
					s.tally.Notes = append(s.tally.Notes, fmt.Sprintf("%s: NetFlow/IPFIX sent from UDP source port %d (%s) is claimed by that port's dissector: add --port %d", file, p, n, p))
				}
				continue
			}
			ports = append(ports, p)
			s.tally.Notes = append(s.tally.Notes, fmt.Sprintf("%s: NetFlow/IPFIX sent from the well-known UDP source port %d (%s), which another dissector would claim: port %d decoded as NetFlow/IPFIX (as with --port %d)", file, p, n, p, p))
		}
		if s.opt.TwoPass == TwoPassAuto && sc.dataBeforeTemplate > 0 {
			twoPass = true
		}
	}
	jobs := max(s.opt.Jobs, 1)
	r := &run{file: file, path: path}
	if sc != nil {
		r.frames = sc.frames
		if twoPass {
			r.before = sc.dataBeforeTemplate
		}
	}
	var outs []io.Reader
	for i := range jobs {
		args := tsharkArgs(argSpec{file: path, ports: ports, twoPass: twoPass, withPortLayers: withPortLayers, shard: i, jobs: jobs})
		s.args = append(s.args, args)
		cmd := exec.CommandContext(s.ctx, s.exe, args...)
		if s.buffered {
			cmd = outputBuffered(s.ctx, s.exe, args)
		}
		cmd.Env = childEnv()
		ownGroup(cmd)
		p, err := startProc(cmd, 1<<20)
		if err != nil {
			r.kill()
			return nil, &Error{Kind: ErrFailed, File: file, Msg: "cannot start tshark", Err: err}
		}
		p.args = args
		r.procs = append(r.procs, p)
		outs = append(outs, p.stdout)
	}
	wo := WalkOptions{File: file, Tool: s.version}
	if sc != nil {
		wo.FramePorts = sc.framePorts
		wo.TemplateStart = sc.templateStart
	}
	if jobs == 1 {
		r.w = walk(outs[0], wo, s.st)
	} else {
		r.w = walkShards(outs, wo, s.st)
	}
	r.w.ownOutput()
	return r, nil
}

// waitBriefly drains stdout and waits up to d for tshark to exit; then it
// kills it. exited reports whether tshark ended by itself.
func (p *proc) waitBriefly(d time.Duration) (exited bool, err error) {
	done := make(chan error, 1)
	go func() { done <- p.reap(io.Discard) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err = <-done:
		return true, err
	case <-t.C:
		_ = killGroup(p.cmd)
		<-done
		return false, nil
	}
}

// kill stops every process of the run and waits for them.
func (r *run) kill() {
	for _, p := range r.procs {
		if p.cmd.ProcessState == nil {
			_ = killGroup(p.cmd)
		}
		_ = p.reap(io.Discard)
	}
}

// finish ends the current run after its walker returned err (io.EOF at a
// complete array). It returns nil when the file was read completely.
func (s *Source) finish(werr error) error {
	r := s.cur
	s.cur = nil
	if werr != io.EOF {
		// Give tshark a moment to exit by itself (a crash or error exit
		// explains bad output better than our kill would), then stop it.
		var failed *proc
		var exitErr error
		for _, p := range r.procs {
			exited, err := p.waitBriefly(2 * time.Second)
			if exited && err != nil && failed == nil {
				failed, exitErr = p, err
			}
		}
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		if failed != nil {
			return r.failure(failed, exitErr)
		}
		return r.failure(r.procs[0], werr)
	}
	cutNoted := false
	for _, p := range r.procs {
		// Drain anything after the closing bracket so tshark can exit;
		// whatever it left behind holding the pipe is not waited for.
		err := p.reap(io.Discard)
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		if err != nil {
			// A capture cut short (a capture process killed) is common:
			// tshark printed every complete packet and a closing bracket,
			// then exits with 2. Keep the records and say so.
			if msg := p.stderr.message(); strings.Contains(msg, "cut short in the middle of a packet") {
				if !cutNoted {
					s.tally.Notes = append(s.tally.Notes, fmt.Sprintf("%s: the capture ends inside a packet (cut short); that last packet is ignored", r.file))
					cutNoted = true
				}
				continue
			}
			r.kill()
			return r.failure(p, err)
		}
	}
	s.tally.Merge(r.w.Tally())
	if r.before > 0 {
		s.tally.Notes = append(s.tally.Notes, twoPassNote(r.file, r.before, r.w.Tally()))
	}
	return nil
}

// twoPassNote says what tshark's two passes (-2) made of the data sets
// that came before (or without) their template: how many the template
// that came later decoded, and how many have no template anywhere in the
// capture (sent before the capture began) and stay undecoded.
func twoPassNote(file string, before int, t *flow.Tally) string {
	recovered := 0
	for _, d := range t.Domains {
		recovered += d.RecoveredSets
	}
	recovered = min(recovered, before)
	var parts []string
	if recovered > 0 {
		parts = append(parts, fmt.Sprintf("tshark's two passes (-2) decoded %s with a template that came later", count(recovered, "of them", "of them")))
	}
	if missing := before - recovered; missing > 0 {
		parts = append(parts, fmt.Sprintf("%s no template anywhere in the capture (the exporter sent it before the capture began) and could not be decoded: "+
			"capture from the exporter's start, or for longer (most exporters resend their templates every few minutes)",
			count(missing, "has", "have")))
	}
	return fmt.Sprintf("%s: %s before (or without) a template: %s", file,
		count(before, "data set came", "data sets came"), strings.Join(parts, "; "))
}

// failure turns a walker error or a bad exit of process p into an *Error.
//
// Only tshark's own word that it cannot read the file, given in a normal
// exit before it printed a packet, or that the file is damaged, is an input
// problem (ErrInput). A crash (death by a signal, or an exit status of 128 or
// more as a shell reports one) and any other bad exit are tshark failures
// (ErrFailed), whatever tshark printed before: a segfault half way through a
// good capture is not the capture's fault.
func (r *run) failure(p *proc, err error) error {
	msg := p.stderr.message()
	if r.path != r.file {
		// tshark names the copy it read; the user knows the original.
		msg = strings.ReplaceAll(msg, r.path, r.file)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ps := ee.ProcessState
		if code := ps.ExitCode(); code < 0 || code >= 128 {
			last := p.stderr.lastLine()
			if r.path != r.file {
				last = strings.ReplaceAll(last, r.path, r.file)
			}
			if last == "" {
				last = "no message"
			} else {
				last = "last message: " + last
			}
			return &Error{Kind: ErrFailed, File: r.file, Msg: fmt.Sprintf("tshark crashed (%s%s; %s); records of this file are incomplete: run `tshark -r %s` to see where it fails, and update tshark or report the file to Wireshark", ps, signalHint(code), last, r.file)}
		}
		if input := inputProblem(msg, r.w.Packets() > 0); input != "" {
			return &Error{Kind: ErrInput, File: r.file, Msg: input}
		}
		if msg == "" {
			msg = "no message"
		}
		return &Error{Kind: ErrFailed, File: r.file, Msg: fmt.Sprintf("tshark failed (%s): %s; records of this file are incomplete", ps, msg)}
	}
	if input := inputProblem(msg, r.w.Packets() > 0); input != "" {
		return &Error{Kind: ErrInput, File: r.file, Msg: input}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Kind: ErrFailed, File: r.file, Msg: "tshark stopped before the end of its output; records of this file are incomplete", Err: err}
	}
	return &Error{Kind: ErrFailed, File: r.file, Msg: "tshark wrote output that is not its JSON packet array", Err: err}
}

// count writes n with the singular or plural words.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// signalHint explains an exit status above 128, which a shell (a wrapper
// script around tshark) reports for a child killed by signal status-128.
func signalHint(code int) string {
	if code <= 128 || code > 128+64 {
		return ""
	}
	return fmt.Sprintf(", that is killed by signal %d", code-128)
}

// inputProblem recognises tshark's messages about unreadable input files:
// not a capture, missing, unreadable, cut short before its first packet
// (a header or first record cut), a link type tshark does not know, damaged.
// Once tshark has printed packets it has read the file: then only a message
// that the file is damaged (after that point) is about the input.
func inputProblem(stderr string, printedPackets bool) string {
	phrases := []string{"isn't a capture file", "doesn't exist", "don't have permission", "unknown file format", "is a directory", "is not a capture file",
		"appears to be damaged or corrupt", "appears to have been cut short", "unknown or unsupported", "contains record data that TShark doesn't support"}
	if printedPackets {
		phrases = []string{"appears to be damaged or corrupt"}
	}
	for _, s := range phrases {
		if strings.Contains(stderr, s) {
			return "tshark cannot read it: " + strings.TrimPrefix(stderr, "tshark: ")
		}
	}
	return ""
}

// tailBuffer keeps the last max bytes written to it (tshark's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

// lastLine returns the last line of stderr that is not the root warning.
func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	last := ""
	for l := range bytes.Lines(t.b) {
		if s := strings.TrimSpace(string(l)); s != "" && !strings.HasPrefix(s, "Running as user") {
			last = s
		}
	}
	if len(last) > 300 {
		last = last[:300] + "..."
	}
	return last
}

// message returns stderr without the harmless root warning, on one line.
func (t *tailBuffer) message() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lines []string
	for l := range bytes.Lines(t.b) {
		s := strings.TrimSpace(string(l))
		if s == "" || strings.HasPrefix(s, "Running as user") {
			continue
		}
		lines = append(lines, s)
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	msg := strings.Join(lines, " / ")
	if len(msg) > 400 {
		msg = "..." + msg[len(msg)-400:]
	}
	return msg
}
