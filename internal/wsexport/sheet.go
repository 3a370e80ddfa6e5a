package wsexport

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// csvSource reads the rows of a CSV export (Wireshark's, or one saved by
// Excel with ";" or tab as the delimiter).
type csvSource struct {
	file string
	r    *csv.Reader
}

func newCSVSource(file string, r io.Reader) (*csvSource, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, _ := br.Peek(3); string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	head, _ := br.Peek(sniffLen)
	comma, ok := csvHeader(head)
	if !ok {
		comma = ','
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvSource{file: file, r: cr}, nil
}

func (c *csvSource) next() ([]string, string, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Sprintf("line %d", pe.Line), fmt.Errorf("column %d: %w", pe.Column, pe.Err)
		}
		return nil, "", err
	}
	line, _ := c.r.FieldPos(0)
	return rec, fmt.Sprintf("line %d", line), nil
}

func (c *csvSource) where() string { return c.file }

// fullRows: Wireshark writes every cell of every CSV row.
func (c *csvSource) fullRows() bool { return true }

// xlsxSource reads the rows of the first sheet of a workbook that has a
// header row with Wireshark's column titles, streaming the sheet.
type xlsxSource struct {
	file    string
	f       *excelize.File
	sheet   string
	rows    *excelize.Rows
	row     int
	pending [][]string // rows read while looking for the header
}

// openXLSX opens the workbook at path (a file on disk: the input or its
// spooled copy) and picks the sheet.
func openXLSX(file, path string) (*xlsxSource, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, &PosError{File: name(file), Err: fmt.Errorf("not a readable Excel workbook: %w", err)}
	}
	x := &xlsxSource{file: file, f: f}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			continue
		}
		var pending [][]string
		found := false
		for i := 0; i < 20 && rows.Next(); i++ {
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				break
			}
			pending = append(pending, cells)
			if isHeaderRow(cells) {
				found = true
				break
			}
		}
		if found {
			x.sheet, x.rows, x.pending = sheet, rows, pending
			return x, nil
		}
		rows.Close()
	}
	f.Close()
	return nil, &PosError{File: name(file), Err: errors.New("no sheet has a header row with Wireshark column titles (No., Source, DstAddr, ...)")}
}

func isHeaderRow(cells []string) bool {
	known, dst := 0, false
	for _, c := range cells {
		r := columnRoles[strings.ToLower(strings.TrimSpace(c))]
		if r != roleNone {
			known++
		}
		dst = dst || r == roleDstAddr || r == roleFrame
	}
	return known >= 2 && dst
}

func (x *xlsxSource) next() ([]string, string, error) {
	x.row++
	where := fmt.Sprintf("sheet %s row %d", x.sheet, x.row)
	if len(x.pending) > 0 {
		c := x.pending[0]
		x.pending = x.pending[1:]
		return c, where, nil
	}
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, where, err
		}
		return nil, where, io.EOF
	}
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	return cells, where, err
}

func (x *xlsxSource) where() string { return x.file }

// fullRows: a workbook row ends at its last non-empty cell.
func (x *xlsxSource) fullRows() bool { return false }

func (x *xlsxSource) Close() error {
	if x.rows != nil {
		x.rows.Close()
	}
	return x.f.Close()
}
