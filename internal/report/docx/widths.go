package docx

import (
	"strings"
	"unicode"
)

// Table widths measured from the content. Word and LibreOffice wrap a cell's
// text at spaces, and inside a word only when the word is wider than the
// cell: that is how "Domain" became "Domai / n" and a lag's minus sign
// landed on a line of its own. fitWidths gives every column at least the
// width of its longest word (of a numeric cell: its whole text), so neither
// happens, and hands the rest of the line to the columns whose text is long.

// Page geometry in twentieths of a point: A4 with 2 cm margins.
const (
	pageShort    = 11906 // A4 width (portrait)
	pageLong     = 16838 // A4 height (portrait)
	pageMargin   = 1134  // 2 cm
	landscapeTxt = pageLong - 2*pageMargin
)

// The wide tables: 8 pt text (in half points) and 1 mm cell margins left
// and right (TableNormal has 108, 1.9 mm).
const (
	smallTableSize   = 16
	smallTableMargin = 57
)

// emWidth estimates a character's advance in ems. The figures are those of
// DejaVu Sans, the widest of the fonts the document may be shown in
// (LibreOffice falls back to it where Calibri and Carlito are missing), so a
// width that fits here also fits in Calibri.
func emWidth(r rune) float64 {
	switch {
	case r >= '0' && r <= '9':
		return 0.636
	case r == ' ', r == '\u00a0', r == '.', r == ',', r == ':', r == ';':
		return 0.318
	case r == '-', r == '(', r == ')', r == '/', r == '[', r == ']':
		return 0.39
	case r == 'i', r == 'l', r == 'j', r == '|', r == '\'':
		return 0.278
	case r == 'f', r == 't', r == 'r':
		return 0.41
	case r == 'm', r == 'w':
		return 0.98
	case r == 'M', r == 'W':
		return 1.0
	case unicode.IsUpper(r):
		return 0.74
	case r < 0x80:
		return 0.62
	}
	return 0.8
}

// textTwips estimates the width of s in twentieths of a point at size
// (half points); bold text is a tenth wider.
func textTwips(s string, size int, bold bool) int {
	em := 0.0
	for _, r := range s {
		em += emWidth(r)
	}
	if bold {
		em *= 1.1
	}
	return int(em*float64(size)*10 + 0.999) // size/2 pt * 20 twips per pt
}

// longestWord is the width of the widest space-separated word of s as the
// document shows it: a no-break space (nbspUnits) joins words.
func longestWord(s string, size int, bold bool) int {
	w := 0
	for _, f := range strings.Split(nbspUnits(s), " ") {
		w = max(w, textTwips(f, size, bold))
	}
	return w
}

// fitWidths returns column widths (twips) for a table of size-point text
// (half points) and cells with margin twips left and right, within avail
// twips, and whether the table fits. A column needs its widest
// header word (headers wrap between words), and its widest cell: a numeric
// (right-aligned) cell whole, as it must stay on one line, a text cell by
// its widest word. What avail leaves over goes first to the text columns,
// up to the width of their longest text, then to all columns alike. A
// table that does not fit gets its needs scaled down to avail.
func fitWidths(header []string, right []bool, rows [][]string, size, margin, avail int) ([]int, bool) {
	n := len(header)
	need := make([]int, n)
	want := make([]int, n) // the width that shows the column without wrapping
	for i, h := range header {
		need[i] = longestWord(h, size, true)
		want[i] = need[i]
	}
	for _, r := range rows {
		for i := 0; i < n && i < len(r); i++ {
			full := textTwips(r[i], size, false)
			if i < len(right) && right[i] {
				need[i] = max(need[i], full)
			} else {
				need[i] = max(need[i], longestWord(r[i], size, false))
			}
			want[i] = max(want[i], full)
		}
	}
	total := 0
	for i := range need {
		need[i] += 2*margin + 20 // a point of slack for rounding and kerning
		want[i] = max(want[i]+2*margin+20, need[i])
		total += need[i]
	}
	widths := make([]int, n)
	if total > avail {
		for i := range need {
			widths[i] = need[i] * avail / total
		}
		return widths, false
	}
	copy(widths, need)
	spare := avail - total
	extra := 0
	for i := range want {
		extra += want[i] - need[i]
	}
	if extra > 0 {
		give := min(spare, extra)
		for i := range widths {
			widths[i] += (want[i] - need[i]) * give / extra
		}
		spare = avail
		for _, w := range widths {
			spare -= w
		}
	}
	for i := range widths {
		widths[i] += spare / n
	}
	widths[n-1] += spare % n
	return widths, true
}
