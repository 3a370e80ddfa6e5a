package match

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Result is the outcome of Run. Record indices (int32) index the slice given
// to Run; records are never copied.
type Result struct {
	Sides
	Key      KeyFields
	Window   time.Duration
	AllPairs bool

	Pairs         []Pair      // ordered by pre record index, then post record index
	UnmatchedPre  []Unmatched // ordered by record index
	UnmatchedPost []Unmatched

	RecordsPre, RecordsPost int // records of each side, with or without a start time
	Excluded                int // records in neither side (not in a selected domain or exporter)

	// OffsetNs is the offset (post - pre) estimated from the candidate
	// differences before pairing, for the exporter pair with the strongest
	// evidence (Notes give each pair's); HasOffset is false when no record
	// had a candidate. It is the pairing's reference, not the final
	// statistic: compute that from the pairs (package stats).
	OffsetNs  int64
	HasOffset bool
	// Samples is the number of candidate differences that fed the estimate
	// (after capping popular keys).
	Samples int
	// LocalBuckets is the number of points (summed over exporter pairs) at
	// which the offset was tracked from unambiguous keys: one per block of
	// five or more consecutive keys, up to two more per step (0: each exporter
	// pair's overall offset was used throughout). The name is kept from
	// the earlier per-minute tracking.
	LocalBuckets int

	Notes []string // one line each, for the analyst
	// NoOffset holds, per exporter pair whose candidates showed no common
	// offset (and so were not paired), the sentence that says so (also in
	// Notes): a reason for a verdict without pairs.
	NoOffset []string
}

// Pair is one pre/post pair (32 bytes).
type Pair struct {
	Pre, Post  int32 // record indices
	Candidates int32 // post candidates the pre record had: same key, compatible app, within the window
	// Continuation: the pre or the post record continues an earlier record
	// of its 5-tuple at its exporter (a long session split by the active
	// timeout). Each exporter splits on its own schedule, so the difference
	// of such a pair says little about the clocks: leave these pairs out of
	// the clock statistics (stats.Sample.Continuation does).
	Continuation bool
	// Head: a continuation pair whose pre or post record is the first in
	// the capture of a long session that was already running when the
	// capture began (see the continuations rule in the package doc): its
	// start may be the exporter's split point rather than the session's.
	Head    bool
	DeltaNs int64 // post start - pre start, in ns
	// RunnerUpNs is how far the best other candidate lay from the reference
	// offset (|delta - offset|, ns); -1 when the pre record had no other candidate.
	// Compare with |DeltaNs - offset| to judge how clear the choice was.
	RunnerUpNs int64
}

// Reason says why a record has no partner.
type Reason uint8

// Reasons. Records outside the selected domains are not unmatched: Run
// only counts them (Result.Excluded).
const (
	ReasonNone          Reason = iota
	ReasonNoStart              // the record carries no start time
	ReasonNoKey                // no record with the same key on the other side
	ReasonAppDiffers           // records with the same key on the other side all carry another app
	ReasonOutsideWindow        // records with the same key exist, none within the window
	ReasonTaken                // candidates within the window were all paired with closer records
	ReasonOtherExporter        // candidates within the window only at exporters that share no sessions with this one
	ReasonImplausible          // candidates within the window, but all far beyond the spread of the pairs around the offset
	ReasonNoOffset             // candidates within the window, but their exporters' differences show no common offset
	ReasonTakenFirst           // candidates within the window were all paired or held for their chains, not all by closer pairs
	ReasonChainEnds            // the record continues a paired record whose partner has no continuation to pair with
	ReasonChainClaimed         // candidates all continue records paired with others: they pair only along their chains
)

var reasonText = [...]string{
	ReasonNone:          "",
	ReasonNoStart:       "no start time",
	ReasonNoKey:         "no record with the same key on the other side",
	ReasonAppDiffers:    "records with the same key on the other side carry a different app",
	ReasonOutsideWindow: "no candidate within the window",
	ReasonTaken:         "candidates all taken by closer pairs",
	ReasonOtherExporter: "candidates only at exporters that share no sessions with this record's exporter",
	ReasonImplausible:   "no candidate near the exporter pair's offset",
	ReasonNoOffset:      "candidates within the window, but no common offset with them (coincidences of keys: the offset lies beyond the window, or the exporters share no sessions)",
	ReasonTakenFirst:    "candidates all taken by pairs that rank first (closer ones, first segments before continuations, continuations along their sessions' chains) or held for their own chains",
	ReasonChainEnds:     "continues a paired record whose partner has no continuation to pair with (another session's record would be a coincidence)",
	ReasonChainClaimed:  "candidates all continue records paired with others (a continuation pairs only with the continuation of its predecessor's partner)",
}

// String returns the reason's short text.
func (r Reason) String() string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return "unknown"
}

// Unmatched is a record without a partner.
type Unmatched struct {
	Index int32  // record index
	Why   Reason //
	// NearestNs is, for ReasonOutsideWindow, the difference (post - pre, ns)
	// to the nearest record with the same key on the other side; for
	// ReasonImplausible, the difference to the candidate nearest to the
	// offset, which lies OffsetNs there, and pairs lie within GateNs of it.
	NearestNs        int64
	OffsetNs, GateNs int64
	// HasBand: the nearest candidate and the record are both
	// continuations, held to the continuation band [BandLoNs, BandHiNs]
	// (differences from the offset) widened by the gate.
	HasBand            bool
	BandLoNs, BandHiNs int64
}

// Reason returns the reason in words, e.g.
// "no candidate within the window (nearest at +7.2 s)", or for a nearest
// record a minute or more away "(nearest at +3 h +0.001 s)".
func (u Unmatched) Reason() string {
	switch u.Why {
	case ReasonOutsideWindow:
		return fmt.Sprintf("%s (nearest at %s)", u.Why, signedDuration(u.NearestNs))
	case ReasonImplausible:
		if u.HasBand {
			return fmt.Sprintf("%s (the closest candidate, at %s, lies %s s from the offset of %s s; pairs lie within ±%s s of it, and continuations, which start at each exporter's split points, from %s s to %s s: not the same session)",
				u.Why, signedDuration(u.NearestNs), strings.TrimPrefix(signedSeconds(abs64(u.NearestNs-u.OffsetNs)), "+"),
				signedSeconds(u.OffsetNs), strings.TrimPrefix(signedSeconds(u.GateNs), "+"),
				signedSeconds(u.OffsetNs+u.BandLoNs-u.GateNs), signedSeconds(u.OffsetNs+u.BandHiNs+u.GateNs))
		}
		return fmt.Sprintf("%s (the closest candidate, at %s, lies %s s from the offset of %s s; pairs lie within ±%s s of it: not the same session)",
			u.Why, signedDuration(u.NearestNs), strings.TrimPrefix(signedSeconds(abs64(u.NearestNs-u.OffsetNs)), "+"),
			signedSeconds(u.OffsetNs), strings.TrimPrefix(signedSeconds(u.GateNs), "+"))
	}
	return u.Why.String()
}

// signedDuration formats ns rounded to the millisecond, with sign. Below
// a minute it is in seconds ("+7.2 s", "-0.049 s"). Within 5 minutes of a
// non-zero whole number of quarter hours (a time-zone setting, see
// stats.QuarterHours) it is that number in hours and minutes plus the
// signed rest in seconds, if any ("+3 h", "+3 h +0.001 s", "+3 h -32.3 s",
// "-5 h 30 min +2.5 s": the value is the sum of the two parts). Otherwise it
// is hours, minutes and seconds ("+1 h 2 min 3.5 s", "-7 min 12 s").
func signedDuration(ns int64) string {
	ms := (ns + sign(ns)*int64(time.Millisecond)/2) / int64(time.Millisecond)
	if ms > -60_000 && ms < 60_000 {
		return signedSeconds(ns) + " s"
	}
	const quarter, near = 15 * 60_000, 5 * 60_000
	whole, rest := ms, int64(0)
	if q := (ms + sign(ms)*quarter/2) / quarter * quarter; q != 0 && abs64(ms-q) < near {
		whole, rest = q, ms-q
	}
	s := "+"
	if whole < 0 {
		s, whole = "-", -whole
	}
	var parts []string
	if h := whole / 3_600_000; h > 0 {
		parts = append(parts, strconv.FormatInt(h, 10)+" h")
	}
	if mins := whole % 3_600_000 / 60_000; mins > 0 {
		parts = append(parts, strconv.FormatInt(mins, 10)+" min")
	}
	if secs := whole % 60_000; secs > 0 {
		parts = append(parts, strconv.FormatFloat(float64(secs)/1000, 'f', -1, 64)+" s")
	}
	if rest != 0 {
		parts = append(parts, signedSeconds(rest*int64(time.Millisecond))+" s")
	}
	return s + strings.Join(parts, " ")
}

// signedSeconds formats ns as seconds rounded to the millisecond, with sign
// and no trailing zeros: "+7.2", "-0.049".
func signedSeconds(ns int64) string {
	ms := (ns + sign(ns)*int64(time.Millisecond)/2) / int64(time.Millisecond)
	s := strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
	if ms >= 0 {
		s = "+" + s
	}
	return s
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}
