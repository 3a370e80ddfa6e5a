package tshark

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"a short value is quoted whole", "abc", `"abc"`},
		{"an 80-byte value is quoted whole", strings.Repeat("a", 80), `"` + strings.Repeat("a", 80) + `"`},
		{"an 81-byte value is cut to 80 with its length", strings.Repeat("a", 81), `"` + strings.Repeat("a", 80) + `"… (81 bytes)`},
		{"a 30 MB value gives one short line", strings.Repeat("9", 30<<20), `"` + strings.Repeat("9", 80) + `"… (31457280 bytes)`},
		// 79 ASCII bytes, then "é" (2 bytes) across the 80-byte mark: cut before it.
		{"a cut never splits a character", strings.Repeat("a", 79) + "é" + strings.Repeat("b", 10), `"` + strings.Repeat("a", 79) + `"… (91 bytes)`},
		{"control characters are escaped", "a\nb", `"a\nb"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Quote(tc.in); got != tc.want {
				t.Errorf("Quote = %.120s, want %.120s", got, tc.want)
			}
		})
	}
}

func TestInputNameSaysStandardInput(t *testing.T) {
	if got := InputName("-"); got != "- (standard input)" {
		t.Errorf("InputName(-) = %q", got)
	}
	if got := InputName("a.json"); got != "a.json" {
		t.Errorf("InputName(a.json) = %q", got)
	}
}
