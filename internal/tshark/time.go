package tshark

// All time conversion of the tshark walker lives in this file: parsing the
// time strings tshark and Wireshark write, and turning each start-time
// information element into an absolute flow.Instant.
//
// One row per information element (startIEs below) says which Encoding a
// start field came from. tshark prints IEs 150, 152, 154, 156 and 158 all as
// cflow.abstimestart, so the IE is taken from the template definition that
// the same exporter sent earlier (remembered per exporter, ports, domain and
// template id); only when the template was not seen (tshark -2 decoding data
// with a later template, or an export without template sets) are the
// fractional digits used as a fallback.
//
// NetFlow v9 FIRST_SWITCHED (22) is uptime-relative: tshark prints it as
// cflow.timestart in seconds; the instant is flow.V9Start(unix_secs,
// sysUptime, first_switched), which handles the sysUptime wrap at 2^32 ms
// (see flow.V9Start: the age sysUptime-first is taken modulo 2^32 as a signed
// 32-bit value). A FIRST_SWITCHED of exactly 0 makes tshark take its
// "absolute" branch and print 1970-01-01: that is EncV9UptimeZero, start =
// unix_secs*1000 - sysUptime.
//
// IPFIX flowStartDeltaMicroseconds (158) counts back from the header's
// whole-second export time, so a flow that started after that second is
// sent with delta 0: a start equal to the export time (with IE 158 known
// from the template) is flow.EncDeltaMicrosecondsZero, precise to 1 s only.
//
// IPFIX flowStartSysUpTime (22) is made absolute with systemInitTimeMilliseconds
// (160, cflow.sys_init_time), taken from the record itself or remembered per
// exporter and domain from earlier (options) records.

import (
	"errors"
	"fmt"
	"time"

	"netflowtimedifference/internal/flow"
)

// startIE is one row of the start-time table.
type startIE struct {
	ie  uint16
	enc flow.Encoding
	// unit the value is truncated to, 0 = keep exactly what tshark printed.
	// An NTP microsecond value (154) is kept to the nanosecond: its fraction
	// has 2^-21 s steps (RFC 7011 6.1.9), which are not whole microseconds.
	unit time.Duration
}

// startIEs lists the IPFIX/v9 start-time information elements.
var startIEs = [...]startIE{
	{150, flow.EncSeconds, time.Second},                // flowStartSeconds
	{152, flow.EncMilliseconds, time.Millisecond},      // flowStartMilliseconds
	{154, flow.EncMicroseconds, 0},                     // flowStartMicroseconds (NTP): kept as tshark shows it, printed with 6 digits
	{156, flow.EncNanoseconds, 0},                      // flowStartNanoseconds (NTP)
	{158, flow.EncDeltaMicroseconds, time.Microsecond}, // flowStartDeltaMicroseconds (tshark: export time - delta)
	{22, flow.EncSysUpTime, time.Millisecond},          // IPFIX flowStartSysUpTime + 160; v9 FIRST_SWITCHED (EncV9Uptime)
}

// absStartEncoding returns the encoding of an absolute start IE (150-158).
func absStartEncoding(ie uint16) (startIE, bool) {
	for _, r := range startIEs {
		if r.ie == ie && ie != 22 {
			return r, true
		}
	}
	return startIE{}, false
}

// encodingOfDigits guesses the encoding of an absolute start whose IE is
// unknown from the digits tshark printed (a lower bound on the resolution).
func encodingOfDigits(t flow.Instant) startIE {
	frac := int64(t) % int64(time.Second)
	if frac < 0 {
		frac += int64(time.Second)
	}
	switch {
	case frac == 0:
		return startIEs[0]
	case frac%int64(time.Millisecond) == 0:
		return startIEs[1]
	case frac%int64(time.Microsecond) == 0:
		return startIEs[2]
	}
	return startIEs[3]
}

// errTime is wrapped by every time parse error.
var errTime = errors.New("bad time")

// ParseTime parses the absolute time strings tshark writes, whatever its
// version: the 4.0-4.4 display form with a zone, which must be UTC
// ("Nov 14, 2023 22:13:10.123000000 UTC", day space-padded; tshark runs with
// TZ=UTC), ISO 8601 / RFC 3339 in UTC ("2023-11-14T22:13:10.123000000Z",
// Wireshark 4.6 on), and decimal epoch seconds ("1700000000.100000000",
// frame.time_epoch up to 4.4). It is the default WalkOptions.ParseTime.
func ParseTime(s string) (flow.Instant, error) {
	if len(s) == 0 {
		return 0, fmt.Errorf("%w: empty", errTime)
	}
	switch c := s[0]; {
	case c >= 'A' && c <= 'Z':
		return parseDisplay(s)
	case c >= '0' && c <= '9' || c == '-':
		if len(s) >= 11 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') {
			return parseISO(s)
		}
		return parseEpoch(s)
	}
	return 0, fmt.Errorf("%w: %s", errTime, Quote(s))
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseDisplay parses "Nov 14, 2023 22:13:10.123000000 UTC" (also "Jan  1, 1970 ...").
func parseDisplay(s string) (flow.Instant, error) {
	bad := func(why string) (flow.Instant, error) {
		return 0, fmt.Errorf("%w: %s: %s", errTime, Quote(s), why)
	}
	if len(s) < 12 {
		return bad("too short")
	}
	mon := -1
	for i, m := range months {
		if s[:3] == m {
			mon = i + 1
			break
		}
	}
	if mon < 0 || s[3] != ' ' {
		return bad("no month")
	}
	p := 4
	if s[p] == ' ' {
		p++
	}
	day, p, ok := digits(s, p, 1, 2)
	if !ok || p+1 >= len(s) || s[p] != ',' || s[p+1] != ' ' {
		return bad("no day")
	}
	year, p, ok := digits(s, p+2, 1, 4)
	if !ok || p >= len(s) || s[p] != ' ' {
		return bad("no year (or more than 4 digits)")
	}
	t, rest, err := clock(s, p+1, year, mon, day)
	if err != nil {
		return bad(err.Error())
	}
	switch rest {
	case " UTC", " GMT", " Z", "Z", "":
		// The zone must be UTC: tshark runs with TZ=UTC. A bare string is
		// taken as UTC too (custom columns without zone).
	default:
		return bad("zone is not UTC (Wireshark exports in local time need a zone-aware parser)")
	}
	return t, nil
}

// parseISO parses "2023-11-14T22:13:10.123000000Z" (also "+00:00").
func parseISO(s string) (flow.Instant, error) {
	bad := func(why string) (flow.Instant, error) {
		return 0, fmt.Errorf("%w: %s: %s", errTime, Quote(s), why)
	}
	year, _, ok := digits(s, 0, 4, 4)
	mon, _, ok2 := digits(s, 5, 2, 2)
	day, _, ok3 := digits(s, 8, 2, 2)
	if !ok || !ok2 || !ok3 {
		return bad("no date")
	}
	t, rest, err := clock(s, 11, year, mon, day)
	if err != nil {
		return bad(err.Error())
	}
	switch rest {
	case "Z", "+00:00", "+0000", " UTC":
	default:
		return bad("zone is not UTC")
	}
	return t, nil
}

// clock parses "HH:MM:SS[.fffffffff]" at s[p:] and returns the instant and the rest.
func clock(s string, p, year, mon, day int) (flow.Instant, string, error) {
	h, p, ok := digits(s, p, 2, 2)
	if !ok || p >= len(s) || s[p] != ':' {
		return 0, "", errors.New("no hour")
	}
	m, p, ok := digits(s, p+1, 2, 2)
	if !ok || p >= len(s) || s[p] != ':' {
		return 0, "", errors.New("no minute")
	}
	sec, p, ok := digits(s, p+1, 2, 2)
	if !ok {
		return 0, "", errors.New("no second")
	}
	ns := 0
	if p < len(s) && s[p] == '.' {
		var n int
		start := p + 1
		ns, n, ok = fraction(s, start)
		if !ok {
			return 0, "", errors.New("bad fraction")
		}
		p = start + n
	}
	if mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 60 {
		return 0, "", errors.New("field out of range")
	}
	t := time.Date(year, time.Month(mon), day, h, m, sec, ns, time.UTC)
	if t.Day() != day {
		return 0, "", errors.New("no such day")
	}
	if year < 1678 || year > 2261 {
		return 0, "", errors.New("year out of range")
	}
	return flow.InstantOf(t), s[p:], nil
}

// parseEpoch parses "1700000000.100000000".
func parseEpoch(s string) (flow.Instant, error) {
	d, err := ParseSeconds(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: not epoch seconds", errTime, Quote(s))
	}
	return flow.Instant(d), nil
}

// ParseSeconds parses a relative time as tshark prints it ("3590.123000000",
// decimal seconds with up to nine digits) into a duration.
func ParseSeconds(s string) (time.Duration, error) {
	neg := false
	p := 0
	if len(s) > 0 && s[0] == '-' {
		neg, p = true, 1
	}
	secs, p, ok := digits(s, p, 1, 11)
	if !ok {
		return 0, fmt.Errorf("%w: %s: not seconds", errTime, Quote(s))
	}
	ns := 0
	if p < len(s) && s[p] == '.' {
		var n int
		ns, n, ok = fraction(s, p+1)
		if !ok {
			return 0, fmt.Errorf("%w: %s: bad fraction", errTime, Quote(s))
		}
		p += 1 + n
	}
	if p != len(s) || secs > 9_000_000_000 {
		return 0, fmt.Errorf("%w: %s: not seconds", errTime, Quote(s))
	}
	d := time.Duration(secs)*time.Second + time.Duration(ns)
	if neg {
		d = -d
	}
	return d, nil
}

// digits reads between min and max decimal digits at s[p:].
func digits(s string, p, min, max int) (v, end int, ok bool) {
	i := p
	for i < len(s) && i-p < max && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + int(s[i]-'0')
		i++
	}
	if i-p < min {
		return 0, p, false
	}
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		return 0, p, false // more digits than max
	}
	return v, i, true
}

// fraction reads 1 to 9 fractional digits as nanoseconds and returns how many it read.
func fraction(s string, p int) (ns, n int, ok bool) {
	for p+n < len(s) && s[p+n] >= '0' && s[p+n] <= '9' {
		if n >= 9 {
			return 0, 0, false
		}
		ns = ns*10 + int(s[p+n]-'0')
		n++
	}
	if n == 0 {
		return 0, 0, false
	}
	for k := n; k < 9; k++ {
		ns *= 10
	}
	return ns, n, true
}

// sysUpTime makes an IPFIX flowStartSysUpTime absolute: systemInitTime +
// uptime. The uptime is an unsigned32 of milliseconds and wraps after 49.7
// days like v9's; when the plain sum lies more than half a wrap (2^31 ms)
// away from the packet's export time, it is moved by 2^32 ms towards it.
func sysUpTime(init flow.Instant, uptimeMs int64, export flow.Instant, hasExport bool) flow.Instant {
	t := flow.SysUpTimeStart(init, uptimeMs)
	if !hasExport {
		return t
	}
	const half, wrap = flow.Instant(1<<31) * flow.Instant(time.Millisecond), flow.Instant(1<<32) * flow.Instant(time.Millisecond)
	switch d := t - export; {
	case d > half:
		t -= wrap
	case d < -half:
		t += wrap
	}
	return t
}
