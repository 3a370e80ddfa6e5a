package match

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"netflowtimedifference/internal/flow"
)

// synth builds n sessions seen on both sides of a NAT over an hour, with a
// realistic key distribution: 50 000 server sockets drawn with a Zipf law
// (s = 1.1: the most popular, a DNS resolver, gets about a tenth of all
// sessions), 40 % return-direction records, one app per server, the post
// clock 5 s ahead and drifting 10 ppm, 0..3 ms path jitter, and dropped
// records on either side (1 % each) replaced by unrelated sessions so that
// each side keeps n records. It returns pre records first, then post.
func synth(n int, seed uint64) []flow.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	const servers = 50_000
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed, 8)), 1.1, 1, servers-1)
	apps := []string{"dns", "https", "facebook", "youtube", "netflix", "whatsapp", "tiktok", "google", "instagram", "quic"}
	type server struct {
		addr  netip.Addr
		port  uint16
		proto uint8
		app   string
	}
	srv := make([]server, servers)
	for i := range srv {
		var a [4]byte
		a[0], a[1], a[2], a[3] = byte(1+rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(1+rng.IntN(254))
		s := server{addr: netip.AddrFrom4(a), port: 443, proto: 6, app: apps[i%len(apps)]}
		switch {
		case i == 0 || i%10 == 0:
			s.port, s.proto, s.app = 53, 17, "dns"
		case i%7 == 0:
			s.port, s.proto = 443, 17
		case i%5 == 0:
			s.port = 80
		}
		srv[i] = s
	}
	t0 := flow.InstantOf(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	exPre, exPost := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	recs := make([]flow.Record, 2*n)
	mk := func(dom uint32, ex netip.Addr, s server, client netip.Addr, cport uint16, ret bool, start flow.Instant, pk uint64) flow.Record {
		rec := flow.Record{
			Pos:      flow.Pos{File: "synth.pcap", Frame: uint32(rng.IntN(1 << 20)), Set: 1, Flow: 1},
			Exporter: ex, Domain: dom, Version: 10,
			Src: client, SrcPort: cport, Dst: s.addr, DstPort: s.port, Proto: s.proto,
			App: s.app, Start: start, StartEnc: flow.EncMilliseconds, Packets: pk, Octets: pk * 120,
			End: start.Add(time.Duration(pk) * 37 * time.Millisecond), HasEnd: true,
		}
		if ret {
			rec.Src, rec.SrcPort, rec.Dst, rec.DstPort = rec.Dst, rec.DstPort, rec.Src, rec.SrcPort
		}
		return rec
	}
	for i := 0; i < n; i++ {
		s := srv[zipf.Uint64()]
		ret := rng.IntN(10) < 4
		ms := rng.Int64N(3600_000)
		pk := uint64(1 + rng.IntN(40))
		sub := netip.AddrFrom4([4]byte{100, 64, byte(rng.IntN(256)), byte(rng.IntN(256))})
		nat := netip.AddrFrom4([4]byte{203, 0, 113, byte(rng.IntN(256))})
		pre := t0.Add(time.Duration(ms) * time.Millisecond)
		off := 5*time.Second + time.Duration(float64(ms)*10e-6*float64(time.Millisecond)) + time.Duration(rng.IntN(4))*time.Millisecond
		recs[i] = mk(310, exPre, s, sub, uint16(1024+rng.IntN(60000)), ret, pre, pk)
		recs[n+i] = mk(320, exPost, s, nat, uint16(1024+rng.IntN(60000)), ret, pre.Add(off), pk)
		switch rng.IntN(100) {
		case 0: // pre dropped: an unrelated pre session instead
			recs[i] = mk(310, exPre, srv[zipf.Uint64()], sub, uint16(1024+rng.IntN(60000)), ret, t0.Add(time.Duration(rng.Int64N(3600_000))*time.Millisecond), pk)
		case 1:
			recs[n+i] = mk(320, exPost, srv[zipf.Uint64()], nat, uint16(1024+rng.IntN(60000)), ret, t0.Add(time.Duration(rng.Int64N(3600_000))*time.Millisecond), pk)
		}
	}
	return recs
}

// BenchmarkRun1M matches 1 000 000 pre and 1 000 000 post records.
//
// Metrics: ns/op and allocs/op as usual; "alloc-B/rec" is everything Run
// allocates, divided by the 2 000 000 records, measured with the garbage
// collector off during Run (so it is an upper bound of Run's peak heap
// beyond the records themselves); "live-B/rec" is what stays reachable
// after Run (the Result); "record-B" is the size of one flow.Record;
// "cpu-s" is the process's user+system CPU time during Run (the wall time,
// ns/op, includes waiting for a shared CPU).
func BenchmarkRun1M(b *testing.B) {
	const n = 1_000_000
	recs := synth(n, 1)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	var alloc, live uint64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		var m0, m1, m2 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		old := debug.SetGCPercent(-1)
		c0 := cpuTime()
		var err error
		res, err = Run(recs, Config{})
		if err != nil {
			b.Fatal(err)
		}
		cpu = cpuTime() - c0
		runtime.ReadMemStats(&m1)
		debug.SetGCPercent(old)
		runtime.GC()
		runtime.ReadMemStats(&m2)
		alloc = m1.TotalAlloc - m0.TotalAlloc
		live = m2.HeapAlloc - m0.HeapAlloc
	}
	b.StopTimer()
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(alloc)/(2*n), "alloc-B/rec")
	b.ReportMetric(float64(live)/(2*n), "live-B/rec")
	b.ReportMetric(float64(unsafe.Sizeof(flow.Record{})), "record-B")
	b.ReportMetric(float64(len(res.Pairs)), "pairs")
	b.ReportMetric(float64(res.OffsetNs)/1e6, "offset-ms")
	runtime.KeepAlive(res)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
