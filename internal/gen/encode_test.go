package gen

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// T0 is 2023-11-14T22:13:20Z, the reference time of ../shared/captures/format.
const t0 = int64(1700000000) * 1e9

// unhex decodes hex with spaces, newlines and // comments.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	var clean strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "//")
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handExporter builds a generator with one exporter whose clock is exact and
// which booted at 1699996400 s (one hour before t0), and one DNS record that
// started at 1699999990.123 s on that clock.
func handExporter(f Format, domain uint32, apps bool) (*generator, *exporter) {
	ex := &Export{Domain: domain, Format: f, AppNames: apps}
	p := &Probe{Name: "hand", Addr: netip.MustParseAddr("10.103.0.168"), Port: 50001, Pre: ex}
	e := &exporter{probe: p, ex: ex, side: SidePre, name: "10.103.0.168", start: t0, boot: 1699996400 * 1e9}
	g := &generator{cfg: Config{CollectorPort: 2055}, svcs: defaultCatalog, exps: []*exporter{e}}
	start := int64(1699999990123) * 1e6
	g.obs = []obs{{
		src: netip.MustParseAddr("100.64.0.10"), dst: netip.MustParseAddr("198.51.100.53"), sport: 40000, dport: 53, proto: 17,
		clkStart: start + 456789, clkEnd: start + 456789, packets: 1, octets: 73, svc: 0, ref: -1,
	}}
	return g, e
}

func TestV9PacketIsEncodedByteForByteAsWorkedOutByHand(t *testing.T) {
	g, e := handExporter(FormatV9, 310, false)
	// Sent at t0+250 ms: sysUptime = 3600.250 s, unix_secs = 1700000000.
	pk := &packet{send: t0 + 250e6, recs: []int32{0}, templates: true, seq: 77}
	var c Capture
	got := g.encode(pk, e, 1, flow.Instant(t0+251e6), nil, &c)
	want := unhex(t, `
		0009 0003              // version 9, count 3 (2 template records + 1 data record)
		0036ef7a               // sysUptime 3600250 ms
		6553f100               // unix_secs 1700000000
		0000004d               // sequence 77
		00000136               // source_id 310
		0000 0054              // FlowSet 0 (templates), 84 bytes
		0100 0009              // template 256, 9 fields
		0008 0004  000c 0004  0007 0002  000b 0002  0004 0001 // src, dst, sport, dport, proto
		0016 0004  0015 0004  0002 0004  0001 0004            // FIRST_SWITCHED, LAST_SWITCHED, IN_PKTS, IN_BYTES
		0101 0009              // template 257, 9 fields
		001b 0010  001c 0010  0007 0002  000b 0002  0004 0001 // IPv6 src, dst, ...
		0016 0004  0015 0004  0002 0004  0001 0004
		0100 0024              // FlowSet 256, 36 bytes (29-byte record + 3 bytes padding)
		6440000a  c6336435     // 100.64.0.10 -> 198.51.100.53
		9c40 0035 11           // 40000 -> 53, UDP
		0036c7eb  0036c7eb     // FIRST = LAST_SWITCHED = 3590123 ms of uptime
		00000001  00000049     // 1 packet, 73 octets
		000000                 // padding
	`)
	if !bytes.Equal(got, want) {
		t.Fatalf("v9 packet:\n got %x\nwant %x", got, want)
	}
	if len(c.Records) != 1 {
		t.Fatalf("%d records, want 1", len(c.Records))
	}
	r := c.Records[0]
	// 1700000000*1000 - 3600250 + 3590123 = 1699999989873 ms: 250 ms before
	// the exporter's clock said 1699999990.123, because unix_secs drops the
	// 250 ms of the export time.
	if want := flow.UnixMilli(1699999989873); r.Start != want || r.End != want {
		t.Errorf("start %v end %v, want %v", r.Start, r.End, want)
	}
	if r.StartEnc != flow.EncV9Uptime || r.Version != 9 || r.Domain != 310 || r.SysUptime != 3600250 || r.Sequence != 77 ||
		r.TemplateID != 256 || r.Pos != (flow.Pos{Frame: 1, Set: 2, Flow: 1}) || r.ExportTime != flow.Instant(t0) ||
		r.CaptureTime != flow.Instant(t0+251e6) || r.App != "" || r.HasAppID || r.CollectorPort != 2055 || r.ExporterPort != 50001 {
		t.Errorf("record %+v", r)
	}
}

func TestIPFIXPacketWithIxiaAppNameIsEncodedByteForByteAsWorkedOutByHand(t *testing.T) {
	g, e := handExporter(FormatIPFIXMilli, 320, true)
	pk := &packet{send: t0 + 250e6, recs: []int32{0}, templates: true, seq: 1000}
	var c Capture
	got := g.encode(pk, e, 7, flow.Instant(t0+251e6), nil, &c)
	want := unhex(t, `
		000a 00c0              // version 10, length 192
		6553f100               // export time 1700000000
		000003e8               // sequence 1000 (data records sent before)
		00000140               // observation domain 320
		0002 0074              // template set, 116 bytes
		0100 000b              // template 256, 11 fields
		0008 0004  000c 0004  0007 0002  000b 0002  0004 0001 // src, dst, sport, dport, proto
		0098 0008  0099 0008   // flowStartMilliseconds, flowEndMilliseconds
		0002 0008  0001 0008   // packetDeltaCount, octetDeltaCount
		806e 0004 00000bee     // enterprise bit + 110 (L7 Application ID), PEN 3054
		806f ffff 00000bee     // enterprise bit + 111 (L7 Application Name), variable length, PEN 3054
		0101 000b              // template 257, 11 fields
		001b 0010  001c 0010  0007 0002  000b 0002  0004 0001
		0098 0008  0099 0008  0002 0008  0001 0008
		806e 0004 00000bee  806f ffff 00000bee
		0100 003c              // data set 256, 60 bytes
		6440000a  c6336435  9c40 0035 11
		0000018bcfe5416b       // start 1699999990123 ms (the 456789 ns below a ms are cut)
		0000018bcfe5416b       // end
		0000000000000001  0000000000000049 // 1 packet, 73 octets
		00000009               // app id 9
		06 646f6d61696e        // app name: length 6, "domain" (Ixia's name for DNS)
	`)
	if !bytes.Equal(got, want) {
		t.Fatalf("IPFIX packet:\n got %x\nwant %x", got, want)
	}
	r := c.Records[0]
	if want := flow.UnixMilli(1699999990123); r.Start != want || r.End != want {
		t.Errorf("start %v end %v, want %v", r.Start, r.End, want)
	}
	if r.StartEnc != flow.EncMilliseconds || r.App != "domain" || r.AppID != 9 || !r.HasAppID || r.Sequence != 1000 || r.SysUptime != 0 ||
		r.Pos != (flow.Pos{Frame: 7, Set: 2, Flow: 1}) {
		t.Errorf("record %+v", r)
	}
}

func TestStartTimesAreDecodedAsEachEncodingCarriesThem(t *testing.T) {
	// The exporter's clock reads 1699999990.123456789 s at the flow start;
	// the packet leaves at 1700000000.250 s; the exporter booted at
	// 1699996400 s (systemInitTimeMilliseconds 1699996400000).
	clk := int64(1699999990123456789)
	tests := []struct {
		name   string
		format Format
		raw    string // the start field as encoded
		want   flow.Instant
	}{
		{"seconds are cut to whole seconds", FormatIPFIXSec, "6553f0f6", flow.Instant(1699999990 * 1e9)},
		{"milliseconds are cut to whole milliseconds", FormatIPFIXMilli, "0000018bcfe5416b", flow.UnixMilli(1699999990123)},
		// NTP: seconds since 1900 = 1699999990 + 2208988800 = 3908988790 = 0xe8fe6f76;
		// 123456 us * 2^32 / 1e6 = 530239482.49 -> 0x1f9acffa, lower 11 bits cleared: 0x1f9ac800;
		// Wireshark: (int)(1e9 * 0x1f9ac800 / 2^32) = 123455524 ns.
		{"microseconds are NTP with the lower 11 fraction bits zero", FormatIPFIXMicro, "e8fe6f76 1f9ac800", flow.Instant(1699999990*1e9 + 123455524)},
		// 123456789 ns * 2^32 / 1e9 = 530242871.3 -> 0x1f9add37; back: (int)(1e9 * 0x1f9add37 / 2^32) = 123456788 ns.
		{"nanoseconds are NTP", FormatIPFIXNano, "e8fe6f76 1f9add37", flow.Instant(1699999990*1e9 + 123456788)},
		// delta = 1700000000 s * 1e6 - 1699999990123456 us = 9876544 us = 0x0096b440.
		{"delta microseconds count back from the whole-second export time", FormatIPFIXDelta, "0096b440", flow.Instant(1699999990123456 * 1e3)},
		// uptime = 1699999990123 - 1699996400000 = 3590123 ms = 0x0036c7eb.
		{"sysUpTime counts from the system init time", FormatIPFIXUptime, "0036c7eb", flow.UnixMilli(1699999990123)},
		{"v9 uptime is made absolute through the header", FormatV9, "0036c7eb", flow.UnixMilli(1699999989873)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, e := handExporter(tc.format, 310, false)
			h := hdr{exportSecs: 1700000000, sysUptime: 3600250}
			b, got, _ := appendTime(nil, e, h, clk)
			if hex.EncodeToString(b) != strings.ReplaceAll(tc.raw, " ", "") {
				t.Errorf("encoded %x, want %s", b, tc.raw)
			}
			if got != tc.want {
				t.Errorf("decoded %v (%d), want %v (%d)", got, got, tc.want, tc.want)
			}
		})
	}
}

func TestV9UptimeWrapIsUndoneByV9Start(t *testing.T) {
	// The exporter booted 2^32 ms - 500 ms before the flow started, so
	// FIRST_SWITCHED is 0xfffffe0c; the packet leaves 2 s later, after the
	// wrap, with sysUptime 1500.
	ex := &Export{Domain: 310, Format: FormatV9}
	start := int64(1699999990) * 1e9
	e := &exporter{ex: ex, start: t0, boot: start - ((1<<32)-500)*int64(time.Millisecond)}
	send := start + 2*int64(time.Second)
	sysUp := e.uptimeMilli(send)
	if sysUp != 1500 {
		t.Fatalf("sysUptime after the wrap %d, want 1500", sysUp)
	}
	h := hdr{exportSecs: uint32(send / 1e9), sysUptime: sysUp}
	b, got, raw := appendTime(nil, e, h, start)
	if raw != 0xfffffe0c || hex.EncodeToString(b) != "fffffe0c" {
		t.Errorf("FIRST_SWITCHED %#x (%x), want 0xfffffe0c", raw, b)
	}
	// unix_secs*1000 - sysUptime + first - 2^32 = 1699999992000 - 1500 - 500 = 1699999990000.
	if want := flow.UnixMilli(1699999990000); got != want {
		t.Errorf("start %v, want %v", got, want)
	}
	if v := flow.V9Start(h.exportSecs, sysUp, uint32(raw)); v != got {
		t.Errorf("flow.V9Start %v, generator %v", v, got)
	}
}

func TestUptimeWrapScenarioHasRecordsStartedBeforeAndExportedAfterTheWrap(t *testing.T) {
	cfg, _ := Scenario("uptime-wrap")
	c, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pre ClockTruth
	for _, ct := range c.Truth.Clocks {
		if ct.Side == SidePre {
			pre = ct
		}
	}
	if !pre.UptimeWraps {
		t.Fatal("the pre exporter's uptime does not wrap")
	}
	wrap := flow.Instant(pre.BootClock + (1<<32)*int64(time.Millisecond)) // on the exporter's clock (offset 0)
	across := 0
	for _, r := range c.Records {
		if r.Domain != 310 {
			continue
		}
		if r.Start < wrap-flow.Instant(time.Second) && r.ExportTime > wrap+flow.Instant(time.Second) {
			across++
			// The exporter's clock is exact; v9 starts lie up to 1 s early.
			if r.SysUptime > 1<<31 {
				t.Errorf("frame %d: header sysUptime %d was taken before the wrap", r.Frame, r.SysUptime)
			}
		}
	}
	if across < 5 {
		t.Errorf("only %d records started before the wrap and were exported after it", across)
	}
}
