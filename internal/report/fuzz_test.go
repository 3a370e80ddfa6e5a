package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

// FuzzCleanText: whatever bytes a capture carries, the cleaned and escaped
// text is well-formed XML character data that reads back as the cleaned text.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"facebook", "<b>&", `=HYPERLINK("x")`, "a\x00\x01\t\n\r\x7f", "\xff\xfe", "\uFFFE\uFFFF", "]]>", "_x0041_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := report.CleanText(s)
		if !utf8.ValidString(c) {
			t.Fatalf("CleanText(%q) = %q is not valid UTF-8", s, c)
		}
		var b strings.Builder
		if err := xml.EscapeText(&b, []byte(c)); err != nil {
			t.Fatal(err)
		}
		var v struct {
			T string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte("<t>"+b.String()+"</t>"), &v); err != nil {
			t.Fatalf("escaped CleanText(%q) is not XML: %v", s, err)
		}
		if v.T != c {
			t.Fatalf("read back %q, want %q", v.T, c)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xFFFE || r == 0xFFFF }) && c != s {
			t.Fatalf("CleanText changed harmless text %q to %q", s, c)
		}
	})
}

// FuzzJSONString: any app name gives valid JSON that decodes to the name as
// encoding/json would have written it.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"facebook", "q\"b\\", "\x00\x1f\n", "\u2028\u2029", "\xff", "€"} {
		f.Add(s)
	}
	m := reporttest.Model(1)
	f.Fuzz(func(t *testing.T, s string) {
		m.Pairs[0].Pre.App = s
		var buf bytes.Buffer
		if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
			t.Fatal(err)
		}
		var v struct {
			Pairs []struct {
				Pre struct {
					App string `json:"app"`
				} `json:"pre"`
			} `json:"pairs"`
		}
		if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
			t.Fatalf("app %q gives invalid JSON: %v", s, err)
		}
		want, _ := json.Marshal(s)
		var ws string
		_ = json.Unmarshal(want, &ws)
		if v.Pairs[0].Pre.App != ws {
			t.Fatalf("app %q read back as %q, want %q", s, v.Pairs[0].Pre.App, ws)
		}
	})
}
