package match

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// want is an expected pair by record index, with its delta in ms.
type want struct {
	pre, post int32
	deltaMs   float64
}

// anchors returns n sessions to distinct servers with offset ms, starting at
// startMs, one second apart: unambiguous keys that fix the offset.
func anchors(n int, startMs, offsetMs float64) []flow.Record {
	var out []flow.Record
	for i := 0; i < n; i++ {
		dst := fmt.Sprintf("198.51.100.%d", i+1)
		out = append(out, pre(dst, 443, startMs+float64(i)*1000, "https", 7))
		out = append(out, post(dst, 443, startMs+float64(i)*1000+offsetMs, "https", 7))
	}
	return out
}

func TestRunPairsHandWorkedCases(t *testing.T) {
	tests := []struct {
		name      string
		recs      []flow.Record
		cfg       Config
		pairs     []want // exact set of pairs (anchors excluded: see skip)
		skip      int    // leading records (anchors) whose pairs are not checked
		unmatched map[int32]string
	}{
		{
			name: "one pre record and one post record of the same session pair with the difference post minus pre",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				post("8.8.4.4", 443, 12.5, "google", 10),
			},
			pairs: []want{{0, 1, 12.5}},
		},
		{
			name: "no record is used twice: two pre records compete for one post record and the closer wins",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				pre("8.8.4.4", 443, 300, "google", 10),
				post("8.8.4.4", 443, 301, "google", 10),
			},
			pairs:     []want{{1, 2, 1}},
			unmatched: map[int32]string{0: "candidates all taken by closer pairs"},
		},
		{
			name: "different app names on both sides never pair",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				post("8.8.4.4", 443, 1, "youtube", 10),
			},
			unmatched: map[int32]string{0: "records with the same key on the other side carry a different app", 1: "records with the same key on the other side carry a different app"},
		},
		{
			name: "a record without an app name may pair with one that has it",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "", 10),
				post("8.8.4.4", 443, 1, "youtube", 10),
			},
			pairs: []want{{0, 1, 1}},
		},
		{
			name: "without app in the key different app names pair",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				post("8.8.4.4", 443, 1, "youtube", 10),
			},
			cfg:   Config{Key: KeyDst | KeyDstPort | KeyProto},
			pairs: []want{{0, 1, 1}},
		},
		{
			name: "a difference of exactly the window pairs",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				post("8.8.4.4", 443, 6000, "google", 10),
			},
			pairs: []want{{0, 1, 6000}},
		},
		{
			name: "a difference one millisecond beyond the window does not pair and says how far the nearest is",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				post("8.8.4.4", 443, 6001, "google", 10),
			},
			unmatched: map[int32]string{0: "no candidate within the window (nearest at +6.001 s)", 1: "no candidate within the window (nearest at +6.001 s)"},
		},
		{
			name: "a post record before its pre record beyond the window says the nearest is negative",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 7200, "google", 10),
				post("8.8.4.4", 443, 0, "google", 10),
			},
			unmatched: map[int32]string{0: "no candidate within the window (nearest at -7.2 s)", 1: "no candidate within the window (nearest at -7.2 s)"},
		},
		{
			name: "return flows pair by the server socket, which is their source on both sides",
			recs: []flow.Record{
				r(310, "8.8.8.8", 53, "100.64.1.2", 51234, 0, "dns", 1),
				r(320, "8.8.8.8", 53, "203.0.113.7", 40001, 2, "dns", 1),
			},
			pairs: []want{{0, 1, 2}},
		},
		{
			name: "a forward record never pairs with a return record",
			recs: []flow.Record{
				r(310, "100.64.1.2", 51234, "8.8.8.8", 53, 0, "dns", 1),
				r(320, "8.8.8.8", 53, "203.0.113.7", 40001, 2, "dns", 1),
			},
			unmatched: map[int32]string{0: "no record with the same key on the other side", 1: "no record with the same key on the other side"},
		},
		{
			name: "equal counters break a tie between candidates within the precision",
			recs: append(anchors(10, 0, 0),
				pre("8.8.4.4", 443, 20000, "google", 10),
				post("8.8.4.4", 443, 20000, "google", 11), // closest, counters differ
				post("8.8.4.4", 443, 20001, "google", 10), // 1 ms further, counters agree
			),
			skip:      20,
			pairs:     []want{{20, 22, 1}},
			unmatched: map[int32]string{21: "candidates all taken by closer pairs"},
		},
		{
			name: "counters do not outweigh a difference beyond the precision",
			recs: append(anchors(10, 0, 0),
				pre("8.8.4.4", 443, 20000, "google", 10),
				post("8.8.4.4", 443, 20000, "google", 11), // closest, counters differ
				post("8.8.4.4", 443, 20050, "google", 10), // 50 ms further, counters agree
			),
			skip:      20,
			pairs:     []want{{20, 21, 0}},
			unmatched: map[int32]string{22: "candidates all taken by closer pairs"},
		},
		{
			name: "records without a start time are unmatched with that reason",
			recs: func() []flow.Record {
				a, b := pre("8.8.4.4", 443, 0, "google", 10), post("8.8.4.4", 443, 1, "google", 10)
				a.StartEnc, a.Start = flow.EncNone, 0
				return []flow.Record{a, b}
			}(),
			unmatched: map[int32]string{0: "no start time", 1: "no record with the same key on the other side"},
		},
		{
			name: "records of other domains are excluded, not unmatched",
			recs: []flow.Record{
				pre("8.8.4.4", 443, 0, "google", 10),
				post("8.8.4.4", 443, 1, "google", 10),
				r(999, "100.64.1.2", 1, "8.8.4.4", 443, 0, "google", 10),
			},
			pairs: []want{{0, 1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(tt.recs, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, p := range res.Pairs {
				if int(p.Pre) < tt.skip {
					continue
				}
				got = append(got, want{p.Pre, p.Post, float64(p.DeltaNs) / 1e6})
			}
			if !slices.Equal(got, tt.pairs) {
				t.Errorf("pairs = %v, want %v", got, tt.pairs)
			}
			gotU := map[int32]string{}
			for _, u := range append(res.UnmatchedPre, res.UnmatchedPost...) {
				gotU[u.Index] = u.Reason()
			}
			if fmt.Sprint(gotU) != fmt.Sprint(orEmpty(tt.unmatched)) {
				t.Errorf("unmatched = %v, want %v", gotU, tt.unmatched)
			}
		})
	}
}

func orEmpty(m map[int32]string) map[int32]string {
	if m == nil {
		return map[int32]string{}
	}
	return m
}

// TestRunPopularKeyWithOffsetPairsEachQueryWithItsOwn: a DNS resolver queried
// about every 100 ms, the post clock 5 s ahead. Nearest-in-time pairing
// would pair each query with the one sent 5 s later; the matcher must
// estimate the 5 s first and pair each query with its own record.
func TestRunPopularKeyWithOffsetPairsEachQueryWithItsOwn(t *testing.T) {
	const offset = 5000.0
	recs := anchors(20, 0, offset+1)
	var wantPairs []want
	for i := 0; i < 300; i++ {
		at := float64(i)*100 + float64((i*37)%41) // irregular spacing, 100 ms on average
		jit := float64(i % 3)                     // 0..2 ms path jitter
		a := len(recs)
		recs = append(recs,
			r(310, "100.64.1.2", uint16(30000+i), "9.9.9.9", 53, at, "dns", 1),
			r(320, "203.0.113.7", uint16(40000+i), "9.9.9.9", 53, at+offset+jit, "dns", 1))
		wantPairs = append(wantPairs, want{int32(a), int32(a + 1), offset + jit})
	}
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(res.OffsetNs) / 1e6; got < offset || got > offset+2 {
		t.Errorf("reference offset = %v ms, want 5000..5002", got)
	}
	got := pairSet(res)
	for _, w := range wantPairs {
		if !got[[2]int32{w.pre, w.post}] {
			t.Errorf("query %d not paired with its own record", w.pre)
		}
	}
	if len(res.Pairs) != 320 {
		t.Errorf("%d pairs, want 320", len(res.Pairs))
	}
	// A DNS query in the middle had about 120 candidates (12 s of queries
	// every 100 ms); the runner-up lies near 100 ms from the offset.
	for _, p := range res.Pairs {
		if recs[p.Pre].SrcPort == 30150 && (p.Candidates < 100 || p.RunnerUpNs < 40*int64(time.Millisecond)) {
			t.Errorf("pair %+v: want over 100 candidates and the runner-up at least 40 ms away", p)
		}
	}
}

func TestRunOneToOneNeverUsesARecordTwice(t *testing.T) {
	// Many pre and post records of one key, shuffled times: the pairing
	// must be a matching.
	var recs []flow.Record
	for i := 0; i < 200; i++ {
		recs = append(recs, pre("8.8.4.4", 443, float64((i*7919)%5000), "google", 1))
		recs = append(recs, post("8.8.4.4", 443, float64((i*104729)%5000), "google", 1))
	}
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int32]bool{}
	for _, p := range res.Pairs {
		if seen[p.Pre] || seen[p.Post] {
			t.Fatalf("record used twice in %v", p)
		}
		seen[p.Pre], seen[p.Post] = true, true
	}
	if len(res.Pairs)+len(res.UnmatchedPre) != 200 || len(res.Pairs)+len(res.UnmatchedPost) != 200 {
		t.Errorf("pairs %d + unmatched %d/%d do not add up to 200 per side", len(res.Pairs), len(res.UnmatchedPre), len(res.UnmatchedPost))
	}
	if len(res.Pairs) != 200 {
		t.Errorf("%d pairs, want 200 (every record has candidates within the window)", len(res.Pairs))
	}
}

func TestRunAllPairsReproducesTheManyToManyOutput(t *testing.T) {
	recs := []flow.Record{
		pre("8.8.4.4", 443, 0, "google", 1),
		pre("8.8.4.4", 443, 1000, "google", 1),
		post("8.8.4.4", 443, 500, "google", 1),
		post("8.8.4.4", 443, 6900, "google", 1), // within 6 s of pre 1 only
		post("8.8.4.4", 443, 20000, "google", 1),
	}
	res, err := Run(recs, Config{AllPairs: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Pairs {
		got = append(got, fmt.Sprintf("%d-%d:%d", p.Pre, p.Post, p.Candidates))
	}
	if w := []string{"0-2:1", "1-2:2", "1-3:2"}; !slices.Equal(got, w) {
		t.Errorf("pairs = %v, want %v", got, w)
	}
	if len(res.UnmatchedPost) != 1 || res.UnmatchedPost[0].Index != 4 {
		t.Errorf("unmatched post = %v, want record 4", res.UnmatchedPost)
	}
}

func TestRunRunnerUpAndCandidates(t *testing.T) {
	recs := append(anchors(10, 0, 0),
		pre("8.8.4.4", 443, 20000, "google", 10),
		post("8.8.4.4", 443, 20003, "google", 10),
		post("8.8.4.4", 443, 20250, "google", 10),
	)
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Pairs[len(res.Pairs)-1]
	if p.Pre != 20 || p.Post != 21 || p.Candidates != 2 || p.RunnerUpNs != 250*int64(time.Millisecond) {
		t.Errorf("pair = %+v, want 20->21 with 2 candidates and the runner-up 250 ms from the offset", p)
	}
	if a := res.Pairs[0]; a.Candidates != 1 || a.RunnerUpNs != -1 {
		t.Errorf("anchor pair = %+v, want 1 candidate and no runner-up", a)
	}
}

func TestSelectSides(t *testing.T) {
	mk := func(doms ...uint32) []flow.Record {
		var out []flow.Record
		for i, d := range doms {
			x := pre("8.8.4.4", 443, float64(i), "", 1)
			x.Domain = d
			out = append(out, x)
		}
		return out
	}
	tests := []struct {
		name      string
		recs      []flow.Record
		cfg       Config
		pre, post []uint32
		note      string
		err       string
		code      int
	}{
		{name: "the default domains are used when present", recs: mk(310, 320, 7), pre: []uint32{310}, post: []uint32{320}},
		{name: "two other domains replace absent defaults and a note says so", recs: mk(4, 0, 0, 4, 4),
			pre: []uint32{0}, post: []uint32{4}, note: "domains 310/320 absent; used the two domains that carry flows: 0 as pre (2 flows) and 4 as post (3 flows); swap with --pre-odid/--post-odid"},
		{name: "the defaults given explicitly behave as the defaults", recs: mk(4, 0), cfg: Config{PreDomains: []uint32{310}, PostDomains: []uint32{320}},
			pre: []uint32{0}, post: []uint32{4}, note: "domains 310/320 absent; used the two domains that carry flows: 0 as pre (1 flow) and 4 as post (1 flow); swap with --pre-odid/--post-odid"},
		{name: "three other domains are an error listing them with their counts", recs: mk(1, 2, 2, 3),
			err:  "default domains 310 (pre) and 320 (post) are absent and 3 domains carry flows, not 2: choose with --pre-odid and --post-odid; domains found: domain 1: 1 flow (exporter 192.0.2.1); domain 2: 2 flows (exporter 192.0.2.1); domain 3: 1 flow (exporter 192.0.2.1)",
			code: 5},
		{name: "an explicit domain without records is an error", recs: mk(1, 2), cfg: Config{PreDomains: []uint32{1}, PostDomains: []uint32{5}},
			err: "no flow records on the post side (domain 5); domains found: domain 1: 1 flow (exporter 192.0.2.1); domain 2: 1 flow (exporter 192.0.2.1)", code: 5},
		{name: "one default present and the other absent is an error", recs: mk(310, 4),
			err: "no flow records on the post side (domain 320); domains found: domain 4: 1 flow (exporter 192.0.2.1); domain 310: 1 flow (exporter 192.0.2.1)", code: 5},
		{name: "a domain on both sides without exporters to separate them is a usage error", recs: mk(1, 2), cfg: Config{PreDomains: []uint32{1}, PostDomains: []uint32{1, 2}},
			err: "belongs to both sides", code: 2},
		{name: "exporters separate sides of the same domain", recs: func() []flow.Record {
			rs := mk(0, 0)
			rs[1].Exporter = netip.MustParseAddr("192.0.2.2")
			return rs
		}(), cfg: Config{PreDomains: []uint32{0}, PostDomains: []uint32{0}, PreExporters: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, PostExporters: []netip.Addr{netip.MustParseAddr("192.0.2.2")}},
			pre: []uint32{0}, post: []uint32{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := SelectSides(tt.recs, tt.cfg)
			if tt.err != "" {
				var se *SideError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.err) || se.ExitCode() != tt.code {
					t.Fatalf("err = %v, want a SideError with code %d containing %q", err, tt.code, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.PreDomains, tt.pre) || !slices.Equal(s.PostDomains, tt.post) || s.Note != tt.note {
				t.Errorf("got %v/%v note %q, want %v/%v note %q", s.PreDomains, s.PostDomains, s.Note, tt.pre, tt.post, tt.note)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "an empty key is the default", in: "", want: "dst,dst_port,proto,app"},
		{name: "aliases and packets are accepted", in: "dst, dport,proto,app,packets", want: "dst,dst_port,proto,app,packets"},
		{name: "the source side can be added", in: "dst,dst_port,proto,src,sport,vlan,octets", want: "dst,dst_port,proto,octets,vlan,src,src_port"},
		{name: "an unknown field is an error naming it", in: "dst,colour", err: `unknown key field "colour"`},
		{name: "only commas is an error", in: ",,", err: "names no field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || k.String() != tt.want {
				t.Errorf("ParseKey(%q) = %v, %v; want %s", tt.in, k, err, tt.want)
			}
		})
	}
}

func TestDirectionOf(t *testing.T) {
	tests := []struct {
		name         string
		sport, dport uint16
		proto        uint8
		want         Direction
	}{
		{"a subscriber's query to a DNS server is forward", 51234, 53, 17, Forward},
		{"the DNS server's answer is a return record", 53, 51234, 17, Return},
		{"an answer from port 8443 is a return record", 8443, 40001, 6, Return},
		{"port 53 to port 53 is tried both ways", 53, 53, 17, Either},
		{"two ephemeral ports are tried both ways", 17252, 43724, 17, Either},
		{"ICMP is always forward, keyed by its destination", 80, 50000, 1, Forward},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := flow.Record{SrcPort: tt.sport, DstPort: tt.dport, Proto: tt.proto}
			if got := DirectionOf(&rec); got != tt.want {
				t.Errorf("DirectionOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRunPairsRecordsWithoutServerPortsEitherWay(t *testing.T) {
	// A game server on UDP 17252: neither port is a server port, so both
	// records are indexed both ways; the return pair shares the source.
	recs := []flow.Record{
		r(310, "192.0.2.196", 17252, "100.64.0.90", 43724, 0, "", 3),
		r(320, "192.0.2.196", 17252, "203.0.113.65", 1024, 250, "", 3),
		r(310, "100.64.0.91", 43000, "192.0.2.197", 27015, 1000, "", 4),
		r(320, "203.0.113.65", 1025, "192.0.2.197", 27015, 1250, "", 4),
	}
	res, err := Run(recs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Pairs); got != "[{0 1 1 false false 250000000 -1} {2 3 1 false false 250000000 -1}]" {
		t.Errorf("pairs = %s, want 0->1 and 2->3 at 250 ms", got)
	}
	if len(res.UnmatchedPre)+len(res.UnmatchedPost) != 0 {
		t.Errorf("unmatched %v %v, want none", res.UnmatchedPre, res.UnmatchedPost)
	}
}

// TestRunWindowLimits checks the ends of the window's range: beyond
// MaxWindow Run refuses the configuration (a usage error, exit code 2)
// instead of overflowing start ± window or the histogram's size; at
// MaxWindow it pairs a session 100 h apart; and records at the very ends
// of the int64 nanosecond range pair among themselves, their window
// saturating instead of wrapping around.
func TestRunWindowLimits(t *testing.T) {
	t.Run("a window beyond a week is refused with exit code 2", func(t *testing.T) {
		recs := []flow.Record{pre("8.8.4.4", 443, 0, "google", 10), post("8.8.4.4", 443, 12.5, "google", 10)}
		for _, w := range []time.Duration{MaxWindow + 1, 1_281_000 * time.Hour, 2_500_000 * time.Hour, 1<<63 - 1} {
			res, err := Run(recs, Config{Window: w})
			var ce *ConfigError
			if !errors.As(err, &ce) || res != nil {
				t.Fatalf("window %v: result %v, error %v; want no result and a ConfigError", w, res, err)
			}
			if ce.ExitCode() != 2 || !strings.Contains(ce.Error(), "beyond the largest supported window, 168h0m0s") {
				t.Errorf("window %v: %q (exit %d), want the largest window named and exit code 2", w, ce.Error(), ce.ExitCode())
			}
		}
	})
	t.Run("a window of a week pairs a session whose post record starts 100 h later", func(t *testing.T) {
		recs := []flow.Record{pre("8.8.4.4", 443, 0, "google", 10), post("8.8.4.4", 443, 100*3600e3+12.5, "google", 10)}
		res, err := Run(recs, Config{Window: MaxWindow})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Pairs) != 1 || res.Pairs[0].DeltaNs != int64(100*time.Hour+12500*time.Microsecond) {
			t.Fatalf("pairs %+v, want one with the difference 100 h 12.5 ms", res.Pairs)
		}
	})
	t.Run("records at the ends of the int64 range pair with their neighbours, not across the range", func(t *testing.T) {
		at := func(r flow.Record, ns int64) flow.Record { r.Start = flow.Instant(ns); return r }
		const maxI, minI = 1<<63 - 1, -1 << 63
		recs := []flow.Record{
			at(pre("8.8.4.4", 443, 0, "google", 10), maxI-int64(time.Second)),
			at(post("8.8.4.4", 443, 0, "google", 10), maxI),
			at(pre("8.8.8.8", 443, 0, "google", 10), minI),
			at(post("8.8.8.8", 443, 0, "google", 10), minI+int64(time.Second)),
			at(pre("1.1.1.1", 443, 0, "dns", 10), minI),
			at(post("1.1.1.1", 443, 0, "dns", 10), maxI),
		}
		for _, w := range []time.Duration{DefaultWindow, MaxWindow} {
			res, err := Run(recs, Config{Window: w})
			if err != nil {
				t.Fatal(err)
			}
			got := pairSet(res)
			if len(got) != 2 || !got[[2]int32{0, 1}] || !got[[2]int32{2, 3}] {
				t.Errorf("window %v: pairs %v, want 0->1 and 2->3", w, res.Pairs)
			}
			if len(res.UnmatchedPre) != 1 || res.UnmatchedPre[0].Index != 4 || res.UnmatchedPre[0].NearestNs != maxI {
				t.Errorf("window %v: unmatched pre %+v, want record 4 with its nearest at +max (saturated, not wrapped to negative)", w, res.UnmatchedPre)
			}
		}
	})
}

// TestPoissonTailLogIsCloseToTheExactTail compares the approximation with
// the exact tail, the sum of e^-lam lam^i / i! from i = k up (summed from k
// on: one minus the terms below k cancels to nothing for small tails), for
// whole k where the approximation is used (lam well below k): within 2 %.
func TestPoissonTailLogIsCloseToTheExactTail(t *testing.T) {
	for _, c := range []struct{ k, lam float64 }{{1, 0.001}, {2, 0.1}, {3, 0.5}, {5, 0.19}, {6, 1}, {8, 0.03}} {
		term := math.Exp(-c.lam)
		for i := 1; i <= int(c.k); i++ {
			term *= c.lam / float64(i)
		}
		exact := 0.0
		for i := int(c.k); i < int(c.k)+60; i++ {
			exact += term
			term *= c.lam / float64(i+1)
		}
		if got := math.Exp(poissonTailLog(c.k, c.lam)); math.Abs(got/exact-1) > 0.02 {
			t.Errorf("P(X >= %v), mean %v: %.6g, exact %.6g", c.k, c.lam, got, exact)
		}
	}
	if got := poissonTailLog(2, 3); got != 0 {
		t.Errorf("P(X >= 2), mean 3: log %v, want 0 (no evidence: the mean exceeds the count)", got)
	}
}

// TestRunGatesFromFiveUnambiguousKeys checks that the plausibility gate
// applies from 5 unambiguous keys (it needed 20, so small inputs such as
// the analysts' export, with half a dozen per exporter pair, took any
// candidate in the window: at --window 79s a same-probe pair 29.7 s apart).
// Four sessions agree at +40 ms; a fifth pre record whose partner is
// missing has one same-key candidate 3 s later (an unambiguous key too, the
// fifth): 2.96 s from the offset, beyond the gate of 2 ms + 250 ms. With
// three agreeing sessions (four unambiguous keys) there is no gate and it
// pairs.
func TestRunGatesFromFiveUnambiguousKeys(t *testing.T) {
	for _, n := range []int{3, 4} {
		recs := anchors(n, 100000, 40)
		recs = append(recs, pre("192.0.2.9", 443, 0, "https", 7), post("192.0.2.9", 443, 3000, "https", 9))
		res, err := Run(recs, Config{})
		if err != nil {
			t.Fatal(err)
		}
		lone := int32(2 * n)
		paired := pairSet(res)[[2]int32{lone, lone + 1}]
		switch keys := n + 1; {
		case keys < 5 && !paired:
			t.Errorf("%d unambiguous keys: the record 3 s off did not pair (no gate below 5 keys); unmatched %+v", keys, res.UnmatchedPre)
		case keys >= 5:
			want := "no candidate near the exporter pair's offset (the closest candidate, at +3 s, lies 2.96 s from the offset of +0.04 s; pairs lie within ±0.252 s of it: not the same session)"
			if paired || len(res.UnmatchedPre) != 1 || res.UnmatchedPre[0].Reason() != want {
				t.Errorf("%d unambiguous keys: pairs %v, unmatched %+v; want record %d unmatched: %s", keys, res.Pairs, res.UnmatchedPre, lone, want)
			}
		}
	}
}
