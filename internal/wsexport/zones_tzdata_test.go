package wsexport

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The table of tzdata abbreviations (zones_tzdata.go) is made from the
// system's time zone database by this test:
//
//	go test -run TestTheZoneTableIsTheSystemTzdata ./internal/wsexport -args -update-zones
//
// (go generate ./internal/wsexport runs it). Without -update-zones the test
// checks that the committed table is what the system tzdata gives, and skips
// where there is no system tzdata.

var updateZones = flag.Bool("update-zones", false, "rewrite zones_tzdata.go from the system tzdata (/usr/share/zoneinfo)")

const systemZoneinfo = "/usr/share/zoneinfo"

func TestTheZoneTableIsTheSystemTzdata(t *testing.T) {
	table, version, err := tzdataTable(systemZoneinfo)
	if err != nil {
		t.Skipf("no system tzdata: %v", err)
	}
	src, err := zoneTableSource(table, version)
	if err != nil {
		t.Fatal(err)
	}
	if *updateZones {
		if err := os.WriteFile("zones_tzdata.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("zones_tzdata.go written from tzdata %s: %d abbreviations", version, len(table))
		return
	}
	committed, err := os.ReadFile("zones_tzdata.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(withoutVersion(committed), withoutVersion(src)) {
		t.Errorf("zones_tzdata.go (tzdata %s) is not what the system tzdata %s gives: run go generate ./internal/wsexport and review the change", tzdataVersion, version)
	}
}

// withoutVersion drops the lines naming the tzdata version: a new release
// that changes no abbreviation leaves the table as it is.
func withoutVersion(src []byte) []byte {
	var out []byte
	for l := range bytes.Lines(src) {
		if !bytes.Contains(l, []byte("tzdata version")) && !bytes.HasPrefix(l, []byte("const tzdataVersion")) {
			out = append(out, l...)
		}
	}
	return out
}

// tzdataTable reads every zone under root (but the posix/ and right/
// copies) and returns, per alphabetic abbreviation, each UTC offset a zone
// gave it in tzFirstYear..tzLastYear with the years it did (UTC) and the
// zones (those of zone1970.tab, or all when none is there).
func tzdataTable(root string) (map[string][]abbrevUse, string, error) {
	version := "unknown"
	if b, err := os.ReadFile(filepath.Join(root, "tzdata.zi")); err == nil {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		if v, ok := bytes.CutPrefix(line, []byte("# version ")); ok {
			version = string(bytes.TrimSpace(v))
		}
	}
	canonical := map[string]bool{}
	if f, err := os.Open(filepath.Join(root, "zone1970.tab")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if c := strings.Split(sc.Text(), "\t"); len(c) >= 3 && !strings.HasPrefix(c[0], "#") {
				canonical[c[2]] = true
			}
		}
		f.Close()
	}
	type use struct {
		years [tzLastYear - tzFirstYear + 1]bool
		zones []string
		nYear map[string]int // per zone: years it used the abbreviation with this offset
	}
	uses := map[string]map[int]*use{}
	from := time.Date(tzFirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(tzLastYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	zones := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if name == "posix" || name == "right" {
				return filepath.SkipDir
			}
			return nil
		}
		if name == "localtime" || name == "posixrules" || name == "Factory" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(b, []byte("TZif")) {
			return nil
		}
		loc, err := time.LoadLocationFromTZData(name, b)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		zones++
		for t := from; t.Before(to); {
			abbr, off := t.In(loc).Zone()
			_, end := t.In(loc).ZoneBounds()
			end = end.UTC()
			if end.IsZero() || end.After(to) {
				end = to
			}
			if abbr != "" && abbr[0] != '+' && abbr[0] != '-' {
				if uses[abbr] == nil {
					uses[abbr] = map[int]*use{}
				}
				u := uses[abbr][off]
				if u == nil {
					u = &use{nYear: map[string]int{}}
					uses[abbr][off] = u
				}
				for y := t.Year(); y <= end.Add(-time.Nanosecond).Year(); y++ {
					u.years[y-tzFirstYear] = true
					u.nYear[name]++ // a year with two periods (DST) counts twice: fine for ranking
				}
				if !slices.Contains(u.zones, name) {
					u.zones = append(u.zones, name)
				}
			}
			t = end
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if zones == 0 {
		return nil, "", fmt.Errorf("no zone files under %s", root)
	}
	table := map[string][]abbrevUse{}
	for abbr, byOff := range uses {
		for off, u := range byOff {
			au := abbrevUse{offset: off}
			for i := 0; i < len(u.years); i++ {
				if !u.years[i] {
					continue
				}
				j := i
				for j+1 < len(u.years) && u.years[j+1] {
					j++
				}
				au.years = append(au.years, yearSpan{int16(tzFirstYear + i), int16(tzFirstYear + j)})
				i = j
			}
			zs := slices.DeleteFunc(slices.Clone(u.zones), func(z string) bool { return !canonical[z] })
			if len(zs) == 0 {
				zs = u.zones
			}
			// The zones that used it longest first, to name well-known ones.
			slices.SortFunc(zs, func(a, b string) int {
				if d := u.nYear[b] - u.nYear[a]; d != 0 {
					return d
				}
				return strings.Compare(a, b)
			})
			au.nZones = len(zs)
			au.zones = zs[:min(len(zs), 3)]
			table[abbr] = append(table[abbr], au)
		}
		slices.SortFunc(table[abbr], func(a, b abbrevUse) int { return a.offset - b.offset })
	}
	return table, version, nil
}

// zoneTableSource writes the table as Go source.
func zoneTableSource(table map[string][]abbrevUse, version string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by TestTheZoneTableIsTheSystemTzdata -update-zones from the system tzdata version %s; DO NOT EDIT.\n\n", version)
	b.WriteString("package wsexport\n\n")
	fmt.Fprintf(&b, "// tzdataVersion is the tzdata version the table was made from.\nconst tzdataVersion = %q\n\n", version)
	fmt.Fprintf(&b, "// tzAbbrevs lists every alphabetic time zone abbreviation of the tzdata in\n// %d-%d: each UTC offset (seconds east) a zone gave it, the years (UTC)\n// in which one did, and some of those zones (of zone1970.tab where it names\n// any) with their number.\n", tzFirstYear, tzLastYear)
	b.WriteString("var tzAbbrevs = map[string][]abbrevUse{\n")
	abbrs := make([]string, 0, len(table))
	for a := range table {
		abbrs = append(abbrs, a)
	}
	slices.Sort(abbrs)
	for _, a := range abbrs {
		fmt.Fprintf(&b, "\t%q: {\n", a)
		for _, u := range table[a] {
			fmt.Fprintf(&b, "\t\t{offset: %d, years: []yearSpan{", u.offset)
			for i, y := range u.years {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "{%d, %d}", y.from, y.to)
			}
			fmt.Fprintf(&b, "}, zones: %#v, nZones: %d},\n", u.zones, u.nZones)
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
