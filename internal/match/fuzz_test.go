package match

import (
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// recordsFrom turns bytes into records, 12 bytes each: side, server,
// port, direction, app, counters, encoding, and a start time that may be
// anywhere (including the ends of the int64 range).
func recordsFrom(b []byte) []flow.Record {
	var out []flow.Record
	for len(b) >= 12 {
		c := b[:12]
		b = b[12:]
		rec := flow.Record{
			Exporter: netip.AddrFrom4([4]byte{192, 0, 2, 1 + c[0]%3}),
			Domain:   310 + 10*uint32(c[0]&1),
			Src:      netip.AddrFrom4([4]byte{100, 64, 0, c[1]}), SrcPort: 40000 + uint16(c[2]),
			Dst: netip.AddrFrom4([4]byte{198, 51, 100, c[1] % 4}), DstPort: []uint16{53, 443, 80, 8443}[c[2]%4],
			Proto:   []uint8{6, 17, 1}[c[3]%3],
			App:     []string{"", "dns", "https"}[c[4]%3],
			Packets: uint64(c[5] % 3), Octets: uint64(c[5] % 5),
		}
		if c[3]&8 != 0 {
			rec.Src, rec.Dst, rec.SrcPort, rec.DstPort = rec.Dst, rec.Src, rec.DstPort, rec.SrcPort
		}
		if c[6]%7 != 0 {
			rec.StartEnc = []flow.Encoding{flow.EncMilliseconds, flow.EncV9Uptime, flow.EncSeconds}[c[6]%3]
			v := int64(binary.LittleEndian.Uint32(c[8:12]))
			switch c[7] % 8 {
			case 0:
				rec.Start = flow.Instant(math.MaxInt64 - v)
			case 1:
				rec.Start = flow.Instant(math.MinInt64 + v)
			default:
				rec.Start = flow.Instant(1_700_000_000e9 + v%100_000*int64(time.Millisecond))
			}
			rec.End, rec.HasEnd = rec.Start, c[7]&16 != 0
		}
		out = append(out, rec)
	}
	return out
}

// FuzzRun checks that no input makes Run panic and that every record of a
// side is paired at most once or explained, in both modes.
func FuzzRun(f *testing.F) {
	f.Add([]byte("\x00\x01\x01\x00\x01\x01\x01\x02\x10\x00\x00\x00\x01\x01\x01\x00\x01\x01\x01\x02\x12\x00\x00\x00"))
	f.Add([]byte("\x00\x01\x01\x08\x01\x01\x01\x00\xff\xff\xff\xff\x01\x01\x01\x08\x01\x01\x01\x01\xff\xff\xff\xff"))
	f.Add(make([]byte, 120))
	// Inputs with bytes left over after the last record take their window
	// from the last byte, from one nanosecond to beyond MaxWindow.
	f.Add([]byte("\x00\x01\x01\x00\x01\x01\x01\x00\xff\xff\xff\xff\x01\x01\x01\x00\x01\x01\x01\x01\xff\xff\xff\xff\x06"))
	f.Add([]byte("\x00\x01\x01\x00\x01\x01\x01\x02\x10\x00\x00\x00\x01\x01\x01\x00\x01\x01\x01\x02\x12\x00\x00\x00\x07"))
	f.Add([]byte("\x00\x01\x01\x00\x01\x01\x01\x02\x10\x00\x00\x00\x01\x01\x01\x00\x01\x01\x01\x02\x12\x00\x00\x00\x08"))
	windows := []time.Duration{1, time.Millisecond, 3 * time.Second, 3*time.Hour + 6*time.Second, 1_281_000 * time.Hour,
		2_500_000 * time.Hour, MaxWindow, MaxWindow + 1, math.MaxInt64}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs := recordsFrom(b)
		win := time.Duration(len(b)%3+1) * 3 * time.Second
		if len(b)%12 != 0 {
			win = windows[int(b[len(b)-1])%len(windows)]
		}
		for _, all := range []bool{false, true} {
			res, err := Run(recs, Config{AllPairs: all, Window: win})
			var ce *ConfigError
			if win > MaxWindow {
				if !errors.As(err, &ce) {
					t.Fatalf("window %v beyond MaxWindow: error %v, want a ConfigError", win, err)
				}
				return
			}
			if err != nil {
				var se *SideError
				if !errors.As(err, &se) {
					t.Fatalf("window %v: error %v, want only a SideError (no records on a side)", win, err)
				}
				return
			}
			if all {
				continue
			}
			used := map[int32]bool{}
			for _, p := range res.Pairs {
				if used[p.Pre] || used[p.Post] {
					t.Fatalf("record used twice: %+v", p)
				}
				used[p.Pre], used[p.Post] = true, true
			}
			if len(res.Pairs)+len(res.UnmatchedPre) != res.RecordsPre || len(res.Pairs)+len(res.UnmatchedPost) != res.RecordsPost {
				t.Fatalf("pairs %d, unmatched %d/%d do not add up to %d/%d records", len(res.Pairs), len(res.UnmatchedPre), len(res.UnmatchedPost), res.RecordsPre, res.RecordsPost)
			}
		}
	})
}

// FuzzParseKey checks that ParseKey never panics and that what it accepts
// round-trips through String.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"", "dst,dport,proto,app,packets", "src,sport,vlan", ",,", "dst,colour", "DST , Dst_Port"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		k2, err := ParseKey(k.String())
		if err != nil || k2 != k {
			t.Fatalf("ParseKey(%q) = %v, but ParseKey(%q) = %v, %v", s, k, k.String(), k2, err)
		}
	})
}
