package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/progress"
	"netflowtimedifference/internal/tshark"
	"netflowtimedifference/internal/wsexport"
)

// SourceOptions configure how input files are read.
type SourceOptions struct {
	Ports       []int          // extra UDP ports to decode as NetFlow/IPFIX (--port)
	Tshark      string         // tshark executable, "" = from PATH
	TwoPass     tshark.TwoPass // when tshark runs with -2 (default: when data precedes its template)
	NoAutoPorts bool           // only report, do not decode, detected NetFlow/IPFIX ports
	Jobs        int            // tshark processes per file (sharded by frame number), <= 1: one
	InputTZ     *time.Location // --input-tz: the zone of a Wireshark export's local time strings; nil: the labels
	Progress    *progress.Bar  // progress display; nil: none
}

// DefaultJobs is the default number of tshark processes per file: one per
// core. tshark's JSON output is the bottleneck and every process still
// dissects every packet (cheap next to printing), so N processes approach
// N-fold speed where cores are free. On the 2-vCPU machine of the README's
// benchmark, 2 processes were 5 % faster than 1 (28.4 s against 30.0 s for a
// million records), the walk sharing the cores with them.
func DefaultJobs() int {
	return max(1, runtime.NumCPU())
}

// Input is an open set of input files: a flow.Reader whose Tally is complete
// once Read has returned io.EOF. Close stops any running tshark.
type Input interface {
	flow.Reader
	Tally() *flow.Tally
	Close() error
}

// OpenInputs opens the files in order and returns one Input over all of
// them. Each input's kind is told from its content (wsexport.Open): captures
// (pcap, pcapng, raw IPFIX) go to tshark, consecutive ones sharing one
// tshark.Source (one tshark process per file); Wireshark exports (JSON, EK,
// CSV, XLSX, gzip-compressed or not) are read by wsexport. "-" is standard
// input; a capture there, or a gzip-compressed capture, is first copied to a
// temporary file because tshark's first pass and -2 need a seekable file;
// records, tallies and messages still name the input as given ("-" for
// standard input). The same file given twice (also under two paths) is
// refused: its records would count twice. Errors carry exit codes
// (ExitUsage, ExitTshark, ExitInput).
func OpenInputs(ctx context.Context, files []string, opt SourceOptions) (Input, error) {
	if len(files) == 0 {
		return nil, Errorf(ExitUsage, "no input files")
	}
	if err := distinctInputs(files); err != nil {
		return nil, err
	}
	m := &multiInput{tally: &flow.Tally{}, bar: opt.Progress, names: files}
	var captures, captureNames []string
	flush := func() error {
		if len(captures) == 0 {
			return nil
		}
		src, err := tshark.Open(ctx, tshark.Options{Files: captures, Names: captureNames, Ports: opt.Ports, Tshark: opt.Tshark, TwoPass: opt.TwoPass, NoAutoPorts: opt.NoAutoPorts, Jobs: opt.Jobs})
		if err != nil {
			return tsharkError(err)
		}
		m.parts = append(m.parts, src)
		captures, captureNames = nil, nil
		return nil
	}
	fail := func(err error) (Input, error) {
		m.Close()
		return nil, err
	}
	for _, f := range files {
		if err := checkInput(f); err != nil {
			return fail(err)
		}
		r, err := wsexport.Open(ctx, f, wsexport.Options{InputTZ: opt.InputTZ})
		var ne *wsexport.NotExportError
		switch {
		case err == nil:
			if err := flush(); err != nil {
				r.Close()
				return fail(err)
			}
			m.parts = append(m.parts, r)
		case errors.As(err, &ne) && ne.Kind.IsCapture():
			path, err := captureFile(f, ne, m)
			if err != nil {
				return fail(err)
			}
			captures = append(captures, path)
			captureNames = append(captureNames, f)
		default:
			if errors.Is(err, context.Canceled) {
				return fail(err)
			}
			return fail(WithCode(ExitInput, err))
		}
	}
	if err := flush(); err != nil {
		return fail(err)
	}
	return m, nil
}

// distinctInputs refuses an input given twice: the same name, two names
// of the same file (os.SameFile: links, "./a.pcap" and "a.pcap", "-" with
// standard input redirected from a file also named), or two files with the
// same content (a copy: same size and SHA-256; only files of equal size are
// hashed). Inputs that cannot be read are left to the readers to report.
func distinctInputs(files []string) error {
	if err := sameFiles(files); err != nil {
		return err
	}
	return sameContent(files)
}

// sameContent refuses two regular files with identical content.
func sameContent(files []string) error {
	bySize := map[int64][]int{}
	for i, f := range files {
		if fi, err := os.Stat(f); f != "-" && err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			bySize[fi.Size()] = append(bySize[fi.Size()], i)
		}
	}
	for _, idx := range bySize {
		if len(idx) < 2 {
			continue
		}
		sums := map[[sha256.Size]byte]int{}
		for _, i := range idx {
			sum, err := fileSHA256(files[i])
			if err != nil {
				continue
			}
			if j, ok := sums[sum]; ok {
				return Errorf(ExitUsage, "%s and %s have the same content (a copy?): its records would be counted twice", files[j], files[i])
			}
			sums[sum] = i
		}
	}
	return nil
}

func fileSHA256(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// sameFiles refuses one file given twice, by name or by identity.
func sameFiles(files []string) error {
	seen := make([]os.FileInfo, len(files))
	for i, f := range files {
		if j := slices.Index(files[:i], f); j >= 0 {
			return Errorf(ExitUsage, "%s given twice: its records would be counted twice", f)
		}
		var fi os.FileInfo
		var err error
		if f == "-" {
			// Standard input redirected from a file named as well.
			if fi, err = os.Stdin.Stat(); err == nil && !fi.Mode().IsRegular() {
				continue
			}
		} else {
			fi, err = os.Stat(f)
		}
		if err != nil {
			continue
		}
		seen[i] = fi
		for j, g := range seen[:i] {
			if g != nil && os.SameFile(g, fi) {
				if f == "-" {
					return Errorf(ExitUsage, "- (standard input) is %s, given twice: its records would be counted twice", files[j])
				}
				return Errorf(ExitUsage, "%s given twice (also as %s): its records would be counted twice", f, files[j])
			}
		}
	}
	return nil
}

// checkInput says in one line what is wrong with an input that cannot be
// read at all, before any reader tries it.
func checkInput(f string) error {
	if f == "-" {
		return nil
	}
	fi, err := os.Stat(f)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Errorf(ExitInput, "%s: no such file (check the path)", f)
	case errors.Is(err, fs.ErrPermission):
		return Errorf(ExitInput, "%s: permission denied (read it as a user who may, or copy it)", f)
	case err != nil:
		return Errorf(ExitInput, "%s: %v", f, err)
	case fi.IsDir():
		return Errorf(ExitInput, "%s is a directory: give the capture or export files in it (e.g. %s/*.pcap)", f, strings.TrimRight(f, "/"))
	case fi.Mode().IsRegular() && fi.Size() == 0:
		return Errorf(ExitInput, "%s: empty file, not a capture or a Wireshark export", f)
	}
	return nil
}

// captureFile returns a path tshark can read for a capture input: the file
// itself, or a temporary copy of the decompressed content for standard input
// and gzip-compressed files (removed when the Input is closed).
func captureFile(path string, ne *wsexport.NotExportError, m *multiInput) (string, error) {
	defer ne.Body.Close()
	if path != "-" && !isGzip(path) {
		return path, nil
	}
	tmp, err := os.CreateTemp("", "nftimediff-capture-*")
	if err != nil {
		return "", Errorf(ExitInput, "%s: cannot copy the capture to a temporary file: %v", path, err)
	}
	m.temps = append(m.temps, tmp.Name())
	in := &readErr{r: ne.Body}
	n, err := io.Copy(tmp, in)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case errors.Is(in.err, wsexport.ErrGzipCut) && n >= 24:
		// Like a capture cut short: tshark reads up to the last complete
		// packet (and notes a packet cut in the middle).
		m.tally.Notes = append(m.tally.Notes, fmt.Sprintf("%s: the gzip file is cut (it ends before its compressed data does): the capture in it is read up to its last complete packet", path))
	case in.err != nil:
		return "", Errorf(ExitInput, "%s: %v", path, in.err)
	case err != nil:
		return "", Errorf(ExitInput, "%s: cannot copy the capture to a temporary file: %v", path, err)
	}
	return tmp.Name(), nil
}

// readErr remembers the error its reader returned, to tell a bad input
// from a failing write when io.Copy fails.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// isGzip reports whether the file starts with the gzip magic.
func isGzip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && b[0] == 0x1f && b[1] == 0x8b
}

// tsharkError maps tshark errors to exit codes.
func tsharkError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, tshark.ErrInput):
		return WithCode(ExitInput, err)
	case errors.Is(err, tshark.ErrNotFound), errors.Is(err, tshark.ErrTooOld), errors.Is(err, tshark.ErrFailed):
		return WithCode(ExitTshark, err)
	}
	return WithCode(ExitInput, err)
}

// multiInput reads its parts one after the other and merges their tallies.
type multiInput struct {
	bar     *progress.Bar
	names   []string // inputs as given, for the progress display
	records int
	temps   []string // temporary copies of captures, removed on Close
	parts   []Input
	i       int
	tally   *flow.Tally
	err     error
	// packets: with several inputs, the input of each export packet seen
	// (see samePacket); last is the latest packet's key.
	packets map[packetKey]string
	last    packetKey
}

// packetKey identifies an export packet across inputs: its exporter,
// domain, frame number and capture time.
type packetKey struct {
	exporter netip.Addr
	domain   uint32
	frame    uint32
	captured flow.Instant
}

// samePacket refuses the export packet of r when an earlier input held it
// too: the same traffic given twice in two forms (a capture and its JSON
// export, a CSV export and its Excel form), which the content check of
// distinctInputs cannot see, would count every record twice. Packets
// without a capture time are not compared: the frame numbers of files cut
// from one capture (ring buffers) start again at 1.
func (m *multiInput) samePacket(r *flow.Record) error {
	if len(m.names) < 2 || r.CaptureTime == 0 {
		return nil
	}
	k := packetKey{r.Exporter, r.Domain, r.Frame, r.CaptureTime}
	if k == m.last {
		return nil
	}
	m.last = k
	if m.packets == nil {
		m.packets = map[packetKey]string{}
	}
	if f, ok := m.packets[k]; ok && f != r.File {
		return Errorf(ExitUsage, "%s frame %d is the export packet of %s frame %d too (exporter %s, domain %d, captured at %s): the same traffic given twice (a capture and its export, or a CSV export and its Excel form?); its records would be counted twice: give one of them",
			r.File, r.Frame, f, r.Frame, r.Exporter, r.Domain, r.CaptureTime.Time().UTC().Format("2006-01-02 15:04:05.000000000"))
	}
	m.packets[k] = r.File
	return nil
}

func (m *multiInput) Read() (flow.Record, error) {
	for m.err == nil {
		if m.i >= len(m.parts) {
			m.err = io.EOF
			break
		}
		r, err := m.parts[m.i].Read()
		if err == nil {
			if m.err = m.samePacket(&r); m.err != nil {
				break
			}
			m.records++
			if m.bar != nil && m.records%1024 == 0 {
				m.bar.Update(m.position(r))
			}
			return r, nil
		}
		if err != io.EOF {
			m.err = tsharkError(err)
			break
		}
		m.tally.Merge(m.parts[m.i].Tally())
		m.i++
	}
	return flow.Record{}, m.err
}

// position describes where reading stands for the progress display.
func (m *multiInput) position(r flow.Record) progress.State {
	st := progress.State{Name: r.File, File: 1, Files: len(m.names), Frame: r.Frame, Records: m.records}
	if p, ok := m.parts[m.i].(interface{ Position() (int, int, int) }); ok {
		_, _, st.Frames = p.Position()
	}
	if i := slices.Index(m.names, r.File); i >= 0 {
		st.File = i + 1
	}
	return st
}

func (m *multiInput) Tally() *flow.Tally { return m.tally }

func (m *multiInput) Close() error {
	var errs []error
	for _, p := range m.parts {
		errs = append(errs, p.Close())
	}
	m.bar.Done()
	for _, t := range m.temps {
		os.Remove(t)
	}
	m.temps = nil
	if m.err == nil {
		m.err = fmt.Errorf("input closed")
	}
	return errors.Join(errs...)
}
