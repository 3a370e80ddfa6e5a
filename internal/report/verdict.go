package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// VerdictLines returns the verdict's summary and reasons as the renderers
// show them right after the verdict code ("VERDICT: OUT OF SYNC",
// "OUT OF SYNC: ..."), without saying the same thing twice:
//
//   - a leading "<code>: " (any case) is dropped from the summary and from
//     each reason, since the code was just shown ("Out of sync: the post
//     side ..." -> "The post side ..."; the summary, a sentence, keeps a
//     capital, the reasons stay as written);
//   - a reason that repeats the summary's first sentence shows only what it
//     adds: nothing (the reason is left out) or a parenthesis, shown
//     without its brackets ("<first sentence> (each exporter pair judged
//     on its own: ...)" -> "each exporter pair judged on its own: ...").
//
// Texts are compared after trimming spaces and a final full stop, case
// insensitively. The model is not changed; the JSON report keeps the texts
// as the app wrote them.
func VerdictLines(v *Verdict) (summary string, reasons []string) {
	code := verdictCode(v.Code)
	summary = dropCode(v.Summary, code, true)
	first := norm(firstSentence(summary))
	for _, r := range v.Reasons {
		r = dropCode(r, code, false)
		if first != "" {
			nr := norm(r)
			if len(nr) >= len(first) && strings.EqualFold(nr[:len(first)], first) {
				rest := strings.TrimSpace(nr[len(first):])
				switch {
				case rest == "":
					continue // the summary said it all
				case len(rest) > 2 && rest[0] == '(' && rest[len(rest)-1] == ')' && balanced(rest[1:len(rest)-1]):
					r = strings.TrimSpace(rest[1 : len(rest)-1])
				}
			}
		}
		if strings.TrimSpace(r) == "" {
			continue
		}
		reasons = append(reasons, r)
	}
	return summary, reasons
}

// dropCode removes a leading "<code>: " from s and, with capital,
// capitalises what follows; s is returned unchanged when it does not start
// so.
func dropCode(s, code string, capital bool) string {
	t := strings.TrimLeft(s, " ")
	if code == "" || len(t) <= len(code)+1 || !strings.EqualFold(t[:len(code)], code) || t[len(code)] != ':' {
		return s
	}
	t = strings.TrimLeft(t[len(code)+1:], " ")
	if t == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(t)
	if capital && unicode.IsLower(r) {
		t = string(unicode.ToUpper(r)) + t[n:]
	}
	return t
}

// firstSentence is s up to its first full stop that is followed by a space
// and a capital letter (so "5.001 s" and "+120 ms .. +125 ms" do not end it),
// or all of s.
func firstSentence(s string) string {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && (i == 0 || s[i-1] != '.') {
			r, _ := utf8.DecodeRuneInString(s[i+2:])
			if unicode.IsUpper(r) {
				return s[:i+1]
			}
		}
	}
	return s
}

// norm trims spaces and one final full stop (not an ellipsis "..").
func norm(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "..") {
		s = strings.TrimSpace(s[:len(s)-1])
	}
	return s
}

// balanced reports whether the parentheses of s pair up, so that
// "(a) and (b)" is not taken for one parenthesis.
func balanced(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}
