package gen

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"netflowtimedifference/internal/flow"
)

// This file checks the generator against an independent decoder: tshark.
// It decodes every generated scenario with `tshark -T json` and compares
// every data record's position, header, key, counters, application and
// start/end instant with Capture.Records, and the truth's pairs with the
// records. The walker below is deliberately separate from internal/tshark:
// it shares no code with the generator or the project's reader.

// tsRecord is one data record as read from tshark's JSON tree.
type tsRecord struct {
	frame      uint32
	frameTime  int64
	set, flow  uint16
	exporter   string
	sport      uint16
	dport      uint16
	version    uint8
	domain     uint32
	exportSecs int64
	sysUptime  int64 // v9, ms
	sequence   uint32
	templateID uint16
	src, dst   string
	srcPort    uint16
	dstPort    uint16
	proto      uint8
	packets    uint64
	octets     uint64
	app        string
	appID      string
	vlan       string
	start, end int64 // ns since the epoch
}

// tsResult is what one tshark run yields.
type tsResult struct {
	records   []tsRecord
	options   int // options data records
	undecoded int // data sets reported as "no template found"
}

func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: skipping the independent decode check (apt-get install tshark)")
	}
}

// runTshark decodes file with tshark and walks the JSON tree.
func runTshark(t *testing.T, file string, port uint16, twoPass bool) tsResult {
	t.Helper()
	args := []string{"-n", "-r", file, "-o", "cflow.max_template_fields:0", "-T", "json", "-J", "frame ip udp cflow"}
	if port != 2055 && port != 9996 && port != 4739 {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,cflow", port))
	}
	if want := (Config{CollectorPort: port}).TsharkArgs(); strings.Join(want, " ") != strings.Join(args[len(args)-len(want):], " ") {
		t.Errorf("Config.TsharkArgs() = %q, the test uses %q", want, args)
	}
	if twoPass {
		args = append(args, "-2")
	}
	cmd := exec.Command("tshark", args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return walk(t, out)
}

func walk(t *testing.T, out []byte) tsResult {
	t.Helper()
	var res tsResult
	sysInit := map[string]int64{} // exporter/domain -> systemInitTimeMilliseconds as ns
	fail := func(format string, args ...any) { t.Helper(); t.Fatalf(format, args...) }
	gjson.ParseBytes(out).ForEach(func(_, pkt gjson.Result) bool {
		layers := pkt.Get("_source.layers")
		var base tsRecord
		base.frame = uint32(layers.Get("frame.frame\\.number").Uint())
		base.frameTime = parseEpoch(t, layers.Get("frame.frame\\.time_epoch").String())
		base.exporter = layers.Get("ip.ip\\.src").String()
		base.sport = uint16(layers.Get("udp.udp\\.srcport").Uint())
		base.dport = uint16(layers.Get("udp.udp\\.dstport").Uint())
		layers.ForEach(func(k, cf gjson.Result) bool {
			if k.String() != "cflow" {
				return true
			}
			h := base
			h.version = uint8(cf.Get("cflow\\.version").Uint())
			if h.version == 9 {
				h.domain = uint32(cf.Get("cflow\\.source_id").Uint())
				h.exportSecs = cf.Get("cflow\\.timestamp_tree.cflow\\.unix_secs").Int()
				h.sysUptime = parseRelMs(t, cf.Get("cflow\\.sysuptime").String())
			} else {
				h.domain = uint32(cf.Get("cflow\\.od_id").Uint())
				h.exportSecs = cf.Get("cflow\\.timestamp_tree.cflow\\.exporttime").Int()
			}
			h.sequence = uint32(cf.Get("cflow\\.sequence").Uint())
			src := fmt.Sprintf("%s/%d", h.exporter, h.domain)
			cf.ForEach(func(sk, set gjson.Result) bool {
				label := sk.String()
				if !strings.HasPrefix(label, "Set ") && !strings.HasPrefix(label, "FlowSet ") {
					return true
				}
				if strings.Contains(label, "Template)") {
					return true
				}
				n, err := strconv.Atoi(strings.Fields(label)[1])
				if err != nil {
					fail("frame %d: set label %q", h.frame, label)
				}
				h.set = uint16(n)
				h.templateID = uint16(set.Get("cflow\\.flowset_id").Uint())
				set.ForEach(func(fk, fl gjson.Result) bool {
					fl1 := fk.String()
					if strings.Contains(fl1, "no template found") {
						res.undecoded++
						return true
					}
					if !strings.HasPrefix(fl1, "Flow ") {
						return true
					}
					f := map[string]string{}
					leaves(fl, f)
					if _, ok := f["cflow.srcaddr"]; !ok {
						if _, ok := f["cflow.srcaddrv6"]; !ok {
							// Options record: remember systemInitTimeMilliseconds.
							res.options++
							if s, ok := f["cflow.sys_init_time"]; ok {
								sysInit[src] = parseAbs(t, s)
							}
							return true
						}
					}
					r := h
					k, err := strconv.Atoi(strings.Fields(fl1)[1])
					if err != nil {
						fail("frame %d: flow label %q", h.frame, fl1)
					}
					r.flow = uint16(k)
					r.src, r.dst = cmpOr(f["cflow.srcaddr"], f["cflow.srcaddrv6"]), cmpOr(f["cflow.dstaddr"], f["cflow.dstaddrv6"])
					r.srcPort, r.dstPort = uint16(atoi(t, f["cflow.srcport"])), uint16(atoi(t, f["cflow.dstport"]))
					r.proto = uint8(atoi(t, f["cflow.protocol"]))
					r.packets, r.octets = uint64(atoi(t, f["cflow.packets"])), uint64(atoi(t, f["cflow.octets"]))
					r.app, r.appID = f["cflow.pie.ixia.l7-application-name"], f["cflow.pie.ixia.l7-application-id"]
					r.vlan = f["cflow.vlanid"]
					r.start, r.end = startEnd(t, &r, f, sysInit[src])
					res.records = append(res.records, r)
					return true
				})
				return true
			})
			return true
		})
		return true
	})
	return res
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// leaves collects the leaf values of a flow, descending into *_tree objects;
// the first occurrence of a key wins.
func leaves(v gjson.Result, out map[string]string) {
	v.ForEach(func(k, x gjson.Result) bool {
		if x.IsObject() {
			leaves(x, out)
		} else if _, ok := out[k.String()]; !ok {
			out[k.String()] = x.String()
		}
		return true
	})
}

// startEnd computes the absolute start and end from what tshark shows:
// absolute times where tshark has them, v9 uptimes through the header
// (unix_secs*1000 - sysUptime + first_switched, minus 2^32 when
// first_switched > sysUptime, i.e. across a wrap), IPFIX 22/21 through the
// system init time of the options record.
func startEnd(t *testing.T, r *tsRecord, f map[string]string, sysInit int64) (int64, int64) {
	t.Helper()
	one := func(abs, rel string) int64 {
		if s, ok := f[abs]; ok {
			ns := parseAbs(t, s)
			if ns == 0 && r.version == 9 { // FIRST_SWITCHED = 0 shows as 1970
				return (r.exportSecs*1000 - r.sysUptime) * 1e6
			}
			return ns
		}
		s, ok := f[rel]
		if !ok {
			t.Fatalf("frame %d set %d flow %d: neither %s nor %s", r.frame, r.set, r.flow, abs, rel)
		}
		ms := parseRelMs(t, s)
		if r.version == 9 {
			if ms > r.sysUptime {
				ms -= 1 << 32
			}
			return (r.exportSecs*1000 - r.sysUptime + ms) * 1e6
		}
		if sysInit == 0 {
			t.Fatalf("frame %d set %d flow %d: flowStartSysUpTime without a system init time", r.frame, r.set, r.flow)
		}
		return sysInit + ms*1e6
	}
	return one("cflow.abstimestart", "cflow.timestart"), one("cflow.abstimeend", "cflow.timeend")
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

// parseAbs parses tshark 4.0's absolute time display ("Jun 10, 2025
// 08:59:44.721000000 UTC", TZ=UTC) or ISO 8601 (4.6) into ns since the epoch.
func parseAbs(t *testing.T, s string) int64 {
	t.Helper()
	for _, layout := range []string{"Jan _2, 2006 15:04:05.000000000 MST", time.RFC3339Nano} {
		if tm, err := time.Parse(layout, s); err == nil {
			if name, off := tm.Zone(); off != 0 {
				t.Fatalf("time %q is not UTC (%s)", s, name)
			}
			return tm.UnixNano()
		}
	}
	t.Fatalf("cannot parse absolute time %q", s)
	return 0
}

// parseDecimalNs parses "1749546000.263375000" into nanoseconds, exactly.
func parseDecimalNs(t *testing.T, s string) int64 {
	t.Helper()
	secs, frac, _ := strings.Cut(s, ".")
	ns := atoi(t, secs) * 1e9
	if frac != "" {
		frac = (frac + "000000000")[:9]
		ns += atoi(t, frac)
	}
	return ns
}

// parseEpoch parses frame.time_epoch: decimal seconds up to Wireshark 4.4,
// ISO 8601 from 4.6 on.
func parseEpoch(t *testing.T, s string) int64 {
	t.Helper()
	if strings.Contains(s, "T") {
		return parseAbs(t, s)
	}
	return parseDecimalNs(t, s)
}

// parseRelMs parses a relative time in seconds ("3590.123000000") into ms.
func parseRelMs(t *testing.T, s string) int64 {
	t.Helper()
	ns := parseDecimalNs(t, s)
	if ns%1e6 != 0 {
		t.Fatalf("relative time %q is not whole milliseconds", s)
	}
	return ns / 1e6
}

// compareRecords checks every record tshark decoded against the generator's.
func compareRecords(t *testing.T, got []tsRecord, want []flow.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("tshark decoded %d data records, the generator says %d", len(got), len(want))
	}
	errs := 0
	for i := range min(len(got), len(want)) {
		g, w := &got[i], &want[i]
		check := func(field string, gv, wv any) {
			t.Helper()
			if fmt.Sprint(gv) != fmt.Sprint(wv) {
				errs++
				if errs <= 15 {
					t.Errorf("record %d (frame %d set %d flow %d): %s: tshark %v, generator %v", i, w.Frame, w.Set, w.Flow, field, gv, wv)
				}
			}
		}
		check("frame", g.frame, w.Frame)
		check("set", g.set, w.Set)
		check("flow", g.flow, w.Flow)
		check("frame time", g.frameTime, int64(w.CaptureTime))
		check("exporter", g.exporter, w.Exporter)
		check("exporter port", g.sport, w.ExporterPort)
		check("collector port", g.dport, w.CollectorPort)
		check("version", g.version, w.Version)
		check("domain", g.domain, w.Domain)
		check("export time", g.exportSecs*1e9, int64(w.ExportTime))
		check("sysUptime", g.sysUptime, int64(w.SysUptime))
		check("sequence", g.sequence, w.Sequence)
		check("template id", g.templateID, w.TemplateID)
		check("src", g.src, w.Src)
		check("dst", g.dst, w.Dst)
		check("src port", g.srcPort, w.SrcPort)
		check("dst port", g.dstPort, w.DstPort)
		check("protocol", g.proto, w.Proto)
		check("packets", g.packets, w.Packets)
		check("octets", g.octets, w.Octets)
		check("app", g.app, w.App)
		wantID := ""
		if w.HasAppID {
			wantID = strconv.Itoa(int(w.AppID))
		}
		check("app id", g.appID, wantID)
		wantVLAN := ""
		if w.HasVLAN {
			wantVLAN = strconv.Itoa(int(w.VLAN))
		}
		check("vlan", g.vlan, wantVLAN)
		check("start", flow.Instant(g.start), w.Start)
		check("end", flow.Instant(g.end), w.End)
	}
	if errs > 15 {
		t.Errorf("... %d mismatches in all", errs)
	}
}

// checkTruth checks that the truth's pairs and unmatched records point at
// the records they describe, with the same start times and delta.
func checkTruth(t *testing.T, c *Capture) {
	t.Helper()
	seen := make([]int, len(c.Records))
	ref := func(what string, r RecordRef) {
		t.Helper()
		if r.Record < 0 || r.Record >= len(c.Records) {
			t.Fatalf("%s: record index %d out of range", what, r.Record)
		}
		rec := &c.Records[r.Record]
		if rec.Frame != r.Frame || rec.Set != r.Set || rec.Flow != r.Flow || rec.Start != r.Start || rec.End != r.End ||
			rec.Domain != r.Domain || rec.Exporter.String() != r.Exporter || rec.Packets != r.Packets || rec.Octets != r.Octets {
			t.Errorf("%s: ref %+v does not describe record %d %+v", what, r, r.Record, rec)
		}
		seen[r.Record]++
	}
	for _, p := range c.Truth.Pairs {
		ref("pair pre", p.Pre)
		ref("pair post", p.Post)
		if p.DeltaNs != int64(p.Post.Start-p.Pre.Start) {
			t.Errorf("pair %+v: delta %d != post.start - pre.start", p, p.DeltaNs)
		}
		if p.Unambiguous != (p.Candidates == 0 && !p.Continuation) || p.KeyCandidates < p.Candidates {
			t.Errorf("pair %+v: candidate counts inconsistent", p)
		}
	}
	for _, r := range c.Truth.UnmatchedPre {
		ref("unmatched pre", r)
		if r.Reason == "" {
			t.Errorf("unmatched pre %+v has no reason", r)
		}
	}
	for _, r := range c.Truth.UnmatchedPost {
		ref("unmatched post", r)
		if r.Reason == "" {
			t.Errorf("unmatched post %+v has no reason", r)
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("record %d (frame %d set %d flow %d) appears %d times in the truth, want exactly once", i, c.Records[i].Frame, c.Records[i].Set, c.Records[i].Flow, n)
		}
	}
}

func TestTsharkDecodesEveryScenarioAsTheTruthSays(t *testing.T) {
	needTshark(t)
	dir := t.TempDir()
	for _, name := range ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			cfg, _ := Scenario(name)
			c, err := Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkTruth(t, c)
			file := filepath.Join(dir, name+".pcap")
			writeTo(t, file, c.WritePcap)
			mid := c.Truth.Summary.BeforeTemplate > 0
			if mid != cfg.MidStream {
				t.Errorf("%d records precede their templates, but mid-stream is %v", c.Truth.Summary.BeforeTemplate, cfg.MidStream)
			}
			res := runTshark(t, file, cfg.CollectorPort, mid)
			compareRecords(t, res.records, c.Records)
			t.Logf("%s: tshark decoded %d records in %d frames (%d options records); truth: %d pairs, %d+%d unmatched, %d before templates",
				name, len(res.records), c.Frames(), res.options, len(c.Truth.Pairs), len(c.Truth.UnmatchedPre), len(c.Truth.UnmatchedPost), c.Truth.Summary.BeforeTemplate)
			if res.undecoded != 0 {
				t.Errorf("tshark could not decode %d data sets", res.undecoded)
			}
			if res.options != c.Truth.Summary.OptionsRecords {
				t.Errorf("tshark saw %d options records, the truth says %d", res.options, c.Truth.Summary.OptionsRecords)
			}
			if mid {
				// One pass: exactly the records before their template are lost.
				one := runTshark(t, file, cfg.CollectorPort, false)
				var want []flow.Record
				before := beforeTemplate(c)
				for i, r := range c.Records {
					if !before[i] {
						want = append(want, r)
					}
				}
				compareRecords(t, one.records, want)
				if one.undecoded == 0 {
					t.Errorf("one pass: tshark reported no undecodable data sets")
				}
			}
		})
	}
}

func TestTsharkReadsThePcapngWriterLikeThePcapWriter(t *testing.T) {
	needTshark(t)
	cfg, _ := Scenario("sample")
	c, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sample.pcapng")
	writeTo(t, file, c.WritePcapng)
	res := runTshark(t, file, cfg.CollectorPort, false)
	compareRecords(t, res.records, c.Records)
}

func writeTo(t *testing.T, file string, fn func(io.Writer) error) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// beforeTemplate marks the records the truth flags as preceding their template.
func beforeTemplate(c *Capture) []bool {
	b := make([]bool, len(c.Records))
	mark := func(r RecordRef) { b[r.Record] = r.BeforeTemplate }
	for _, p := range c.Truth.Pairs {
		mark(p.Pre)
		mark(p.Post)
	}
	for _, r := range c.Truth.UnmatchedPre {
		mark(r)
	}
	for _, r := range c.Truth.UnmatchedPost {
		mark(r)
	}
	return b
}

// Clock readings at the edges of what the encodings carry: 1970 and the end
// of 32-bit seconds (2106-02-07T06:28:16Z), the range of every header's
// export time and of pcap frame times (systemInitTime must not precede
// 1970 either). NTP seconds (ipfix-us, ipfix-ns) wrap in 2036, but tshark
// decodes them right up to 2106 too. Generate accepts offsets that keep the
// capture two minutes inside the range, and tshark decodes those captures
// exactly as the generator says; an offset that puts the capture itself one
// second beyond is refused.
func TestClockReadingsAtTheEdgesOfTheEncodingsDecodeRightOrAreRefused(t *testing.T) {
	const unixEnd = 1 << 32 // 2106-02-07T06:28:16Z
	base, _ := Scenario("in-sync")
	start, dur, warm := time.Duration(base.Start), base.Duration, base.Warmup
	secs := func(s int64) time.Duration { return time.Duration(s) * time.Second }
	// early puts the first session start (start - warmup) two minutes after
	// 1970; late puts the capture's end two minutes before limit.
	early := -(start - warm) + 2*time.Minute
	late := func(limit int64) time.Duration { return secs(limit) - (start + dur) - 2*time.Minute }
	type side struct {
		format Format
		offset time.Duration
	}
	tests := []struct {
		name      string
		pre, post side
		collector time.Duration
		refusal   string // "": generated and decoded
	}{
		{name: "v9 and ipfix-ms just after 1970, and the frame times too", pre: side{FormatV9, early}, post: side{FormatIPFIXMilli, early},
			collector: -start + 2*time.Minute},
		{name: "ipfix-s just after 1970 and ipfix-uptime booted just after 1970", pre: side{FormatIPFIXSec, early},
			post: side{FormatIPFIXUptime, -start + base.Probes[1].Post.Uptime + 2*time.Minute}},
		{name: "ipfix-us and ipfix-ns past the end of NTP era 0, just before 2106", pre: side{FormatIPFIXMicro, late(unixEnd)}, post: side{FormatIPFIXNano, late(unixEnd)}},
		{name: "v9 and ipfix-delta-us just before 2106, and the frame times too", pre: side{FormatV9, late(unixEnd)}, post: side{FormatIPFIXDelta, late(unixEnd)},
			collector: late(unixEnd)},
		{name: "ipfix-ms with a session starting one second before 1970 is refused", pre: side{FormatIPFIXMilli, -(start - warm) - time.Second},
			post: side{FormatIPFIXMilli, 0}, refusal: "probe 1 (probe-a) domain 310: offset"},
		{name: "ipfix-us with the capture ending one second after 2106 began is refused", pre: side{FormatIPFIXMilli, 0},
			post: side{FormatIPFIXMicro, secs(unixEnd) - (start + dur) + time.Second}, refusal: "probe 2 (probe-b) domain 320: offset"},
		{name: "frame times before 1970 are refused", pre: side{FormatIPFIXMilli, 0}, post: side{FormatIPFIXMilli, 0},
			collector: -start - time.Second, refusal: "collector: offset"},
		{name: "frame times after 2106 are refused", pre: side{FormatIPFIXMilli, 0}, post: side{FormatIPFIXMilli, 0},
			collector: secs(unixEnd) - (start + dur) + time.Second, refusal: "collector: offset"},
		{name: "ipfix-uptime booted one second before 1970 is refused", pre: side{FormatIPFIXMilli, 0},
			post: side{FormatIPFIXUptime, -start + base.Probes[1].Post.Uptime - time.Second}, refusal: "before 1970"},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base.clone()
			for _, s := range []struct {
				e *Export
				side
			}{{cfg.Probes[0].Pre, tc.pre}, {cfg.Probes[1].Post, tc.post}} {
				s.e.Format, s.e.Clock.Offset, s.e.AppNames = s.format, s.offset, s.format.Version() == 10
			}
			cfg.CollectorClock.Offset = tc.collector
			c, err := Generate(cfg)
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) {
					t.Fatalf("error %v, want one containing %q", err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			needTshark(t)
			file := filepath.Join(dir, fmt.Sprintf("edge-%d.pcap", i))
			writeTo(t, file, c.WritePcap)
			compareRecords(t, runTshark(t, file, cfg.CollectorPort, false).records, c.Records)
		})
	}
}
