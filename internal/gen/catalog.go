package gen

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"
)

// kind is a traffic class: it decides durations and counters.
type kind uint8

const (
	kindDNS   kind = iota // one request packet, one answer packet
	kindNTP               // one 76-byte packet each way: identical counters, always
	kindWeb               // TCP, seconds to minutes
	kindQUIC              // UDP/443, longer, more packets
	kindVideo             // TCP, long: split by the active timeout
	kindCall              // UDP, long, steady packet rate
)

// service is one destination socket with its application.
type service struct {
	v4, v6 netip.Addr
	port   uint16
	proto  uint8
	app    string
	appID  uint32
	kind   kind
}

// Ixia-style application names (as in the real export: DNS is "domain",
// plain TLS "https", unclassified "unknown") and ids. The ids are invented
// but stable.
var appIDs = map[string]uint32{
	"domain": 9, "ntp": 123, "facebook": 1130, "instagram": 1148, "whatsapp": 1201, "google": 1010,
	"youtube": 1025, "quic": 2443, "netflix": 1310, "tiktok": 1422, "Microsoft Teams, Skype": 1500,
	"apple": 1600, "http": 80, "https": 443, "amazon-prime-video": 1330, "android": 5228, "chat": 5222,
	"unknown": 0,
}

// catalog returns the destinations ranked by popularity (index 0 is the most
// popular); the resolver is rank 1.
func catalog() []service {
	a4 := netip.MustParseAddr
	var out []service
	add := func(v4, v6 string, port uint16, proto uint8, app string, k kind) {
		s := service{v4: a4(v4), port: port, proto: proto, app: app, appID: appIDs[app], kind: k}
		if v6 != "" {
			s.v6 = a4(v6)
		}
		out = append(out, s)
	}
	add("198.51.100.53", "2001:db8:53::53", 53, 17, "domain", kindDNS)
	add("198.51.100.10", "2001:db8:face::10", 443, 6, "facebook", kindWeb)
	add("198.51.100.20", "2001:db8:4860::20", 443, 17, "quic", kindQUIC)
	add("198.51.100.30", "2001:db8:4860::30", 443, 17, "youtube", kindVideo)
	add("198.51.100.40", "2001:db8:2e7f::40", 443, 6, "netflix", kindVideo)
	add("198.51.100.11", "2001:db8:face::11", 443, 6, "instagram", kindWeb)
	add("198.51.100.12", "2001:db8:face::12", 443, 6, "whatsapp", kindWeb)
	add("198.51.100.21", "2001:db8:4860::21", 443, 6, "google", kindWeb)
	add("198.51.100.54", "2001:db8:53::54", 53, 17, "domain", kindDNS)
	add("198.51.100.50", "", 443, 6, "tiktok", kindVideo)
	add("198.51.100.60", "", 3478, 17, "Microsoft Teams, Skype", kindCall)
	add("198.51.100.123", "2001:db8:123::123", 123, 17, "ntp", kindNTP)
	add("198.51.100.70", "2001:db8:a991::70", 443, 6, "apple", kindWeb)
	add("198.51.100.22", "2001:db8:4860::22", 443, 17, "quic", kindQUIC)
	add("198.51.100.41", "", 443, 6, "amazon-prime-video", kindVideo)
	add("198.51.100.188", "2001:db8:4860::188", 5228, 6, "android", kindCall)
	add("198.51.100.90", "", 5222, 6, "chat", kindCall)
	// The long tail: generic HTTPS and HTTP servers.
	for i := 1; i <= 200; i++ {
		v4 := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		v6 := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x0e, 15: byte(i)})
		s := service{v4: v4, v6: v6, port: 443, proto: 6, app: "https", appID: appIDs["https"], kind: kindWeb}
		switch {
		case i%5 == 0:
			s.port, s.app, s.appID = 80, "http", appIDs["http"]
		case i%7 == 0:
			s.port, s.proto, s.app, s.appID, s.kind = uint16(10000+37*i), 17, "unknown", appIDs["unknown"], kindQUIC
		}
		if i%3 == 0 {
			s.v6 = netip.Addr{}
		}
		out = append(out, s)
	}
	return out
}

// zipf draws ranks with weight 1/(k+1)^s through a cumulative table.
type zipf struct{ cum []float64 }

func newZipf(n int, s float64) zipf {
	cum := make([]float64, n)
	var sum float64
	for k := range n {
		sum += 1 / math.Pow(float64(k+1), s)
		cum[k] = sum
	}
	for k := range cum {
		cum[k] /= sum
	}
	return zipf{cum}
}

func (z zipf) draw(r *rand.Rand) int {
	i, _ := slices.BinarySearch(z.cum, r.Float64())
	return min(i, len(z.cum)-1)
}

// shape is a session's duration and counters, per direction.
type shape struct {
	dur                  time.Duration
	fwdPackets, fwdBytes uint64
	retPackets, retBytes uint64
	rtt                  time.Duration // delay of the first return packet
}

// lognormal returns a log-normally distributed duration with the given median.
func lognormal(r *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

func drawShape(r *rand.Rand, k kind) shape {
	var s shape
	s.rtt = time.Duration(5+r.IntN(55)) * time.Millisecond
	switch k {
	case kindDNS:
		s.fwdPackets, s.fwdBytes = 1, uint64(60+r.IntN(16)) // many equal query sizes: ambiguous counters
		s.retPackets, s.retBytes = 1, uint64(90+r.IntN(300))
		s.rtt = time.Duration(2+r.IntN(30)) * time.Millisecond
	case kindNTP:
		s.fwdPackets, s.fwdBytes = 1, 76
		s.retPackets, s.retBytes = 1, 76
	case kindWeb:
		s.dur = min(lognormal(r, 3*time.Second, 1.4), 10*time.Minute)
		s.fwdPackets = 4 + uint64(lognormal(r, 12, 1.0))
		s.fwdBytes = s.fwdPackets*52 + uint64(r.IntN(2000))
		s.retPackets = s.fwdPackets + uint64(r.IntN(int(s.fwdPackets)+1))
		s.retBytes = s.retPackets * uint64(300+r.IntN(1100))
	case kindQUIC:
		s.dur = min(lognormal(r, 8*time.Second, 1.3), 10*time.Minute)
		s.fwdPackets = 6 + uint64(lognormal(r, 40, 1.0))
		s.fwdBytes = s.fwdPackets * uint64(60+r.IntN(200))
		s.retPackets = s.fwdPackets * uint64(2+r.IntN(4))
		s.retBytes = s.retPackets * uint64(1000+r.IntN(250))
	case kindVideo:
		s.dur = min(lognormal(r, 40*time.Second, 1.0), 20*time.Minute)
		s.fwdPackets = 20 + uint64(s.dur/(50*time.Millisecond))
		s.fwdBytes = s.fwdPackets * 52
		s.retPackets = s.fwdPackets * 3
		s.retBytes = s.retPackets * 1400
	case kindCall:
		s.dur = min(lognormal(r, 90*time.Second, 0.8), 30*time.Minute)
		s.fwdPackets = 10 + uint64(s.dur/(20*time.Millisecond))
		s.fwdBytes = s.fwdPackets * uint64(120+r.IntN(60))
		s.retPackets = s.fwdPackets
		s.retBytes = s.fwdPackets * uint64(120+r.IntN(60))
	}
	if s.dur < 0 {
		s.dur = 0
	}
	return s
}
