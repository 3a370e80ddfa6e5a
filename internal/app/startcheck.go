package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
)

// A record cannot start after the collector captured the packet that
// carried it: the start (exporter's clock) lies before the export, which
// lies before the capture (collector's clock) but for the transit time. A
// start later than its capture time therefore shows the exporter's clock
// ahead of the collector's, by at least that much (less the start's
// precision). This needs no header export time, so it also works on
// Wireshark CSV/XLSX exports, which carry none; for captures the export
// clock check (header export time - capture time) says more.
const startAheadMargin = 250 * time.Millisecond

// startCheck accumulates the check for one exporter and domain.
type startCheck struct {
	n, after int
	ahead    time.Duration // largest start - capture time - precision among the records after
}

// startChecks are the checks per exporter and domain.
type startChecks map[flow.ExporterDomain]*startCheck

func (cs startChecks) add(r *flow.Record) {
	if !r.HasStart() || r.CaptureTime == 0 {
		return
	}
	ed := r.ExporterDomain()
	c := cs[ed]
	if c == nil {
		c = &startCheck{}
		cs[ed] = c
	}
	c.n++
	if d := r.Start.Sub(r.CaptureTime) - r.StartEnc.Precision().Uncertainty(); d > startAheadMargin {
		c.after++
		c.ahead = max(c.ahead, d)
	}
}

// sentence says what the check shows for ed ("" when nothing): "177 of 255
// records start after the collector captured them, up to 73.807 s: the
// exporter's clock runs at least 73.807 s ahead of the collector's".
func (cs startChecks) sentence(ed flow.ExporterDomain) string {
	c := cs[ed]
	if c == nil || c.after == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %s start after the collector captured them, up to %s later: the exporter's clock runs at least %s ahead of the collector's",
		c.after, count(c.n, "record", "records"), strings.TrimPrefix(fmtDur(c.ahead), "+"), strings.TrimPrefix(fmtDur(c.ahead), "+"))
}

// aheadOf lists, for exporters and domains without export times (no
// export lag), what the check shows: "10.103.0.170/320 runs at least
// 73.806 s ahead of the collector (177 of 190 records start after their
// capture)". withLag tells which have an export lag.
func (cs startChecks) aheadOf(withLag func(flow.ExporterDomain) bool) []string {
	var eds []flow.ExporterDomain
	for ed, c := range cs {
		if !withLag(ed) && c.after > 0 {
			eds = append(eds, ed)
		}
	}
	slices.SortFunc(eds, func(a, b flow.ExporterDomain) int {
		if c := a.Exporter.Compare(b.Exporter); c != 0 {
			return c
		}
		return int(a.Domain) - int(b.Domain)
	})
	var out []string
	for _, ed := range eds {
		c := cs[ed]
		out = append(out, fmt.Sprintf("%s/%d runs at least %s ahead of the collector (%d of %s start after their capture)",
			ed.Exporter, ed.Domain, strings.TrimPrefix(fmtDur(c.ahead), "+"), c.after, count(c.n, "record", "records")))
	}
	return out
}
