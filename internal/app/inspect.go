package app

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

// InspectConfig configures `nftimediff inspect`.
type InspectConfig struct {
	Inputs []string
	Source SourceOptions
	Stdout io.Writer
}

// Inspect reads all inputs and prints, per exporter and observation domain,
// what they contain and the export-clock check.
func Inspect(ctx context.Context, cfg InspectConfig) error {
	in, err := OpenInputs(ctx, cfg.Inputs, cfg.Source)
	if err != nil {
		return err
	}
	defer in.Close()
	n := 0
	checks := startChecks{}
	for {
		r, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		checks.add(&r)
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return writeInspect(cfg.Stdout, in.Tally(), checks)
}

// LagStats summarises export lags (header export time - capture time).
type LagStats struct {
	N                int
	Median, Min, Max time.Duration
}

// Lags computes median, minimum and maximum of d (which it sorts).
func Lags(d []time.Duration) LagStats {
	if len(d) == 0 {
		return LagStats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return LagStats{N: len(s), Median: m, Min: s[0], Max: s[len(s)-1]}
}

// fmtDur prints a signed duration in seconds with millisecond digits, and
// in hours or days as well when it is that large. What rounds to 0 ms is
// "0.000 s", without a sign.
func fmtDur(d time.Duration) string {
	d = d.Round(time.Millisecond)
	if d == 0 {
		return "0.000 s"
	}
	s := fmt.Sprintf("%+.3f s", d.Seconds())
	switch a := d.Abs(); {
	case a >= 48*time.Hour:
		s += fmt.Sprintf(" (%+.1f d)", d.Hours()/24)
	case a >= time.Hour:
		s += fmt.Sprintf(" (%+.2f h)", d.Hours())
	}
	return s
}

// Export clock check. The header export time is whole seconds, cut (not
// rounded), and a packet reaches the collector milliseconds after it left:
// an exporter whose clock agrees with the collector's shows lags (export
// time - capture time) between about -1 s and 0 s, and one whose clock is
// off by x shows lags between x - 1 s and x, so x lies in [lag, lag + 1 s].
// Median lags outside [lagBehind, lagAhead] are called off; the margins
// absorb transit time and the collector's own jitter.
const (
	lagAhead  = 250 * time.Millisecond
	lagBehind = -1250 * time.Millisecond
	// lagSpread: lags of one exporter spread wider than the header's
	// resolution plus the margins explain when its clock stepped, or its
	// export stalled, during the capture.
	lagSpread = 1500 * time.Millisecond
)

// lagJudgement is the export clock check of one exporter and domain.
type lagJudgement struct {
	off    bool          // the median lag lies outside [lagBehind, lagAhead]
	lo, hi time.Duration // the exporter's offset from the collector lies in [lo, hi] (when off)
	spread bool          // the lags spread over more than lagSpread
}

func judgeLag(l LagStats) lagJudgement {
	j := lagJudgement{lo: l.Median, hi: l.Median + time.Second, spread: l.Max-l.Min > lagSpread}
	j.off = l.Median > lagAhead || l.Median < lagBehind
	return j
}

// clockLag says in words how an exporter's export clock compares with the
// collector's: "agrees with the collector within the 1 s header
// resolution", "runs 4.613 s .. 5.613 s ahead of the collector".
func clockLag(l LagStats) string {
	j := judgeLag(l)
	unsigned := func(d time.Duration) string { return strings.ReplaceAll(fmtDur(d), "+", "") }
	switch {
	case !j.off:
		return "agrees with the collector within the 1 s header resolution"
	case l.Median > 0:
		return fmt.Sprintf("runs %s .. %s ahead of the collector", unsigned(j.lo), unsigned(j.hi))
	}
	return fmt.Sprintf("runs %s .. %s behind the collector", unsigned(-j.hi), unsigned(-j.lo))
}

// lagSpreadNote explains lags that spread wider than the header explains.
func lagSpreadNote(l LagStats) string {
	if !judgeLag(l).spread {
		return ""
	}
	return fmt.Sprintf("lags range from %s to %s, more than the 1 s header resolution explains: the exporter's clock stepped, or its exports stalled, during the capture",
		fmtDur(l.Min), fmtDur(l.Max))
}

// count writes n with the singular or the plural words.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// zoneLike reports whether a clock offset is a whole number of quarter hours
// (within 2 s: the header has 1 s resolution), as a time-zone mistake would be.
func zoneLike(d time.Duration) (time.Duration, bool) {
	q := d.Round(15 * time.Minute)
	return q, q != 0 && (d-q).Abs() <= 2*time.Second && q.Abs() <= 14*time.Hour
}

// WriteInspect prints a Tally as the inspect report.
func WriteInspect(w io.Writer, t *flow.Tally) error { return writeInspect(w, t, nil) }

// writeInspect is WriteInspect with the start-after-capture checks of the
// records (see startCheck), shown for exporters without export times.
func writeInspect(w io.Writer, t *flow.Tally, checks startChecks) error {
	if w == nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "inputs: %s\n", strings.Join(t.Inputs, ", "))
	if t.Tool != "" {
		fmt.Fprintf(&b, "decoder: %s\n", t.Tool)
	}
	recs, undecoded, options := t.Total()
	fmt.Fprintf(&b, "frames: %d, flow records: %d, options records: %d, undecodable data sets: %d\n\n", t.Frames, recs, options, undecoded)

	doms := t.Sorted()
	if len(doms) == 0 {
		b.WriteString("no NetFlow v9 / IPFIX export packets found.\n")
	} else {
		// The table's forms are match's (report.WriteText): versions 9/10,
		// lags in ms, "n/a" where the input does not tell.
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "exporter\tdomain\tversion\tpackets\trecords\toptions\tundecodable sets\tlag median ms\tlag min .. max ms\tstart after export\t")
		var exps []report.Exporter // for the n/a footnote
		for _, d := range doms {
			l := Lags(d.ExportLag)
			e := report.Exporter{HasExportLag: l.N > 0, StartAfterExport: d.StartAfterExp}
			exps = append(exps, e)
			lag, lagRange := "n/a", "n/a"
			if l.N > 0 {
				lag = report.FormatMs(ms(l.Median))
				lagRange = report.FormatMs(ms(l.Min)) + " .. " + report.FormatMs(ms(l.Max))
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n",
				exporterName(d.Key), d.Key.Domain, versions(d.Versions), d.Packets, d.Records, d.OptionsRecords,
				d.UndecodedSets, lag, lagRange, report.StartAfterExportText(&e))
		}
		tw.Flush()
		b.WriteString("\nlag = header export time - frame capture time (the exporter's clock against the collector's; 1 s header resolution).\n")
		if s := report.ExportersNA(exps); s != "" {
			b.WriteString(s + "\n")
		}
		for _, d := range doms {
			fmt.Fprintf(&b, "\n%s domain %d\n", exporterName(d.Key), d.Key.Domain)
			fmt.Fprintf(&b, "  frames          %d-%d\n", d.FirstFrame, d.LastFrame)
			fmt.Fprintf(&b, "  ports           exporter %s -> collector %s\n", ports(d.ExporterPorts), ports(d.CollectorPorts))
			fmt.Fprintf(&b, "  template ids    %s\n", counts(d.TemplateIDs))
			fmt.Fprintf(&b, "  start encodings %s\n", encodings(d.Encodings, d.NoStart))
			if d.UndecodedSets > 0 || d.RecoveredSets > 0 {
				fmt.Fprintf(&b, "  undecodable     %s (%s) tshark could not decode (no template / malformed); %s recovered with a later template (-2)\n",
					count(d.UndecodedSets, "data set", "data sets"), count(d.UndecodedBytes, "byte", "bytes"), count(d.RecoveredSets, "set", "sets"))
			}
			if l := Lags(d.ExportLag); l.N > 0 {
				fmt.Fprintf(&b, "  export clock    %s (median lag %s over %s; min %s, max %s)\n", clockLag(l), fmtDur(l.Median), count(l.N, "packet", "packets"), fmtDur(l.Min), fmtDur(l.Max))
				if s := lagSpreadNote(l); s != "" {
					fmt.Fprintf(&b, "  clock jump?     %s\n", s)
				}
				if q, ok := zoneLike(l.Median); ok {
					fmt.Fprintf(&b, "  time zone?      the offset is %s, a whole number of quarter hours: most likely a time-zone setting, not a clock fault\n", q)
				}
			}
			if s := lostText(d); s != "" {
				fmt.Fprintf(&b, "  sequence        %s\n", s)
			}
			if s := checks.sentence(d.Key); s != "" && len(d.ExportLag) == 0 {
				fmt.Fprintf(&b, "  start vs capture %s (the input has no export times to check the clock otherwise)\n", s)
			}
			if d.StartAfterExp > 0 {
				fmt.Fprintf(&b, "  impossible      %s\n", count(d.StartAfterExp, "record starts after its packet's export time", "records start after their packet's export time"))
			}
			for _, k := range slices.Sorted(maps.Keys(d.Errors)) {
				fmt.Fprintf(&b, "  problem         %s: %d\n", k, d.Errors[k])
			}
		}
	}
	if len(t.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return Errorf(ExitOutput, "writing inspect report: %v", err)
	}
	return nil
}

// lostText says what the header sequence numbers tell of lost export
// packets: "3 gaps: 23 data records lost; 1 reset (exporter restart?)".
func lostText(d *flow.DomainTally) string {
	var parts []string
	if d.SeqGaps > 0 {
		var lost []string
		if d.SeqMissingPackets > 0 {
			lost = append(lost, count(int(d.SeqMissingPackets), "export packet", "export packets"))
		}
		if d.SeqMissingRecords > 0 {
			lost = append(lost, count(int(d.SeqMissingRecords), "data record", "data records"))
		}
		parts = append(parts, fmt.Sprintf("%s: %s lost before the collector", count(d.SeqGaps, "gap", "gaps"), strings.Join(lost, " and ")))
	}
	if d.SeqResets > 0 {
		parts = append(parts, count(d.SeqResets, "reset (exporter restart, or packets out of order)", "resets (exporter restarts, or packets out of order)"))
	}
	if d.SeqUnchecked > 0 {
		parts = append(parts, fmt.Sprintf("%s not checked (after undecodable sets)", count(d.SeqUnchecked, "message", "messages")))
	}
	return strings.Join(parts, "; ")
}

func exporterName(k flow.ExporterDomain) string {
	if !k.Exporter.IsValid() {
		return "(no IP)"
	}
	return k.Exporter.String()
}

// versions lists the export versions as match's reports do: "9", "10",
// "9,10".
func versions(m map[uint8]int) string {
	var parts []string
	for _, v := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, ",")
}

// ms is d in milliseconds, as the reports' tables give durations.
func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func ports(m map[uint16]int) string {
	if len(m) == 0 {
		return "?"
	}
	var parts []string
	for _, p := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprint(p))
	}
	if len(parts) > 8 {
		parts = append(parts[:8], fmt.Sprintf("... (%d ports)", len(m)))
	}
	return strings.Join(parts, ",")
}

func counts(m map[uint16]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d (%s)", k, count(m[k], "record", "records")))
	}
	return strings.Join(parts, ", ")
}

func encodings(m map[flow.Encoding]int, none int) string {
	var parts []string
	for _, e := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s [%s] (%d)", e, e.Precision(), m[e]))
	}
	if none > 0 {
		parts = append(parts, fmt.Sprintf("no start time (%d)", none))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
