package docx

import "strings"

// nbsp is the no-break space U+00A0: Word and LibreOffice never break a line
// at it.
const nbsp = "\u00a0"

// units are the words nbspUnits keeps with the number before them.
var units = []string{"ms/hour", "ms", "s", "us", "µs", "ns", "min", "h", "%", "ppm", "cm"}

// nbspUnits replaces the space between a number and its unit ("112 ms",
// "5.001 s", "95 %") by a no-break space, so that a line never starts with
// a lone unit. A unit must end at the end of the text, a space or
// punctuation (",.;:)]"), so "5 sessions" is left alone. Text without such
// a space is returned as it is.
func nbspUnits(s string) string {
	var b *strings.Builder
	last := 0
	for i := 1; i+1 < len(s); i++ {
		if s[i] != ' ' || s[i-1] < '0' || s[i-1] > '9' || !unitAt(s[i+1:]) {
			continue
		}
		if b == nil {
			b = &strings.Builder{}
			b.Grow(len(s) + 8)
		}
		b.WriteString(s[last:i])
		b.WriteString(nbsp)
		last = i + 1
	}
	if b == nil {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// unitAt reports whether s starts with a unit followed by the end of the
// text, a space or punctuation.
func unitAt(s string) bool {
	for _, u := range units {
		if !strings.HasPrefix(s, u) {
			continue
		}
		if len(s) == len(u) || strings.IndexByte(" ,.;:)]", s[len(u)]) >= 0 {
			return true
		}
	}
	return false
}
