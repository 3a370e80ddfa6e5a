package wsexport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"netflowtimedifference/internal/flow"
)

// Options configure how exports are read.
type Options struct {
	// InputTZ (--input-tz) is the zone the export's local time strings were
	// written in. It overrides the zone labels; nil uses the labels.
	InputTZ *time.Location

	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
}

// ErrNotExport is matched (errors.Is) by the error Open returns for a capture
// or an unknown input; errors.As to *NotExportError gives the kind.
var ErrNotExport = errors.New("not a Wireshark export")

// NotExportError says that an input is not an export this package reads.
// For captures (Kind.IsCapture) the caller sends the input to tshark; Body
// then yields the (decompressed) content from the first byte, which matters
// for standard input, whose first bytes were already read. The caller closes
// Body.
type NotExportError struct {
	Path string
	Kind Kind
	Body io.ReadCloser
}

func (e *NotExportError) Error() string {
	if e.Kind.IsCapture() {
		return fmt.Sprintf("%s: a %s, not a Wireshark export", name(e.Path), e.Kind)
	}
	switch e.Kind {
	case KindZip:
		return fmt.Sprintf("%s: a zip archive without xl/workbook.xml: not an Excel workbook", name(e.Path))
	case KindJSONObject:
		return fmt.Sprintf("%s: a JSON object, not tshark's packet array (a JSON export starts with [) nor an EK export (lines of {\"index\": ...} or {\"timestamp\": ..., \"layers\": ...})", name(e.Path))
	}
	return fmt.Sprintf("%s: not a capture (pcap, pcapng) nor a Wireshark export (JSON, EK, CSV, XLSX; gzip-compressed or not)", name(e.Path))
}

func (e *NotExportError) Is(target error) bool { return target == ErrNotExport }

// Reader reads the flow records of one Wireshark export. It implements
// flow.Reader; Tally is complete once Read has returned io.EOF.
type Reader struct {
	kind  Kind
	file  string
	inner interface {
		Read() (flow.Record, error)
		Tally() *flow.Tally
	}
	closers []io.Closer
}

// Read returns the next record, or io.EOF after the last one.
func (r *Reader) Read() (flow.Record, error) { return r.inner.Read() }

// Tally returns what was read so far, per exporter and domain, with notes.
func (r *Reader) Tally() *flow.Tally { return r.inner.Tally() }

// Kind tells what the input was.
func (r *Reader) Kind() Kind { return r.kind }

// Close releases the input (and removes any spooled copy).
func (r *Reader) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i].Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// Open opens path ("-" is standard input) and, when it is a Wireshark
// export (JSON, EK, CSV or XLSX, gzip-compressed or not, detected by
// content), returns a Reader of its flow records. For a capture it returns a
// *NotExportError (errors.Is(err, ErrNotExport)) with the kind and the content.
func Open(ctx context.Context, path string, opt Options) (*Reader, error) {
	rc, kind, err := OpenRaw(path, opt.Stdin)
	if err != nil {
		return nil, err
	}
	if !kind.IsExport() {
		if kind.IsCapture() {
			return nil, &NotExportError{Path: path, Kind: kind, Body: rc}
		}
		rc.Close()
		return nil, &NotExportError{Path: path, Kind: kind}
	}
	r, err := NewReader(ctx, rc, kind, path, opt) // records name standard input "-"
	if err != nil {
		rc.Close()
		return nil, err
	}
	r.closers = append([]io.Closer{rc}, r.closers...)
	return r, nil
}

// NewReader reads an export of a known kind from rc (as returned by
// OpenRaw); file names it in records and messages. For KindXLSX rc must come
// from OpenRaw (it is backed by a file). The caller closes rc.
func NewReader(ctx context.Context, rc io.Reader, kind Kind, file string, opt Options) (*Reader, error) {
	tp := NewTimeParser(opt.InputTZ)
	r := &Reader{kind: kind, file: file}
	switch kind {
	case KindCSV:
		src, err := newCSVSource(file, rc)
		if err != nil {
			return nil, err
		}
		r.inner = newTableReader(ctx, file, src, tp)
	case KindXLSX:
		f, ok := rc.(interface{ Name() string })
		if !ok {
			return nil, fmt.Errorf("%s: an Excel workbook needs a file (open it with OpenRaw)", name(file))
		}
		src, err := openXLSX(file, f.Name())
		if err != nil {
			return nil, err
		}
		r.closers = append(r.closers, src)
		r.inner = newTableReader(ctx, file, src, tp)
	case KindEK:
		r.inner = newEKReader(ctx, file, rc, tp)
	case KindJSON:
		r.inner = newJSONReader(ctx, file, rc, tp)
	default:
		return nil, &NotExportError{Path: file, Kind: kind}
	}
	return r, nil
}
