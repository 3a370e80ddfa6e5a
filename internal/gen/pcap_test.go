package gen

import (
	"bytes"
	"encoding/binary"
	"testing"

	"netflowtimedifference/internal/flow"
)

// oneFrame is a capture with one 4-byte payload sent from 10.103.0.168:50001
// to 10.103.0.167:4739 at 1700000000.123456 s.
func oneFrame() *Capture {
	return &Capture{
		collector: [4]byte{10, 103, 0, 167}, collectorPort: 4739,
		wire: []wire{{time: flow.Instant(1700000000123456000), src: [4]byte{10, 103, 0, 168}, sport: 50001, ipID: 0x1234,
			payload: []byte{0xde, 0xad, 0xbe, 0xef}}},
	}
}

// wantFrame is the Ethernet/IPv4/UDP frame of oneFrame, worked out by hand.
// IPv4 checksum: the 16-bit words 4500 0020 1234 4000 4011 0000 0a67 00a8
// 0a67 00a7 sum to 0xed82, complement 0x127d. UDP checksum: pseudo header
// 0a67 00a8 0a67 00a7 0011 000c plus c351 1283 000c 0000 dead beef sum to
// 0x289b6 -> 0x89b8 after folding the carry, complement 0x7647.
func wantFrame(t *testing.T) []byte {
	return unhex(t, `
		02000a6700a7 02000a6700a8 0800     // Ethernet: to the collector's MAC, from the probe's, IPv4
		4500 0020 1234 4000 4011 127d      // IPv4: 32 bytes, id 0x1234, DF, TTL 64, UDP, checksum
		0a6700a8 0a6700a7                  // 10.103.0.168 -> 10.103.0.167
		c351 1283 000c 7647                // UDP 50001 -> 4739, 12 bytes, checksum
		deadbeef
	`)
}

func TestPcapWriterWritesTheClassicHeaderAndOneRecordPerFrame(t *testing.T) {
	var b bytes.Buffer
	if err := oneFrame().WritePcap(&b); err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `
		d4c3b2a1 0200 0400     // magic (microseconds, little-endian), version 2.4
		00000000 00000000      // thiszone, sigfigs
		ffff0000 01000000      // snaplen 65535, LINKTYPE_ETHERNET
		00f15365 40e20100      // 1700000000 s, 123456 us
		2e000000 2e000000      // 46 bytes captured, 46 on the wire
	`)
	want = append(want, wantFrame(t)...)
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("pcap:\n got %x\nwant %x", b.Bytes(), want)
	}
}

func TestPcapngWriterWritesSectionInterfaceAndEnhancedPacketBlocks(t *testing.T) {
	var b bytes.Buffer
	if err := oneFrame().WritePcapng(&b); err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `
		0a0d0d0a 34000000                  // Section Header Block, 52 bytes
		4d3c2b1a 0100 0000                 // byte-order magic, version 1.0
		ffffffffffffffff                   // section length unknown
		0400 0e00 6e6674696d6564696666206765 6e 0000 // shb_userappl "nftimediff gen" + 2 bytes padding
		0000 0000                          // opt_endofopt
		34000000
		01000000 30000000                  // Interface Description Block, 48 bytes: 8 + 8 + 16 + 8 + 4 + 4
		0100 0000 ffff0000                 // LINKTYPE_ETHERNET, reserved, snaplen 65535
		0200 0900 636f6c6c6563746f72 000000 // if_name "collector" + 3 bytes padding
		0900 0100 06 000000                // if_tsresol 6 (microseconds) + padding
		0000 0000                          // opt_endofopt
		30000000
		06000000 50000000                  // Enhanced Packet Block, 80 bytes
		00000000                           // interface 0
		240a0600 40222018                  // timestamp 1700000000123456 us = 0x00060a24_18202240: high, low
		2e000000 2e000000                  // 46 bytes captured, 46 on the wire
	`)
	want = append(want, wantFrame(t)...)
	want = append(want, 0, 0)                         // frame padded to 48 bytes
	want = binary.LittleEndian.AppendUint32(want, 80) // block length again
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("pcapng:\n got %x\nwant %x", b.Bytes(), want)
	}
}

func TestChecksumsOfEveryGeneratedFrameVerify(t *testing.T) {
	cfg, _ := Scenario("sample")
	c, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.wire {
		f := c.frame(nil, &c.wire[i])
		ip := f[ethLen : ethLen+ipv4Len]
		if checksum(0, ip) != 0 {
			t.Fatalf("frame %d: IPv4 header checksum does not verify", i+1)
		}
		var ph [12]byte
		copy(ph[0:8], ip[12:20])
		ph[9] = udpProto
		binary.BigEndian.PutUint16(ph[10:], uint16(len(f)-ethLen-ipv4Len))
		if checksum(sum16(0, ph[:]), f[ethLen+ipv4Len:]) != 0 {
			t.Fatalf("frame %d: UDP checksum does not verify", i+1)
		}
	}
}
