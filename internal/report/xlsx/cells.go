package xlsx

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

// maxCellChars is Excel's limit of characters in one cell.
const maxCellChars = 32767

// rowBuf builds the SpreadsheetML of one row for the fast path that writes the
// big tables (pairs, unmatched records) straight into the worksheet part.
// Every text cell is an inline string (t="inlineStr"): it is text whatever it
// starts with and can never become a formula.
//
// Every cell carries its reference (r="B12"), as Excel itself writes; empty
// cells are left out.
type rowBuf struct {
	b   []byte
	row []byte // the row number as text
	col int    // 0-based index of the next cell
}

// colNames are the column letters A..ZZ.
var colNames = func() (n [702]string) {
	for i := range n {
		n[i] = colName(i + 1)
	}
	return n
}()

func (r *rowBuf) begin(row int) {
	r.row = strconv.AppendInt(r.row[:0], int64(row), 10)
	r.col = 0
	r.b = append(r.b, `<row r="`...)
	r.b = append(r.b, r.row...)
	r.b = append(r.b, `">`...)
}

func (r *rowBuf) end() { r.b = append(r.b, `</row>`...) }

// cell opens the next cell: `<c r="B12"` (the caller closes the tag).
func (r *rowBuf) cell() {
	r.b = append(r.b, `<c r="`...)
	r.b = append(r.b, colNames[r.col]...)
	r.b = append(r.b, r.row...)
	r.b = append(r.b, '"')
	r.col++
}

func (r *rowBuf) empty() { r.col++ }

func (r *rowBuf) styled(style int) {
	r.cell()
	if style == 0 {
		r.b = append(r.b, `><v>`...)
		return
	}
	r.b = append(r.b, ` s="`...)
	r.b = strconv.AppendInt(r.b, int64(style), 10)
	r.b = append(r.b, `"><v>`...)
}

func (r *rowBuf) int(v int64, style int) {
	r.styled(style)
	r.b = strconv.AppendInt(r.b, v, 10)
	r.b = append(r.b, `</v></c>`...)
}

func (r *rowBuf) uint(v uint64, style int) {
	r.styled(style)
	r.b = strconv.AppendUint(r.b, v, 10)
	r.b = append(r.b, `</v></c>`...)
}

// known writes v, or an empty cell when the record does not carry the
// field (flow.Record.Lacks): an unknown count is no zero.
func (r *rowBuf) known(v uint64, rec *flow.Record, l flow.Lack, style int) {
	if !rec.Has(l) {
		r.empty()
		return
	}
	r.uint(v, style)
}

// float writes a number; NaN and infinities give an empty cell.
func (r *rowBuf) float(v float64, style int) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.empty()
		return
	}
	r.styled(style)
	r.b = strconv.AppendFloat(r.b, v, 'f', -1, 64)
	r.b = append(r.b, `</v></c>`...)
}

// date writes an instant as an Excel date-time serial number (1900 date
// system, UTC) in the given date style.
func (r *rowBuf) date(t flow.Instant, style int) {
	r.float(excelTime(t), style)
}

func (r *rowBuf) addr(a netip.Addr) {
	if !a.IsValid() {
		r.empty()
		return
	}
	r.cell()
	r.b = append(r.b, ` t="inlineStr"><is><t>`...)
	r.b = a.AppendTo(r.b)
	r.b = append(r.b, `</t></is></c>`...)
}

// str writes an inline string cell: control and invalid characters made
// visible (report.CleanText), XML escaped, Excel's _xHHHH_ escapes escaped
// (so "_x0041_" shows as written, not as "A"), cut at 32,767 characters.
func (r *rowBuf) str(s string) {
	if s == "" {
		r.empty()
		return
	}
	s = cellText(s)
	r.cell()
	r.b = append(r.b, ` t="inlineStr"><is><t`...)
	if needsPreserve(s) {
		r.b = append(r.b, ` xml:space="preserve"`...)
	}
	r.b = append(r.b, '>')
	r.b = appendEscaped(r.b, s)
	r.b = append(r.b, `</t></is></c>`...)
}

// cellText prepares text from flow data for a cell.
func cellText(s string) string {
	s = report.CleanText(s)
	if strings.Contains(s, "_x") {
		s = strings.ReplaceAll(s, "_x", "_x005F_x")
	}
	if len(s) > maxCellChars { // bytes >= characters; cut on a rune boundary
		n := 0
		for i := range s {
			if n == maxCellChars {
				s = s[:i]
				break
			}
			n++
		}
	}
	return s
}

func needsPreserve(s string) bool {
	return s != "" && (s[0] == ' ' || s[len(s)-1] == ' ')
}

// appendEscaped appends s with &, <, >, " escaped. s has passed CleanText,
// so it holds no character that XML 1.0 forbids.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// excelTime converts an instant to an Excel serial date-time (days since
// 1899-12-30, the 1900 date system as Excel counts it after February 1900),
// computed in integers first so that milliseconds survive.
func excelTime(t flow.Instant) float64 {
	const day = int64(86400e9)
	ns := int64(t)
	days := ns / day
	rem := ns % day
	if rem < 0 {
		days--
		rem += day
	}
	return float64(days+25569) + float64(rem)/float64(day)
}
