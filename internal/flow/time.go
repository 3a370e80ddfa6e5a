package flow

import (
	"strconv"
	"strings"
	"time"
)

// Instant is an absolute time as nanoseconds since the Unix epoch (UTC). It is
// a plain int64 so that a Record stays small and comparable; it covers the
// years 1678 to 2262.
type Instant int64

// InstantOf converts a time.Time.
func InstantOf(t time.Time) Instant { return Instant(t.UnixNano()) }

// UnixMilli returns the instant for milliseconds since the epoch.
func UnixMilli(ms int64) Instant { return Instant(ms * int64(time.Millisecond)) }

// Time returns the instant as a UTC time.Time.
func (i Instant) Time() time.Time { return time.Unix(0, int64(i)).UTC() }

// Milli returns the instant as milliseconds since the epoch, rounded down.
func (i Instant) Milli() int64 {
	ms := int64(i) / int64(time.Millisecond)
	if int64(i) < 0 && int64(i)%int64(time.Millisecond) != 0 {
		ms--
	}
	return ms
}

// Sub returns i - j.
func (i Instant) Sub(j Instant) time.Duration { return time.Duration(i - j) }

// Add returns i + d.
func (i Instant) Add(d time.Duration) Instant { return i + Instant(d) }

// Truncate rounds i down (towards the past, also before 1970) to a multiple
// of d; d <= 1 returns i unchanged.
func (i Instant) Truncate(d time.Duration) Instant {
	u := Instant(d)
	if u <= 1 {
		return i
	}
	r := i % u
	if r < 0 {
		r += u
	}
	return i - r
}

// String formats the instant as RFC 3339 UTC with nanoseconds, trailing zeros removed.
func (i Instant) String() string { return i.Time().Format(time.RFC3339Nano) }

// Format formats the instant as RFC 3339 UTC with exactly the digits precision p
// carries: "2023-11-14T22:13:10Z" for seconds, "...10.123Z" for milliseconds,
// six and nine digits for micro- and nanoseconds.
func (i Instant) Format(p Precision) string {
	layout := "2006-01-02T15:04:05.000Z07:00"
	switch p {
	case PrecisionSecond:
		layout = time.RFC3339
	case PrecisionMicro:
		layout = "2006-01-02T15:04:05.000000Z07:00"
	case PrecisionNano, PrecisionUnknown:
		layout = "2006-01-02T15:04:05.000000000Z07:00"
	}
	return i.Time().Format(layout)
}

// Precision is the resolution (or, for v9, the uncertainty) of a start time.
type Precision uint8

// Precisions, from coarsest to finest. PrecisionV9Header is the precision of
// a NetFlow v9 FIRST_SWITCHED made absolute through the header: the value is in
// milliseconds but the header's unix_secs is cut to whole seconds, so the
// absolute instant is uncertain by up to one second.
const (
	PrecisionUnknown  Precision = iota
	PrecisionV9Header           // "v9 uptime via header: +-1 s"
	PrecisionSecond             // "s"
	PrecisionMilli              // "ms"
	PrecisionMicro              // "us"
	PrecisionNano               // "ns"
)

var precisionNames = [...]string{
	PrecisionUnknown:  "unknown",
	PrecisionV9Header: "v9 uptime via header: +-1 s",
	PrecisionSecond:   "s",
	PrecisionMilli:    "ms",
	PrecisionMicro:    "us",
	PrecisionNano:     "ns",
}

// String returns "s", "ms", "us", "ns" or "v9 uptime via header: +-1 s".
func (p Precision) String() string {
	if int(p) < len(precisionNames) {
		return precisionNames[p]
	}
	return "unknown"
}

// Uncertainty returns how far the true instant may lie from the stated one:
// the resolution for IPFIX encodings, one second for v9 header-derived times.
func (p Precision) Uncertainty() time.Duration {
	switch p {
	case PrecisionV9Header, PrecisionSecond:
		return time.Second
	case PrecisionMilli:
		return time.Millisecond
	case PrecisionMicro:
		return time.Microsecond
	case PrecisionNano:
		return time.Nanosecond
	}
	return 0
}

// Encoding says which information element (and which computation) a start
// time came from.
type Encoding uint8

// Start-time encodings.
const (
	EncNone              Encoding = iota // no start time
	EncSeconds                           // IPFIX flowStartSeconds (150)
	EncMilliseconds                      // IPFIX flowStartMilliseconds (152)
	EncMicroseconds                      // IPFIX flowStartMicroseconds (154, NTP format)
	EncNanoseconds                       // IPFIX flowStartNanoseconds (156, NTP format)
	EncDeltaMicroseconds                 // IPFIX flowStartDeltaMicroseconds (158), relative to export time
	EncSysUpTime                         // IPFIX flowStartSysUpTime (22) + systemInitTimeMilliseconds (160)
	EncV9Uptime                          // NetFlow v9 FIRST_SWITCHED (22) via header unix_secs and sysUptime
	EncV9UptimeZero                      // NetFlow v9 FIRST_SWITCHED = 0 (tshark shows 1970), i.e. at the uptime origin
	EncExportString                      // absolute time string from a Wireshark export, IE unknown: milliseconds (or fewer digits)
	EncExportStringMicro                 // the same, whose digits show microseconds
	EncExportStringNano                  // the same, whose digits show nanoseconds
	// EncDeltaMicrosecondsZero: flowStartDeltaMicroseconds (158) = 0, the
	// start equal to the message header's export time. RFC 7011 makes the
	// delta relative to the header's Export Time, which has whole seconds:
	// a flow starting after the (floored) export second would need a
	// negative delta, so exporters clamp it to 0. The true start lies in
	// [export second, export second + 1 s): the stated start is a lower
	// bound, like a truncated flowStartSeconds (PrecisionSecond).
	EncDeltaMicrosecondsZero
)

var encodingNames = [...]string{
	EncNone:              "",
	EncSeconds:           "flowStartSeconds",
	EncMilliseconds:      "flowStartMilliseconds",
	EncMicroseconds:      "flowStartMicroseconds",
	EncNanoseconds:       "flowStartNanoseconds",
	EncDeltaMicroseconds: "flowStartDeltaMicroseconds",
	EncSysUpTime:         "flowStartSysUpTime+systemInitTime",
	EncV9Uptime:          "v9 FIRST_SWITCHED+header",
	EncV9UptimeZero:      "v9 FIRST_SWITCHED=0+header",
	EncExportString:      "export string",
	EncExportStringMicro: "export string (us)",
	EncExportStringNano:  "export string (ns)",

	EncDeltaMicrosecondsZero: "flowStartDeltaMicroseconds=0",
}

// String returns the encoding's documented name (used in CSV/JSON output).
func (e Encoding) String() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return "unknown"
}

// ParseEncoding is the inverse of Encoding.String.
func ParseEncoding(s string) (Encoding, bool) {
	for i, n := range encodingNames {
		if n == s && (i != 0 || s == "") {
			return Encoding(i), true
		}
	}
	return EncNone, false
}

// Precision returns the precision a start of this encoding carries.
func (e Encoding) Precision() Precision {
	switch e {
	case EncSeconds, EncDeltaMicrosecondsZero:
		return PrecisionSecond
	case EncMilliseconds, EncSysUpTime:
		return PrecisionMilli
	case EncMicroseconds, EncDeltaMicroseconds:
		return PrecisionMicro
	case EncNanoseconds:
		return PrecisionNano
	case EncV9Uptime, EncV9UptimeZero:
		return PrecisionV9Header
	case EncExportString:
		// A Wireshark export shows nine digits whatever the IE was; the
		// exporter may have sent milliseconds. Treat it as milliseconds
		// unless the digits say more (EncExportStringMicro, ...Nano: see
		// ExportStringEncoding).
		return PrecisionMilli
	case EncExportStringMicro:
		return PrecisionMicro
	case EncExportStringNano:
		return PrecisionNano
	}
	return PrecisionUnknown
}

// V9Start makes a NetFlow v9 uptime-relative time absolute, the way collectors
// do: unix_secs*1000 - sysUptime + first_switched, all in milliseconds.
//
// sysUptime wraps at 2^32 ms (49.7 days). A FIRST_SWITCHED taken shortly before
// the wrap is larger than the header's sysUptime taken shortly after it; such a
// value is read as belonging to the previous cycle (2^32 ms earlier). The
// comparison is made on the difference modulo 2^32, so a start up to half a
// cycle (24.8 days) before the export is always placed correctly, and a start
// that lies after the export (impossible, but seen with broken exporters) by
// less than half a cycle stays after it.
func V9Start(unixSecs uint32, sysUptimeMs, firstSwitchedMs uint32) Instant {
	// age = sysUptime - first_switched, modulo 2^32, as a signed 32-bit value.
	age := int64(int32(sysUptimeMs - firstSwitchedMs))
	return UnixMilli(int64(unixSecs)*1000 - age)
}

// SysUpTimeStart makes an IPFIX flowStartSysUpTime (IE 22, ms since the
// exporter's system init) absolute through systemInitTimeMilliseconds (IE 160).
func SysUpTimeStart(sysInit Instant, uptimeMs int64) Instant {
	return sysInit + UnixMilli(uptimeMs)
}

// ExportStringEncoding returns the encoding of a start read from an export's
// time string whose information element is unknown: EncExportString
// (milliseconds) unless its digits show microseconds or nanoseconds
// (PrecisionOfDigits of its fraction), so that t printed with the encoding's
// precision shows every digit it carries. Whole seconds and milliseconds are
// both EncExportString: a millisecond value may end in 000.
func ExportStringEncoding(t Instant) Encoding {
	frac := int64(t) % int64(time.Second)
	if frac < 0 {
		frac += int64(time.Second)
	}
	digits := strconv.FormatInt(frac+int64(time.Second), 10)[1:] // nine digits
	switch PrecisionOfDigits(digits) {
	case PrecisionMicro:
		return EncExportStringMicro
	case PrecisionNano:
		return EncExportStringNano
	}
	return EncExportString
}

// PrecisionOfDigits returns the precision shown by the fractional digits of a
// time string once trailing zeros are removed ("10.123000000" -> ms).
// Wireshark always prints nine digits, so this is a lower bound on what the
// exporter sent, used only for export strings whose IE is unknown.
func PrecisionOfDigits(frac string) Precision {
	frac = strings.TrimRight(frac, "0")
	switch {
	case frac == "":
		return PrecisionSecond
	case len(frac) <= 3:
		return PrecisionMilli
	case len(frac) <= 6:
		return PrecisionMicro
	}
	return PrecisionNano
}
