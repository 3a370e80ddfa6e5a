package report

import (
	"context"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the terminal summary: verdict first, then offset with its
// interval, drift, steps, precision, counts, the per exporter pair table, the
// export-clock check per exporter, notes and the parameters. Strings from
// flow data are cleaned of control characters (CleanText) so that a crafted
// app or file name cannot move the cursor or recolour the terminal.
func WriteText(ctx context.Context, w io.Writer, m *Model) error {
	tw := &errWriter{w: w}
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }

	title := m.Title
	if title == "" {
		title = "nftimediff: pre-NAT vs post-NAT exporter clocks"
	}
	p("%s\n\n", CleanText(title))
	p("VERDICT: %s\n", strings.ToUpper(verdictCode(m.Verdict.Code)))
	summary, reasons := VerdictLines(&m.Verdict)
	if summary != "" {
		p("%s", wrap(CleanText(summary), "  ", "  "))
	}
	for _, r := range reasons {
		p("%s", wrap(CleanText(r), "  - ", "    "))
	}
	p("\n")

	c := &m.Overall
	t := tabwriter.NewWriter(tw, 0, 4, 2, ' ', 0)
	fmt.Fprintf(t, "Offset\t%s\n", OffsetText(c))
	if c.Pairs > 0 { // without pairs every figure would read n/a: the counts say why
		fmt.Fprintf(t, "Differences\tmedian %s ms, MAD %s ms, mean %s ms, stddev %s ms\n",
			FormatMs(c.Median), FormatMs(c.MAD), FormatMs(c.Mean), FormatMs(c.Stddev))
		fmt.Fprintf(t, "Spread\tp5 .. p95 %s .. %s ms, min .. max %s .. %s ms\n", FormatMs(c.P5), FormatMs(c.P95), FormatMs(c.Min), FormatMs(c.Max))
		fmt.Fprintf(t, "Drift\t%s\n", DriftText(c))
		fmt.Fprintf(t, "Steps\t%s\n", StepsText(c.Steps))
		fmt.Fprintf(t, "Precision\t%s\n", PrecisionText(c))
		fmt.Fprintf(t, "Within tolerance\t%s of pairs within ±%s ms\n", percent(c.WithinTolerance), FormatMs(float64(m.Params.Tolerance)/1e6))
	}
	fmt.Fprintf(t, "Pairs\t%s\n", CountsText(m))
	if c.QuarterHourHint != "" {
		fmt.Fprintf(t, "Time zone?\t%s\n", CleanText(c.QuarterHourHint))
	}
	_ = t.Flush()

	if len(m.PerPair) > 0 {
		p("\nPer exporter pair (pre -> post)\n")
		t = tabwriter.NewWriter(tw, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(t, "EXPORTER PAIR\tPAIRS\tCONT.\tUNM. PRE\tUNM. POST\tOFFSET ms\t95%% INTERVAL ms\tMEDIAN ms\tMAD ms\tDRIFT ppm\tSTEPS\tPRECISION ms\t\n")
		for i := range m.PerPair {
			if i%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			k := &m.PerPair[i]
			drift := "n/a"
			if k.HasDrift {
				drift = fmtFloat(k.DriftPPM, 3)
			}
			prec := "n/a"
			if k.Uncertainty > 0 {
				prec = "±" + FormatMs(k.Uncertainty)
			}
			fmt.Fprintf(t, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t\n", CleanText(k.Label), k.Pairs, k.Continuations, k.UnmatchedPre, k.UnmatchedPost,
				FormatMs(k.Offset), IntervalCell(k), FormatMs(k.Median), FormatMs(k.MAD), drift, len(k.Steps), prec)
		}
		_ = t.Flush()
		for _, s := range []string{ContinuationsFootnote(m.PerPair), IntervalFootnote(m.PerPair)} {
			if s != "" {
				p("%s", wrap(s, "  ", "  "))
			}
		}
	}

	if len(m.Exporters) > 0 {
		p("\nExport clock check (header export time - capture time; the collector's clock as reference)\n")
		t = tabwriter.NewWriter(tw, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(t, "EXPORTER\tDOMAIN\tSIDE\tVERSION\tPACKETS\tRECORDS\tSTART ENCODING\tLAG MEDIAN ms\tLAG MIN .. MAX ms\tSTART AFTER EXPORT\tUNDECODED SETS\t\n")
		for i := range m.Exporters {
			e := &m.Exporters[i]
			lag, lagRange := "n/a", "n/a"
			if e.HasExportLag {
				lag = FormatMs(e.ExportLagMedian)
				lagRange = FormatMs(e.ExportLagMin) + " .. " + FormatMs(e.ExportLagMax)
			}
			fmt.Fprintf(t, "%s\t%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t\n", CleanText(e.Exporter), e.Domain, dash(e.Side), dash(e.Versions),
				e.Packets, e.Records, dash(CleanText(e.Encodings)), lag, lagRange, StartAfterExportText(e), e.Undecoded)
		}
		_ = t.Flush()
		if s := ExportersNA(m.Exporters); s != "" {
			p("  %s\n", s)
		}
	}

	if len(m.Notes) > 0 {
		p("\nNotes\n")
		for _, n := range m.Notes {
			p("%s", wrap(CleanText(n), "  - ", "    "))
		}
	}

	p("\nParameters\n")
	t = tabwriter.NewWriter(tw, 0, 4, 2, ' ', 0)
	for _, kv := range ParamRows(m) {
		fmt.Fprintf(t, "  %s\t%s\n", kv[0], CleanText(kv[1]))
	}
	_ = t.Flush()
	return tw.err
}

// errWriter keeps the first write error so the renderers can write freely
// and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func verdictCode(s string) string {
	if s == "" {
		return "undetermined"
	}
	return s
}

// StartAfterExportText is the count of records starting after their export
// time, or "n/a" when the input carries no export times.
func StartAfterExportText(e *Exporter) string {
	if !e.StartAfterExportKnown() {
		return "n/a"
	}
	return strconv.Itoa(e.StartAfterExport)
}

// ExportersNA explains "n/a" in an exporters table (export lag, starts
// after export time); "" when no exporter shows it.
func ExportersNA(es []Exporter) string {
	for i := range es {
		if !es[i].HasExportLag || !es[i].StartAfterExportKnown() {
			return "n/a: not known from this input (Wireshark CSV/XLSX exports carry no export times)."
		}
	}
	return ""
}

// textWidth is the width the summary's sentences are wrapped to: the
// verdict and notes read at a glance in an 80..120-column terminal.
const textWidth = 100

// unitRE finds a number and its unit, which wrap keeps on one line.
var unitRE = regexp.MustCompile(`([0-9]) (ms|s|%|ppm|min|h|d)\b`)

// wrap breaks s at spaces into lines of at most textWidth columns (a longer
// word stays whole, and so does a number with its unit), the first
// starting with first, the others with rest.
func wrap(s, first, rest string) string {
	const glue = "\u00a0"
	s = unitRE.ReplaceAllString(s, "${1}"+glue+"${2}")
	var b strings.Builder
	line, width := first, len([]rune(first))
	var words []string
	for _, w := range strings.Split(s, " ") {
		if w != "" {
			words = append(words, w)
		}
	}
	for i, w := range words {
		n := len([]rune(w))
		if i > 0 && width+1+n > textWidth {
			b.WriteString(line + "\n")
			line, width = rest+w, len([]rune(rest))+n
			continue
		}
		if i > 0 {
			line += " "
			width++
		}
		line += w
		width += n
	}
	b.WriteString(line + "\n")
	return strings.ReplaceAll(b.String(), glue, " ")
}

// OffsetText formats the offset with its interval, e.g.
// "5002.1 ms (95 % interval 5001.9 .. 5002.3 ms), post - pre". After clock
// steps the offset is the last level's (see Clock.Offset), and the text says
// since when and what the levels were before: "0 ms (95 % interval 0 .. 1
// ms) since the clock step at 2025-06-10 09:00:40.224 UTC (before it:
// -1500 ms), post - pre".
func OffsetText(c *Clock) string {
	if c.Pairs == 0 || math.IsNaN(c.Offset) {
		return "n/a (no pairs)"
	}
	s := fmt.Sprintf("%s ms (%s %s .. %s ms)", FormatMs(c.Offset), IntervalName(c), FormatMs(c.OffsetLow), FormatMs(c.OffsetHigh))
	if n := len(c.Steps); n > 0 {
		before := make([]string, n)
		for i, st := range c.Steps {
			before[i] = FormatMs(st.BeforeMs) + " ms"
		}
		s += fmt.Sprintf(" since the clock step at %s (before it: %s)", c.Steps[n-1].At.UTC().Format("2006-01-02 15:04:05.000 UTC"), strings.Join(before, ", then "))
	}
	return s + ", post - pre"
}

// IntervalName is the name of the offset's interval ("95 % interval").
func IntervalName(c *Clock) string {
	if c.OffsetInterval == "" {
		return "95 % interval"
	}
	return c.OffsetInterval
}

// IntervalCell formats the offset interval for a table cell: "5000 .. 5002",
// marked "*" when too few pairs reach the level (see IntervalFootnote).
func IntervalCell(c *Clock) string {
	if c.Pairs == 0 {
		return "n/a"
	}
	s := FormatMs(c.OffsetLow) + " .. " + FormatMs(c.OffsetHigh)
	if c.Pairs > 0 && c.OffsetInterval != "" && !c.OffsetIntervalReached {
		s += "*"
	}
	return s
}

// IntervalFootnote explains IntervalCell's mark when a row of cs carries it.
func IntervalFootnote(cs []Clock) string {
	for i := range cs {
		if strings.HasSuffix(IntervalCell(&cs[i]), "*") {
			return "* too few pairs for a 95 % interval: min .. max of the pairs"
		}
	}
	return ""
}

// ContinuationsFootnote explains the continuation column of a per exporter
// pair table when a row has continuation pairs, "" otherwise.
func ContinuationsFootnote(cs []Clock) string {
	for i := range cs {
		if cs[i].Continuations > 0 {
			return "Pairs count every pair; the continuation pairs among them (long sessions split by the exporters' active timeouts) are left out of the offset, interval, MAD, drift and steps."
		}
	}
	return ""
}

// DriftText formats the drift, e.g. "+3.6 ms/hour (+1 ppm)".
func DriftText(c *Clock) string {
	if !c.HasDrift {
		return "not estimated (time span too short or too few pairs)"
	}
	return fmt.Sprintf("%s ms/hour (%s ppm)", signed(c.DriftMsPerHour, 3), signed(c.DriftPPM, 3))
}

// StepsText lists the clock steps in one line.
func StepsText(steps []Step) string {
	if len(steps) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(steps))
	for _, s := range steps {
		parts = append(parts, fmt.Sprintf("at %s from %s to %s ms", s.At.UTC().Format("2006-01-02 15:04:05.000 UTC"), FormatMs(s.BeforeMs), FormatMs(s.AfterMs)))
	}
	return strings.Join(parts, "; ")
}

// PrecisionText says how exact the differences can be.
func PrecisionText(c *Clock) string {
	switch u := c.Uncertainty; {
	case math.IsNaN(u) || u <= 0:
		return "n/a"
	case c.UncertaintyMin > 0 && c.UncertaintyMin < u:
		return fmt.Sprintf("±%s ms to ±%s ms depending on exporter pair (see the per exporter pair table): pooled figures mix them", FormatMs(c.UncertaintyMin), FormatMs(u))
	case u >= 1000:
		return fmt.Sprintf("±%s ms: at least one side carries whole seconds (v9 header time or flowStartSeconds); differences below that are not meaningful", FormatMs(u))
	default:
		return fmt.Sprintf("±%s ms (resolution of the start times both sides carry)", FormatMs(u))
	}
}

// CountsText is the pair and unmatched counts in one line.
func CountsText(m *Model) string {
	pairs := fmt.Sprintf("%d one-to-one pairs", len(m.Pairs))
	if m.Params.AllPairs {
		pairs = fmt.Sprintf("%d candidate pairs (many to many: --all-pairs, as the old workflow)", len(m.Pairs))
	} else if n := continuations(m.Pairs); n == 1 {
		pairs += " (1 of them a continuation pair, left out of the clock figures)"
	} else if n > 1 {
		pairs += fmt.Sprintf(" (%d of them continuation pairs, left out of the clock figures)", n)
	}
	return fmt.Sprintf("%s from %d pre and %d post records; unmatched: %d pre, %d post",
		pairs, m.RecordsPre, m.RecordsPost, len(m.UnmatchedPre), len(m.UnmatchedPost))
}

func continuations(ps []Pair) int {
	n := 0
	for i := range ps {
		if ps[i].Continuation {
			n++
		}
	}
	return n
}

// ParamRows are the parameters as (name, value) rows, shared by all formats.
func ParamRows(m *Model) [][2]string {
	p := &m.Params
	rows := [][2]string{
		{"Inputs", strings.Join(p.Inputs, ", ")},
		{"Pre-NAT domains", joinU32(p.PreDomains)},
		{"Post-NAT domains", joinU32(p.PostDomains)},
	}
	if len(p.PreExporters) > 0 {
		rows = append(rows, [2]string{"Pre-NAT exporters", strings.Join(p.PreExporters, ", ")})
	}
	if len(p.PostExporters) > 0 {
		rows = append(rows, [2]string{"Post-NAT exporters", strings.Join(p.PostExporters, ", ")})
	}
	mode := "one-to-one"
	if p.AllPairs {
		mode = "many-to-many (--all-pairs)"
	}
	rows = append(rows,
		[2]string{"Key", strings.Join(p.Key, ", ")},
		[2]string{"Window", SpacedDuration(p.Window)},
		[2]string{"Tolerance", "±" + SpacedDuration(p.Tolerance)},
		[2]string{"Pairing", mode},
		[2]string{"Reader", dash(p.Tool)},
	)
	if p.DomainNote != "" {
		rows = append(rows, [2]string{"Domains", p.DomainNote})
	}
	if !m.Generated.IsZero() {
		rows = append(rows, [2]string{"Generated", m.Generated.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	return rows
}

func joinU32(v []uint32) string {
	if len(v) == 0 {
		return "-"
	}
	s := make([]string, len(v))
	for i, d := range v {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, ", ")
}

// FlagDuration writes a duration as a flag takes it: "6s", "100ms", "3h6s"
// (without Go's zero parts: "3h0m6s").
func FlagDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return strings.Replace(s, "h0m", "h", 1)
}

// durationPart is one number and unit of a FlagDuration: "3h", "6s", "1.5ms".
var durationPart = regexp.MustCompile(`([0-9.]+)(h|ms|µs|ns|m|s)`)

// SpacedDuration writes a duration as the reports' sentences write
// amounts: number, space, unit ("6 s", "100 ms", "3 h 6 s", "1 min 30 s"),
// where FlagDuration writes it as a flag takes it.
func SpacedDuration(d time.Duration) string {
	if d == 0 {
		return "0 s"
	}
	s := FlagDuration(d)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var parts []string
	for _, m := range durationPart.FindAllStringSubmatch(s, -1) {
		unit := m[2]
		if unit == "m" {
			unit = "min"
		}
		parts = append(parts, m[1]+" "+unit)
	}
	return sign + strings.Join(parts, " ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return fmtFloat(f*100, 1) + " %"
}

func fmtFloat(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	s := fmt.Sprintf("%.*f", prec, v)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func signed(v float64, prec int) string {
	s := fmtFloat(v, prec)
	if v > 0 && s != "0" {
		return "+" + s
	}
	return s
}
