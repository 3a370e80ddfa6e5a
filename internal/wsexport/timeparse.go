package wsexport

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

// Stamp is one parsed absolute time string.
type Stamp struct {
	Instant flow.Instant
	Zone    string     // the zone as written: "GTB Daylight Time", "UTC", "Z", "+03:00", "" (none)
	Status  ZoneStatus // how far the zone (and so the instant) can be trusted
	Frac    string     // the fractional-second digits as written ("503000000")
	Label   bool       // the zone is a display label (GUI format or zoneless): --input-tz applies
}

// wall is a wall-clock reading before any zone is applied.
type wall struct {
	year, month, day, hour, min, sec, nsec int
	frac                                   string
	zone                                   string
	iso                                    bool // the zone is an ISO 8601 designator (Z, +hh:mm): absolute
}

var errNotTime = errors.New("not a time")

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// ParseStamp parses one absolute time string as Wireshark and tshark write
// them, without any --input-tz:
//
//	"May 19, 2020 10:37:25.503000000 GTB Daylight Time"   GUI/tshark, local zone label
//	"Nov  4, 2023 22:13:10.123000000 CEST"                 (day space-padded)
//	"2023-11-14T22:13:10.123000000Z", "...+03:00"          ISO 8601 (tshark -T ek, Wireshark 4.6)
//	"2020-05-19 07:37:12.362041"                           date and time of day, no zone
//	"1700000000.100000000"                                 epoch seconds
//
// A known zone label is applied; an unknown, ambiguous or absent one is read as
// UTC and the Status says so.
func ParseStamp(s string) (Stamp, error) {
	if in, frac, ok := parseEpoch(s); ok {
		return Stamp{Instant: in, Zone: "UTC", Status: ZoneKnown, Frac: frac}, nil
	}
	w, err := parseWall(s)
	if err != nil {
		return Stamp{}, err
	}
	return w.stamp(nil)
}

// stamp applies the zone (or loc, when given and the zone is a label).
func (w wall) stamp(loc *time.Location) (Stamp, error) {
	if w.year < 1678 || w.year > 2261 {
		return Stamp{}, fmt.Errorf("year %d out of range", w.year)
	}
	st := Stamp{Zone: w.zone, Frac: w.frac, Label: !w.iso}
	off, status, _ := LookupZone(w.zone, w.utc())
	st.Status = status
	if loc != nil && !w.iso {
		t := time.Date(w.year, time.Month(w.month), w.day, w.hour, w.min, w.sec, w.nsec, loc)
		if status == ZoneKnown {
			// In the repeated hour after a daylight-saving change the label
			// tells which of the two instants was meant.
			t2 := time.Date(w.year, time.Month(w.month), w.day, w.hour, w.min, w.sec, w.nsec, time.UTC).
				Add(-time.Duration(off) * time.Second)
			if w.sameWall(t2.In(loc)) {
				t = t2
			}
		}
		st.Instant = flow.InstantOf(t)
		st.Status = ZoneKnown
		return st, nil
	}
	t := time.Date(w.year, time.Month(w.month), w.day, w.hour, w.min, w.sec, w.nsec, time.UTC)
	if status == ZoneKnown {
		t = t.Add(-time.Duration(off) * time.Second)
	}
	st.Instant = flow.InstantOf(t)
	return st, nil
}

// utc returns the wall-clock reading as if it were UTC.
func (w wall) utc() time.Time {
	return time.Date(w.year, time.Month(w.month), w.day, w.hour, w.min, w.sec, w.nsec, time.UTC)
}

func (w wall) sameWall(t time.Time) bool {
	return t.Year() == w.year && int(t.Month()) == w.month && t.Day() == w.day &&
		t.Hour() == w.hour && t.Minute() == w.min && t.Second() == w.sec
}

// parseEpoch parses "1700000000" or "1700000000.123456789" (seconds, at most
// 11 integer digits so that epoch milliseconds are not mistaken for seconds).
func parseEpoch(s string) (flow.Instant, string, bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || i > 11 {
		return 0, "", false
	}
	var sec int64
	for _, c := range s[:i] {
		sec = sec*10 + int64(c-'0')
	}
	frac := ""
	if i < len(s) {
		if s[i] != '.' {
			return 0, "", false
		}
		frac = s[i+1:]
		if frac == "" || len(frac) > 9 || !allDigits(frac) {
			return 0, "", false
		}
	}
	return flow.Instant(sec*1e9 + int64(fracNanos(frac))), frac, true
}

// parseWall parses the GUI and ISO forms into a wall-clock reading.
func parseWall(s string) (wall, error) {
	var w wall
	p := scanner{s: s}
	if len(s) >= 3 && s[0] >= 'A' && s[0] <= 'Z' {
		// "May 19, 2020 10:37:25.503000000 GTB Daylight Time"
		m := -1
		for i, name := range months {
			if strings.HasPrefix(s, name) {
				m = i + 1
			}
		}
		if m < 0 {
			return w, fmt.Errorf("%s: unknown month", tshark.Quote(s))
		}
		w.month = m
		p.i = 3
		if !p.spaces() {
			return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
		}
		w.day = p.num(1, 2)
		if !p.lit(",") || !p.spaces() {
			return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
		}
		w.year = p.num(4, 9)
		if !p.lit(" ") {
			return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
		}
	} else {
		// "2023-11-14T22:13:10.123Z", "2020-05-19 07:37:12.362041"
		w.year = p.num(4, 4)
		if !p.lit("-") {
			return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
		}
		w.month = p.num(2, 2)
		if !p.lit("-") {
			return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
		}
		w.day = p.num(2, 2)
		if !p.lit("T") && !p.lit(" ") {
			return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
		}
	}
	w.hour = p.num(2, 2)
	if !p.lit(":") {
		return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
	}
	w.min = p.num(2, 2)
	if !p.lit(":") {
		return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
	}
	w.sec = p.num(2, 2)
	if p.lit(".") || p.lit(",") {
		st := p.i
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
		w.frac = s[st:p.i]
		if w.frac == "" || len(w.frac) > 9 {
			return w, fmt.Errorf("%s: bad fraction of a second", tshark.Quote(s))
		}
		w.nsec = fracNanos(w.frac)
	}
	if p.bad || w.year < 0 || w.month < 1 || w.month > 12 || w.day < 1 || w.day > daysIn(w.month, w.year) ||
		w.hour > 23 || w.min > 59 || w.sec > 60 {
		return w, fmt.Errorf("%s: %w", tshark.Quote(s), errNotTime)
	}
	rest := s[p.i:]
	switch {
	case rest == "":
	case rest == "Z" || rest == "z":
		w.zone, w.iso = "Z", true
	case rest[0] == '+' || rest[0] == '-':
		if _, ok := numericZone(rest); !ok {
			return w, fmt.Errorf("%s: bad zone offset %s", tshark.Quote(s), tshark.Quote(rest))
		}
		w.zone, w.iso = rest, true
	case rest[0] == ' ':
		w.zone = strings.TrimSpace(rest)
		if w.zone == "" || strings.ContainsAny(w.zone, ",\n\r\t") {
			return w, fmt.Errorf("%s: bad zone %s", tshark.Quote(s), tshark.Quote(w.zone))
		}
	default:
		return w, fmt.Errorf("%s: unexpected %s after the time", tshark.Quote(s), tshark.Quote(rest))
	}
	return w, nil
}

type scanner struct {
	s   string
	i   int
	bad bool
}

func (p *scanner) lit(l string) bool {
	if strings.HasPrefix(p.s[p.i:], l) {
		p.i += len(l)
		return true
	}
	return false
}

func (p *scanner) spaces() bool {
	st := p.i
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	return p.i > st
}

// num reads between min and max digits.
func (p *scanner) num(min, max int) int {
	n, st := 0, p.i
	for p.i < len(p.s) && p.i-st < max && isDigit(p.s[p.i]) {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if p.i-st < min {
		p.bad = true
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func fracNanos(frac string) int {
	n := 0
	for i := 0; i < 9; i++ {
		n *= 10
		if i < len(frac) {
			n += int(frac[i] - '0')
		}
	}
	return n
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// TimeParser parses the absolute times of one input and remembers what it
// could not verify: it reports each unknown, ambiguous or missing zone once,
// and each disagreement between a zone label and --input-tz once. It is safe
// for concurrent use. Its Parse method suits tshark.WalkOptions.ParseTime.
type TimeParser struct {
	loc *time.Location // --input-tz, nil when not given

	mu         sync.Mutex
	seen       map[string]bool // zone labels already judged
	notes      []string
	unverified bool
}

// NewTimeParser returns a parser; inputTZ (--input-tz) may be nil.
func NewTimeParser(inputTZ *time.Location) *TimeParser {
	return &TimeParser{loc: inputTZ, seen: map[string]bool{}}
}

// Parse parses s (see ParseStamp) and returns its instant.
func (p *TimeParser) Parse(s string) (flow.Instant, error) {
	st, err := p.ParseStamp(s)
	return st.Instant, err
}

// ParseStamp parses s, applying --input-tz to zone labels and zoneless
// strings, and records what could not be verified.
func (p *TimeParser) ParseStamp(s string) (Stamp, error) {
	if in, frac, ok := parseEpoch(s); ok {
		return Stamp{Instant: in, Zone: "UTC", Status: ZoneKnown, Frac: frac}, nil
	}
	w, err := parseWall(s)
	if err != nil {
		return Stamp{}, err
	}
	st, err := w.stamp(p.loc)
	if err != nil {
		return st, fmt.Errorf("%s: %w", tshark.Quote(s), err)
	}
	if w.iso {
		return st, nil
	}
	p.judge(w, st)
	return st, nil
}

// judge records, once per zone label, whether the label could be trusted.
func (p *TimeParser) judge(w wall, st Stamp) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[w.zone] {
		return
	}
	// A copy as the key: the string may be a view of the JSON walker's
	// buffer (see tshark's text), which later packets overwrite; a key whose
	// bytes change is never found again, and the label was judged (and
	// reported) again and again.
	p.seen[strings.Clone(w.zone)] = true
	off, status, cand := LookupZone(w.zone, w.utc())
	if p.loc != nil {
		if status == ZoneKnown {
			t := st.Instant.Time().In(p.loc)
			if _, locOff := t.Zone(); locOff != off {
				p.notes = append(p.notes, fmt.Sprintf(
					"time zone label %s means %s, but --input-tz %s gives %s at %s: --input-tz used",
					tshark.Quote(w.zone), FormatOffset(off), p.loc, FormatOffset(locOff), t.Format("2006-01-02 15:04")))
			}
		}
		return
	}
	hint := "give --input-tz (an IANA zone such as Europe/Bucharest, or an offset such as +03:00)"
	switch status {
	case ZoneKnown:
		return
	case ZoneAmbiguous:
		p.notes = append(p.notes, fmt.Sprintf(
			"time zone %s is ambiguous (%s): absolute times read as UTC and unverified; differences within the input are still right; %s",
			tshark.Quote(w.zone), cand, hint))
	case ZoneUnknown:
		p.notes = append(p.notes, fmt.Sprintf(
			"time zone %s is not known: absolute times read as UTC and unverified; differences within the input are still right; %s",
			tshark.Quote(w.zone), hint))
	case ZoneNone:
		p.notes = append(p.notes, fmt.Sprintf(
			"time strings carry no zone (e.g. %q): absolute times read as UTC and unverified; %s",
			fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", w.year, w.month, w.day, w.hour, w.min, w.sec), hint))
	}
	p.unverified = true
}

// Notes returns the one-line notes gathered so far.
func (p *TimeParser) Notes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.notes...)
}

// Unverified reports whether some absolute time rested on an unknown,
// ambiguous or missing zone (and no --input-tz was given).
func (p *TimeParser) Unverified() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unverified
}

// Zones returns the zone labels seen so far.
func (p *TimeParser) Zones() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.seen))
	for z := range p.seen {
		out = append(out, z)
	}
	return out
}

// ParseInputTZ parses --input-tz: an IANA zone name ("Europe/Bucharest",
// "UTC") or a fixed offset ("+03:00", "-0530", "UTC+3").
func ParseInputTZ(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if off, ok := numericZone(s); ok {
		return time.FixedZone(FormatOffset(off), off), nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("--input-tz %q: not an IANA time zone name nor an offset like +03:00: %w", s, err)
	}
	return loc, nil
}
