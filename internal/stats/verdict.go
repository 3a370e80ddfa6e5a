package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
)

// DefaultTolerance is the default --tolerance: two exporters whose start
// times agree within 100 ms are in sync. It is well above what NTP-synced
// probes show (a few ms, including the time the NAT takes to forward the
// first packet) and well below what breaks a correlation at one-second
// resolution (subscriber attribution, lawful intercept, billing).
const DefaultTolerance = 100 * time.Millisecond

// Verdict codes.
const (
	InSync       = "in sync"
	OutOfSync    = "out of sync"
	Undetermined = "undetermined"
)

// MinPairsForVerdict is the fewest pairs for which a verdict other than
// undetermined is given.
const MinPairsForVerdict = 3

// quarterHour is the unit of time-zone offsets.
const quarterHour = 15 * time.Minute

// PairPrecision returns the precision limit of a difference between start
// times of the two encodings: the larger of their uncertainties. (Both
// kinds of error are truncations, towards earlier: v9's header unix_secs
// and IPFIX's whole seconds/milliseconds, so the difference is off by less
// than the larger of the two.)
func PairPrecision(pre, post flow.Encoding) time.Duration {
	return max(pre.Precision().Uncertainty(), post.Precision().Uncertainty())
}

// QuarterHours reports whether offsetMs is within slackMs of a non-zero whole
// number of quarter hours, and which number. hint is a sentence for the
// analyst, empty when not.
func QuarterHours(offsetMs, slackMs float64) (k int, hint string) {
	qh := float64(quarterHour / time.Millisecond)
	k = int(math.Round(offsetMs / qh))
	if k == 0 || math.Abs(offsetMs-float64(k)*qh) > slackMs {
		return 0, ""
	}
	return k, fmt.Sprintf("the offset is %s (%d quarter hours) within %s: most likely a time-zone or daylight-saving setting on one exporter, not a clock fault",
		signedHM(k), k, FormatMs(slackMs))
}

// signedHM formats k quarter hours as "+3 h", "-45 min", "+5 h 30 min".
func signedHM(k int) string {
	sign := "+"
	if k < 0 {
		sign, k = "-", -k
	}
	h, m := k/4, (k%4)*15
	switch {
	case h == 0:
		return fmt.Sprintf("%s%d min", sign, m)
	case m == 0:
		return fmt.Sprintf("%s%d h", sign, h)
	}
	return fmt.Sprintf("%s%d h %d min", sign, h, m)
}

// FormatMs formats a duration in ms for a sentence: "+5.002 s", "-12 ms",
// "3 h", "58 d 8 h 46 min 55.996 s" (a minute or more),
// "0.4 ms", "1 s" (sign only when signed is wanted: use FormatSignedMs).
func FormatMs(ms float64) string {
	a := math.Abs(ms)
	var s string
	switch {
	case a >= 60_000:
		// Days, hours and minutes, then seconds: "3 h", "58 d 8 h 46 min 55.996 s".
		sign := ""
		if ms < 0 {
			sign = "-"
		}
		ms := math.Round(a)
		var parts []string
		for _, u := range []struct {
			ms   float64
			name string
		}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "min"}} {
			if n := math.Floor(ms / u.ms); n > 0 {
				parts = append(parts, trimFloat(n, 0)+" "+u.name)
				ms -= n * u.ms
			}
		}
		if ms > 0 {
			parts = append(parts, trimFloat(ms/1000, 3)+" s")
		}
		s = sign + strings.Join(parts, " ")
	case a >= 1000:
		s = trimFloat(ms/1000, 3) + " s"
	case a >= 1 || a == 0:
		s = trimFloat(ms, 1) + " ms"
	default:
		s = trimFloat(ms, 3) + " ms"
	}
	return s
}

// FormatSignedMs is FormatMs with a leading + for positive values.
func FormatSignedMs(ms float64) string {
	if ms > 0 {
		return "+" + FormatMs(ms)
	}
	return FormatMs(ms)
}

func trimFloat(x float64, digits int) string {
	s := fmt.Sprintf("%.*f", digits, x)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Verdict is the answer in words.
type Verdict struct {
	Code    string   // InSync, OutOfSync or Undetermined
	Reasons []string // why, one sentence each: the decisive one first, then the figures
}

// Options tune Analyze. Zero values take the defaults.
type Options struct {
	Tolerance    time.Duration // DefaultTolerance
	Level        float64       // confidence level of the offset interval, 0.95
	MinDriftSpan time.Duration // DefaultMinDriftSpan
	MinStepRun   int           // DefaultMinStepRun
	// MinStep is the smallest jump reported as a step; 0: the larger of the
	// tolerance and the precision limit.
	MinStep time.Duration
}

// Sample is one pair as the statistics see it.
type Sample struct {
	AtNs            int64 // pre start time (Unix ns)
	DeltaNs         int64 // post start - pre start
	PreEnc, PostEnc flow.Encoding
	// Continuation marks a pair of records that continue a long session
	// split by the active timeout (match.Pair.Continuation): their starts
	// follow each exporter's own schedule, so Analyze leaves them out.
	Continuation bool
}

// Analysis is the clock analysis of a set of pairs. Differences in ms.
type Analysis struct {
	Summary           // of the pairs used (continuations left out)
	Continuations int // pairs left out as continuations
	// Coarse counts the pairs left out because a start of theirs is far
	// coarser than the rest's (see coarseMinority), e.g. an IPFIX
	// flowStartDeltaMicroseconds clamped to 0, which only bounds its start
	// within a second, among hundreds exact to the microsecond.
	Coarse          int
	WithinTolerance float64 // share of pairs with |delta| <= tolerance, 0..1
	// Offset is the median difference with its confidence interval; after
	// clock steps, that of the last segment (the clock as it is since the
	// last step), Segments giving every level.
	Offset Interval
	// Segments are the stretches between clock steps, in time order (none
	// without steps): the pooled median of a stepped clock is a mix of
	// levels, not an offset the clocks ever had.
	Segments []Segment
	// TrueLowMs and TrueHighMs bound the clock offset (post clock - pre
	// clock) allowing for the precision of each side: start times are
	// truncated (a v9 start made absolute through the header's whole-second
	// unix_secs lies up to 1 s early; flowStartSeconds likewise), so the
	// clock offset lies in [Offset.Low - pre uncertainty, Offset.High +
	// post uncertainty].
	TrueLowMs, TrueHighMs float64
	Drift                 Drift
	Steps                 []Step
	PrecisionMs           float64 // precision limit of the pairs (largest PairPrecision)
	// PrecisionMinMs is the smallest PairPrecision: below PrecisionMs when
	// the pairs mix encodings (exporter pairs of different precision
	// pooled), and the pooled figures then hold for none of them alone.
	PrecisionMinMs    float64
	PreUncertaintyMs  float64 // largest uncertainty of the pre side's start times
	PostUncertaintyMs float64
	QuarterHours      int // non-zero when the offset is a whole number of quarter hours
	QuarterHourHint   string
	ToleranceMs       float64
	Verdict           Verdict
}

// Segment is the stretch of pairs from one clock step (or the start) to the
// next (or the end).
type Segment struct {
	FromNs int64    // pre start of its first pair (Unix ns)
	N      int      // its pairs
	Offset Interval // their median difference with its confidence interval
}

// Analyze computes every statistic of the samples and the verdict.
// Continuation pairs are left out unless every pair is one.
//
// Verdict rules, with the clock offset bounded by [TrueLowMs, TrueHighMs]
// (the median's 95 % interval widened by each side's precision):
//   - fewer than MinPairsForVerdict pairs: undetermined;
//   - the bounds entirely beyond ±tolerance: out of sync;
//   - a clock step whose level before or after lies beyond ±(tolerance +
//     precision): out of sync (for part of the capture);
//   - the bounds entirely within ±tolerance: in sync;
//   - otherwise undetermined, saying whether the precision (coarser than
//     the tolerance: v9, flowStartSeconds) or the spread of the differences
//     is what keeps the bounds from deciding.
//
// Drift, the share within tolerance, outliers and the quarter-hour hint are
// given as reasons; they do not change the code.
func Analyze(samples []Sample, opt Options) Analysis {
	if opt.Tolerance <= 0 {
		opt.Tolerance = DefaultTolerance
	}
	if opt.Level <= 0 || opt.Level >= 1 {
		opt.Level = 0.95
	}
	tol := float64(opt.Tolerance) / 1e6
	use := samples
	conts := 0
	for _, s := range samples {
		if s.Continuation {
			conts++
		}
	}
	if conts > 0 && conts < len(samples) {
		use = make([]Sample, 0, len(samples)-conts)
		for _, s := range samples {
			if !s.Continuation {
				use = append(use, s)
			}
		}
	} else {
		conts = 0
	}
	use, coarse := withoutCoarseMinority(use)
	n := len(use)
	ds := make([]float64, n)
	at := make([]int64, n)
	var prec, uPre, uPost time.Duration
	precMin := time.Duration(math.MaxInt64)
	for i, s := range use {
		ds[i] = float64(s.DeltaNs) / 1e6
		at[i] = s.AtNs
		prec = max(prec, PairPrecision(s.PreEnc, s.PostEnc))
		precMin = min(precMin, PairPrecision(s.PreEnc, s.PostEnc))
		uPre = max(uPre, s.PreEnc.Precision().Uncertainty())
		uPost = max(uPost, s.PostEnc.Precision().Uncertainty())
	}
	a := Analysis{
		Summary:           Summarize(ds),
		Continuations:     conts,
		Coarse:            coarse,
		WithinTolerance:   WithinTolerance(ds, tol),
		Offset:            MedianCI(ds, opt.Level),
		PrecisionMs:       float64(prec) / 1e6,
		PrecisionMinMs:    float64(min(precMin, prec)) / 1e6,
		PreUncertaintyMs:  float64(uPre) / 1e6,
		PostUncertaintyMs: float64(uPost) / 1e6,
		ToleranceMs:       tol,
	}
	a.TrueLowMs = a.Offset.Low - a.PreUncertaintyMs
	a.TrueHighMs = a.Offset.High + a.PostUncertaintyMs
	minStep := float64(opt.MinStep) / 1e6
	if minStep <= 0 {
		minStep = max(tol, a.PrecisionMs)
	}
	a.Steps = DetectSteps(at, ds, minStep, opt.MinStepRun)
	if len(a.Steps) > 0 {
		a.Segments = segments(at, ds, a.Steps, opt.Level)
		a.Offset = a.Segments[len(a.Segments)-1].Offset
		a.TrueLowMs = a.Offset.Low - a.PreUncertaintyMs
		a.TrueHighMs = a.Offset.High + a.PostUncertaintyMs
	}
	// Drift is the slope between steps: the jumps are taken out first.
	a.Drift = EstimateDrift(at, withoutSteps(at, ds, a.Steps, opt.MinStepRun), opt.MinDriftSpan)
	if n > 0 {
		a.QuarterHours, a.QuarterHourHint = QuarterHours(a.Offset.Estimate, max(tol, a.PrecisionMs))
	}
	a.Verdict = verdict(&a, n)
	return a
}

// coarseShare is the largest share of the pairs that withoutCoarseMinority
// leaves out.
const coarseShare = 0.1

// withoutCoarseMinority leaves out the pairs whose precision is coarser than
// the finest pairs' when they are a small minority (at most coarseShare of
// the pairs, so at least nine finer ones for each): the median
// of hundreds of pairs exact to the microsecond does not become a second
// less certain because three records could only bound their start. Mixes of
// a larger share (exporter pairs of different encodings pooled) are kept
// whole: their pooled figures state that the precision varies.
func withoutCoarseMinority(ss []Sample) ([]Sample, int) {
	if len(ss) == 0 {
		return ss, 0
	}
	fine := time.Duration(math.MaxInt64)
	for _, s := range ss {
		fine = min(fine, PairPrecision(s.PreEnc, s.PostEnc))
	}
	coarse := 0
	for _, s := range ss {
		if PairPrecision(s.PreEnc, s.PostEnc) > fine {
			coarse++
		}
	}
	if coarse == 0 || float64(coarse) > coarseShare*float64(len(ss)) {
		return ss, 0
	}
	kept := make([]Sample, 0, len(ss)-coarse)
	for _, s := range ss {
		if PairPrecision(s.PreEnc, s.PostEnc) == fine {
			kept = append(kept, s)
		}
	}
	return kept, coarse
}

func verdict(a *Analysis, n int) (v Verdict) {
	add := func(format string, args ...any) { v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...)) }
	tol, prec := a.ToleranceMs, a.PrecisionMs
	if n == 0 {
		v.Code = Undetermined
		add("no pairs: nothing to compare")
		return v
	}
	o := a.Offset
	if len(a.Segments) > 1 {
		// A stepped clock: each level with its own interval.
		var parts []string
		for i, sg := range a.Segments {
			part := fmt.Sprintf("by %s (median; %s %s to %s; %d %s)", FormatSignedMs(sg.Offset.Estimate), sg.Offset.Name(),
				FormatSignedMs(sg.Offset.Low), FormatSignedMs(sg.Offset.High), sg.N, pairs(sg.N))
			if i+1 < len(a.Segments) {
				part += fmt.Sprintf(" until the clock step at %s", flow.Instant(a.Segments[i+1].FromNs).Format(flow.PrecisionMilli))
			}
			parts = append(parts, part)
		}
		add("%d %s; the post side's start times differ from the pre side's %s", n, pairs(n), strings.Join(parts, ", then "))
	} else {
		add("%d %s; the post side's start times differ from the pre side's by %s (median; %s %s to %s)",
			n, pairs(n), FormatSignedMs(o.Estimate), o.Name(), FormatSignedMs(o.Low), FormatSignedMs(o.High))
	}
	if a.Coarse > 0 {
		add("%d %s left out of the figures: a start of theirs is coarser than the other %d pairs' (%s), such as an IPFIX flowStartDeltaMicroseconds clamped to 0 that only bounds its start within the export second",
			a.Coarse, pairs(a.Coarse), n, "exact to "+FormatMs(prec))
	}
	if a.Continuations > 0 {
		add("%d %s of continuation records (long sessions split by the exporters' active timeouts) left out: their starts follow each exporter's schedule, not its clock", a.Continuations, pairs(a.Continuations))
	}
	varies := a.PrecisionMinMs < prec
	switch {
	case varies:
		add("the start times are exact to between %s and %s, depending on the pair (encodings differ: each exporter pair has its own precision)", FormatMs(a.PrecisionMinMs), FormatMs(prec))
	case prec > 0:
		add("the start times are exact to %s (precision limit of the pairs)", FormatMs(prec))
	}
	// With mixed precisions the coarsest side's allowance applied to the
	// median of all pairs gives a range that holds for no exporter pair.
	if !varies && (a.PreUncertaintyMs >= 1000 || a.PostUncertaintyMs >= 1000) {
		add("allowing for the precision (whole-second start times lie up to 1 s early), the clocks differ by between %s and %s",
			FormatSignedMs(a.TrueLowMs), FormatSignedMs(a.TrueHighMs))
	}
	add("%.1f %% of the pairs lie within the tolerance of ±%s", 100*a.WithinTolerance, FormatMs(tol))
	if a.Drift.Determinable {
		add("drift %s/hour (%s ppm) over %s", FormatSignedMs(a.Drift.MsPerHour), trimFloat(a.Drift.PPM, 2),
			spanText(time.Duration(a.Drift.SpanSeconds*1e9)))
	} else {
		add("drift not determinable: %s", a.Drift.Reason)
	}
	for _, s := range a.Steps {
		add("clock step at %s: from %s to %s", flow.Instant(s.AtNs).Format(flow.PrecisionMilli),
			FormatSignedMs(s.BeforeMs), FormatSignedMs(s.AfterMs))
	}
	if a.QuarterHourHint != "" {
		add("%s", a.QuarterHourHint)
	}
	details := v.Reasons
	v.Reasons = nil
	defer func() { v.Reasons = append(v.Reasons, details...) }()
	lo, hi := a.TrueLowMs, a.TrueHighMs
	since := "" // the bounds are the last segment's after steps
	if len(a.Segments) > 1 {
		since = " since the last clock step"
	}
	switch {
	case n < MinPairsForVerdict:
		v.Code = Undetermined
		add("only %d %s: at least %d are needed for a verdict", n, pairs(n), MinPairsForVerdict)
	case stepBeyond(a.Steps, tol+max(a.PreUncertaintyMs, a.PostUncertaintyMs)) && !allBeyond(a.Steps, tol+max(a.PreUncertaintyMs, a.PostUncertaintyMs)):
		// Judged by level, not by the last one alone: a clock that is
		// right since its step was wrong before it.
		v.Code = OutOfSync
		add("out of sync for part of the capture: a clock step took the difference beyond the tolerance of ±%s", FormatMs(tol))
	case lo > tol || hi < -tol:
		v.Code = OutOfSync
		add("out of sync: the clock offset%s (%s to %s) lies beyond the tolerance of ±%s", since, FormatSignedMs(lo), FormatSignedMs(hi), FormatMs(tol))
	case driftBeyond(a, tol):
		v.Code = OutOfSync
		d := a.Drift
		add("out of sync for part of the capture: the clocks drift apart by %s/hour (%s ppm), from %s at %s to %s at %s, beyond the tolerance of ±%s",
			FormatSignedMs(d.MsPerHour), trimFloat(d.PPM, 2), FormatSignedMs(d.InterceptMs), flow.Instant(d.StartNs).Format(flow.PrecisionSecond),
			FormatSignedMs(d.EndMs()), flow.Instant(d.StartNs+int64(d.SpanSeconds*1e9)).Format(flow.PrecisionSecond), FormatMs(tol))
	case lo >= -tol && hi <= tol:
		v.Code = InSync
		add("in sync: the clock offset%s (%s to %s) lies within the tolerance of ±%s", since, FormatSignedMs(lo), FormatSignedMs(hi), FormatMs(tol))
	case prec > tol:
		v.Code = Undetermined
		add("undetermined: the start times carry only %s, coarser than the tolerance of %s; the clock offset%s lies between %s and %s",
			FormatMs(prec), FormatMs(tol), since, FormatSignedMs(lo), FormatSignedMs(hi))
	default:
		v.Code = Undetermined
		add("undetermined: the clock offset%s (%s to %s) straddles the tolerance of ±%s", since, FormatSignedMs(lo), FormatSignedMs(hi), FormatMs(tol))
	}
	return v
}

// segments splits the differences (in time order, as DetectSteps orders
// them) at the steps and gives each stretch its median and interval.
func segments(at []int64, ds []float64, steps []Step, level float64) []Segment {
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	var out []Segment
	from := 0
	for k := 0; k <= len(steps); k++ {
		to := len(order)
		if k < len(steps) {
			to = steps[k].Index
		}
		if to <= from {
			continue
		}
		xs := make([]float64, 0, to-from)
		for _, o := range order[from:to] {
			xs = append(xs, ds[o])
		}
		out = append(out, Segment{FromNs: at[order[from]], N: to - from, Offset: MedianCI(xs, level)})
		from = to
	}
	return out
}

// pairs is "pair" for one, else "pairs".
func pairs(n int) string {
	if n == 1 {
		return "pair"
	}
	return "pairs"
}

// driftBeyond reports whether the fitted drift line (steps aside) lies
// beyond ±tol at the start or the end of the pairs' span, the precision of
// either side allowed for: a clock that drifts from -180 ms to +180 ms over
// the capture has a median near 0, yet is out of sync at both ends.
func driftBeyond(a *Analysis, tol float64) bool {
	d := a.Drift
	if !d.Determinable || len(a.Steps) > 0 {
		return false
	}
	beyond := func(level float64) bool {
		return level-a.PreUncertaintyMs > tol || level+a.PostUncertaintyMs < -tol
	}
	return beyond(d.InterceptMs) || beyond(d.EndMs())
}

// allBeyond reports whether every level between steps lies beyond ±L.
func allBeyond(steps []Step, L float64) bool {
	for _, s := range steps {
		if math.Abs(s.BeforeMs) <= L || math.Abs(s.AfterMs) <= L {
			return false
		}
	}
	return len(steps) > 0
}

func stepBeyond(steps []Step, L float64) bool {
	for _, s := range steps {
		if math.Abs(s.BeforeMs) > L || math.Abs(s.AfterMs) > L {
			return true
		}
	}
	return false
}

// withoutSteps returns ds with each step's jump (the median of the minRun
// differences after it minus that of the minRun before it, in time order)
// subtracted from the differences after it.
func withoutSteps(at []int64, ds []float64, steps []Step, minRun int) []float64 {
	if len(steps) == 0 {
		return ds
	}
	if minRun <= 0 {
		minRun = DefaultMinStepRun
	}
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	y := make([]float64, len(ds))
	for i, o := range order {
		y[i] = ds[o]
	}
	med := func(lo, hi int) float64 {
		s := slices.Clone(y[max(lo, 0):min(hi, len(y))])
		slices.Sort(s)
		return Quantile(s, 0.5)
	}
	out := slices.Clone(ds)
	for _, st := range steps {
		jump := med(st.Index, st.Index+minRun) - med(st.Index-minRun, st.Index)
		for _, o := range order[st.Index:] {
			out[o] -= jump
		}
	}
	return out
}
