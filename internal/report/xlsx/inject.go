package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"io/fs"

	"github.com/xuri/excelize/v2"
)

// rowsFunc writes the <row> elements of a worksheet after its header row.
type rowsFunc func(w *bufio.Writer) error

// injectZip is the excelize.ZipWriter behind Write. excelize lays out the
// workbook (styles, header rows, panes, filters, column widths, charts); for
// the worksheets registered in rows, the rows after the header are written by
// a rowsFunc straight into the zip entry, just before </sheetData>. That
// keeps a million-row sheet out of memory and out of a temporary file, and is
// about three times faster per cell than excelize's StreamWriter, which formats
// every cell through reflection, a regexp and xml.EscapeText and spools the
// sheet to a temporary file (README-report.md has the figures). Entries are
// compressed with flate.BestSpeed.
type injectZip struct {
	zw      *zip.Writer
	rows    map[string]rowsFunc                     // entry name -> rows writer
	dims    map[string]string                       // entry name -> dimension ref, e.g. "A1:AI101"
	edits   map[string]func([]byte) ([]byte, error) // entry name -> rewrite of a small part
	done    map[string]bool
	pending string
	buf     bytes.Buffer
	err     error
}

func newInjectZip(w io.Writer) *injectZip {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return &injectZip{zw: zw, rows: map[string]rowsFunc{}, dims: map[string]string{}, done: map[string]bool{},
		edits: map[string]func([]byte) ([]byte, error){}}
}

var _ excelize.ZipWriter = (*injectZip)(nil)

func (z *injectZip) Create(name string) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	_, rows := z.rows[name]
	if _, edit := z.edits[name]; rows || edit {
		z.pending = name
		z.buf.Reset()
		return &z.buf, nil
	}
	return z.zw.Create(name)
}

// AddFS is part of excelize.ZipWriter; excelize does not call it when saving.
func (z *injectZip) AddFS(fsys fs.FS) error {
	if err := z.finish(); err != nil {
		return err
	}
	return z.zw.AddFS(fsys)
}

// finish writes the pending worksheet: excelize's XML up to </sheetData>,
// then the injected rows, then the rest.
func (z *injectZip) finish() error {
	if z.err != nil || z.pending == "" {
		return z.err
	}
	name := z.pending
	z.pending = ""
	data := z.buf.Bytes()
	if edit := z.edits[name]; edit != nil {
		out, err := edit(data)
		if err == nil {
			var fw io.Writer
			if fw, err = z.zw.Create(name); err == nil {
				_, err = fw.Write(out)
			}
		}
		if err != nil {
			z.err = fmt.Errorf("xlsx: %s: %w", name, err)
			return z.err
		}
		z.done[name] = true
		return nil
	}
	cut := bytes.LastIndex(data, []byte("</sheetData>"))
	if cut < 0 {
		z.err = fmt.Errorf("xlsx: worksheet %s has no </sheetData> (excelize layout changed?)", name)
		return z.err
	}
	head, tail := data[:cut], data[cut:]
	if ref := z.dims[name]; ref != "" {
		head = setDimension(head, ref)
	}
	fw, err := z.zw.Create(name)
	if err != nil {
		z.err = err
		return err
	}
	bw := bufio.NewWriterSize(fw, 128<<10)
	_, _ = bw.Write(head)
	if err := z.rows[name](bw); err != nil {
		z.err = err
		return err
	}
	_, _ = bw.Write(tail)
	if err := bw.Flush(); err != nil {
		z.err = err
		return err
	}
	z.done[name] = true
	return nil
}

func (z *injectZip) Close() error {
	if err := z.finish(); err != nil {
		_ = z.zw.Close()
		return err
	}
	for name := range z.rows {
		if !z.done[name] {
			_ = z.zw.Close()
			return fmt.Errorf("xlsx: worksheet %s was never written (excelize layout changed?)", name)
		}
	}
	for name := range z.edits {
		if !z.done[name] {
			_ = z.zw.Close()
			return fmt.Errorf("xlsx: worksheet %s was never written (excelize layout changed?)", name)
		}
	}
	return z.zw.Close()
}

// setDimension replaces the ref of <dimension ref="..."/> in a worksheet's
// head, which excelize computed from the header row only.
func setDimension(head []byte, ref string) []byte {
	const open = `<dimension ref="`
	i := bytes.Index(head, []byte(open))
	if i < 0 {
		return head
	}
	j := bytes.IndexByte(head[i+len(open):], '"')
	if j < 0 {
		return head
	}
	out := make([]byte, 0, len(head)+len(ref))
	out = append(out, head[:i+len(open)]...)
	out = append(out, ref...)
	return append(out, head[i+len(open)+j:]...)
}

// numericXValues makes a scatter chart's x values numbers: excelize writes
// every series' categories as a string reference (<xVal><strRef>), which
// makes Excel plot the points at 1, 2, 3 ... instead of at their times.
func numericXValues(chart []byte) ([]byte, error) {
	const from, to = "<xVal><strRef>", "<xVal><numRef>"
	if !bytes.Contains(chart, []byte(from)) {
		return nil, fmt.Errorf("no %s (excelize layout changed?)", from)
	}
	chart = bytes.ReplaceAll(chart, []byte(from), []byte(to))
	return bytes.ReplaceAll(chart, []byte("</strRef></xVal>"), []byte("</numRef></xVal>")), nil
}
