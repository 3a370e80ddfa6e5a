package wsexport

import (
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

func utc(y int, mo time.Month, d, h, mi, s, ns int) flow.Instant {
	return flow.InstantOf(time.Date(y, mo, d, h, mi, s, ns, time.UTC))
}

func TestParseStamp(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   flow.Instant
		status ZoneStatus
		err    bool
	}{
		{"a Windows daylight name means the zone's daylight offset (GTB: UTC+3)",
			"May 19, 2020 10:37:25.503000000 GTB Daylight Time", utc(2020, 5, 19, 7, 37, 25, 503000000), ZoneKnown, false},
		{"a Windows standard name means the base offset (GTB: UTC+2)",
			"Jan 10, 2019 11:53:30.922000000 GTB Standard Time", utc(2019, 1, 10, 9, 53, 30, 922000000), ZoneKnown, false},
		{"GMT Daylight Time is London summer time, UTC+1",
			"Jul 10, 2019 11:53:30.922000000 GMT Daylight Time", utc(2019, 7, 10, 10, 53, 30, 922000000), ZoneKnown, false},
		{"Windows names with a parenthesis are whole names",
			"Jul 10, 2019 11:53:30.922000000 Pacific Daylight Time (Mexico)", utc(2019, 7, 10, 18, 53, 30, 922000000), ZoneKnown, false},
		{"Windows UTC is called Coordinated Universal Time",
			"Jul 10, 2019 11:53:30.922000000 Coordinated Universal Time", utc(2019, 7, 10, 11, 53, 30, 922000000), ZoneKnown, false},
		{"Israel's Windows zone is named Jerusalem",
			"Jul 10, 2019 11:53:30.000000000 Jerusalem Daylight Time", utc(2019, 7, 10, 8, 53, 30, 0), ZoneKnown, false},
		{"Lord Howe saves only half an hour",
			"Jan 10, 2019 11:00:00.000000000 Lord Howe Daylight Time", utc(2019, 1, 10, 0, 0, 0, 0), ZoneKnown, false},
		{"tshark's UTC with a space-padded day",
			"Jan  1, 1970 00:00:00.000000000 UTC", 0, ZoneKnown, false},
		{"CEST is UTC+2", "Jun  4, 2023 12:00:00.000000000 CEST", utc(2023, 6, 4, 10, 0, 0, 0), ZoneKnown, false},
		{"EET is UTC+2", "Nov 15, 2023 00:13:10.123000000 EET", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneKnown, false},
		{"EST is UTC-5", "Nov 14, 2023 17:13:10.123000000 EST", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneKnown, false},
		{"a tzdata numeric abbreviation is an offset", "Nov 15, 2023 01:13:10.123000000 +03", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneKnown, false},
		{"IST is ambiguous and read as UTC", "Nov 14, 2023 22:13:10.123000000 IST", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneAmbiguous, false},
		{"a localised zone name is unknown and read as UTC", "Nov 14, 2023 22:13:10.123000000 Mitteleuropäische Zeit", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneUnknown, false},
		{"ISO 8601 UTC (Wireshark 4.6, tshark -T ek)", "2023-11-14T22:13:10.123000000Z", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneKnown, false},
		{"ISO 8601 with an offset", "2023-11-15T00:13:10.123+02:00", utc(2023, 11, 14, 22, 13, 10, 123000000), ZoneKnown, false},
		{"date and time of day without a zone", "2020-05-19 07:37:12.362041", utc(2020, 5, 19, 7, 37, 12, 362041000), ZoneNone, false},
		{"epoch seconds", "1700000000.100000000", utc(2023, 11, 14, 22, 13, 20, 100000000), ZoneKnown, false},
		{"a time cut inside the date fails", "May 1", 0, 0, true},
		{"a time cut inside the fraction has no zone", "May 19, 2020 10:37:25.50", utc(2020, 5, 19, 10, 37, 25, 500000000), ZoneNone, false},
		{"February 30 does not exist", "Feb 30, 2020 10:00:00.000000000 UTC", 0, 0, true},
		{"a year beyond 2262 cannot be an instant", "Apr 17, 20552698 10:00:00.000000000 UTC", 0, 0, true},
		{"garbage fails", "not a time", 0, 0, true},
		{"empty fails", "", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ParseStamp(tc.in)
			if tc.err {
				if err == nil {
					t.Fatalf("ParseStamp(%q) = %v, want an error", tc.in, st.Instant)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStamp(%q): %v", tc.in, err)
			}
			if st.Instant != tc.want || st.Status != tc.status {
				t.Errorf("ParseStamp(%q) = %v status %d, want %v status %d", tc.in, st.Instant, st.Status, tc.want, tc.status)
			}
		})
	}
}

func TestInputTZOverridesTheLabelsAndPicksTheRepeatedHourByLabel(t *testing.T) {
	buc, err := ParseInputTZ("Europe/Bucharest")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	p := NewTimeParser(buc)
	// 2023-10-29 03:30 happens twice in Bucharest: first EEST (00:30Z), then EET (01:30Z).
	for _, c := range []struct {
		in   string
		want flow.Instant
	}{
		{"Oct 29, 2023 03:30:00.000000000 GTB Daylight Time", utc(2023, 10, 29, 0, 30, 0, 0)},
		{"Oct 29, 2023 03:30:00.000000000 GTB Standard Time", utc(2023, 10, 29, 1, 30, 0, 0)},
		{"Jul 10, 2019 11:53:30.922000000 Mitteleuropäische Sommerzeit", utc(2019, 7, 10, 8, 53, 30, 922000000)},
		{"2023-11-14T22:13:10Z", utc(2023, 11, 14, 22, 13, 10, 0)}, // ISO UTC is absolute: not overridden
	} {
		got, err := p.Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if p.Unverified() {
		t.Errorf("times with --input-tz are verified; notes: %v", p.Notes())
	}
	// A label that contradicts --input-tz is reported once.
	p.Parse("Jul 10, 2019 11:53:30.922000000 CEST")
	p.Parse("Jul 11, 2019 11:53:30.922000000 CEST")
	if n := p.Notes(); len(n) != 1 || !strings.Contains(n[0], `"CEST"`) {
		t.Errorf("notes = %q, want one about CEST", n)
	}
}

func TestAnUnknownZoneIsReportedOnceAndKeepsDifferences(t *testing.T) {
	p := NewTimeParser(nil)
	a, _ := p.Parse("Jul 10, 2019 11:53:30.922000000 Mitteleuropäische Sommerzeit")
	b, _ := p.Parse("Jul 10, 2019 11:53:36.000000000 Mitteleuropäische Sommerzeit")
	if d := b.Sub(a); d != 5078*time.Millisecond {
		t.Errorf("difference = %v, want 5.078s", d)
	}
	if !p.Unverified() || len(p.Notes()) != 1 {
		t.Errorf("unverified = %v, notes = %q; want true and one note", p.Unverified(), p.Notes())
	}
}

func TestParseInputTZ(t *testing.T) {
	for _, c := range []struct {
		in     string
		offset int
	}{{"+03:00", 3 * 3600}, {"-0530", -(5*3600 + 30*60)}, {"UTC+3", 3 * 3600}, {"UTC", 0}} {
		loc, err := ParseInputTZ(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if _, off := time.Date(2020, 1, 1, 0, 0, 0, 0, loc).Zone(); off != c.offset {
			t.Errorf("%q: offset %d, want %d", c.in, off, c.offset)
		}
	}
	if _, err := ParseInputTZ("Mars/Olympus"); err == nil {
		t.Error("an unknown zone name must fail")
	}
}

func TestEveryWindowsZoneHasBothNames(t *testing.T) {
	for _, z := range windowsZones {
		std := z.std
		if std == "" {
			std = z.key
		}
		off, st, _ := LookupZone(std, time.Time{})
		if st == ZoneUnknown || off != z.base*60 {
			t.Errorf("%s: %q -> %d status %d, want %d", z.key, std, off, st, z.base*60)
		}
	}
}

func FuzzParseStamp(f *testing.F) {
	for _, s := range []string{
		"May 19, 2020 10:37:25.503000000 GTB Daylight Time", "Jan  1, 1970 00:00:00.000000000 UTC",
		"2023-11-14T22:13:10.123000000Z", "2023-11-15T00:13:10.123+02:00", "1700000000.100000000",
		"May 1", "Nov 15, 2023 01:13:10.123000000 +03", "2020-05-19 07:37:12.362041",
	} {
		f.Add(s)
	}
	buc := time.FixedZone("x", 3*3600)
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStamp(s)
		if err != nil {
			return
		}
		// A zone label that parses must not change the wall clock's
		// fraction: the instant differs from the UTC reading by a whole
		// number of seconds (tzdata has offsets such as Monrovia's
		// -00:44:30, so not always of minutes).
		p := NewTimeParser(buc)
		st2, err := p.ParseStamp(s)
		if err != nil {
			t.Fatalf("parses without --input-tz but not with it: %q: %v", s, err)
		}
		if d := st.Instant.Sub(st2.Instant); d%time.Second != 0 {
			t.Fatalf("%q: readings differ by %v", s, d)
		}
		LookupZone(st.Zone, st.Instant.Time())
	})
}

func FuzzLookupZone(f *testing.F) {
	for _, s := range []string{"GTB Daylight Time", "CEST", "+03", "-05:30", "UTC+3", "GMT-0500", "(UTC+02:00)", "IST", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		off, st, _ := LookupZone(s, time.Time{})
		if st == ZoneKnown && (off < -14*3600 || off > 14*3600) {
			t.Fatalf("%q: offset %d out of range", s, off)
		}
	})
}

// Offsets from tzdata's history: Moscow kept UTC+04:00 ("MSK") from
// 2011-03-27 to 2014-10-26; Pyongyang used UTC+08:30 ("KST") from
// 2015-08-15 to 2018-05-04; America/Adak and Nome used "BST" (Bering
// Standard Time, UTC-11:00) until 1983; Manila's "PST" is UTC+08:00.
func TestLookupZoneJudgesAnAbbreviationInTheYearOfTheString(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		label  string
		wall   time.Time
		offset int
		status ZoneStatus
	}{
		{"MSK in 2012 is Moscow's permanent summer time, UTC+04:00", "MSK", at(2012, 7, 1), 4 * 3600, ZoneKnown},
		{"MSK in 2020 is UTC+03:00", "MSK", at(2020, 7, 1), 3 * 3600, ZoneKnown},
		{"MSK in 2011, the year Moscow moved from +03 to +04, is ambiguous", "MSK", at(2011, 1, 10), 0, ZoneAmbiguous},
		{"KST in 2016 is Seoul's or Pyongyang's: ambiguous", "KST", at(2016, 3, 1), 0, ZoneAmbiguous},
		{"KST in 2020 is UTC+09:00", "KST", at(2020, 3, 1), 9 * 3600, ZoneKnown},
		{"BST in 1980 is London's or Alaska's: ambiguous", "BST", at(1980, 7, 1), 0, ZoneAmbiguous},
		{"BST in 2020 is London's summer time, UTC+01:00", "BST", at(2020, 7, 1), 3600, ZoneKnown},
		{"PST is US Pacific or the Philippines: ambiguous", "PST", at(2023, 11, 14), 0, ZoneAmbiguous},
		{"CDT is US Central or Cuba: ambiguous", "CDT", at(2018, 4, 15), 0, ZoneAmbiguous},
		{"CST is US Central, China or Cuba: ambiguous", "CST", at(2023, 1, 1), 0, ZoneAmbiguous},
		{"IST is Ireland, Israel or India: ambiguous", "IST", at(2023, 1, 1), 0, ZoneAmbiguous},
		{"EST is UTC-05:00", "EST", at(2023, 1, 1), -5 * 3600, ZoneKnown},
		{"EDT in January, when no zone uses it, is still its only offset, UTC-04:00", "EDT", at(2023, 1, 10), -4 * 3600, ZoneKnown},
		{"a year after 2037 counts as 2037", "KST", at(2100, 1, 1), 9 * 3600, ZoneKnown},
		{"an unknown date judges all years: KST has had two offsets", "KST", time.Time{}, 0, ZoneAmbiguous},
		{"an abbreviation is found whatever its case", "cest", at(2023, 7, 1), 2 * 3600, ZoneKnown},
		{"UT and Z are UTC", "UT", at(2023, 7, 1), 0, ZoneKnown},
		{"a label tzdata does not have is unknown", "XYZT", at(2023, 7, 1), 0, ZoneUnknown},
		{"Monrovia's MMT of 1971 is UTC-00:44:30", "MMT", at(1971, 7, 1), -(44*60 + 30), ZoneKnown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off, st, cand := LookupZone(tc.label, tc.wall)
			if off != tc.offset || st != tc.status || (st == ZoneAmbiguous) != (cand != "") {
				t.Errorf("LookupZone(%q, %v) = %d, %d, %q; want %d, %d", tc.label, tc.wall, off, st, cand, tc.offset, tc.status)
			}
		})
	}
}
