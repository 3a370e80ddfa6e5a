// Package report holds the Model that every output of `nftimediff match`
// shows, and one renderer per format (text, JSON, CSV, XLSX, DOCX).
package report

import (
	"time"

	"netflowtimedifference/internal/flow"
)

// Model is everything a report shows. It is filled by the app from the
// matcher's and the statistics' results; renderers only read it.
type Model struct {
	Title     string
	Generated time.Time // when the report was made (UTC)
	Params    Params
	Verdict   Verdict

	Overall   Clock   // all pairs together
	PerPair   []Clock // per (pre exporter, post exporter) pair, ordered by pairs descending
	Exporters []Exporter

	Pairs         []Pair
	UnmatchedPre  []Unmatched
	UnmatchedPost []Unmatched

	RecordsPre, RecordsPost int      // records of each side that took part
	Notes                   []string // precision limits, time-zone hint, dropped data, ...
}

// Params are the parameters the run used, shown so a reader can reproduce it.
type Params struct {
	Inputs                      []string
	PreDomains, PostDomains     []uint32
	PreExporters, PostExporters []string
	Key                         []string // fields that must be equal, e.g. dst, dst_port, proto, app
	Window                      time.Duration
	Tolerance                   time.Duration
	AllPairs                    bool   // many-to-many (old workflow) instead of one-to-one
	Tool                        string // tshark version or "Wireshark export"
	DomainNote                  string // e.g. "domains 310/320 absent; used 0 and 4"
}

// Verdict is the answer in words.
type Verdict struct {
	Code    string   // "in sync", "out of sync" or "undetermined"
	Summary string   // one sentence, e.g. "Exporter 10.0.0.2 (domain 320) runs 5.002 s ahead of 10.0.0.1 (domain 310)."
	Reasons []string // why, one line each
}

// Clock is the clock analysis of a set of pairs. All durations are in
// milliseconds as float64 (sub-millisecond digits kept where both sides carry them).
type Clock struct {
	Label                              string // "all" or "192.0.2.1/310 -> 192.0.2.2/320"
	Pairs, UnmatchedPre, UnmatchedPost int
	// Continuations counts the continuation pairs among Pairs, left out of
	// the clock figures below (all of them are used when every pair is
	// one, and Continuations is then 0): the figures rest on ClockPairs.
	Continuations int
	// Coarse counts the pairs left out of the figures for a start far
	// coarser than the other pairs' (stats.Analysis.Coarse).
	Coarse int

	Min, P5, Median, Mean, P95, Max, Stddev, MAD float64
	WithinTolerance                              float64 // share of pairs with |delta - 0| <= tolerance, 0..1

	// Offset, OffsetLow, OffsetHigh: robust offset estimate and its 95 %
	// interval (ms); with Steps, those of the last level (since the last
	// step: stats.Analysis.Offset), the steps giving the earlier levels.
	Offset, OffsetLow, OffsetHigh float64
	// OffsetInterval names the interval: "95 % interval", or with too few
	// pairs for that level "min .. max, only 75.0 % confidence (...)";
	// OffsetCoverage is its true coverage (0..1), OffsetIntervalReached
	// whether it reaches the level.
	OffsetInterval           string
	OffsetCoverage           float64
	OffsetIntervalReached    bool
	DriftMsPerHour, DriftPPM float64
	HasDrift                 bool // enough time span to estimate drift
	Steps                    []Step
	Uncertainty              float64 // precision limit of the pairs' start times (ms), e.g. 1000 for v9
	// UncertaintyMin is the finest pair's precision limit (ms): below
	// Uncertainty when the pairs mix encodings (exporter pairs of
	// different precision pooled); 0 when not known.
	UncertaintyMin  float64
	QuarterHourHint string // non-empty when the offset is a whole number of quarter hours
}

// ClockPairs is the number of pairs the clock figures rest on.
func (c *Clock) ClockPairs() int { return c.Pairs - c.Continuations - c.Coarse }

// Step is a clock step: the difference jumps and stays.
type Step struct {
	At                time.Time // pre start time of the first pair after the step
	BeforeMs, AfterMs float64
}

// Exporter is one exporter and domain as seen in the input.
type Exporter struct {
	Exporter  string
	Domain    uint32
	Side      string // "pre", "post" or ""
	Versions  string // "9", "10" or "9,10"
	Packets   int
	Records   int
	Encodings string // e.g. "flowStartMilliseconds (ms)"
	Undecoded int    // data sets tshark could not decode
	// Export clock check: header export time - capture time, in ms.
	ExportLagMedian, ExportLagMin, ExportLagMax float64
	HasExportLag                                bool
	// StartAfterExport counts records whose start lies after their export
	// packet's header time: impossible with right clocks. It can only be
	// counted when the input carries export times (Wireshark CSV/XLSX
	// exports do not); HasStartAfterExport says it was. See
	// StartAfterExportKnown.
	StartAfterExport    int
	HasStartAfterExport bool
}

// StartAfterExportKnown reports whether StartAfterExport was counted: when
// HasStartAfterExport is set, or when there is an export lag or a count (both
// need export times). Renderers show "n/a" (JSON null) otherwise.
func (e *Exporter) StartAfterExportKnown() bool {
	return e.HasStartAfterExport || e.HasExportLag || e.StartAfterExport > 0
}

// Pair is one matched pre/post pair.
type Pair struct {
	Pre, Post  *flow.Record
	DeltaMs    float64 // post start - pre start, in ms
	Candidates int     // post candidates the pre record had within the window
	RunnerUpMs float64 // distance (ms) of the runner-up candidate from the offset; NaN when there was none
	// Continuation marks a pair of continuation records (a long session split
	// by the exporters' active timeouts): listed in every report, but left out
	// of the clock statistics and the charts.
	Continuation bool
}

// Unmatched is a record that found no partner.
type Unmatched struct {
	Rec    *flow.Record
	Reason string
}
