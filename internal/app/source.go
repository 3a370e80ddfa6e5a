package app

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

// SourceOptions configure how input files are read.
type SourceOptions struct {
	Ports       []int          // extra UDP ports to decode as NetFlow/IPFIX (--port)
	Tshark      string         // tshark executable, "" = from PATH
	TwoPass     tshark.TwoPass // when tshark runs with -2 (default: when data precedes its template)
	NoAutoPorts bool           // only report, do not decode, detected NetFlow/IPFIX ports
	Jobs        int            // tshark processes per file (sharded by frame number), <= 1: one
}

// Input is an open set of input files: a flow.Reader whose Tally is complete
// once Read has returned io.EOF. Close stops any running tshark.
type Input interface {
	flow.Reader
	Tally() *flow.Tally
	Close() error
}

// OpenInputs opens the files in order and returns one Input over all of
// them. Consecutive capture files share one tshark.Source (one tshark
// process per file). Errors carry exit codes (ExitTshark, ExitInput).
func OpenInputs(ctx context.Context, files []string, opt SourceOptions) (Input, error) {
	if len(files) == 0 {
		return nil, Errorf(ExitUsage, "no input files")
	}
	m := &multiInput{tally: &flow.Tally{}}
	var captures []string
	flush := func() error {
		if len(captures) == 0 {
			return nil
		}
		src, err := tshark.Open(ctx, tshark.Options{Files: captures, Ports: opt.Ports, Tshark: opt.Tshark, TwoPass: opt.TwoPass, NoAutoPorts: opt.NoAutoPorts, Jobs: opt.Jobs})
		if err != nil {
			return tsharkError(err)
		}
		m.parts = append(m.parts, src)
		captures = nil
		return nil
	}
	for _, f := range files {
		kind, err := inputKind(f)
		if err != nil {
			m.Close()
			return nil, err
		}
		switch kind {
		case kindCapture:
			captures = append(captures, f)
		default:
			m.Close()
			return nil, Errorf(ExitInput, "%s: not a pcap/pcapng capture or raw IPFIX file (Wireshark JSON/CSV/XLSX exports are not supported yet)", f)
		}
	}
	if err := flush(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

type inputKindT int

const (
	kindUnknown inputKindT = iota
	kindCapture            // pcap, pcapng or raw IPFIX: read through tshark
	// Wireshark exports (JSON, CSV, XLSX) are dispatched here by the export reader.
)

// inputKind decides how a file is read, from its first bytes. This is the
// one place where input formats are told apart.
func inputKind(path string) (inputKindT, error) {
	f, err := os.Open(path)
	if err != nil {
		return kindUnknown, Errorf(ExitInput, "%s: cannot read input: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return kindUnknown, Errorf(ExitInput, "%s: is a directory, not a capture file", path)
	}
	var head [16]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && n == 0 {
		if err == io.EOF {
			return kindUnknown, Errorf(ExitInput, "%s: empty file, not a capture", path)
		}
		return kindUnknown, Errorf(ExitInput, "%s: cannot read input: %v", path, err)
	}
	h := head[:n]
	if n >= 4 {
		switch binary.LittleEndian.Uint32(h) {
		case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1, 0x0a0d0d0a:
			return kindCapture, nil
		}
		// Raw IPFIX file (RFC 5655): messages back to back, version 10 first.
		if binary.BigEndian.Uint16(h) == 10 && binary.BigEndian.Uint16(h[2:]) >= 16 {
			return kindCapture, nil
		}
	}
	return kindUnknown, nil
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
	parts []Input
	i     int
	tally *flow.Tally
	err   error
}

func (m *multiInput) Read() (flow.Record, error) {
	for m.err == nil {
		if m.i >= len(m.parts) {
			m.err = io.EOF
			break
		}
		r, err := m.parts[m.i].Read()
		if err == nil {
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

func (m *multiInput) Tally() *flow.Tally { return m.tally }

func (m *multiInput) Close() error {
	var errs []error
	for _, p := range m.parts {
		errs = append(errs, p.Close())
	}
	if m.err == nil {
		m.err = fmt.Errorf("input closed")
	}
	return errors.Join(errs...)
}
