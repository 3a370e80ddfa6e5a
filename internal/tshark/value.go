package tshark

import (
	"net/netip"

	"github.com/tidwall/gjson"
)

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

// PreferAddr reports whether a later address a of a record replaces cur, the
// address kept so far for the same role (source, destination, post-NAT ...):
// the first valid address is kept, except that an unspecified one (0.0.0.0 or
// ::) gives way to a specified one. A record carrying both the IPv4 and the
// IPv6 field of a role (a template with both, of which one is unused and
// zero) so gets the address that is really used, whatever the order of the
// fields. The JSON walker and the EK and CSV readers of internal/wsexport
// use this one rule.
func PreferAddr(cur, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	return !cur.IsValid() || (cur.IsUnspecified() && !a.IsUnspecified())
}
