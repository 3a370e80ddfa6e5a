package wsexport

import (
	"strings"
)

// Wireshark joins the occurrences of a field in a custom column with ",",
// with no escaping, and cuts the column text to a fixed length (255 bytes in
// the Wireshark versions analysts used in 2020; longer in later ones). The
// functions here split such cells.

// cutLimits are the lengths (bytes) at which Wireshark cuts column text:
// COL_MAX_LEN - 1 for the versions seen in the field.
var cutLimits = []int{255, 2047}

// atLimit reports whether a cell has the length at which Wireshark cuts
// column text, so that its last entry may be incomplete.
func atLimit(cell string) bool {
	n := len(cell)
	for _, l := range cutLimits {
		if n == l {
			return true
		}
	}
	return false
}

// splitList splits a plain comma-joined list (addresses, ports, numbers).
// An empty cell is an empty list.
func splitList(cell string) []string {
	if cell == "" {
		return nil
	}
	return strings.Split(cell, ",")
}

// splitTimes splits a comma-joined list of time strings whose entries may
// themselves contain a comma ("May 19, 2020 10:37:25.503000000 GTB Daylight
// Time,May 19, 2020 ..."): a piece that is only "<Mon> <day>" is joined with
// the piece after it. Entries are returned as written; a cut last entry
// ("May 1") is returned too and fails to parse.
func splitTimes(cell string) []string {
	if cell == "" {
		return nil
	}
	pieces := strings.Split(cell, ",")
	out := pieces[:0:0]
	for i := 0; i < len(pieces); i++ {
		p := pieces[i]
		if isMonthDay(p) && i+1 < len(pieces) {
			p += "," + pieces[i+1]
			i++
		}
		out = append(out, p)
	}
	return out
}

// isMonthDay reports whether s is "Jan  1", "May 19" (what precedes the
// comma inside a GUI time string).
func isMonthDay(s string) bool {
	if len(s) < 5 {
		return false
	}
	ok := false
	for _, m := range months {
		if strings.HasPrefix(s, m) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	rest := strings.TrimLeft(s[3:], " ")
	if len(rest) == len(s)-3 || len(rest) == 0 || len(rest) > 2 {
		return false
	}
	return allDigits(rest)
}

// splitApps splits the L7 application name list of a frame with n flows.
// App names may contain commas ("Microsoft Teams, Skype") and Wireshark joins
// the names with a bare ",", so a comma followed by a space is taken as part
// of a name (application names do not start with a space). Empty names are
// left out of the list by Wireshark, so a list may also be short. It returns
// the names and whether they are exactly one per flow; a count that merely
// happens to match after a comma-space (a name with a comma and an empty
// name in the same frame) is not taken.
func splitApps(cell string, n int) ([]string, bool) {
	apps := splitList(cell)
	var joined []string
	for i, a := range apps {
		if i > 0 && strings.HasPrefix(a, " ") {
			joined[len(joined)-1] += "," + a
			continue
		}
		joined = append(joined, a)
	}
	return joined, len(joined) == n
}

// splitAppsPrefix splits a cut app list: the names before the cut, taking
// comma-space as inside a name (see splitApps). The last (cut) entry is
// dropped.
func splitAppsPrefix(cell string) []string {
	apps, _ := splitApps(cell, -1)
	if len(apps) > 0 {
		apps = apps[:len(apps)-1]
	}
	return apps
}

// unescape undoes the C escapes (g_strescape) that Wireshark's CSV export
// writes for backslashes, control characters and bytes >= 0x80 (as octal).
// Text without a backslash is returned as is.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '"', '\\':
			b.WriteByte(e)
		default:
			if e >= '0' && e <= '7' {
				v, j := 0, i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					v = v*8 + int(s[j]-'0')
					j++
				}
				if v <= 0xff {
					b.WriteByte(byte(v))
					i = j - 1
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}

// excelNumber reports whether a list cell looks like what Excel makes of a
// comma-joined number list it took for one number with thousands separators:
// "443,443,443" becomes 443443443 (or 4.43443443443443E+17 when long).
func excelNumber(cell string, n int) bool {
	if strings.ContainsAny(cell, "eE") {
		m, e, ok := strings.Cut(strings.ToUpper(cell), "E")
		return ok && m != "" && e != "" && strings.Trim(m, "0123456789.-") == "" && strings.Trim(e, "0123456789+-") == ""
	}
	if !allDigits(cell) {
		return false
	}
	return n > 1 || len(cell) > 5
}
