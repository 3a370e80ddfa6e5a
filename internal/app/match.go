package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/output"
	"netflowtimedifference/internal/stats"
)

// MatchConfig configures `nftimediff match`.
type MatchConfig struct {
	Inputs      []string
	Source      SourceOptions
	Match       match.Config
	Tolerance   time.Duration // 0: stats.DefaultTolerance
	FailOnDrift bool          // exit ExitOutOfSync when the verdict is "out of sync"

	Paths  report.Paths // files to write (empty names are skipped)
	Stdout io.Writer    // terminal summary; nil: none
	Stderr io.Writer    // progress and notes; nil: none
}

// Match reads the inputs, pairs the pre- and post-NAT records, analyses the
// differences and writes the summary and the requested reports.
func Match(ctx context.Context, cfg MatchConfig) error {
	recs, tally, err := readAll(ctx, cfg.Inputs, cfg.Source)
	if err != nil {
		return err
	}
	res, err := match.Run(recs, cfg.Match)
	if err != nil {
		return WithCode(ExitNoFlows, err)
	}
	m := BuildModel(recs, tally, res, cfg)
	if cfg.Stdout != nil {
		if err := report.WriteText(ctx, cfg.Stdout, m); err != nil {
			return WithCode(ExitOutput, err)
		}
	}
	if err := output.Write(ctx, m, cfg.Paths); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return WithCode(ExitOutput, err)
	}
	if cfg.Stderr != nil {
		for _, p := range []string{cfg.Paths.Text, cfg.Paths.JSON, cfg.Paths.CSV, cfg.Paths.XLSX, cfg.Paths.DOCX} {
			if p != "" {
				fmt.Fprintf(cfg.Stderr, "wrote %s\n", p)
			}
		}
	}
	if cfg.FailOnDrift && m.Verdict.Code == stats.OutOfSync {
		return Errorf(ExitOutOfSync, "clocks out of sync (--fail-on-drift): %s", m.Verdict.Summary)
	}
	return nil
}

// readAll reads every record of the inputs into memory: matching needs both
// sides at once. Records are stored by value in one slice (no per-record
// allocation besides interned strings).
func readAll(ctx context.Context, inputs []string, so SourceOptions) ([]flow.Record, *flow.Tally, error) {
	in, err := OpenInputs(ctx, inputs, so)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	var recs []flow.Record
	for {
		r, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
		if len(recs)%8192 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
	}
	if err := in.Close(); err != nil {
		return nil, nil, err
	}
	return slices.Clip(recs), in.Tally(), nil
}

// BuildModel turns the matcher's result and the statistics into the report
// model every output renders.
func BuildModel(recs []flow.Record, tally *flow.Tally, res *match.Result, cfg MatchConfig) *report.Model {
	tol := cfg.Tolerance
	if tol == 0 {
		tol = stats.DefaultTolerance
	}
	opt := stats.Options{Tolerance: tol}
	m := &report.Model{
		Title:       "nftimediff: flow start time differences, pre- vs post-NAT",
		Generated:   time.Now().UTC(),
		RecordsPre:  res.RecordsPre,
		RecordsPost: res.RecordsPost,
	}
	m.Params = report.Params{
		Inputs:        cfg.Inputs,
		PreDomains:    res.PreDomains,
		PostDomains:   res.PostDomains,
		PreExporters:  addrStrings(res.PreExporters),
		PostExporters: addrStrings(res.PostExporters),
		Key:           res.Key.Names(),
		Window:        res.Window,
		Tolerance:     tol,
		AllPairs:      res.AllPairs,
		Tool:          tally.Tool,
		DomainNote:    res.Note,
	}
	if m.Params.Tool == "" {
		m.Params.Tool = "Wireshark export"
	}

	// Pairs and samples.
	m.Pairs = make([]report.Pair, len(res.Pairs))
	samples := make([]stats.Sample, len(res.Pairs))
	for i, p := range res.Pairs {
		pre, post := &recs[p.Pre], &recs[p.Post]
		runner := math.NaN()
		if p.RunnerUpNs >= 0 {
			runner = float64(p.RunnerUpNs) / 1e6
		}
		m.Pairs[i] = report.Pair{Pre: pre, Post: post, DeltaMs: float64(p.DeltaNs) / 1e6, Candidates: int(p.Candidates), RunnerUpMs: runner, Continuation: p.Continuation}
		samples[i] = stats.Sample{AtNs: int64(pre.Start), DeltaNs: p.DeltaNs, PreEnc: pre.StartEnc, PostEnc: post.StartEnc, Continuation: p.Continuation}
	}
	m.UnmatchedPre = unmatched(recs, res.UnmatchedPre)
	m.UnmatchedPost = unmatched(recs, res.UnmatchedPost)

	overall := stats.Analyze(samples, opt)
	m.Overall = clockOf("all", overall, len(res.Pairs), len(res.UnmatchedPre), len(res.UnmatchedPost))
	for _, g := range res.ByExporterPair(recs) {
		gs := make([]stats.Sample, len(g.Pairs))
		for i, pi := range g.Pairs {
			gs[i] = samples[pi]
		}
		a := stats.Analyze(gs, opt)
		m.PerPair = append(m.PerPair, clockOf(g.Key.String(), a, len(g.Pairs), g.UnmatchedPre, g.UnmatchedPost))
	}

	m.Exporters = exporters(tally, res)
	m.Verdict = verdict(overall, m, res)
	if s := outliers(m.Pairs, res.Pairs, overall.Offset.Estimate, math.Max(float64(tol)/1e6, overall.PrecisionMs)); s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}

	m.Notes = append(m.Notes, res.Notes...)
	m.Notes = append(m.Notes, tally.Notes...)
	for _, f := range tally.UnverifiedTimes {
		m.Notes = append(m.Notes, fmt.Sprintf("%s: absolute times rest on an assumed time zone; differences within the file are exact, absolute instants are unverified", f))
	}
	if s := noStart(res); s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}
	if s := beyondWindow(res); s != "" {
		m.Notes = append(m.Notes, s)
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}
	if res.Excluded > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("%d records belong to neither side (other domains or exporters) and were left out", res.Excluded))
	}
	if overall.Continuations > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("%d pairs of continuation records (long sessions split by the active timeout) are listed but left out of the clock statistics", overall.Continuations))
	}
	return m
}

func clockOf(label string, a stats.Analysis, pairs, unPre, unPost int) report.Clock {
	c := report.Clock{
		Label: label, Pairs: pairs, UnmatchedPre: unPre, UnmatchedPost: unPost,
		Min: a.Min, P5: a.P5, Median: a.Median, Mean: a.Mean, P95: a.P95, Max: a.Max, Stddev: a.Stddev, MAD: a.MAD,
		WithinTolerance: a.WithinTolerance,
		Offset:          a.Offset.Estimate, OffsetLow: a.Offset.Low, OffsetHigh: a.Offset.High,
		DriftMsPerHour: a.Drift.MsPerHour, DriftPPM: a.Drift.PPM, HasDrift: a.Drift.Determinable,
		Uncertainty:     a.PrecisionMs,
		QuarterHourHint: a.QuarterHourHint,
	}
	for _, s := range a.Steps {
		c.Steps = append(c.Steps, report.Step{At: flow.Instant(s.AtNs).Time(), BeforeMs: s.BeforeMs, AfterMs: s.AfterMs})
	}
	return c
}

func unmatched(recs []flow.Record, us []match.Unmatched) []report.Unmatched {
	out := make([]report.Unmatched, len(us))
	for i, u := range us {
		out[i] = report.Unmatched{Rec: &recs[u.Index], Reason: u.Reason()}
	}
	return out
}

func addrStrings(as []netip.Addr) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

// exporters lists every exporter and domain of the input with its side, time
// encodings and export-clock check.
func exporters(t *flow.Tally, res *match.Result) []report.Exporter {
	var out []report.Exporter
	for _, d := range t.Sorted() {
		e := report.Exporter{
			Exporter:         d.Key.Exporter.String(),
			Domain:           d.Key.Domain,
			Side:             sideOf(d.Key, res),
			Packets:          d.Packets,
			Records:          d.Records,
			Undecoded:        d.UndecodedSets,
			StartAfterExport: d.StartAfterExp,
		}
		var vs []string
		for _, v := range slices.Sorted(maps.Keys(d.Versions)) {
			vs = append(vs, fmt.Sprint(v))
		}
		e.Versions = strings.Join(vs, ",")
		var encs []string
		for _, enc := range slices.Sorted(maps.Keys(d.Encodings)) {
			if enc == flow.EncNone {
				continue
			}
			encs = append(encs, fmt.Sprintf("%s (%s)", enc, enc.Precision()))
		}
		e.Encodings = strings.Join(encs, "; ")
		if l := Lags(d.ExportLag); l.N > 0 {
			e.HasExportLag = true
			e.ExportLagMedian = float64(l.Median) / 1e6
			e.ExportLagMin = float64(l.Min) / 1e6
			e.ExportLagMax = float64(l.Max) / 1e6
		}
		out = append(out, e)
	}
	return out
}

func sideOf(k flow.ExporterDomain, res *match.Result) string {
	in := func(domains []uint32, exporters []netip.Addr) bool {
		return slices.Contains(domains, k.Domain) && (len(exporters) == 0 || slices.Contains(exporters, k.Exporter))
	}
	switch {
	case in(res.PreDomains, res.PreExporters):
		return "pre"
	case in(res.PostDomains, res.PostExporters):
		return "post"
	}
	return ""
}

// verdict turns the statistics' verdict into the report's, adding the
// sentence that names who is off: the offset of the post side relative to the
// pre side, and the export-clock check (header export time vs capture time)
// that tells which of the two disagrees with the collector.
func verdict(a stats.Analysis, m *report.Model, res *match.Result) report.Verdict {
	v := report.Verdict{Code: a.Verdict.Code, Reasons: slices.Clone(a.Verdict.Reasons)}
	pre := sideLabel("pre", res.PreDomains, m.Exporters)
	post := sideLabel("post", res.PostDomains, m.Exporters)
	switch {
	case a.N == 0:
		v.Summary = fmt.Sprintf("No pairs found between %s and %s: the clocks cannot be compared.", pre, post)
	case a.Offset.Estimate > 0:
		v.Summary = fmt.Sprintf("%s: %s starts flows %s later than %s (95 %% interval %s .. %s, %d pairs).",
			capital(v.Code), post, stats.FormatMs(a.Offset.Estimate), pre, stats.FormatSignedMs(a.Offset.Low), stats.FormatSignedMs(a.Offset.High), a.N)
	case a.Offset.Estimate < 0:
		v.Summary = fmt.Sprintf("%s: %s starts flows %s earlier than %s (95 %% interval %s .. %s, %d pairs).",
			capital(v.Code), post, stats.FormatMs(-a.Offset.Estimate), pre, stats.FormatSignedMs(a.Offset.Low), stats.FormatSignedMs(a.Offset.High), a.N)
	default:
		v.Summary = fmt.Sprintf("%s: %s and %s start flows at the same time (median difference 0 ms, 95 %% interval %s .. %s, %d pairs).",
			capital(v.Code), post, pre, stats.FormatSignedMs(a.Offset.Low), stats.FormatSignedMs(a.Offset.High), a.N)
	}
	if s := whoIsOff(m.Exporters); s != "" {
		v.Reasons = append(v.Reasons, s)
	}
	return v
}

// noStart says how many records could not take part because they carry no
// start time (a Wireshark CSV export cuts cells at 255 characters).
func noStart(res *match.Result) string {
	count := func(us []match.Unmatched) (n int) {
		for _, u := range us {
			if u.Why == match.ReasonNoStart {
				n++
			}
		}
		return n
	}
	pre, post := count(res.UnmatchedPre), count(res.UnmatchedPost)
	if pre+post == 0 {
		return ""
	}
	return fmt.Sprintf("%d records (%d pre, %d post) carry no start time and could not be paired (see the notes for why)", pre+post, pre, post)
}

// beyondWindow notices when many pre records found their key on the other
// side only outside the window, at about the same distance: the signature of
// an offset larger than the window (a time-zone setting, a clock hours off),
// which no pairing inside the window can reveal.
func beyondWindow(res *match.Result) string {
	var nearest []float64
	for _, u := range res.UnmatchedPre {
		if u.Why == match.ReasonOutsideWindow {
			nearest = append(nearest, float64(u.NearestNs)/1e6)
		}
	}
	if len(nearest) < 10 || len(nearest) < len(res.Pairs) {
		return ""
	}
	med := stats.Median(nearest)
	var near int
	for _, d := range nearest {
		if math.Abs(d-med) <= max(float64(res.Window)/1e6, math.Abs(med)/20) {
			near++
		}
	}
	if near*2 < len(nearest) {
		return ""
	}
	return fmt.Sprintf("%d pre records have same-key candidates only outside the %v window, most of them near %s: if that is the clocks' offset, rerun with --window %v",
		len(nearest), res.Window, stats.FormatSignedMs(med), (time.Duration(math.Abs(med)*1.05*1e6)+res.Window).Truncate(time.Minute)+time.Minute)
}

// outliers names the pairs (continuations aside) whose difference lies
// further than limit from the offset, largest first, so the analyst can go to
// the packets that disagree.
func outliers(pairs []report.Pair, mp []match.Pair, offset, limit float64) string {
	if math.IsNaN(offset) {
		return ""
	}
	var idx []int
	for i := range pairs {
		if !mp[i].Continuation && math.Abs(pairs[i].DeltaMs-offset) > limit {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(math.Abs(pairs[b].DeltaMs-offset), math.Abs(pairs[a].DeltaMs-offset))
	})
	const show = 5
	var parts []string
	for _, i := range idx[:min(show, len(idx))] {
		p := pairs[i]
		parts = append(parts, fmt.Sprintf("%s (domain %d frame %d flow %d <=> domain %d frame %d flow %d, %s:%d %s)",
			stats.FormatSignedMs(p.DeltaMs), p.Pre.Domain, p.Pre.Frame, p.Pre.Flow, p.Post.Domain, p.Post.Frame, p.Post.Flow,
			p.Post.Dst, p.Post.DstPort, flow.ProtoName(p.Post.Proto)))
	}
	more := ""
	if len(idx) > show {
		more = fmt.Sprintf(" and %d more", len(idx)-show)
	}
	return fmt.Sprintf("%d of %d pairs differ from the offset by more than %s: %s%s", len(idx), len(pairs), stats.FormatMs(limit), strings.Join(parts, ", "), more)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sideLabel names a side for a sentence: "the post side (192.0.2.2, domain 320)".
func sideLabel(side string, domains []uint32, exps []report.Exporter) string {
	var addrs []string
	for _, e := range exps {
		if e.Side == side && !slices.Contains(addrs, e.Exporter) {
			addrs = append(addrs, e.Exporter)
		}
	}
	var ds []string
	for _, d := range domains {
		ds = append(ds, fmt.Sprint(d))
	}
	who := strings.Join(addrs, ", ")
	if len(addrs) > 3 {
		who = fmt.Sprintf("%d exporters", len(addrs))
	}
	noun := "domain"
	if len(ds) > 1 {
		noun = "domains"
	}
	return fmt.Sprintf("the %s side (%s, %s %s)", side, who, noun, strings.Join(ds, ","))
}

// whoIsOff compares each side's export-clock check: the header export time
// minus the collector's capture time. Export packets leave the exporter
// shortly before the collector captures them, so a healthy exporter shows a
// lag near zero (the header's whole-second resolution makes it -1 s .. 0 s);
// an exporter whose clock is off shows its offset there. Reported only when
// the sides disagree by more than the resolution.
func whoIsOff(exps []report.Exporter) string {
	var parts []string
	lag := map[string][]float64{}
	for _, e := range exps {
		if e.Side == "" || !e.HasExportLag {
			continue
		}
		lag[e.Side] = append(lag[e.Side], e.ExportLagMedian)
		parts = append(parts, fmt.Sprintf("%s/%d %s", e.Exporter, e.Domain, stats.FormatSignedMs(e.ExportLagMedian)))
	}
	if len(lag["pre"]) == 0 || len(lag["post"]) == 0 {
		return ""
	}
	pre, post := stats.Median(lag["pre"]), stats.Median(lag["post"])
	const res = 1500.0 // header resolution (1 s) plus transit and batching slack, ms
	s := "Export clock check (header export time - capture time, median per exporter): " + strings.Join(parts, ", ") + ". "
	switch {
	case math.Abs(post-pre) <= res:
		return s + "Both sides agree with the collector's clock within the header's 1 s resolution, so this check cannot say which exporter is off."
	case math.Abs(pre) <= res && math.Abs(post) > res:
		return s + "The pre side agrees with the collector's clock; the post side's exporter clock is off."
	case math.Abs(post) <= res && math.Abs(pre) > res:
		return s + "The post side agrees with the collector's clock; the pre side's exporter clock is off."
	}
	return s + "Neither side agrees with the collector's clock; compare with a trusted time source."
}
