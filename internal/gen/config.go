package gen

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"netflowtimedifference/internal/flow"
)

// Side says which side of the NAT an export describes.
type Side uint8

// Sides.
const (
	SidePre  Side = 1 // subscriber side, before NAT (domain 310 by convention)
	SidePost Side = 2 // Internet side, after NAT (domain 320 by convention)
)

// String returns "pre" or "post".
func (s Side) String() string {
	switch s {
	case SidePre:
		return "pre"
	case SidePost:
		return "post"
	}
	return fmt.Sprintf("side(%d)", uint8(s))
}

// MarshalText writes the side as "pre" or "post".
func (s Side) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "pre" or "post".
func (s *Side) UnmarshalText(b []byte) error {
	switch string(b) {
	case "pre":
		*s = SidePre
	case "post":
		*s = SidePost
	default:
		return fmt.Errorf("side %q: want pre or post", b)
	}
	return nil
}

// Format is how an export encodes its records: NetFlow v9, or IPFIX with one
// of the start-time information elements.
type Format string

// Formats. The IPFIX ones name the start/end IEs they use.
const (
	FormatV9          Format = "v9"             // NetFlow v9, FIRST_SWITCHED/LAST_SWITCHED (22/21) relative to sysUptime
	FormatIPFIXSec    Format = "ipfix-s"        // IPFIX flowStartSeconds/flowEndSeconds (150/151)
	FormatIPFIXMilli  Format = "ipfix-ms"       // IPFIX flowStartMilliseconds/flowEndMilliseconds (152/153)
	FormatIPFIXMicro  Format = "ipfix-us"       // IPFIX flowStartMicroseconds/flowEndMicroseconds (154/155, NTP)
	FormatIPFIXNano   Format = "ipfix-ns"       // IPFIX flowStartNanoseconds/flowEndNanoseconds (156/157, NTP)
	FormatIPFIXDelta  Format = "ipfix-delta-us" // IPFIX flowStartDeltaMicroseconds/flowEndDeltaMicroseconds (158/159)
	FormatIPFIXUptime Format = "ipfix-uptime"   // IPFIX flowStartSysUpTime/flowEndSysUpTime (22/21) + systemInitTimeMilliseconds (160) in options records
)

// Formats lists every format, in a stable order.
func Formats() []Format {
	return []Format{FormatV9, FormatIPFIXSec, FormatIPFIXMilli, FormatIPFIXMicro, FormatIPFIXNano, FormatIPFIXDelta, FormatIPFIXUptime}
}

// ParseFormat accepts a format name; "ipfix" alone means ipfix-ms and the
// short forms s, ms, us, ns, delta-us, uptime are accepted too.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "ipfix", "ms":
		return FormatIPFIXMilli, nil
	case "s", "us", "ns", "delta-us", "uptime":
		s = "ipfix-" + s
	}
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want one of v9, ipfix-s, ipfix-ms, ipfix-us, ipfix-ns, ipfix-delta-us, ipfix-uptime)", s)
}

// Version returns the export protocol version: 9 for NetFlow v9, 10 for IPFIX.
func (f Format) Version() uint8 {
	if f == FormatV9 {
		return 9
	}
	return 10
}

// Encoding returns the flow start-time encoding a collector sees.
func (f Format) Encoding() flow.Encoding {
	switch f {
	case FormatV9:
		return flow.EncV9Uptime
	case FormatIPFIXSec:
		return flow.EncSeconds
	case FormatIPFIXMilli:
		return flow.EncMilliseconds
	case FormatIPFIXMicro:
		return flow.EncMicroseconds
	case FormatIPFIXNano:
		return flow.EncNanoseconds
	case FormatIPFIXDelta:
		return flow.EncDeltaMicroseconds
	case FormatIPFIXUptime:
		return flow.EncSysUpTime
	}
	return flow.EncNone
}

// Clock describes one clock relative to true time. Its reading at true time
// t is t + Offset + DriftPPM*1e-6*(t - Config.Start), plus Step from
// Config.Start+StepAt on, plus, for each flow timestamp the exporter takes,
// a normally distributed error with standard deviation Jitter. Header times
// (export time, sysUptime) carry no jitter. A step (NTP setting the clock)
// moves the wall clock only: sysUptime runs on without a jump, so v9
// records take the step from their export time on, and IPFIX 22+160 records
// (systemInitTime + sysUpTime) not at all.
type Clock struct {
	Offset   time.Duration `json:"offset_ns"`            // reading minus true time at the capture start
	DriftPPM float64       `json:"drift_ppm"`            // rate error in parts per million; positive runs fast
	Jitter   time.Duration `json:"jitter_ns"`            // standard deviation of the error of each flow timestamp
	Step     time.Duration `json:"step_ns,omitempty"`    // the wall clock jumps by this much ...
	StepAt   time.Duration `json:"step_at_ns,omitempty"` // ... this long after the capture start (true time)
}

// OffsetAt returns the clock's offset (reading minus true time, jitter
// excluded) at true time t for a capture starting at start.
func (c Clock) OffsetAt(start, t flow.Instant) time.Duration {
	return c.Offset + time.Duration(c.DriftPPM*1e-6*float64(t-start)) + c.StepOf(start, t)
}

// StepOf returns the step the clock has taken by true time t.
func (c Clock) StepOf(start, t flow.Instant) time.Duration {
	if c.Step != 0 && t >= start+flow.Instant(c.StepAt) {
		return c.Step
	}
	return 0
}

// Export is how one probe exports one observation domain.
type Export struct {
	Domain   uint32        `json:"domain"`    // v9 source_id / IPFIX observation domain id
	Format   Format        `json:"format"`    // v9 or an IPFIX start-time variant
	Clock    Clock         `json:"clock"`     // the clock that stamps this domain's flows and headers
	Uptime   time.Duration `json:"uptime_ns"` // system uptime at the capture start (v9 sysUptime, IPFIX 22+160)
	DropRate float64       `json:"drop_rate"` // share of data-only export packets lost before the collector (sequence numbers show the gap)
	AppNames bool          `json:"app_names"` // IPFIX only: Ixia L7 application id and name (PEN 3054 IE 110, 111)
	VLAN     uint16        `json:"vlan"`      // if not 0, records carry vlanId (IE 58) with this value
}

// Probe is one exporter address that exports the pre-NAT domain, the
// post-NAT domain, or both (as the real probes do).
type Probe struct {
	Name string     `json:"name"`
	Addr netip.Addr `json:"addr"`           // export source address (IPv4)
	Port uint16     `json:"port"`           // export UDP source port
	Pre  *Export    `json:"pre,omitempty"`  // nil: this probe does not export the pre-NAT side
	Post *Export    `json:"post,omitempty"` // nil: this probe does not export the post-NAT side
}

// Config is everything Generate needs. A Config with the same values and
// Seed always produces byte-identical output.
type Config struct {
	Scenario string `json:"scenario,omitempty"` // set by Scenario; copied into Truth.Scenario
	Seed     int64  `json:"seed"`

	Start    flow.Instant  `json:"start_ns"`    // true time at which the capture starts
	Duration time.Duration `json:"duration_ns"` // capture length (true time)
	Warmup   time.Duration `json:"warmup_ns"`   // sessions also start this long before the capture

	Sessions    int           `json:"sessions"`        // sessions starting in [Start-Warmup, Start+Duration), DNS stream excluded
	DNSInterval time.Duration `json:"dns_interval_ns"` // if > 0, a popular resolver is also queried about this often (ns)
	ZipfS       float64       `json:"zipf_s"`          // skew of destination popularity: weight of rank k is 1/k^ZipfS

	IPv6Share     float64 `json:"ipv6_share"`      // share of sessions over IPv6 (not translated: same source on both sides)
	ReturnShare   float64 `json:"return_share"`    // share of sessions that also produce return-direction records
	OneSidedShare float64 `json:"one_sided_share"` // share of sessions seen on one side only (half pre-only, half post-only)

	Probes     []Probe `json:"probes"`
	CrossProbe bool    `json:"cross_probe"` // post side on a probe chosen by NAT address instead of the pre-side probe

	Collector      netip.Addr    `json:"collector"`       // collector address (IPv4)
	CollectorPort  uint16        `json:"collector_port"`  // UDP destination port of the export
	CollectorClock Clock         `json:"collector_clock"` // the capture's clock (frame times)
	NetDelay       time.Duration `json:"net_delay_ns"`    // exporter to collector delay (plus up to 50 % random)
	NATLatency     time.Duration `json:"nat_latency_ns"`  // mean time a packet spends crossing the NAT

	ActiveTimeout    time.Duration `json:"active_timeout_ns"`   // long flows are exported and restarted after this
	InactiveTimeout  time.Duration `json:"inactive_timeout_ns"` // non-TCP flows are exported this long after their last packet
	ScanInterval     time.Duration `json:"scan_interval_ns"`    // exporters scan their cache (and export) this often, each with its own phase
	TemplateInterval time.Duration `json:"template_interval_ns"`
	MaxPayload       int           `json:"max_payload"` // largest export packet (UDP payload bytes)

	// MidStream starts the capture between template refreshes: each
	// exporter's first template arrives TemplateDelay (+-50 %) after the
	// capture start, and its data before that cannot be decoded in one pass.
	MidStream     bool          `json:"mid_stream"`
	TemplateDelay time.Duration `json:"template_delay_ns"`

	PcapNG          bool          `json:"pcapng"`              // the CLI writes pcapng instead of pcap
	AmbiguityWindow time.Duration `json:"ambiguity_window_ns"` // window for TruthPair.Candidates (the old workflow's 6 s)
}

// validate checks the configuration and names the first bad field.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Duration <= 0 {
		bad("duration must be positive")
	}
	if c.Warmup < 0 {
		bad("warmup must not be negative")
	}
	if c.Sessions < 0 {
		bad("sessions must not be negative")
	}
	if c.Sessions == 0 && c.DNSInterval <= 0 {
		bad("no traffic: sessions is 0 and there is no DNS stream")
	}
	if n := int64(c.Sessions) + dnsQueries(c); n > maxSessions {
		bad("%d sessions (with the DNS stream) exceed %d: public NAT sockets would repeat", n, maxSessions)
	}
	if c.DNSInterval < 0 || (c.DNSInterval > 0 && c.DNSInterval < time.Millisecond) {
		bad("dns interval must be 0 or at least 1ms")
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"ipv6 share", c.IPv6Share}, {"return share", c.ReturnShare}, {"one-sided share", c.OneSidedShare}} {
		if !(s.v >= 0 && s.v <= 1) { // NaN too
			bad("%s %v must be within [0,1]", s.name, s.v)
		}
	}
	if len(c.Probes) == 0 {
		bad("no probes")
	}
	if !c.Collector.Is4() {
		bad("collector %v: only IPv4 export transport is supported", c.Collector)
	}
	if c.CollectorPort == 0 {
		bad("collector port must not be 0")
	}
	var pre, post int
	seen := map[netip.Addr]bool{}
	for i, p := range c.Probes {
		if !p.Addr.Is4() {
			bad("probe %d (%s): address %v: only IPv4 export transport is supported", i+1, p.Name, p.Addr)
		}
		if seen[p.Addr] {
			bad("probe %d (%s): address %v used twice", i+1, p.Name, p.Addr)
		}
		seen[p.Addr] = true
		if p.Port == 0 {
			bad("probe %d (%s): source port must not be 0", i+1, p.Name)
		}
		for _, e := range []*Export{p.Pre, p.Post} {
			if e == nil {
				continue
			}
			if e.Format.Encoding() == flow.EncNone {
				bad("probe %d (%s) domain %d: unknown format %q", i+1, p.Name, e.Domain, e.Format)
			}
			if !(e.DropRate >= 0 && e.DropRate < 1) { // NaN too
				bad("probe %d (%s) domain %d: drop rate %v must be within [0,1)", i+1, p.Name, e.Domain, e.DropRate)
			}
			if e.Uptime < c.Warmup+c.ActiveTimeout+c.InactiveTimeout+time.Minute {
				bad("probe %d (%s) domain %d: uptime %v must exceed warmup + timeouts + 1m (flows must start after boot)", i+1, p.Name, e.Domain, e.Uptime)
			}
			if e.Format == FormatIPFIXUptime && e.Uptime+c.Duration+c.InactiveTimeout+time.Minute >= time.Duration(1<<32)*time.Millisecond {
				bad("probe %d (%s) domain %d: ipfix-uptime cannot wrap (flowStartSysUpTime is relative to systemInitTime): keep uptime + duration below 2^32 ms", i+1, p.Name, e.Domain)
			}
			if e.Format.Version() == 9 && e.AppNames {
				bad("probe %d (%s) domain %d: app names need IPFIX (Ixia PEN 3054 IE 111)", i+1, p.Name, e.Domain)
			}
			if err := c.validateClock(e.Clock, e.Format, e.Uptime); err != nil {
				bad("probe %d (%s) domain %d: %w", i+1, p.Name, e.Domain, err)
			}
		}
		if p.Pre != nil {
			pre++
		}
		if p.Post != nil {
			post++
		}
		if p.Pre != nil && p.Post != nil && p.Pre.Domain == p.Post.Domain {
			bad("probe %d (%s): pre and post both use domain %d", i+1, p.Name, p.Pre.Domain)
		}
	}
	if len(c.Probes) > 0 && (pre == 0 || post == 0) {
		bad("need at least one probe exporting each side (pre: %d, post: %d)", pre, post)
	}
	if c.ActiveTimeout < time.Second || c.InactiveTimeout < time.Second {
		bad("active and inactive timeouts must be at least 1s")
	}
	if c.ScanInterval < time.Millisecond || c.ScanInterval > c.InactiveTimeout {
		bad("scan interval must be within [1ms, inactive timeout]")
	}
	if c.TemplateInterval < time.Second {
		bad("template interval must be at least 1s")
	}
	if c.MaxPayload < 512 || c.MaxPayload > 65000 {
		bad("max payload %d must be within [512, 65000]", c.MaxPayload)
	}
	if c.MidStream && (c.TemplateDelay <= 0 || c.TemplateDelay*3/2 >= c.Duration) {
		bad("mid-stream: template delay %v must be positive and its 1.5x below the duration %v", c.TemplateDelay, c.Duration)
	}
	if c.NetDelay < 0 || c.NATLatency < 0 || c.AmbiguityWindow < 0 {
		bad("delays and windows must not be negative")
	}
	if err := c.validateClock(c.CollectorClock, "", 0); err != nil {
		bad("collector: %w", err)
	}
	return errors.Join(errs...)
}

// Limits of a clock.
const (
	// MaxDriftPPM bounds Clock.DriftPPM: 1 %, 36 s an hour, far beyond any
	// working oscillator (tens of ppm), and small enough that a clock never
	// runs backwards or twice as fast.
	MaxDriftPPM = 10000
	// MaxJitter bounds Clock.Jitter: six standard deviations stay within
	// the minute by which an exporter's boot precedes its first flow (see
	// the uptime check), so no flow timestamp falls before the boot.
	MaxJitter = 10 * time.Second
)

// The instants the encodings can carry, in seconds since the Unix epoch.
// Every export header holds its export time, and a pcap record header its
// frame time, in unsigned 32-bit seconds: 1970-01-01 up to (not including)
// 2106-02-07T06:28:16Z. IPFIX seconds (IE 150) are the same. The NTP
// seconds of IPFIX micro- and nanosecond starts (IEs 154-157) wrap in 2036,
// but Wireshark turns them into Unix seconds modulo 2^32, so they too
// decode right up to 2106 (the edge test checks it with tshark).
const (
	minEncodableSecs = 0
	maxEncodableSecs = 1 << 32
)

// validateClock checks a clock of an exporter with format f and uptime
// (f == "": the collector's clock, which stamps the frames): its drift and
// jitter, its step, and that every reading the capture can hold lies within
// what f and the pcap/export headers can encode.
func (c *Config) validateClock(k Clock, f Format, uptime time.Duration) error {
	if !(math.Abs(k.DriftPPM) <= MaxDriftPPM) { // NaN and Inf too
		return fmt.Errorf("drift %v ppm must be within -%d..%d ppm", k.DriftPPM, MaxDriftPPM, MaxDriftPPM)
	}
	if k.Jitter < 0 || k.Jitter > MaxJitter {
		return fmt.Errorf("jitter %v must be within 0..%v", k.Jitter, MaxJitter)
	}
	if k.Step == 0 && k.StepAt != 0 {
		return fmt.Errorf("a step time (%v) without a step", k.StepAt)
	}
	if k.Step != 0 && (k.StepAt < 0 || k.StepAt >= c.Duration) {
		return fmt.Errorf("step at %v must be within the capture: 0 up to (not including) its duration %v", k.StepAt, c.Duration)
	}
	// Flow timestamps reach back to the warm-up's start, less a minute of
	// jitter; packets are captured (and headers stamped) up to the end. In
	// float64 seconds, so that an absurd offset cannot overflow.
	start := float64(c.Start) / 1e9
	read := func(t float64) float64 { return t + k.Offset.Seconds() + k.DriftPPM*1e-6*(t-start) }
	lo := read(start-c.Warmup.Seconds()-60) + min(0, k.Step.Seconds())
	hi := read(start+c.Duration.Seconds()+60) + max(0, k.Step.Seconds())
	if !(lo >= minEncodableSecs && hi < maxEncodableSecs) {
		what := "the export headers"
		if f == "" {
			what = "the pcap frame headers"
		}
		return fmt.Errorf("offset %v puts clock readings at %s..%s, beyond what %s carry (32-bit seconds since 1970: 1970-01-01 up to 2106-02-07T06:28:16Z): bring the offset (or step) closer to 0",
			k.Offset, secsUTC(lo), secsUTC(hi), what)
	}
	if f == FormatIPFIXUptime && read(start)-uptime.Seconds() < minEncodableSecs {
		return fmt.Errorf("offset %v and uptime %v put the boot (systemInitTimeMilliseconds) before 1970: bring the offset closer to 0", k.Offset, uptime)
	}
	return nil
}

// secsUTC formats seconds since the epoch as a UTC date and time.
func secsUTC(s float64) string {
	return time.Unix(int64(math.Floor(s)), 0).UTC().Format("2006-01-02T15:04:05Z")
}

// maxSessions keeps every session's public NAT socket unique: 256 addresses
// times 64512 ports.
const maxSessions = 256 * 64512

// dnsQueries estimates the size of the DNS stream.
func dnsQueries(c *Config) int64 {
	if c.DNSInterval <= 0 {
		return 0
	}
	return int64((c.Warmup + c.Duration) / c.DNSInterval)
}
