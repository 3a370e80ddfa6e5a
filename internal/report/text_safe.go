package report

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes a string from flow data safe for XML 1.0 documents (DOCX,
// XLSX) while keeping it visible: control characters (U+0000-U+001F,
// including tab and newline, and U+007F) become their Control Pictures
// symbol (U+2400-U+2421, e.g. U+0001 -> "␁"), invalid UTF-8 bytes and the
// non-characters U+FFFE/U+FFFF become U+FFFD "�". Everything else is kept;
// XML escaping (&, <, >) is the writer's job. Strings that need no change are
// returned as they are, without allocating.
func CleanText(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// FormulaSafe returns s prefixed with a single quote (') when a spreadsheet
// would read it as a formula or a DDE payload: when it starts with '=', '+',
// '-', '@', a tab or a carriage return (OWASP "CSV Injection"). Used for text
// fields from flow data in CSV; numbers written by nftimediff are not passed
// through it (a leading minus of a number is a sign, not a formula).
func FormulaSafe(s string) string {
	if s == "" || s == "-" { // a lone minus (standard input's name) is no formula
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
