package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/netip"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

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
	OutDir string       // -o DIR: created (with parents) before the inputs are read
	Stdout io.Writer    // terminal summary; nil: none
	Stderr io.Writer    // progress and notes; nil: none
}

// Match reads the inputs, pairs the pre- and post-NAT records, analyses the
// differences and writes the summary and the requested reports.
func Match(ctx context.Context, cfg MatchConfig) error {
	p := cfg.Paths
	if err := distinctOutputs(p, cfg.OutDir, cfg.Inputs); err != nil {
		return err
	}
	if err := checkOutputs(cfg.Inputs, cfg.OutDir, p.Text, p.JSON, p.CSV, p.XLSX, p.DOCX); err != nil {
		return err
	}
	// -o DIR is made before the inputs are read: a directory that cannot
	// be made should not cost the analyst a long read first.
	if cfg.OutDir != "" {
		if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
			return Errorf(ExitOutput, "-o %s: %v", cfg.OutDir, err)
		}
	}
	recs, tally, err := readAll(ctx, cfg.Inputs, cfg.Source)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		// Say why, as inspect would: a port to add, undecodable data.
		msg := "no flow records in the input"
		if len(tally.Notes) > 0 {
			msg += ": " + strings.Join(tally.Notes, "; ")
		} else if _, undecoded, _ := tally.Total(); undecoded > 0 {
			msg += fmt.Sprintf(": %s ('nftimediff inspect' shows them per exporter)", count(undecoded, "data set could not be decoded", "data sets could not be decoded"))
		} else if packets := tally.Packets(); packets > 0 {
			msg += fmt.Sprintf(": %s only templates and options ('nftimediff inspect' shows them per exporter)", count(packets, "export packet carries", "export packets carry"))
		} else {
			msg += ": no NetFlow v9 / IPFIX export packets in it"
		}
		return Errorf(ExitNoFlows, "%s", msg)
	}
	// The clock figures and the verdict always rest on one-to-one pairs:
	// many-to-many candidates (--all-pairs) count a popular key's sessions
	// against each other, and their differences show no clock.
	one := cfg.Match
	one.AllPairs = false
	res, err := match.Run(recs, one)
	if err != nil {
		return WithCode(ExitNoFlows, oneSideOnly(err, cfg))
	}
	m := BuildModel(recs, tally, res, cfg)
	if cfg.Match.AllPairs {
		all, err := match.Run(recs, cfg.Match)
		if err != nil {
			return WithCode(ExitNoFlows, err)
		}
		m.Pairs = reportPairs(recs, all.Pairs)
		m.Params.AllPairs = true
		m.Notes = append(m.Notes, fmt.Sprintf("--all-pairs: the pair list holds every candidate pair within the window (many to many, %d pairs, as the old workflow); the clock figures, charts' statistics and the verdict come from the one-to-one pairing (%d pairs)",
			len(all.Pairs), len(res.Pairs)))
	}
	// The summary goes first (quick feedback), but a terminal or pipe that
	// went away must not cost the report files: a reader that stopped
	// reading (| head) is no error; any other failure is reported once
	// the files are written.
	var summaryErr error
	if cfg.Stdout != nil {
		if err := report.WriteText(ctx, cfg.Stdout, m); err != nil && !errors.Is(err, syscall.EPIPE) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			summaryErr = Errorf(ExitOutput, "writing the summary: %v", err)
		}
	}
	// Each "wrote" line comes as its file is in place, so an interrupt or
	// error part way leaves a true account of what was written.
	var written []string
	err = output.Write(ctx, m, cfg.Paths, func(p string) {
		written = append(written, p)
		if cfg.Stderr != nil {
			fmt.Fprintf(cfg.Stderr, "wrote %s\n", p)
		}
	})
	if err != nil {
		var rest []string
		for _, p := range []string{cfg.Paths.Text, cfg.Paths.JSON, cfg.Paths.CSV, cfg.Paths.XLSX, cfg.Paths.DOCX} {
			if p != "" && !slices.Contains(written, p) {
				rest = append(rest, p)
			}
		}
		if ctx.Err() != nil {
			if cfg.Stderr != nil {
				fmt.Fprintf(cfg.Stderr, "not written (interrupted; a file of that name from an earlier run is left as it was): %s\n", strings.Join(rest, ", "))
			}
			return ctx.Err()
		}
		return Errorf(ExitOutput, "%w; not written: %s", err, strings.Join(rest, ", "))
	}
	if summaryErr != nil {
		return summaryErr
	}
	if cfg.FailOnDrift && m.Verdict.Code == stats.OutOfSync {
		return Errorf(ExitOutOfSync, "out of sync (--fail-on-drift): %s", strings.TrimPrefix(m.Verdict.Summary, capital(stats.OutOfSync)+": "))
	}
	return nil
}

// oneSideOnly rewords a side error for an input that holds one
// observation domain: choosing other domains cannot help there (the same
// domain on both sides is refused), only the other side's capture can.
func oneSideOnly(err error, cfg MatchConfig) error {
	var se *match.SideError
	if !errors.As(err, &se) || se.Code != ExitNoFlows || len(se.Found) != 1 {
		return err
	}
	d := se.Found[0]
	pre, post := cfg.Match.PreDomains, cfg.Match.PostDomains
	if len(pre) == 0 {
		pre = []uint32{match.DefaultPreDomain}
	}
	if len(post) == 0 {
		post = []uint32{match.DefaultPostDomain}
	}
	example := fmt.Sprintf("nftimediff match %s OTHER-SIDE.pcap", strings.Join(cfg.Inputs, " "))
	switch {
	case slices.Contains(pre, d.Domain) || slices.Contains(post, d.Domain):
		side, other, flag := "pre", "post", "--post-odid"
		if slices.Contains(post, d.Domain) {
			side, other, flag = "post", "pre", "--pre-odid"
		}
		return Errorf(ExitNoFlows, "%s: the input holds the %s side only (%s). Add the capture of the %s side: match reads several inputs (%s), with %s if the %s side is not domain %s",
			se.Msg, side, domainText(d), other, example, flag, other, joinDomains(map[string][]uint32{"pre": pre, "post": post}[other]))
	}
	return Errorf(ExitNoFlows, "the input holds one observation domain only (%s): one side of the NAT at most. Add the capture of the other side: match reads several inputs (%s), "+
		"and name the domains with --pre-odid and --post-odid when they are not %s and %s (e.g. --pre-odid %d --post-odid ID, or the other way round)",
		domainText(d), example, joinDomains(pre), joinDomains(post), d.Domain)
}

// domainText is "domain 70, 892 flows from exporter 127.0.0.1".
func domainText(d match.DomainCount) string {
	ex := strings.Join(addrStrings(d.Exporters), ", ")
	if len(d.Exporters) > 1 {
		ex = "exporters " + ex
	} else {
		ex = "exporter " + ex
	}
	return fmt.Sprintf("domain %d, %s from %s", d.Domain, count(d.Flows, "flow", "flows"), ex)
}

func joinDomains(ds []uint32) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, ",")
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
	// Records are gathered in fixed-size chunks and copied once into a slice
	// of exactly the right length: append's doubling would leave up to a
	// quarter of the slice unused and, while growing, hold the old and the
	// new array at once (2.25 times the records).
	const chunkLen = 1 << 16
	var chunks [][]flow.Record
	cur := make([]flow.Record, 0, chunkLen)
	total := 0
	budget := newMemoryBudget()
	for {
		r, err := in.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if len(cur) == chunkLen {
			chunks = append(chunks, cur)
			cur = make([]flow.Record, 0, chunkLen)
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			budget.fit(total)
		}
		cur = append(cur, r)
		total++
	}
	chunks = append(chunks, cur)
	recs := make([]flow.Record, 0, total)
	for i := range chunks {
		recs = append(recs, chunks[i]...)
		chunks[i] = nil // let the collector take it while the rest is copied
	}
	if err := in.Close(); err != nil {
		return nil, nil, err
	}
	return recs, in.Tally(), nil
}

// memoryBudget keeps match's peak memory near what it needs. Matching holds
// every record at once, and Go's default collector lets the heap grow to
// twice the live data between collections; on a million records that peaked
// near 900 MB, mostly garbage. A soft memory limit (runtime/debug) makes the
// collector run earlier instead: 450 MiB, or 1.5 times the records' own
// size plus 100 MiB once the input is bigger than that allows, so that large
// inputs are not starved into continuous collection. A GOMEMLIMIT set by the
// user wins.
type memoryBudget struct {
	on    bool
	limit int64
}

const memoryFloor = 450 << 20

func newMemoryBudget() *memoryBudget {
	b := &memoryBudget{on: os.Getenv("GOMEMLIMIT") == ""}
	b.fit(0)
	return b
}

// fit raises the limit for n records (it never lowers it).
func (b *memoryBudget) fit(n int) {
	if !b.on {
		return
	}
	want := max(int64(memoryFloor), int64(n)*int64(unsafe.Sizeof(flow.Record{}))*3/2+100<<20)
	if want > b.limit {
		b.limit = want
		debug.SetMemoryLimit(want)
	}
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
	m.Pairs = reportPairs(recs, res.Pairs)
	samples := make([]stats.Sample, len(res.Pairs))
	for i, p := range res.Pairs {
		pre, post := &recs[p.Pre], &recs[p.Post]
		samples[i] = stats.Sample{AtNs: int64(pre.Start), DeltaNs: p.DeltaNs, PreEnc: pre.StartEnc, PostEnc: post.StartEnc, Continuation: p.Continuation}
	}
	m.UnmatchedPre = unmatched(recs, res.UnmatchedPre)
	m.UnmatchedPost = unmatched(recs, res.UnmatchedPost)

	groups := res.ByExporterPair(recs)
	pooledOpt := opt
	if len(groups) > 1 {
		// Exporter pairs may run at different offsets (one probe off, the
		// others fine). Pooled, their differences look like a clock step
		// wherever the mix changes; steps are found per exporter pair.
		pooledOpt.MinStep = math.MaxInt64
	}
	overall := stats.Analyze(samples, pooledOpt)
	m.Overall = clockOf("all", overall, len(res.Pairs), len(res.UnmatchedPre), len(res.UnmatchedPost))
	ref := make([]float64, len(res.Pairs)) // per pair: its exporter pair's clock level at that time
	var per []groupAnalysis
	for _, g := range groups {
		gs := make([]stats.Sample, len(g.Pairs))
		for i, pi := range g.Pairs {
			gs[i] = samples[pi]
		}
		a := stats.Analyze(gs, opt)
		for _, pi := range g.Pairs {
			ref[pi] = levelAt(a, samples[pi].AtNs)
		}
		per = append(per, groupAnalysis{label: g.Key.String(), a: a})
		m.PerPair = append(m.PerPair, clockOf(g.Key.String(), a, len(g.Pairs), g.UnmatchedPre, g.UnmatchedPost))
	}
	if len(groups) == 0 {
		// Nothing paired: the table still shows who was compared. These
		// rows take no part in the verdict (there is nothing to judge).
		for _, g := range unpairedGroups(recs, res) {
			m.PerPair = append(m.PerPair, clockOf(g.Key.String(), stats.Analyze(nil, opt), 0, g.UnmatchedPre, g.UnmatchedPost))
		}
	}

	m.Exporters = exporters(tally, res)
	m.Verdict = verdict(overall, per, m, res)
	if len(res.Pairs) == 0 {
		// Nothing paired: the decisive reason ("no pairs: nothing to
		// compare") gives way to why, per side.
		var why []string
		for side, us := range [2][]match.Unmatched{res.UnmatchedPre, res.UnmatchedPost} {
			if s := reasonTally([...]string{"pre", "post"}[side], us); s != "" {
				why = append(why, s)
			}
		}
		if len(why) > 0 {
			m.Verdict.Reasons = slices.Replace(m.Verdict.Reasons, 0, min(1, len(m.Verdict.Reasons)), why...)
		}
	}
	s, checks := startsAhead(recs, m.Exporters)
	if s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}
	if s := lostPackets(tally, res); s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}
	limit := math.Max(float64(tol)/1e6, overall.PrecisionMs)
	style := report.LineStyleOf(m)
	style.File = false // the reasons name positions briefly; the pair lists name the file
	if s := outliers(m.Pairs, res.Pairs, ref, limit, style); s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}
	if s := runningHeads(m.Pairs, res.Pairs, ref, limit, style); s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}

	// Notes that are a parameter or a reason already are not repeated.
	for _, n := range res.Notes {
		if n != res.Note && !slices.Contains(res.NoOffset, n) {
			m.Notes = append(m.Notes, n)
		}
	}
	m.Notes = append(m.Notes, tally.Notes...)
	for _, f := range tally.UnverifiedTimes {
		m.Notes = append(m.Notes, fmt.Sprintf("%s: absolute times rest on an assumed time zone; differences within the file are exact, absolute instants are unverified", f))
	}
	if s := noStart(res); s != "" {
		m.Verdict.Reasons = append(m.Verdict.Reasons, s)
	}
	m.Verdict.Reasons = append(m.Verdict.Reasons, res.NoOffset...)
	// A window too narrow for the clocks decides what every figure above
	// means (pairs within one probe only, or none at all): it comes first.
	hint := beyondWindow(res)
	if hint == "" {
		hint = clocksBeyondWindow(m.Exporters, checks, res.Window)
	}
	if hint != "" {
		m.Verdict.Reasons = slices.Insert(m.Verdict.Reasons, 0, hint)
	}
	if res.Excluded > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("%d records belong to neither side (other domains or exporters) and were left out", res.Excluded))
	}
	return m
}

// unpairedGroups lists, when nothing paired, every combination of a pre
// and a post exporter domain with unmatched records, with their unmatched
// counts (as ByExporterPair counts them): the per exporter pair table then
// still shows who was compared, and that nothing paired.
func unpairedGroups(recs []flow.Record, res *match.Result) []match.PairGroup {
	count := func(us []match.Unmatched) (map[flow.ExporterDomain]int, []flow.ExporterDomain) {
		n := map[flow.ExporterDomain]int{}
		var order []flow.ExporterDomain
		for _, u := range us {
			ed := recs[u.Index].ExporterDomain()
			if n[ed] == 0 {
				order = append(order, ed)
			}
			n[ed]++
		}
		slices.SortFunc(order, func(a, b flow.ExporterDomain) int {
			return cmp.Or(a.Exporter.Compare(b.Exporter), cmp.Compare(a.Domain, b.Domain))
		})
		return n, order
	}
	npre, pres := count(res.UnmatchedPre)
	npost, posts := count(res.UnmatchedPost)
	var out []match.PairGroup
	for _, a := range pres {
		for _, b := range posts {
			out = append(out, match.PairGroup{Key: match.ExporterPair{Pre: a, Post: b}, UnmatchedPre: npre[a], UnmatchedPost: npost[b]})
		}
	}
	return out
}

// reasonTally counts a side's unmatched records by reason, most frequent
// first: "5 pre records: no record with the same key on the other side",
// "5 pre records without a partner: no start time (3); no record with the
// same key on the other side (2)".
func reasonTally(side string, us []match.Unmatched) string {
	if len(us) == 0 {
		return ""
	}
	n := map[match.Reason]int{}
	for _, u := range us {
		n[u.Why]++
	}
	whys := slices.Collect(maps.Keys(n))
	slices.SortFunc(whys, func(a, b match.Reason) int { return cmp.Or(cmp.Compare(n[b], n[a]), cmp.Compare(a, b)) })
	recs := count(len(us), side+" record", side+" records")
	if len(whys) == 1 {
		return fmt.Sprintf("%s: %s", recs, whys[0])
	}
	parts := make([]string, len(whys))
	for i, w := range whys {
		parts[i] = fmt.Sprintf("%s (%d)", w, n[w])
	}
	return fmt.Sprintf("%s without a partner: %s", recs, strings.Join(parts, "; "))
}

// reportPairs turns the matcher's pairs into the report's.
func reportPairs(recs []flow.Record, ps []match.Pair) []report.Pair {
	out := make([]report.Pair, len(ps))
	for i, p := range ps {
		runner := math.NaN()
		if p.RunnerUpNs >= 0 {
			runner = float64(p.RunnerUpNs) / 1e6
		}
		out[i] = report.Pair{Pre: &recs[p.Pre], Post: &recs[p.Post], DeltaMs: float64(p.DeltaNs) / 1e6, Candidates: int(p.Candidates), RunnerUpMs: runner, Continuation: p.Continuation}
	}
	return out
}

func clockOf(label string, a stats.Analysis, pairs, unPre, unPost int) report.Clock {
	c := report.Clock{
		Label: label, Pairs: pairs, UnmatchedPre: unPre, UnmatchedPost: unPost, Continuations: a.Continuations, Coarse: a.Coarse,
		Min: a.Min, P5: a.P5, Median: a.Median, Mean: a.Mean, P95: a.P95, Max: a.Max, Stddev: a.Stddev, MAD: a.MAD,
		WithinTolerance: a.WithinTolerance,
		Offset:          a.Offset.Estimate, OffsetLow: a.Offset.Low, OffsetHigh: a.Offset.High,
		OffsetInterval: a.Offset.Name(), OffsetCoverage: a.Offset.Coverage, OffsetIntervalReached: a.Offset.Reached(),
		DriftMsPerHour: a.Drift.MsPerHour, DriftPPM: a.Drift.PPM, HasDrift: a.Drift.Determinable,
		Uncertainty:     a.PrecisionMs,
		UncertaintyMin:  a.PrecisionMinMs,
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
		e.Versions = versions(d.Versions)
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

// groupAnalysis is the clock analysis of one exporter pair.
type groupAnalysis struct {
	label string
	a     stats.Analysis
}

// levelAt is the clock offset of an analysis at time atNs: the drift line
// at that time (or the median offset when drift is not determinable), or,
// when the clock stepped, the level of the segment atNs lies in.
func levelAt(a stats.Analysis, atNs int64) float64 {
	if len(a.Steps) == 0 {
		if a.Drift.Determinable {
			return a.Drift.At(atNs) // a drifting clock's offset at that time
		}
		return a.Offset.Estimate
	}
	level := a.Steps[0].BeforeMs
	for _, st := range a.Steps {
		if atNs >= st.AtNs {
			level = st.AfterMs
		}
	}
	return level
}

// verdict turns the statistics' verdict into the report's, adding the
// sentence that says by how much the post side is off and the export-clock
// check (header export time vs capture time) that tells which exporter
// disagrees with the collector.
//
// With several exporter pairs (probes exporting both sides, say), each pair
// has its own clocks, so the verdict combines theirs: out of sync when any
// pair is, undetermined when any pair with enough pairs to judge is, in sync
// only when all are. Pooled figures would hide one probe 5 s off among
// healthy ones.
func verdict(a stats.Analysis, per []groupAnalysis, m *report.Model, res *match.Result) report.Verdict {
	v := report.Verdict{Code: a.Verdict.Code, Reasons: slices.Clone(a.Verdict.Reasons)}
	pre := sideLabel("pre", "", res.PreDomains, m.Exporters)
	post := sideLabel("post", "", res.PostDomains, m.Exporters)
	preClock := sideLabel("pre", "'s", res.PreDomains, m.Exporters)
	postClock := sideLabel("post", "'s clock", res.PostDomains, m.Exporters)
	level := func(x stats.Analysis) string {
		n, since := count(x.N, "pair", "pairs"), ""
		if k := len(x.Segments); k > 1 {
			// The offset is the last level's (see stats.Analysis.Offset).
			n, since = count(x.Segments[k-1].N, "pair", "pairs"), " since the last clock step"
		} else {
			// The tables count every pair; say why this number is smaller.
			var left []string
			if x.Continuations > 0 {
				left = append(left, count(x.Continuations, "continuation pair", "continuation pairs"))
			}
			if x.Coarse > 0 {
				left = append(left, count(x.Coarse, "pair", "pairs")+" of coarse precision")
			}
			if len(left) > 0 {
				n += " besides " + strings.Join(left, " and ")
			}
		}
		return fmt.Sprintf("%s %s .. %s, %s%s", x.Offset.Name(), stats.FormatSignedMs(x.Offset.Low), stats.FormatSignedMs(x.Offset.High), n, since)
	}
	// Pairing measures the post clock against the pre clock: a positive
	// offset means the post exporter stamps the same session later, i.e.
	// its clock runs ahead of the pre exporter's (or the pre one behind).
	coarse := a.PreUncertaintyMs >= 1000 || a.PostUncertaintyMs >= 1000
	drifts := a.Drift.Determinable && math.Abs(a.Drift.EndMs()-a.Drift.InterceptMs) > max(a.ToleranceMs, a.PrecisionMs)
	switch {
	case a.N == 0:
		v.Summary = fmt.Sprintf("No pairs found between %s and %s: the clocks cannot be compared.", pre, post)
	case drifts:
		d := a.Drift
		v.Summary = fmt.Sprintf("%s: %s drifts against %s, from %s to %s over %s (%s/hour, %s ppm); median %s (%s).",
			capital(v.Code), postClock, preClock, stats.FormatSignedMs(d.InterceptMs), stats.FormatSignedMs(d.EndMs()),
			stats.FormatMs(math.Round(d.SpanSeconds)*1000), stats.FormatSignedMs(d.MsPerHour), strconv.FormatFloat(d.PPM, 'f', 1, 64), stats.FormatSignedMs(a.Offset.Estimate), level(a))
	case coarse:
		v.Summary = fmt.Sprintf("%s: %s stamps the same sessions %s than %s (median %s, %s); whole-second start times put the clock offset between %s and %s.",
			capital(v.Code), post, laterEarlier(a.Offset.Estimate), pre, stats.FormatSignedMs(a.Offset.Estimate), level(a), stats.FormatSignedMs(a.TrueLowMs), stats.FormatSignedMs(a.TrueHighMs))
	case a.Offset.Estimate > 0:
		v.Summary = fmt.Sprintf("%s: %s runs %s ahead of %s (%s).", capital(v.Code), postClock, stats.FormatMs(a.Offset.Estimate), preClock, level(a))
	case a.Offset.Estimate < 0:
		v.Summary = fmt.Sprintf("%s: %s runs %s behind %s (%s).", capital(v.Code), postClock, stats.FormatMs(-a.Offset.Estimate), preClock, level(a))
	default:
		v.Summary = fmt.Sprintf("%s: %s and %s stamp the same sessions at the same time (median difference 0 ms, %s).", capital(v.Code), post, pre, level(a))
	}
	if n := len(a.Steps); n > 0 && a.N > 0 {
		st := a.Steps
		var parts []string
		for _, x := range st {
			parts = append(parts, fmt.Sprintf("at %s from %s to %s", flow.Instant(x.AtNs).Format(flow.PrecisionMilli), stats.FormatSignedMs(x.BeforeMs), stats.FormatSignedMs(x.AfterMs)))
		}
		noun := "a clock step"
		if n > 1 {
			noun = fmt.Sprintf("%d clock steps", n)
		}
		v.Summary = fmt.Sprintf("%s: relative to %s, %s moved %s (%s); offset %s (%s).",
			capital(v.Code), pre, post, strings.Join(parts, ", then "), noun, stats.FormatSignedMs(a.Offset.Estimate), level(a))
	}
	if len(per) > 1 {
		var out, und, ok, few []string
		for _, g := range per {
			line := fmt.Sprintf("%s %s (%s)", g.label, stats.FormatSignedMs(g.a.Offset.Estimate), level(g.a))
			switch {
			case g.a.N < stats.MinPairsForVerdict:
				few = append(few, g.label)
			case g.a.Verdict.Code == stats.OutOfSync:
				out = append(out, line)
			case g.a.Verdict.Code == stats.Undetermined:
				// Say why this pair cannot be judged: the decisive reason
				// of its own verdict comes first.
				why := ""
				if len(g.a.Verdict.Reasons) > 0 {
					why = ": " + strings.TrimPrefix(g.a.Verdict.Reasons[0], "undetermined: ")
				}
				und = append(und, line+why)
			default:
				ok = append(ok, g.label)
			}
		}
		var first string
		switch {
		case len(out) > 0:
			v.Code = stats.OutOfSync
			first = fmt.Sprintf("%d of %d exporter pairs out of sync: %s", len(out), len(per), strings.Join(out, "; "))
			if len(und) > 0 {
				first += fmt.Sprintf("; %d cannot be judged: %s", len(und), strings.Join(und, "; "))
			}
		case len(und) > 0:
			v.Code = stats.Undetermined
			first = fmt.Sprintf("%d of %d exporter pairs cannot be judged: %s", len(und), len(per), strings.Join(und, "; "))
		case len(ok) > 0:
			v.Code = stats.InSync
			first = "every exporter pair with enough pairs to judge is in sync"
			if len(ok) > 1 {
				first = fmt.Sprintf("all %d exporter pairs with enough pairs to judge are in sync", len(ok))
			}
		default:
			v.Code = stats.Undetermined
			first = fmt.Sprintf("no exporter pair has the %d pairs needed for a verdict", stats.MinPairsForVerdict)
		}
		v.Summary = capital(v.Code) + ": " + first + "."
		if len(ok) > 0 && v.Code != stats.InSync {
			v.Summary += fmt.Sprintf(" In sync: %s.", strings.Join(ok, ", "))
		}
		reasons := []string{first + " (each exporter pair judged on its own: see the per exporter pair table)"}
		if len(few) > 0 {
			reasons = append(reasons, fmt.Sprintf("too few pairs to judge: %s", strings.Join(few, ", ")))
		}
		// The pooled reasons follow, less the pooled verdict's own decisive one.
		if len(v.Reasons) > 0 {
			v.Reasons = append(reasons, v.Reasons[1:]...)
		} else {
			v.Reasons = reasons
		}
	}
	if s := whoIsOff(m.Exporters); s != "" {
		v.Reasons = append(v.Reasons, s)
	}

	return v
}

// laterEarlier words the sign of a post - pre offset.
func laterEarlier(ms float64) string {
	switch {
	case ms > 0:
		return stats.FormatMs(ms) + " later"
	case ms < 0:
		return stats.FormatMs(-ms) + " earlier"
	}
	return "no later"
}

// noStart says how many records could not take part because they carry no
// start time (a Wireshark CSV export cuts cells at 255 characters).
func noStart(res *match.Result) string {
	noStart := func(us []match.Unmatched) (n int) {
		for _, u := range us {
			if u.Why == match.ReasonNoStart {
				n++
			}
		}
		return n
	}
	pre, post := noStart(res.UnmatchedPre), noStart(res.UnmatchedPost)
	if pre+post == 0 {
		return ""
	}
	verb := "carry"
	if pre+post == 1 {
		verb = "carries"
	}
	return fmt.Sprintf("%s (%d pre, %d post) %s no start time and could not be paired: the record's template has no start field, or an export lost it (the notes say where)", count(pre+post, "record", "records"), pre, post, verb)
}

// beyondWindow notices when many pre records found their key on the other
// side only outside the window, at about the same distance: the signature of
// an offset larger than the window (a time-zone setting, a clock hours off),
// which no pairing inside the window can reveal.
func beyondWindow(res *match.Result) string {
	// The nearest same-key record is the true partner for most records and
	// another session of a popular key for the rest, so the offset is the
	// most common nearest distance (whole seconds), not the median.
	count := map[int64]int{}
	n := 0
	for _, u := range res.UnmatchedPre {
		if u.Why == match.ReasonOutsideWindow {
			count[int64(math.Round(float64(u.NearestNs)/1e9))]++ // no overflow near the int64 ends
			n++
		}
	}
	if n < 10 || n < len(res.Pairs) {
		return ""
	}
	var mode int64
	for sec, c := range count {
		if c > count[mode] || c == count[mode] && sec < mode {
			mode = sec
		}
	}
	if float64(mode)*1e9 > float64(match.MaxWindow-res.Window) || float64(mode)*1e9 < -float64(match.MaxWindow-res.Window) {
		// No window bridges it (and the sums below would overflow).
		return fmt.Sprintf("%d of %d pre records have same-key candidates only outside the %s window, most of them about %s away: beyond the largest window (--window %s); if that is the clocks' offset, set the exporters' clocks right",
			n, res.RecordsPre, stats.FormatMs(float64(res.Window)/1e6), stats.FormatSignedMs(float64(mode)*1e3), report.FlagDuration(match.MaxWindow))
	}
	at := time.Duration(mode) * time.Second
	band := max(res.Window, at.Abs()/50) // other sessions of popular keys lie near the offset too
	near := 0
	for sec, c := range count {
		if (time.Duration(sec)*time.Second - at).Abs() <= band {
			near += c
		}
	}
	if near*2 < n {
		return ""
	}
	return fmt.Sprintf("%d of %d pre records have same-key candidates only outside the %s window, %d of them within %s of %s: if that is the clocks' offset (a time zone?), rerun with --window %s",
		n, res.RecordsPre, stats.FormatMs(float64(res.Window)/1e6), near, stats.FormatMs(float64(band)/1e6), stats.FormatSignedMs(float64(at)/1e6), report.FlagDuration((at.Abs() + res.Window).Round(time.Second)))
}

// outliers names the pairs (continuations aside) whose difference lies
// further than limit from their exporter pair's clock level at that time
// (ref), largest first, so the analyst can go to the packets that disagree.
func outliers(pairs []report.Pair, mp []match.Pair, ref []float64, limit float64, style report.LineStyle) string {
	var idx []int
	counted := 0
	for i := range pairs {
		if mp[i].Continuation || math.IsNaN(ref[i]) {
			continue
		}
		counted++
		if math.Abs(pairs[i].DeltaMs-ref[i]) > limit {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(math.Abs(pairs[b].DeltaMs-ref[b]), math.Abs(pairs[a].DeltaMs-ref[a]))
	})
	const show = 5
	var parts []string
	for _, i := range idx[:min(show, len(idx))] {
		p := pairs[i]
		parts = append(parts, fmt.Sprintf("%s (%s <=> %s, %s)",
			stats.FormatSignedMs(p.DeltaMs), report.PosText(p.Pre, style), report.PosText(p.Post, style),
			strings.TrimSpace(report.SocketText(p.Post, false)+" "+p.Post.ProtoText())))
	}
	more := ""
	if len(idx) > show {
		more = fmt.Sprintf(" and %d more", len(idx)-show)
	}
	return fmt.Sprintf("%d of %s (continuations aside) differ by more than %s from their exporter pair's offset: %s%s",
		len(idx), count(counted, "pair", "pairs"), stats.FormatMs(limit), strings.Join(parts, ", "), more)
}

// runningHeads names the pairs of first records of long sessions that were
// already running when the capture began (match.Pair.Head) whose
// difference lies further than limit from their exporter pair's offset:
// their starts are where each exporter happened to split the session, so
// they differ by the exporters' schedules (a second, say), not their
// clocks. Without this sentence such a pair looks like a clock fault.
func runningHeads(pairs []report.Pair, mp []match.Pair, ref []float64, limit float64, style report.LineStyle) string {
	var parts []string
	n := 0
	for i := range pairs {
		if !mp[i].Head || math.IsNaN(ref[i]) || math.Abs(pairs[i].DeltaMs-ref[i]) <= limit {
			continue
		}
		n++
		if len(parts) < 5 {
			p := pairs[i]
			parts = append(parts, fmt.Sprintf("%s (%s <=> %s, %s)",
				stats.FormatSignedMs(p.DeltaMs), report.PosText(p.Pre, style), report.PosText(p.Post, style), sessionSocket(p.Post)))
		}
	}
	if n == 0 {
		return ""
	}
	more := ""
	if n > len(parts) {
		more = fmt.Sprintf(" and %d more", n-len(parts))
	}
	return fmt.Sprintf("%s of long sessions that were already running when the capture began differ by more than %s from their exporter pair's offset: %s%s. "+
		"Each exporter splits such a session at its active timeout on its own schedule, so these first records in the capture start at split points, not at the session's start: "+
		"their difference measures the schedules, not the clocks, and they are left out of the clock figures with the continuation records that follow them",
		count(n, "pair of first records", "pairs of first records"), stats.FormatMs(limit), strings.Join(parts, ", "), more)
}

// sessionSocket names a record's flow for a sentence: "212.111.2.151:8000 -> 147.229.14.221:52866 tcp".
func sessionSocket(r *flow.Record) string {
	return strings.TrimSpace(fmt.Sprintf("%s -> %s %s", report.SocketText(r, true), report.SocketText(r, false), r.ProtoText()))
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sideLabel names a side for a sentence: "the post side (192.0.2.2, domain
// 320)", with what after "side": "the post side's clock (...)".
func sideLabel(side, what string, domains []uint32, exps []report.Exporter) string {
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
	return fmt.Sprintf("the %s side%s (%s, %s %s)", side, what, who, noun, strings.Join(ds, ","))
}

// whoIsOff reads each exporter's export-clock check (header export time
// minus the collector's capture time; see judgeLag for the rule).
func whoIsOff(exps []report.Exporter) string {
	var off, fine, jumps []string
	for _, e := range exps {
		if e.Side == "" || !e.HasExportLag {
			continue
		}
		name := fmt.Sprintf("%s/%d", e.Exporter, e.Domain)
		ms := func(v float64) time.Duration { return time.Duration(v * 1e6) }
		l := LagStats{N: e.Packets, Median: ms(e.ExportLagMedian), Min: ms(e.ExportLagMin), Max: ms(e.ExportLagMax)}
		j := judgeLag(l)
		lo, hi := float64(j.lo)/1e6, float64(j.hi)/1e6
		// An exporter whose lags spread beyond the header's second is named
		// with its range, not as agreeing with the collector: its median
		// hides a step (or a stall).
		spread := lagSpreadNote(l)
		switch {
		case j.off && l.Median > 0:
			off = append(off, fmt.Sprintf("%s runs %s ahead of the collector", name, msRange(lo, hi)))
		case j.off:
			off = append(off, fmt.Sprintf("%s runs %s behind the collector", name, msRange(-hi, -lo)))
		case spread == "":
			fine = append(fine, name)
		}
		if spread != "" {
			jumps = append(jumps, name+": "+spread)
		}
	}
	return whoIsOffSentence(off, fine, jumps)
}

// lostPackets says which exporters of either side lost export packets
// before the collector (header sequence gaps): records whose partner was
// in a lost packet cannot pair.
func lostPackets(t *flow.Tally, res *match.Result) string {
	var parts []string
	for _, d := range t.Sorted() {
		if d.SeqGaps == 0 || sideOf(d.Key, res) == "" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s/%d %s", d.Key.Exporter, d.Key.Domain, lostText(d)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Export packets were lost (header sequence numbers): " + strings.Join(parts, "; ") + "; the partners of records in lost packets are unmatched on the other side"
}

// startsAhead runs the start-after-capture check (see startCheck) for the
// exporters of either side that carry no export times (Wireshark CSV/XLSX
// exports): the only clock evidence against the collector they give.
func startsAhead(recs []flow.Record, exps []report.Exporter) (string, startChecks) {
	sided := map[flow.ExporterDomain]bool{} // on a side and with an export lag
	inSide := map[flow.ExporterDomain]bool{}
	for _, e := range exps {
		a, err := netip.ParseAddr(e.Exporter)
		if err != nil || e.Side == "" {
			continue
		}
		ed := flow.ExporterDomain{Exporter: a, Domain: e.Domain}
		inSide[ed] = true
		sided[ed] = e.HasExportLag
	}
	checks := startChecks{}
	for i := range recs {
		if ed := recs[i].ExporterDomain(); inSide[ed] && !sided[ed] {
			checks.add(&recs[i])
		}
	}
	lines := checks.aheadOf(func(ed flow.ExporterDomain) bool { return sided[ed] })
	if len(lines) == 0 {
		return "", checks
	}
	return "Start time check (the input has no export times; a record cannot start after the collector captured it): " + strings.Join(lines, "; ") + ".", checks
}

// clocksBeyondWindow says when the exporters' clocks, as the export clock
// check or the start time check reads them against the collector, differ
// between a pre and a post exporter domain by more than the window:
// sessions that cross those exporters (probes that each export both
// sides, with the NAT sending a session's return through another probe)
// then have their candidates outside the window, and the pairs found, if
// any, are those within one probe. The suggested window is the largest
// difference plus the window, in whole seconds, as beyondWindow suggests.
//
// A clock reads as the middle of its export lag range (median lag .. lag +
// 1 s: the header's whole seconds are cut), or, without export times, as
// the start time check's lower bound (0 when no record starts after its
// capture: within the check's margin, or behind the collector).
func clocksBeyondWindow(exps []report.Exporter, checks startChecks, win time.Duration) string {
	type clock struct {
		name string
		at   time.Duration
	}
	var pre, post []clock
	check := ""
	for _, e := range exps {
		if e.Side == "" {
			continue
		}
		c := clock{name: fmt.Sprintf("%s/%d", e.Exporter, e.Domain)}
		a, err := netip.ParseAddr(e.Exporter)
		sc := checks[flow.ExporterDomain{Exporter: a, Domain: e.Domain}]
		switch {
		case e.HasExportLag:
			ms := func(v float64) time.Duration { return time.Duration(v * 1e6) }
			if judgeLag(LagStats{N: e.Packets, Median: ms(e.ExportLagMedian), Min: ms(e.ExportLagMin), Max: ms(e.ExportLagMax)}).off {
				c.at = ms(e.ExportLagMedian) + time.Second/2 // the middle of median .. median + 1 s
			} // else 0, as whoIsOff says: it agrees with the collector
			check = "export clock check"
		case err == nil && sc != nil && sc.n > 0:
			c.at = sc.ahead // 0 when no record starts after its capture
			if check == "" {
				check = "start time check"
			}
		default:
			continue
		}
		if e.Side == "pre" {
			pre = append(pre, c)
		} else {
			post = append(post, c)
		}
	}
	var a, b clock // the clocks furthest apart, a ahead of b
	var most time.Duration
	for _, p := range pre {
		for _, q := range post {
			if d := (q.at - p.at).Abs(); d > most {
				a, b, most = p, q, d
			}
		}
	}
	if a.at < b.at {
		a, b = b, a
	}
	if most <= win {
		return ""
	}
	// "10.103.0.170/310 runs 73.801 s ahead of the collector, 10.103.0.168/320
	// 0.905 s ahead" (or "agrees with it", "... behind").
	rel := func(c clock) string {
		if c.at < 0 {
			return strings.TrimPrefix(fmtDur(-c.at), "+") + " behind"
		}
		return strings.TrimPrefix(fmtDur(c.at), "+") + " ahead"
	}
	first := a.name + " runs " + rel(a) + " of the collector"
	if a.at == 0 {
		first = a.name + " agrees with the collector"
	}
	second := b.name + " " + rel(b)
	if b.at == 0 {
		second = b.name + " agrees with it"
	}
	which := fmt.Sprintf("%s: %s, %s", check, first, second)
	want := (most + win + time.Second - 1).Truncate(time.Second)
	if want > match.MaxWindow {
		return fmt.Sprintf("The exporters' clocks differ by as much as %s (%s), beyond the largest window (--window %s): set the exporters' clocks right",
			strings.TrimPrefix(fmtDur(most), "+"), which, report.FlagDuration(match.MaxWindow))
	}
	return fmt.Sprintf("The exporters' clocks differ by as much as %s (%s), beyond the %s window: sessions that cross these exporters cannot pair; rerun with --window %s to pair them",
		strings.TrimPrefix(fmtDur(most), "+"), which, stats.FormatMs(float64(win)/1e6), report.FlagDuration(want))
}

// msRange formats lo .. hi (ms) in one unit: "0.616 s .. 1.616 s".
func msRange(lo, hi float64) string {
	if max(math.Abs(lo), math.Abs(hi)) >= 1000 && max(math.Abs(lo), math.Abs(hi)) < 60_000 {
		return strconv.FormatFloat(lo/1000, 'f', 3, 64) + " s .. " + strconv.FormatFloat(hi/1000, 'f', 3, 64) + " s"
	}
	return stats.FormatMs(lo) + " .. " + stats.FormatMs(hi)
}

// whoIsOffSentence words the export clock check: the exporters off (with
// their range), those whose lags spread beyond the header's second (jumps:
// "name: lags range ..."), and those that agree with the collector.
func whoIsOffSentence(off, fine, jumps []string) string {
	const what = "Export clock check (header export time - capture time, median per exporter and domain; 1 s header resolution): "
	var parts []string
	switch {
	case len(off) == 0 && len(fine) == 0 && len(jumps) == 0:
		return ""
	case len(off) == 0 && len(jumps) == 0:
		return what + "every exporter agrees with the collector's clock within the header's resolution, so this check cannot say which exporter is off."
	case len(off) > 0 && len(fine) == 0 && len(jumps) == 0:
		return what + strings.Join(off, "; ") + "; no exporter agrees with the collector: compare with a trusted time source."
	case len(off) > 0:
		parts = append(parts, strings.Join(off, "; ")+".")
	}
	for _, j := range jumps {
		parts = append(parts, capital(j)+".")
	}
	if len(fine) > 0 {
		parts = append(parts, fmt.Sprintf("Agree with the collector: %s.", strings.Join(fine, ", ")))
	}
	return what + strings.Join(parts, " ")
}
