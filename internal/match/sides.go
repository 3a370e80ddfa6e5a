package match

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"netflowtimedifference/internal/flow"
)

// Default sides and window.
const (
	DefaultPreDomain  uint32 = 310 // subscriber side, before NAT
	DefaultPostDomain uint32 = 320 // Internet side, after NAT
	DefaultWindow            = 6 * time.Second
	// MaxWindow is the widest window Run accepts: a week. Clocks set to
	// different time zones differ by at most 26 h (UTC-12 against UTC+14),
	// so a week pairs any time-zone setting with room to spare; beyond it,
	// start ± window nears the ends of the nanosecond range and the
	// offset histogram would need more bins than memory holds.
	MaxWindow = 7 * 24 * time.Hour
)

// Config says which records form each side and what makes two records the
// same session. The zero value means: domains 310 and 320 (with the fallback
// described at SelectSides), any exporter, DefaultKey, DefaultWindow,
// one-to-one pairing.
type Config struct {
	PreDomains, PostDomains     []uint32     // nil: the defaults 310 / 320
	PreExporters, PostExporters []netip.Addr // nil: any exporter
	Key                         KeyFields    // 0: DefaultKey
	Window                      time.Duration
	AllPairs                    bool // many-to-many, as the analysts' old script
}

// ConfigError is a Config that Run refuses (a window beyond MaxWindow).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// ExitCode implements the interface internal/app.Code looks for: a bad
// configuration is a usage error.
func (e *ConfigError) ExitCode() int { return 2 }

// check refuses what Run cannot honour.
func (c Config) check() error {
	if c.Window > MaxWindow {
		return &ConfigError{Msg: fmt.Sprintf("window %v is beyond the largest supported window, %v (a week)", c.Window, MaxWindow)}
	}
	return nil
}

func (c Config) window() time.Duration {
	if c.Window <= 0 {
		return DefaultWindow
	}
	return c.Window
}

func (c Config) key() KeyFields {
	if c.Key == 0 {
		return DefaultKey
	}
	return c.Key
}

// Sides is the outcome of side selection.
type Sides struct {
	PreDomains, PostDomains     []uint32
	PreExporters, PostExporters []netip.Addr
	Note                        string // non-empty when the default domains were replaced, saying by which
}

// DomainCount is one observation domain found in the input.
type DomainCount struct {
	Domain    uint32
	Flows     int          // records
	Exporters []netip.Addr // sorted
}

func (d DomainCount) String() string {
	ex := make([]string, len(d.Exporters))
	for i, a := range d.Exporters {
		ex[i] = a.String()
	}
	flows, exporter := "flows", "exporter"
	if d.Flows == 1 {
		flows = "flow"
	}
	if len(ex) > 1 {
		exporter = "exporters"
	}
	return fmt.Sprintf("domain %d: %d %s (%s %s)", d.Domain, d.Flows, flows, exporter, strings.Join(ex, ", "))
}

// SideError says why the sides could not be chosen. Found lists the domains
// present in the input with their flow counts. ExitCode is
// 5 (no flows of a requested domain) or 2 (the sides overlap: bad flags).
type SideError struct {
	Msg   string
	Found []DomainCount
	Code  int
}

func (e *SideError) Error() string {
	if len(e.Found) == 0 {
		if strings.Contains(e.Msg, "no flow records in the input") {
			return e.Msg
		}
		return e.Msg + "; the input has no flow records"
	}
	parts := make([]string, len(e.Found))
	for i, d := range e.Found {
		parts[i] = d.String()
	}
	return e.Msg + "; domains found: " + strings.Join(parts, "; ")
}

// ExitCode implements the interface internal/app.Code looks for.
func (e *SideError) ExitCode() int { return e.Code }

// CountDomains lists the domains of recs with their record counts and
// exporters, ordered by domain.
func CountDomains(recs []flow.Record) []DomainCount {
	type agg struct {
		n   int
		exp map[netip.Addr]bool
	}
	m := map[uint32]*agg{}
	var last *agg
	var lastDom uint32
	var lastExp netip.Addr
	for i := range recs {
		r := &recs[i]
		a := last
		if a == nil || r.Domain != lastDom {
			a = m[r.Domain]
			if a == nil {
				a = &agg{exp: map[netip.Addr]bool{}}
				m[r.Domain] = a
			}
			last, lastDom, lastExp = a, r.Domain, netip.Addr{}
		}
		a.n++
		if r.Exporter != lastExp {
			a.exp[r.Exporter] = true
			lastExp = r.Exporter
		}
	}
	out := make([]DomainCount, 0, len(m))
	for d, a := range m {
		dc := DomainCount{Domain: d, Flows: a.n}
		for e := range a.exp {
			dc.Exporters = append(dc.Exporters, e)
		}
		slices.SortFunc(dc.Exporters, netip.Addr.Compare)
		out = append(out, dc)
	}
	slices.SortFunc(out, func(a, b DomainCount) int { return cmpU32(a.Domain, b.Domain) })
	return out
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SelectSides chooses the domains of each side.
//
// Explicit domains are used as given. The defaults (nil, or exactly 310 and
// 320) are used when the input carries either of them. When neither 310 nor
// 320 carries flows and exactly two domains do, those two are used, the
// lower id as pre and the higher as post, and Note says so. Otherwise, and
// whenever a side has no records, the error is a *SideError listing the
// domains found with their flow counts.
func SelectSides(recs []flow.Record, cfg Config) (Sides, error) {
	s, _, _, err := selectSides(recs, cfg)
	return s, err
}

// selectSides is SelectSides that also returns the record counts of the sides.
func selectSides(recs []flow.Record, cfg Config) (s Sides, nPre, nPost int, err error) {
	s = Sides{
		PreDomains:    cfg.PreDomains,
		PostDomains:   cfg.PostDomains,
		PreExporters:  cfg.PreExporters,
		PostExporters: cfg.PostExporters,
	}
	found := CountDomains(recs)
	isDefault := (len(cfg.PreDomains) == 0 && len(cfg.PostDomains) == 0) ||
		(slices.Equal(cfg.PreDomains, []uint32{DefaultPreDomain}) && slices.Equal(cfg.PostDomains, []uint32{DefaultPostDomain}))
	if len(s.PreDomains) == 0 {
		s.PreDomains = []uint32{DefaultPreDomain}
	}
	if len(s.PostDomains) == 0 {
		s.PostDomains = []uint32{DefaultPostDomain}
	}
	if isDefault {
		has := func(d uint32) bool {
			for _, f := range found {
				if f.Domain == d {
					return true
				}
			}
			return false
		}
		if !has(DefaultPreDomain) && !has(DefaultPostDomain) {
			if len(found) == 0 {
				return s, 0, 0, &SideError{Msg: "no flow records in the input", Code: 5}
			}
			if len(found) != 2 {
				return s, 0, 0, &SideError{
					Msg:   fmt.Sprintf("default domains %d (pre) and %d (post) are absent and %s flows, not 2: choose with --pre-odid and --post-odid", DefaultPreDomain, DefaultPostDomain, plural(len(found), "domain carries", "domains carry")),
					Found: found, Code: 5,
				}
			}
			s.PreDomains = []uint32{found[0].Domain}
			s.PostDomains = []uint32{found[1].Domain}
			s.Note = fmt.Sprintf("domains %d/%d absent; used the two domains that carry flows: %d as pre (%s) and %d as post (%s); swap with --pre-odid/--post-odid",
				DefaultPreDomain, DefaultPostDomain, found[0].Domain, plural(found[0].Flows, "flow", "flows"), found[1].Domain, plural(found[1].Flows, "flow", "flows"))
		}
	}
	// Every side must have records, and no record may be on both sides.
	// Without exporter filters and with disjoint domain lists, the domain
	// counts tell both at once.
	if len(s.PreExporters) == 0 && len(s.PostExporters) == 0 && !overlap(s.PreDomains, s.PostDomains) {
		for _, f := range found {
			if slices.Contains(s.PreDomains, f.Domain) {
				nPre += f.Flows
			}
			if slices.Contains(s.PostDomains, f.Domain) {
				nPost += f.Flows
			}
		}
	} else {
		nPre, nPost, err = s.classify(recs, found)
		if err != nil {
			return s, 0, 0, err
		}
	}
	if nPre == 0 {
		return s, 0, 0, &SideError{Msg: "no flow records on the pre side (" + s.describe(s.PreDomains, s.PreExporters) + ")", Found: found, Code: 5}
	}
	if nPost == 0 {
		return s, 0, 0, &SideError{Msg: "no flow records on the post side (" + s.describe(s.PostDomains, s.PostExporters) + ")", Found: found, Code: 5}
	}
	return s, nPre, nPost, nil
}

func overlap(a, b []uint32) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// classify counts the records of each side, failing on a record that
// belongs to both.
func (s *Sides) classify(recs []flow.Record, found []DomainCount) (nPre, nPost int, err error) {
	for i := range recs {
		r := &recs[i]
		inPre, inPost := s.inPre(r), s.inPost(r)
		if inPre && inPost {
			return 0, 0, &SideError{
				Msg: fmt.Sprintf("record at %s (exporter %s domain %d) belongs to both sides: separate them with --pre-exporter/--post-exporter or different domains",
					r.Pos, r.Exporter, r.Domain),
				Found: found, Code: 2,
			}
		}
		if inPre {
			nPre++
		}
		if inPost {
			nPost++
		}
	}
	return nPre, nPost, nil
}

func (s *Sides) describe(domains []uint32, exporters []netip.Addr) string {
	parts := make([]string, len(domains))
	for i, d := range domains {
		parts[i] = fmt.Sprint(d)
	}
	out := "domain " + strings.Join(parts, ",")
	if len(exporters) > 0 {
		ex := make([]string, len(exporters))
		for i, a := range exporters {
			ex[i] = a.String()
		}
		out += " from exporter " + strings.Join(ex, ",")
	}
	return out
}

func (s *Sides) inPre(r *flow.Record) bool {
	return slices.Contains(s.PreDomains, r.Domain) && (len(s.PreExporters) == 0 || slices.Contains(s.PreExporters, r.Exporter))
}

func (s *Sides) inPost(r *flow.Record) bool {
	return slices.Contains(s.PostDomains, r.Domain) && (len(s.PostExporters) == 0 || slices.Contains(s.PostExporters, r.Exporter))
}
