package gen

import (
	"net/netip"
	"slices"
	"time"

	"netflowtimedifference/internal/flow"
)

// scenario is one named configuration and what it is for.
type scenario struct {
	name   string
	proves string
	make   func() Config
}

var scenarios = []scenario{
	{"in-sync", "two exporters (pre 10.103.0.168/310, post 10.103.0.169/320, IPFIX ms, Ixia apps) with agreeing clocks: the matcher must say in sync", inSync},
	{"offset-5s", "the post-NAT exporter runs 5 s ahead: offset recovered, pairs still one-to-one", offset5s},
	{"offset-drift", "post runs +2 s ahead and 50 ppm fast over one hour (offset grows by 180 ms): drift recovered", offsetDrift},
	{"popular-5s", "popular keys (resolver queried every ~100 ms, CDNs, QUIC udp/443, identical DNS counters) with a 5 s offset: nearest-in-time pairing fails, offset-first one-to-one pairing must not", popular5s},
	{"v9-ipfix", "pre side NetFlow v9 (uptime-relative, +-1 s via header), post side IPFIX ms: mixed versions and precisions", v9IPFIX},
	{"uptime-wrap", "both sides NetFlow v9; the pre exporter's sysUptime wraps past 2^32 ms 30 s into the capture: starts stay right across the wrap", uptimeWrap},
	{"ipv6-mixed", "40 % of sessions over IPv6 (templates 257 with IEs 27/28 next to 256), IPv4 export transport", ipv6Mixed},
	{"multi-probe", "three probes (10.103.0.168-.170) each exporting both 310 and 320 to 10.103.0.167 as in the real export; probe .169's 320 clock is 5 s ahead, probe .170 is 1.5 s ahead on both domains (export lag shows it)", multiProbe},
	{"return-flows", "every session also produces a return-direction record (server socket as source on both sides, destinations differ)", returnFlows},
	{"one-sided-drops", "10 % of sessions seen on one side only; 2 % (pre) and 5 % (post) of data packets lost (sequence gaps): unmatched records with reasons", oneSidedDrops},
	{"time-variants", "three probes using IPFIX s, us, ns on the pre side and 22+160 (system init time in options records), delta-us, ms on the post side", timeVariants},
	{"mid-stream", "the capture starts between template refreshes: data before templates (decodable only with tshark -2)", midStream},
	{"port-9995", "export to the non-default collector port 9995 (v9 pre, IPFIX post): tshark needs -d udp.port==9995,cflow", port9995},
	{"clock-step", "the post exporter's clock is 1.5 s behind until NTP steps it right 40 s into a 90 s capture: the difference jumps and stays (a step, not drift)", clockStep},
	{"tz-3h", "the post exporter's clock runs exactly 3 h ahead (set to UTC+3 local time, like the real export's GTB Daylight Time): a whole number of quarter hours is a time-zone setting, not a clock fault", tz3h},
	{"sample", "the bundled demo: two probes exporting 310 and 320, IPFIX ms with Ixia app names, post clocks 120 ms ahead", sample},
}

// ScenarioNames lists the named scenarios in a stable order.
func ScenarioNames() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

// ScenarioDescription says what a scenario proves ("" for unknown names).
func ScenarioDescription(name string) string {
	for _, s := range scenarios {
		if s.name == name {
			return s.proves
		}
	}
	return ""
}

// Scenario returns the configuration of a named scenario: seed 1, except
// "sample" (seed 3054). Callers may change any field before Generate.
func Scenario(name string) (Config, bool) {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
	if i < 0 {
		return Config{}, false
	}
	c := scenarios[i].make()
	c.Scenario = name
	return c, true
}

var (
	collectorAddr = netip.MustParseAddr("10.103.0.167")
	probeAddrs    = []netip.Addr{
		netip.MustParseAddr("10.103.0.168"),
		netip.MustParseAddr("10.103.0.169"),
		netip.MustParseAddr("10.103.0.170"),
	}
	// 2025-06-10T09:00:00Z
	defaultStart = flow.Instant(time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC).UnixNano())
)

// export returns an Export with the defaults used by the scenarios.
func export(domain uint32, f Format, uptime time.Duration) *Export {
	return &Export{
		Domain:   domain,
		Format:   f,
		Clock:    Clock{Jitter: 300 * time.Microsecond},
		Uptime:   uptime,
		AppNames: f.Version() == 10,
		VLAN:     uint16(domain), // domain 310 is VLAN 310
	}
}

// base is the common configuration: one pre exporter, one post exporter,
// IPFIX milliseconds with Ixia application names, 60 s of capture.
func base() Config {
	return Config{
		Seed:     1,
		Start:    defaultStart,
		Duration: 60 * time.Second,
		Warmup:   20 * time.Second,
		Sessions: 500,
		ZipfS:    1.1,
		Probes: []Probe{
			{Name: "probe-a", Addr: probeAddrs[0], Port: 50001, Pre: export(310, FormatIPFIXMilli, 17*24*time.Hour+3*time.Hour+17*time.Minute)},
			{Name: "probe-b", Addr: probeAddrs[1], Port: 50002, Post: export(320, FormatIPFIXMilli, 4*24*time.Hour+11*time.Hour+2*time.Minute)},
		},
		Collector:        collectorAddr,
		CollectorPort:    4739,
		NetDelay:         400 * time.Microsecond,
		NATLatency:       150 * time.Microsecond,
		ActiveTimeout:    30 * time.Second,
		InactiveTimeout:  15 * time.Second,
		ScanInterval:     time.Second,
		TemplateInterval: 60 * time.Second,
		MaxPayload:       1400,
		AmbiguityWindow:  6 * time.Second,
	}
}

func inSync() Config { return base() }

func offset5s() Config {
	c := base()
	c.Probes[1].Post.Clock.Offset = 5 * time.Second
	return c
}

func offsetDrift() Config {
	c := base()
	c.Duration = time.Hour
	c.Sessions = 1000
	c.ActiveTimeout = 120 * time.Second
	c.TemplateInterval = 300 * time.Second
	c.Probes[1].Post.Clock.Offset = 2 * time.Second
	c.Probes[1].Post.Clock.DriftPPM = 50
	return c
}

func popular5s() Config {
	c := base()
	c.Sessions = 700
	c.ZipfS = 1.4
	c.DNSInterval = 100 * time.Millisecond
	c.Probes[1].Post.Clock.Offset = 5 * time.Second
	return c
}

func v9IPFIX() Config {
	c := base()
	c.CollectorPort = 2055
	c.Probes[0].Pre = export(310, FormatV9, 17*24*time.Hour+3*time.Hour+17*time.Minute)
	return c
}

func uptimeWrap() Config {
	c := base()
	c.CollectorPort = 2055
	// 2^32 ms is 49 d 17 h 2 min 47.296 s; the pre exporter wraps 30 s into the capture.
	c.Probes[0].Pre = export(310, FormatV9, time.Duration(1<<32)*time.Millisecond-30*time.Second)
	c.Probes[1].Post = export(320, FormatV9, 9*24*time.Hour)
	c.Probes[1].Post.Clock.Offset = time.Second
	return c
}

func ipv6Mixed() Config {
	c := base()
	c.IPv6Share = 0.4
	c.Probes[1].Post.Clock.Offset = 80 * time.Millisecond
	return c
}

func multiProbe() Config {
	c := base()
	c.Sessions = 900
	c.Probes = nil
	names := []string{"probe-168", "probe-169", "probe-170"}
	for i, a := range probeAddrs {
		up := time.Duration(20+7*i) * 24 * time.Hour
		c.Probes = append(c.Probes, Probe{Name: names[i], Addr: a, Port: uint16(50001 + i),
			Pre: export(310, FormatIPFIXMilli, up), Post: export(320, FormatIPFIXMilli, up)})
	}
	c.Probes[1].Post.Clock.Offset = 5 * time.Second
	c.Probes[2].Pre.Clock.Offset = 1500 * time.Millisecond
	c.Probes[2].Post.Clock.Offset = 1500 * time.Millisecond
	return c
}

func returnFlows() Config {
	c := base()
	c.ReturnShare = 1
	c.Probes[1].Post.Clock.Offset = 250 * time.Millisecond
	return c
}

func oneSidedDrops() Config {
	c := base()
	c.Sessions = 800
	c.OneSidedShare = 0.1
	c.Probes[0].Pre.DropRate = 0.02
	c.Probes[1].Post.DropRate = 0.05
	c.Probes[1].Post.Clock.Offset = 40 * time.Millisecond
	return c
}

func timeVariants() Config {
	c := base()
	c.Sessions = 600
	c.Probes = nil
	pre := []Format{FormatIPFIXSec, FormatIPFIXMicro, FormatIPFIXNano}
	post := []Format{FormatIPFIXUptime, FormatIPFIXDelta, FormatIPFIXMilli}
	for i, a := range probeAddrs {
		up := time.Duration(3+i) * 24 * time.Hour
		c.Probes = append(c.Probes, Probe{Name: "probe-" + string(pre[i]) + "+" + string(post[i]), Addr: a, Port: uint16(50001 + i),
			Pre: export(310, pre[i], up), Post: export(320, post[i], up)})
		c.Probes[i].Post.Clock.Offset = 250 * time.Millisecond
	}
	return c
}

func midStream() Config {
	c := base()
	c.MidStream = true
	c.TemplateInterval = 300 * time.Second
	c.TemplateDelay = 12 * time.Second
	c.Probes[1].Post.Clock.Offset = 300 * time.Millisecond
	return c
}

func port9995() Config {
	c := base()
	c.CollectorPort = 9995
	c.Probes[0].Pre = export(310, FormatV9, 40*24*time.Hour)
	c.Probes[1].Post.Clock.Offset = -700 * time.Millisecond
	return c
}

func clockStep() Config {
	c := base()
	c.Duration = 90 * time.Second
	c.Sessions = 700
	c.Probes[1].Post.Clock.Offset = -1500 * time.Millisecond
	c.Probes[1].Post.Clock.Step = 1500 * time.Millisecond
	c.Probes[1].Post.Clock.StepAt = 40 * time.Second
	return c
}

func tz3h() Config {
	c := base()
	c.Probes[1].Post.Clock.Offset = 3 * time.Hour
	return c
}

func sample() Config {
	c := base()
	c.Seed = 3054
	c.Duration = 30 * time.Second
	c.Warmup = 15 * time.Second
	c.Sessions = 220
	c.ZipfS = 1.3
	c.DNSInterval = 400 * time.Millisecond
	c.ReturnShare = 0.1
	c.OneSidedShare = 0.03
	c.Probes = nil
	for i, a := range probeAddrs[:2] {
		up := time.Duration(12+9*i) * 24 * time.Hour
		c.Probes = append(c.Probes, Probe{Name: []string{"probe-168", "probe-169"}[i], Addr: a, Port: uint16(50001 + i),
			Pre: export(310, FormatIPFIXMilli, up), Post: export(320, FormatIPFIXMilli, up)})
		c.Probes[i].Post.Clock.Offset = 120 * time.Millisecond
	}
	return c
}

// ProbeAddr returns the address of the i-th probe (0-based): 10.103.0.168,
// .169, ... as in the real export, continuing into 10.103.1.x.
func ProbeAddr(i int) netip.Addr {
	n := 168 + i
	return netip.AddrFrom4([4]byte{10, 103, byte(n / 256), byte(n % 256)})
}
