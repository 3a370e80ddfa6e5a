package tshark

import "github.com/tidwall/gjson"

// text returns a field value as tshark printed it. tshark writes every value
// as a JSON string; with --no-duplicate-keys a repeated field becomes an
// array of them, of which the first (for biflow counters the forward one) is
// the record's. Numbers and literals are returned as written, objects as "".
//
// Strings without escapes are views of the packet's element (gjson slices its
// input): they are valid until the walker reads the next element, so what a
// Record keeps is interned or cloned.
func text(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Number, gjson.True, gjson.False:
		return v.Raw
	case gjson.JSON:
		if v.IsArray() {
			var first string
			v.ForEach(func(_, e gjson.Result) bool {
				first = text(e)
				return false
			})
			return first
		}
	}
	return ""
}
