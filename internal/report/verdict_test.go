package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

func TestVerdictLines(t *testing.T) {
	first := "2 of 2 exporter pairs out of sync: a/310 -> b/320 +120 ms (95 % interval +120 ms .. +121 ms, 109 pairs); c/310 -> d/320 +5.001 s (95 % interval +5 s .. +5.002 s, 104 pairs)"
	for _, tc := range []struct {
		name        string
		v           report.Verdict
		wantSummary string
		wantReasons []string
	}{
		{
			name: "the code is dropped from the summary and a reason that only repeats it is left out",
			v: report.Verdict{Code: "out of sync", Summary: "Out of sync: the post side starts flows 5 s later.",
				Reasons: []string{"  the post side starts flows 5 s later  ", "both sides carry milliseconds"}},
			wantSummary: "The post side starts flows 5 s later.",
			wantReasons: []string{"both sides carry milliseconds"},
		},
		{
			name: "a reason that repeats the summary's first sentence keeps only its parenthesis",
			v: report.Verdict{Code: "out of sync", Summary: "Out of sync: " + first + ". In sync: e/310 -> f/320.",
				Reasons: []string{first + " (each exporter pair judged on its own: see the per exporter pair table)", "too few pairs to judge: g"}},
			wantSummary: first + ". In sync: e/310 -> f/320.",
			wantReasons: []string{"each exporter pair judged on its own: see the per exporter pair table", "too few pairs to judge: g"},
		},
		{
			name: "the code is dropped from reasons too, which keep their case",
			v: report.Verdict{Code: "in sync", Summary: "In sync: both start flows at the same time.",
				Reasons: []string{"in sync: the clock offset (-1 ms to +1 ms) lies within the tolerance of ±100 ms"}},
			wantSummary: "Both start flows at the same time.",
			wantReasons: []string{"the clock offset (-1 ms to +1 ms) lies within the tolerance of ±100 ms"},
		},
		{
			name: "a summary that starts with another code is kept",
			v: report.Verdict{Code: "undetermined", Summary: "In sync: maybe.",
				Reasons: []string{"too few pairs"}},
			wantSummary: "In sync: maybe.",
			wantReasons: []string{"too few pairs"},
		},
		{
			name: "a reason that goes on after the summary's words without a parenthesis is kept whole",
			v: report.Verdict{Code: "out of sync", Summary: "Out of sync: offset 5 s.",
				Reasons: []string{"offset 5 s, post ahead"}},
			wantSummary: "Offset 5 s.",
			wantReasons: []string{"offset 5 s, post ahead"},
		},
		{
			name: "two parentheses are not taken for one",
			v: report.Verdict{Code: "out of sync", Summary: "Out of sync: offset 5 s.",
				Reasons: []string{"offset 5 s (a) and (b)"}},
			wantSummary: "Offset 5 s.",
			wantReasons: []string{"offset 5 s (a) and (b)"},
		},
		{
			name:        "an empty code is undetermined",
			v:           report.Verdict{Summary: "Undetermined: no pairs."},
			wantSummary: "No pairs.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			before := strings.Join(v.Reasons, "|")
			s, r := report.VerdictLines(&v)
			if s != tc.wantSummary {
				t.Errorf("summary = %q, want %q", s, tc.wantSummary)
			}
			if strings.Join(r, "|") != strings.Join(tc.wantReasons, "|") {
				t.Errorf("reasons = %q, want %q", r, tc.wantReasons)
			}
			if strings.Join(v.Reasons, "|") != before || v.Summary != tc.v.Summary {
				t.Errorf("VerdictLines changed the model")
			}
		})
	}
}

func TestTextVerdictShowsItsCodeOnceAndNoReasonTwice(t *testing.T) {
	m := reporttest.Model(5)
	m.Verdict = report.Verdict{Code: "out of sync", Summary: "Out of sync: 1 of 1 exporter pairs out of sync: a -> b +5 s.",
		Reasons: []string{"1 of 1 exporter pairs out of sync: a -> b +5 s (each exporter pair judged on its own)", "out of sync: the offset lies beyond the tolerance"}}
	var buf bytes.Buffer
	if err := report.WriteText(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	want := []string{
		"VERDICT: OUT OF SYNC",
		"  1 of 1 exporter pairs out of sync: a -> b +5 s.",
		"  - each exporter pair judged on its own",
		"  - the offset lies beyond the tolerance",
		"",
	}
	if got := lines[2:7]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("verdict lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestJSONKeepsTheVerdictAsTheAppWroteIt(t *testing.T) {
	m := reporttest.Model(5)
	m.Verdict = report.Verdict{Code: "out of sync", Summary: "Out of sync: x.", Reasons: []string{"x"}}
	var buf bytes.Buffer
	if err := report.WriteJSON(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	if want := `"verdict":{"code":"out of sync","summary":"Out of sync: x.","reasons":["x"]}`; !strings.Contains(buf.String(), want) {
		t.Errorf("JSON lacks %s", want)
	}
}
