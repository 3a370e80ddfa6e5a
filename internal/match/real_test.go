package match_test

import (
	"bufio"
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/stats"
)

// readVerbose reads an IPFIX capture through `tshark -V` (text), well
// enough for this test: one record per "Flow N" block with the fields the
// matcher uses. It is a test helper, not a reader: internal/tshark owns that.
func readVerbose(t *testing.T, path string) []flow.Record {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("capture %s is not available: %v", path, err)
	}
	cmd := exec.Command("tshark", "-n", "-r", path, "-V")
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -V %s: %v", path, err)
	}
	var (
		recs     []flow.Record
		cur      *flow.Record
		frame    uint64
		exporter netip.Addr
		domain   uint64
		export   uint64
		set      int
	)
	field := regexp.MustCompile(`^\s+([A-Za-z][A-Za-z ]*): (.*)$`)
	flush := func() {
		if cur != nil {
			recs = append(recs, *cur)
			cur = nil
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Frame "):
			flush()
			frame, _ = strconv.ParseUint(strings.Fields(line)[1][:len(strings.Fields(line)[1])-1], 10, 32)
			set = 0
			continue
		case strings.HasPrefix(line, "Internet Protocol Version"):
			if i := strings.Index(line, "Src: "); i >= 0 {
				exporter, _ = netip.ParseAddr(strings.SplitN(line[i+5:], ",", 2)[0])
			}
			continue
		}
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "Set ") || strings.HasPrefix(trim, "FlowSet ") && strings.Contains(trim, "[id=") {
			flush()
			set++
			continue
		}
		if strings.HasPrefix(trim, "Flow ") && !strings.Contains(trim, ":") {
			flush()
			n, _ := strconv.Atoi(strings.Fields(trim)[1])
			cur = &flow.Record{Pos: flow.Pos{File: path, Frame: uint32(frame), Set: uint16(set), Flow: uint16(n)},
				Exporter: exporter, Domain: uint32(domain), Version: 10, ExportTime: flow.Instant(export * uint64(time.Second))}
			continue
		}
		m := field.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, val := m[1], m[2]
		switch name {
		case "Observation Domain Id":
			domain, _ = strconv.ParseUint(val, 10, 32)
			continue
		case "ExportTime":
			export, _ = strconv.ParseUint(val, 10, 32)
			continue
		}
		if cur == nil {
			continue
		}
		num := func() uint64 {
			v := val
			if i := strings.LastIndex(v, "("); i >= 0 {
				v = strings.TrimSuffix(v[i+1:], ")")
			}
			n, _ := strconv.ParseUint(strings.Fields(v)[0], 10, 64)
			return n
		}
		switch name {
		case "SrcAddr":
			cur.Src, _ = netip.ParseAddr(val)
		case "DstAddr":
			cur.Dst, _ = netip.ParseAddr(val)
		case "SrcPort":
			cur.SrcPort = uint16(num())
		case "DstPort":
			cur.DstPort = uint16(num())
		case "Protocol":
			cur.Proto = uint8(num())
		case "Packets":
			cur.Packets = num()
		case "Octets":
			cur.Octets = num()
		case "StartTime":
			ts, err := time.Parse("Jan 2, 2006 15:04:05.000000000 MST", val)
			if err != nil {
				t.Fatalf("%s frame %d: StartTime %q: %v", path, frame, val, err)
			}
			cur.Start, cur.StartEnc = flow.InstantOf(ts), flow.EncMilliseconds
		case "EndTime":
			ts, err := time.Parse("Jan 2, 2006 15:04:05.000000000 MST", val)
			if err != nil {
				t.Fatalf("%s frame %d: EndTime %q: %v", path, frame, val, err)
			}
			cur.End, cur.HasEnd = flow.InstantOf(ts), true
		}
	}
	flush()
	return recs
}

// TestRunOnTheIpfixcolCaptureWithDomainsZeroAndFour: domains 0 and 4 carry
// the same traffic without NAT (238 records); the known differences are
// those of the 69 common 5-tuples: 67 at 0 ms and 2 about 1 s apart (949
// and 1051 ms: the two directions of one long TCP stream). The default
// domains are absent, so the two present are used. Without NAT the client
// side is part of the key (--key dst,dport,proto,app,src,sport).
func TestRunOnTheIpfixcolCaptureWithDomainsZeroAndFour(t *testing.T) {
	recs := readVerbose(t, "../../../shared/captures/real/ipfixcol-02-odid0+odid4.pcap")
	key, err := match.ParseKey("dst,dport,proto,app,src,sport")
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Run(recs, match.Config{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	hist, cont := map[int64]int{}, map[int64]int{}
	var samples []stats.Sample
	for _, p := range res.Pairs {
		if p.Continuation {
			cont[p.DeltaNs/1e6]++
			continue
		}
		hist[p.DeltaNs/1e6]++
		samples = append(samples, stats.Sample{AtNs: int64(recs[p.Pre].Start), DeltaNs: p.DeltaNs, PreEnc: recs[p.Pre].StartEnc, PostEnc: recs[p.Post].StartEnc})
	}
	a := stats.Analyze(samples, stats.Options{})
	t.Logf("%d records, sides %v/%v (%s), %d pairs, first segments' differences (ms: count) %v, continuations' %v, unmatched %d/%d; verdict %s: %q",
		len(recs), res.PreDomains, res.PostDomains, res.Note, len(res.Pairs), hist, cont, len(res.UnmatchedPre), len(res.UnmatchedPost), a.Verdict.Code, a.Verdict.Reasons)
	for _, u := range append(res.UnmatchedPre, res.UnmatchedPost...) {
		r := recs[u.Index]
		t.Logf("unmatched %s: %s:%d -> %s:%d proto %d start %s: %s", r.Pos, r.Src, r.SrcPort, r.Dst, r.DstPort, r.Proto, r.Start, u.Reason())
	}
	if len(res.PreDomains) != 1 || res.PreDomains[0] != 0 || res.PostDomains[0] != 4 {
		t.Errorf("sides %v/%v, want 0/4", res.PreDomains, res.PostDomains)
	}
	// Per record: 83 first-segment pairs at 0 ms. The long TCP stream
	// (212.111.2.151:8000, both directions) was running when the capture
	// began (its first records start at 11:18:49, the exporter's first
	// export is at 11:18:52): each domain splits it every 4 s on its own
	// schedule, so its first records in the capture start 949 and 1051 ms
	// apart and are continuations themselves, like the 32 records per side
	// that follow them.
	if len(res.Pairs) != 117 || hist[0] != 83 || len(hist) != 1 || len(res.Pairs)-83 != 34 || cont[949] != 1 || cont[1051] != 1 {
		t.Errorf("%d pairs, first segments %v, continuations %v; want 117 pairs: 83 at 0 ms, 34 continuations, their heads at +949 and +1051 ms", len(res.Pairs), hist, cont)
	}
	// Per distinct 5-tuple, as the capture's README counts: 69 in common,
	// 67 of them with 0 ms difference throughout.
	type tuple struct {
		src, dst netip.Addr
		sp, dp   uint16
		proto    uint8
	}
	zero := map[tuple]bool{}
	for _, p := range res.Pairs {
		r := recs[p.Pre]
		k := tuple{r.Src, r.Dst, r.SrcPort, r.DstPort, r.Proto}
		if _, seen := zero[k]; !seen {
			zero[k] = true
		}
		zero[k] = zero[k] && p.DeltaNs == 0
	}
	nz := 0
	for _, z := range zero {
		if z {
			nz++
		}
	}
	if len(zero) != 69 || nz != 67 {
		t.Errorf("%d distinct 5-tuples paired, %d at 0 ms throughout; want 69 and 67", len(zero), nz)
	}
	if a.Verdict.Code != stats.InSync {
		t.Errorf("verdict %s, want in sync", a.Verdict.Code)
	}
}
