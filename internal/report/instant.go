package report

import (
	"time"

	"netflowtimedifference/internal/flow"
)

// appendInstant appends t.Format(p) without allocating: RFC 3339 UTC with
// exactly the digits precision p carries (the layouts of flow.Instant.Format,
// which a test compares against).
func appendInstant(b []byte, t flow.Instant, p flow.Precision) []byte {
	layout := "2006-01-02T15:04:05.000Z07:00"
	switch p {
	case flow.PrecisionSecond:
		layout = time.RFC3339
	case flow.PrecisionMicro:
		layout = "2006-01-02T15:04:05.000000Z07:00"
	case flow.PrecisionNano, flow.PrecisionUnknown:
		layout = "2006-01-02T15:04:05.000000000Z07:00"
	}
	return t.Time().AppendFormat(b, layout)
}
