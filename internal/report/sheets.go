package report

import (
	"fmt"
	"strings"
)

// SheetRows is the number of data rows one XLSX worksheet holds: Excel's
// 1,048,576 rows less the header row.
const SheetRows = 1_048_575

// The XLSX sheets of the big tables, named here so that the DOCX names the
// sheets the XLSX renderer writes.
const (
	SheetPairs         = "Pairs"
	SheetUnmatchedPre  = "Unmatched pre"
	SheetUnmatchedPost = "Unmatched post"
)

// SheetNames returns the sheets that hold a table of n rows, perSheet rows
// each: base, "base (2)", "base (3)", ...; always at least one (an empty
// table still has its sheet with the header). perSheet < 1 is taken as
// SheetRows. Both the XLSX renderer and the DOCX (which points at the
// XLSX) use it, with perSheet = SheetRows outside tests.
func SheetNames(base string, n, perSheet int) []string {
	if perSheet < 1 {
		perSheet = SheetRows
	}
	k := max(1, (n+perSheet-1)/perSheet)
	names := make([]string, k)
	for i := range names {
		names[i] = base
		if i > 0 {
			names[i] = fmt.Sprintf("%s (%d)", base, i+1)
		}
	}
	return names
}

// SheetsText names sheets for a sentence: "sheet Pairs", "sheets Pairs and
// Pairs (2)", "sheets Pairs, Pairs (2) and Pairs (3)".
func SheetsText(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "sheet " + names[0]
	}
	return "sheets " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
