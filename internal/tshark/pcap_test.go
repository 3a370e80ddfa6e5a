package tshark

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"
)

func TestScanFindsUndecodedNetFlowPorts(t *testing.T) {
	for _, name := range []string{"h_ports.pcap", "h_ports.pcapng"} {
		t.Run(name, func(t *testing.T) {
			sc, err := scanFile(filepath.Join("..", "..", "testdata", "tshark", name), nil)
			if err != nil {
				t.Fatal(err)
			}
			// Frames 1 and 2 go to 9995 (v9, IPFIX); 3 to 2055 and 4 to 4739 are decoded by default.
			if sc.frames != 4 || len(sc.candidates) != 1 || sc.candidates[9995] != 2 {
				t.Errorf("frames %d candidates %v", sc.frames, sc.candidates)
			}
			if s, d, ok := sc.framePorts(3); !ok || s != 50010 || d != 2055 {
				t.Errorf("frame 3 ports %d %d %v", s, d, ok)
			}
			if _, _, ok := sc.framePorts(5); ok {
				t.Error("frame 5 does not exist")
			}
			sc, _ = scanFile(filepath.Join("..", "..", "testdata", "tshark", name), []int{9995})
			if len(sc.candidates) != 0 {
				t.Errorf("--port 9995 given, still candidates %v", sc.candidates)
			}
		})
	}
}

func TestScanReadsTCPPortsFromPcapng(t *testing.T) {
	sc, err := scanFile(filepath.Join("..", "..", "testdata", "tshark", "i_ipfix_tcp.pcapng"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, d, ok := sc.framePorts(7); !ok || s != 40000 || d != 4739 {
		t.Errorf("frame 7 ports %d %d %v", s, d, ok)
	}
	if s, d, ok := sc.framePorts(2); !ok || s != 4739 || d != 40000 {
		t.Errorf("frame 2 ports %d %d %v", s, d, ok)
	}
}

func TestLooksLikeExport(t *testing.T) {
	ipfix := func(total int, setID, setLen uint16) []byte {
		b := make([]byte, total)
		binary.BigEndian.PutUint16(b, 10)
		binary.BigEndian.PutUint16(b[2:], uint16(total))
		binary.BigEndian.PutUint16(b[16:], setID)
		binary.BigEndian.PutUint16(b[18:], setLen)
		return b
	}
	v9 := func(total int, count, setID, setLen uint16) []byte {
		b := make([]byte, total)
		binary.BigEndian.PutUint16(b, 9)
		binary.BigEndian.PutUint16(b[2:], count)
		binary.BigEndian.PutUint16(b[20:], setID)
		binary.BigEndian.PutUint16(b[22:], setLen)
		return b
	}
	for _, tc := range []struct {
		Name string
		In   []byte
		Ver  uint16
		OK   bool
	}{
		{Name: "an IPFIX message with a template set", In: ipfix(60, 2, 44), Ver: 10, OK: true},
		{Name: "an IPFIX message with a data set", In: ipfix(60, 256, 44), Ver: 10, OK: true},
		{Name: "an IPFIX length that disagrees with the datagram", In: append(ipfix(60, 2, 44), 0), OK: false},
		{Name: "an IPFIX set id 5 is reserved", In: ipfix(60, 5, 44), OK: false},
		{Name: "an IPFIX set longer than the message", In: ipfix(60, 256, 100), OK: false},
		{Name: "a v9 packet with a template flowset", In: v9(64, 2, 0, 40), Ver: 9, OK: true},
		{Name: "a v9 packet with count 0", In: v9(64, 0, 0, 40), OK: false},
		{Name: "a v9 flowset id 7 is reserved", In: v9(64, 1, 7, 40), OK: false},
		{Name: "a DNS-like payload", In: []byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00"), OK: false},
		{Name: "a short payload", In: []byte{0, 10, 0, 4}, OK: false},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			ver, ok := looksLikeExport(tc.In)
			if ok != tc.OK || (ok && ver != tc.Ver) {
				t.Errorf("got %d %v, want %d %v", ver, ok, tc.Ver, tc.OK)
			}
		})
	}
}

func TestScanRejectsNonCaptures(t *testing.T) {
	for _, in := range []string{"", "hello world, not a capture", "{\"a\":1}"} {
		_, err := scanReader(bufio.NewReader(bytes.NewReader([]byte(in))), nil)
		if err != errNotCapture {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// FuzzScan: the first pass never panics on damaged captures.
func FuzzScan(f *testing.F) {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	f.Add(hdr[:])
	f.Add([]byte("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		scanReader(bufio.NewReader(bytes.NewReader(data)), []int{9995})
	})
}
