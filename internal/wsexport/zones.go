package wsexport

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ZoneStatus says how far a zone label in a time string can be trusted.
type ZoneStatus uint8

// Zone statuses.
const (
	ZoneKnown     ZoneStatus = iota // the label names one UTC offset
	ZoneAmbiguous                   // the label names several offsets (IST, CST, PST, ...)
	ZoneUnknown                     // the label is not in the tables (localised Windows names, ...)
	ZoneNone                        // the string carries no zone
)

// zoneInfo is what a Windows zone name tells: its offset in seconds east of
// UTC, or why it is ambiguous.
type zoneInfo struct {
	offset     int
	ambiguous  string // non-empty: the candidates, for the note
	daylight   bool
	windowsKey string // Windows time zone id, for Windows display names
}

// windowsZone is one Windows time zone: its registry key, its standard and
// daylight display names (the names strftime's %Z gives on Windows, which
// Wireshark's GUI prints), and its base UTC offset in minutes. The daylight
// name implies the daylight offset: base + 60 minutes (Lord Howe: + 30).
// Names that are not "<key with Standard> / <key with Daylight>" are spelled
// out. Source: the Windows time zone registry (tzutil /l), as of 2024.
type windowsZone struct {
	key      string
	std, dlt string // "" = derived from key
	base     int    // minutes east of UTC
	dstMin   int    // daylight saving in minutes (0 = 60)
	note     string // non-empty: the offset changed over the years; treat as ambiguous
}

var windowsZones = []windowsZone{
	{key: "Dateline Standard Time", base: -12 * 60},
	{key: "UTC-11", base: -11 * 60},
	{key: "Aleutian Standard Time", base: -10 * 60},
	{key: "Hawaiian Standard Time", base: -10 * 60},
	{key: "Marquesas Standard Time", base: -9*60 - 30},
	{key: "Alaskan Standard Time", base: -9 * 60},
	{key: "UTC-09", base: -9 * 60},
	{key: "Pacific Standard Time (Mexico)", base: -8 * 60},
	{key: "UTC-08", base: -8 * 60},
	{key: "Pacific Standard Time", base: -8 * 60},
	{key: "US Mountain Standard Time", base: -7 * 60},
	{key: "Mountain Standard Time (Mexico)", base: -7 * 60},
	{key: "Mountain Standard Time", base: -7 * 60},
	{key: "Yukon Standard Time", base: -7 * 60},
	{key: "Central America Standard Time", base: -6 * 60},
	{key: "Central Standard Time", base: -6 * 60},
	{key: "Easter Island Standard Time", base: -6 * 60},
	{key: "Central Standard Time (Mexico)", base: -6 * 60},
	{key: "Canada Central Standard Time", base: -6 * 60},
	{key: "SA Pacific Standard Time", base: -5 * 60},
	{key: "Eastern Standard Time (Mexico)", base: -5 * 60},
	{key: "Eastern Standard Time", base: -5 * 60},
	{key: "Haiti Standard Time", base: -5 * 60},
	{key: "Cuba Standard Time", base: -5 * 60},
	{key: "US Eastern Standard Time", base: -5 * 60},
	{key: "Turks And Caicos Standard Time", base: -5 * 60},
	{key: "Paraguay Standard Time", base: -4 * 60},
	{key: "Atlantic Standard Time", base: -4 * 60},
	{key: "Venezuela Standard Time", base: -4 * 60},
	{key: "Central Brazilian Standard Time", base: -4 * 60},
	{key: "SA Western Standard Time", base: -4 * 60},
	{key: "Pacific SA Standard Time", base: -4 * 60},
	{key: "Newfoundland Standard Time", base: -3*60 - 30},
	{key: "Tocantins Standard Time", base: -3 * 60},
	{key: "E. South America Standard Time", base: -3 * 60},
	{key: "SA Eastern Standard Time", base: -3 * 60},
	{key: "Argentina Standard Time", base: -3 * 60},
	{key: "Greenland Standard Time", base: -3 * 60, note: "UTC-03:00 until 2023, UTC-02:00 since"},
	{key: "Montevideo Standard Time", base: -3 * 60},
	{key: "Magallanes Standard Time", base: -3 * 60},
	{key: "Saint Pierre Standard Time", base: -3 * 60},
	{key: "Bahia Standard Time", base: -3 * 60},
	{key: "UTC-02", base: -2 * 60},
	{key: "Mid-Atlantic Standard Time", base: -2 * 60},
	{key: "Azores Standard Time", base: -1 * 60},
	{key: "Cape Verde Standard Time", base: -1 * 60},
	{key: "UTC", std: "Coordinated Universal Time", dlt: "Coordinated Universal Time", base: 0},
	{key: "GMT Standard Time", base: 0}, // London, Dublin, Lisbon: "GMT Daylight Time" is UTC+01:00
	{key: "Greenwich Standard Time", base: 0},
	{key: "Sao Tome Standard Time", base: 0},
	{key: "Morocco Standard Time", base: 0, note: "UTC+00:00 or UTC+01:00 depending on the year and Ramadan"},
	{key: "W. Europe Standard Time", base: 60},
	{key: "Central Europe Standard Time", base: 60},
	{key: "Romance Standard Time", base: 60},
	{key: "Central European Standard Time", base: 60},
	{key: "W. Central Africa Standard Time", base: 60},
	{key: "Jordan Standard Time", base: 2 * 60, note: "UTC+02:00 with DST until 2022, UTC+03:00 since"},
	{key: "GTB Standard Time", base: 2 * 60}, // Athens, Bucharest: "GTB Daylight Time" is UTC+03:00
	{key: "Middle East Standard Time", base: 2 * 60},
	{key: "Egypt Standard Time", base: 2 * 60},
	{key: "E. Europe Standard Time", base: 2 * 60},
	{key: "Syria Standard Time", base: 2 * 60, note: "UTC+02:00 with DST until 2022, UTC+03:00 since"},
	{key: "West Bank Standard Time", base: 2 * 60},
	{key: "South Africa Standard Time", base: 2 * 60},
	{key: "FLE Standard Time", base: 2 * 60},
	{key: "Israel Standard Time", std: "Jerusalem Standard Time", dlt: "Jerusalem Daylight Time", base: 2 * 60},
	{key: "South Sudan Standard Time", base: 2 * 60},
	{key: "Kaliningrad Standard Time", std: "Russia TZ 1 Standard Time", dlt: "Russia TZ 1 Daylight Time", base: 2 * 60},
	{key: "Sudan Standard Time", base: 2 * 60},
	{key: "Libya Standard Time", base: 2 * 60},
	{key: "Namibia Standard Time", base: 2 * 60},
	{key: "Arabic Standard Time", base: 3 * 60},
	{key: "Turkey Standard Time", base: 3 * 60, note: "UTC+02:00 with DST until 2016, UTC+03:00 since"},
	{key: "Arab Standard Time", base: 3 * 60},
	{key: "Belarus Standard Time", base: 3 * 60},
	{key: "Russian Standard Time", std: "Russia TZ 2 Standard Time", dlt: "Russia TZ 2 Daylight Time", base: 3 * 60},
	{key: "E. Africa Standard Time", base: 3 * 60},
	{key: "Volgograd Standard Time", base: 3 * 60},
	{key: "Iran Standard Time", base: 3*60 + 30},
	{key: "Arabian Standard Time", base: 4 * 60},
	{key: "Astrakhan Standard Time", base: 4 * 60},
	{key: "Azerbaijan Standard Time", base: 4 * 60},
	{key: "Russia Time Zone 3", std: "Russia TZ 3 Standard Time", dlt: "Russia TZ 3 Daylight Time", base: 4 * 60},
	{key: "Mauritius Standard Time", base: 4 * 60},
	{key: "Saratov Standard Time", base: 4 * 60},
	{key: "Georgian Standard Time", base: 4 * 60},
	{key: "Caucasus Standard Time", base: 4 * 60},
	{key: "Afghanistan Standard Time", base: 4*60 + 30},
	{key: "West Asia Standard Time", base: 5 * 60},
	{key: "Ekaterinburg Standard Time", std: "Russia TZ 4 Standard Time", dlt: "Russia TZ 4 Daylight Time", base: 5 * 60},
	{key: "Pakistan Standard Time", base: 5 * 60},
	{key: "Qyzylorda Standard Time", base: 5 * 60},
	{key: "India Standard Time", base: 5*60 + 30},
	{key: "Sri Lanka Standard Time", base: 5*60 + 30},
	{key: "Nepal Standard Time", base: 5*60 + 45},
	{key: "Central Asia Standard Time", base: 6 * 60, note: "UTC+06:00 until 2024, UTC+05:00 since"},
	{key: "Bangladesh Standard Time", base: 6 * 60},
	{key: "Omsk Standard Time", base: 6 * 60},
	{key: "Myanmar Standard Time", base: 6*60 + 30},
	{key: "SE Asia Standard Time", base: 7 * 60},
	{key: "Altai Standard Time", base: 7 * 60},
	{key: "W. Mongolia Standard Time", base: 7 * 60},
	{key: "North Asia Standard Time", std: "Russia TZ 6 Standard Time", dlt: "Russia TZ 6 Daylight Time", base: 7 * 60},
	{key: "N. Central Asia Standard Time", std: "Novosibirsk Standard Time", dlt: "Novosibirsk Daylight Time", base: 7 * 60},
	{key: "Tomsk Standard Time", base: 7 * 60},
	{key: "China Standard Time", base: 8 * 60},
	{key: "North Asia East Standard Time", std: "Russia TZ 7 Standard Time", dlt: "Russia TZ 7 Daylight Time", base: 8 * 60},
	{key: "Singapore Standard Time", std: "Malay Peninsula Standard Time", dlt: "Malay Peninsula Daylight Time", base: 8 * 60},
	{key: "W. Australia Standard Time", base: 8 * 60},
	{key: "Taipei Standard Time", base: 8 * 60},
	{key: "Ulaanbaatar Standard Time", base: 8 * 60},
	{key: "Aus Central W. Standard Time", base: 8*60 + 45},
	{key: "Transbaikal Standard Time", base: 9 * 60},
	{key: "Tokyo Standard Time", base: 9 * 60},
	{key: "North Korea Standard Time", base: 9 * 60},
	{key: "Korea Standard Time", base: 9 * 60},
	{key: "Yakutsk Standard Time", std: "Russia TZ 8 Standard Time", dlt: "Russia TZ 8 Daylight Time", base: 9 * 60},
	{key: "Cen. Australia Standard Time", base: 9*60 + 30},
	{key: "AUS Central Standard Time", base: 9*60 + 30},
	{key: "E. Australia Standard Time", base: 10 * 60},
	{key: "AUS Eastern Standard Time", base: 10 * 60},
	{key: "West Pacific Standard Time", base: 10 * 60},
	{key: "Tasmania Standard Time", base: 10 * 60},
	{key: "Vladivostok Standard Time", std: "Russia TZ 9 Standard Time", dlt: "Russia TZ 9 Daylight Time", base: 10 * 60},
	{key: "Lord Howe Standard Time", base: 10*60 + 30, dstMin: 30},
	{key: "Bougainville Standard Time", base: 11 * 60},
	{key: "Russia Time Zone 10", std: "Russia TZ 10 Standard Time", dlt: "Russia TZ 10 Daylight Time", base: 11 * 60},
	{key: "Magadan Standard Time", base: 11 * 60},
	{key: "Norfolk Standard Time", base: 11 * 60},
	{key: "Sakhalin Standard Time", base: 11 * 60},
	{key: "Central Pacific Standard Time", base: 11 * 60},
	{key: "Russia Time Zone 11", std: "Russia TZ 11 Standard Time", dlt: "Russia TZ 11 Daylight Time", base: 12 * 60},
	{key: "New Zealand Standard Time", base: 12 * 60},
	{key: "UTC+12", base: 12 * 60},
	{key: "Fiji Standard Time", base: 12 * 60},
	{key: "Kamchatka Standard Time", base: 12 * 60},
	{key: "Chatham Islands Standard Time", base: 12*60 + 45},
	{key: "UTC+13", base: 13 * 60},
	{key: "Tonga Standard Time", base: 13 * 60},
	{key: "Samoa Standard Time", base: 13 * 60},
	{key: "Line Islands Standard Time", base: 14 * 60},
}

// Time zone abbreviations (strftime's %Z on Linux and macOS, which
// Wireshark's GUI and tshark print) are judged with the tzdata itself:
// tzAbbrevs (zones_tzdata.go, generated from the system tzdata by
// TestTheZoneTableIsTheSystemTzdata) lists each UTC offset a zone gave an
// abbreviation and the years it did. An abbreviation stands for one offset
// in a year when every zone that used it that year gave it that offset;
// when zones gave it several offsets that year (CST: US Central, China and
// Cuba; IST: Ireland, India, Israel; PST: US Pacific and the Philippines;
// KST in 2015-2018: Seoul and Pyongyang), it is ambiguous and not guessed.
// An abbreviation whose offset changed over the years in one zone only
// (MSK: UTC+03:00, UTC+04:00 in 2011-2014) stands for the offset of the
// time string's own year, which tzdata knows: that is not a guess. The
// year of a string outside tzFirstYear..tzLastYear counts as the nearest
// year of the range; in a year in which no zone used the abbreviation it
// stands for one offset only if it had one in all years.

//go:generate go test -run ^TestTheZoneTableIsTheSystemTzdata$ . -args -update-zones

// tzFirstYear and tzLastYear bound the years tzAbbrevs covers.
const (
	tzFirstYear = 1970
	tzLastYear  = 2037
)

// abbrevUse is one UTC offset a tzdata abbreviation had.
type abbrevUse struct {
	offset int        // seconds east of UTC
	years  []yearSpan // the years (UTC) in which some zone used the abbreviation with this offset
	zones  []string   // the first zones that did, for the notes
	nZones int        // how many did
}

// yearSpan is a run of years, both ends included.
type yearSpan struct{ from, to int16 }

func (u *abbrevUse) inYear(y int) bool {
	for _, s := range u.years {
		if y >= int(s.from) && y <= int(s.to) {
			return true
		}
	}
	return false
}

// describe formats a use for a note: "UTC-06:00 (America/Chicago, ... and 3 more)".
func (u *abbrevUse) describe() string {
	z := strings.Join(u.zones, ", ")
	if u.nZones > len(u.zones) {
		z += fmt.Sprintf(" and %d more", u.nZones-len(u.zones))
	}
	return FormatOffset(u.offset) + " (" + z + ")"
}

// abbrevIndex maps lower-cased abbreviations to their uses.
var abbrevIndex = func() map[string][]abbrevUse {
	m := make(map[string][]abbrevUse, len(tzAbbrevs))
	for a, u := range tzAbbrevs {
		m[strings.ToLower(a)] = u
	}
	return m
}()

// utcDesignators are the names of UTC that are not tzdata abbreviations.
var utcDesignators = []string{"UT", "Z"}

// lookupAbbrev judges a tzdata abbreviation at the wall-clock time of the
// string (zero: the date is unknown, all years count).
func lookupAbbrev(uses []abbrevUse, wall time.Time) (offset int, status ZoneStatus, candidates string) {
	var in []*abbrevUse
	if !wall.IsZero() {
		for i := range uses {
			u := &uses[i]
			// The instant the string means if this offset is right.
			y := min(max(wall.Add(-time.Duration(u.offset)*time.Second).Year(), tzFirstYear), tzLastYear)
			if u.inYear(y) {
				in = append(in, u)
			}
		}
	}
	when := fmt.Sprintf(" in %d", min(max(wall.Year(), tzFirstYear), tzLastYear))
	if len(in) == 0 {
		when = fmt.Sprintf(" in %d-%d", tzFirstYear, tzLastYear)
		for i := range uses {
			in = append(in, &uses[i])
		}
	}
	if len(in) == 1 {
		return in[0].offset, ZoneKnown, ""
	}
	parts := make([]string, len(in))
	for i, u := range in {
		parts[i] = u.describe()
	}
	return 0, ZoneAmbiguous, "tzdata" + when + ": " + strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// zoneTable maps lower-cased Windows zone names to what they tell.
var zoneTable = buildZoneTable()

func buildZoneTable() map[string]zoneInfo {
	t := make(map[string]zoneInfo, 2*len(windowsZones)+len(utcDesignators))
	for _, z := range windowsZones {
		std, dlt := z.std, z.dlt
		if std == "" {
			std = z.key
		}
		if dlt == "" {
			dlt = strings.Replace(std, "Standard Time", "Daylight Time", 1)
		}
		dst := z.dstMin
		if dst == 0 {
			dst = 60
		}
		if z.key == "UTC" {
			dst = 0
		}
		amb := ""
		if z.note != "" {
			amb = z.note
		}
		t[strings.ToLower(std)] = zoneInfo{offset: z.base * 60, ambiguous: amb, windowsKey: z.key}
		if dlt != std {
			t[strings.ToLower(dlt)] = zoneInfo{offset: (z.base + dst) * 60, ambiguous: amb, daylight: true, windowsKey: z.key}
		}
	}
	for _, d := range utcDesignators {
		t[strings.ToLower(d)] = zoneInfo{}
	}
	return t
}

// LookupZone tells the UTC offset (seconds east) a zone label stands for at
// the wall-clock time wall (the time string read as if it were UTC; zero
// when unknown): a Windows display name ("GTB Daylight Time"), a tzdata
// abbreviation ("CEST", judged for wall's year, see tzAbbrevs), a numeric
// zone ("+03", "+0530", "-03:30", "UTC+3", "GMT-05:00") or "Z". The status
// says whether the offset can be trusted; for ZoneAmbiguous the returned
// text lists the candidates.
func LookupZone(label string, wall time.Time) (offset int, status ZoneStatus, candidates string) {
	l := strings.TrimSpace(label)
	if l == "" {
		return 0, ZoneNone, ""
	}
	if off, ok := numericZone(l); ok {
		return off, ZoneKnown, ""
	}
	key := strings.ToLower(l)
	if z, ok := zoneTable[key]; ok {
		if z.ambiguous != "" {
			return z.offset, ZoneAmbiguous, z.ambiguous
		}
		return z.offset, ZoneKnown, ""
	}
	if uses, ok := abbrevIndex[key]; ok {
		return lookupAbbrev(uses, wall)
	}
	return 0, ZoneUnknown, ""
}

// numericZone parses "+03", "-0330", "+05:30", "UTC+3", "GMT-05:00",
// "UTC+03:00", "(UTC+02:00)".
func numericZone(l string) (int, bool) {
	l = strings.TrimSuffix(strings.TrimPrefix(l, "("), ")")
	for _, p := range []string{"UTC", "GMT", "utc", "gmt"} {
		if strings.HasPrefix(l, p) && len(l) > len(p) {
			l = l[len(p):]
			break
		}
	}
	if len(l) < 2 || (l[0] != '+' && l[0] != '-') {
		return 0, false
	}
	sign := 1
	if l[0] == '-' {
		sign = -1
	}
	body := l[1:]
	var h, m string
	switch {
	case strings.Contains(body, ":"):
		h, m, _ = strings.Cut(body, ":")
		if len(m) != 2 {
			return 0, false
		}
	case len(body) <= 2:
		h = body
	case len(body) == 4:
		h, m = body[:2], body[2:]
	default:
		return 0, false
	}
	if len(h) == 0 || len(h) > 2 {
		return 0, false
	}
	hh, err := strconv.Atoi(h)
	if err != nil || hh > 14 || h[0] == '+' || h[0] == '-' {
		return 0, false
	}
	mm := 0
	if m != "" {
		mm, err = strconv.Atoi(m)
		if err != nil || mm > 59 || m[0] == '+' || m[0] == '-' {
			return 0, false
		}
	}
	return sign * (hh*3600 + mm*60), true
}

// FormatOffset formats seconds east of UTC as "UTC+03:00".
func FormatOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign = '-'
		sec = -sec
	}
	return "UTC" + string(sign) + pad2(sec/3600) + ":" + pad2(sec%3600/60)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
