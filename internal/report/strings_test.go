package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"netflowtimedifference/internal/report"
)

func TestCSVAndJSONStringsMatchTheStandardLibrary(t *testing.T) {
	for _, s := range []string{"", "plain", "a,b", `q"uote`, "new\nline", " lead", "tab\there", "Caf\xc3\xa9", "bad\xff", "ctl\x01", "\u2028sep"} {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{s})
		w.Flush()
		if got := string(report.AppendCSVText(nil, s)) + "\n"; got != b.String() {
			t.Errorf("csv %q: got %q, want %q", s, got, b.String())
		}
		var back string
		if err := json.Unmarshal(report.AppendJSONString(nil, s), &back); err != nil || back != strings.ToValidUTF8(s, "\uFFFD") {
			t.Errorf("json %q: got %q, %v", s, back, err)
		}
	}
}

func TestCSVTextNeverStartsAFormula(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("x")`: `"'=HYPERLINK(""x"")"`,
		"+1":              "'+1",
		"-2":              "'-2",
		"@SUM(A1)":        "'@SUM(A1)",
		"a=b":             "a=b",
	} {
		if got := string(report.AppendCSVText(nil, in)); got != want {
			t.Errorf("AppendCSVText(%q) = %s, want %s", in, got, want)
		}
	}
}
