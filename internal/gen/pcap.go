package gen

import (
	"bufio"
	"encoding/binary"
	"io"
)

// Frame layout: Ethernet II, IPv4 (20 bytes, no options), UDP.
const (
	ethLen   = 14
	ipv4Len  = 20
	udpLen   = 8
	snapLen  = 65535
	linkEth  = 1 // LINKTYPE_ETHERNET
	udpProto = 17
)

// macOf derives a locally administered MAC address from an IPv4 address.
func macOf(a [4]byte) [6]byte { return [6]byte{0x02, 0x00, a[0], a[1], a[2], a[3]} }

// frame builds the Ethernet/IPv4/UDP frame of one export packet into b.
func (c *Capture) frame(b []byte, w *wire) []byte {
	dst := c.collector
	dmac, smac := macOf(dst), macOf(w.src)
	b = append(b, dmac[:]...)
	b = append(b, smac[:]...)
	b = append(b, 0x08, 0x00)
	ip := len(b)
	total := ipv4Len + udpLen + len(w.payload)
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(total))
	b = binary.BigEndian.AppendUint16(b, w.ipID)
	b = append(b, 0x40, 0, 64, udpProto, 0, 0) // DF, TTL 64, UDP, checksum later
	b = append(b, w.src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[ip+10:], checksum(0, b[ip:ip+ipv4Len]))
	u := len(b)
	ulen := udpLen + len(w.payload)
	b = binary.BigEndian.AppendUint16(b, w.sport)
	b = binary.BigEndian.AppendUint16(b, c.collectorPort)
	b = binary.BigEndian.AppendUint16(b, uint16(ulen))
	b = append(b, 0, 0)
	b = append(b, w.payload...)
	// UDP checksum over the pseudo header and the datagram.
	var ph [12]byte
	copy(ph[0:4], w.src[:])
	copy(ph[4:8], dst[:])
	ph[9] = udpProto
	binary.BigEndian.PutUint16(ph[10:], uint16(ulen))
	sum := checksum(sum16(0, ph[:]), b[u:])
	if sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(b[u+6:], sum)
	return b
}

// sum16 adds b as big-endian 16-bit words to s (RFC 1071).
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// checksum returns the Internet checksum of b, starting from partial sum s.
func checksum(s uint32, b []byte) uint16 {
	s = sum16(s, b)
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// WritePcap writes the capture as a classic pcap file (little-endian,
// microsecond timestamps, Ethernet link type).
func (c *Capture) WritePcap(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snapLen)
	binary.LittleEndian.PutUint32(h[20:], linkEth)
	bw.Write(h[:])
	var buf []byte
	for i := range c.wire {
		wp := &c.wire[i]
		buf = c.frame(buf[:0], wp)
		us := int64(wp.time) / 1000
		var rh [16]byte
		binary.LittleEndian.PutUint32(rh[0:], uint32(us/1e6))
		binary.LittleEndian.PutUint32(rh[4:], uint32(us%1e6))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(buf)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(buf)))
		bw.Write(rh[:])
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WritePcapng writes the capture as pcapng: one section (little-endian), one
// Ethernet interface with microsecond resolution, one Enhanced Packet Block
// per frame.
func (c *Capture) WritePcapng(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(pcapngSHB())
	bw.Write(pcapngIDB())
	var buf, blk []byte
	for i := range c.wire {
		wp := &c.wire[i]
		buf = c.frame(buf[:0], wp)
		us := uint64(int64(wp.time) / 1000)
		pad := (4 - len(buf)%4) % 4
		total := 28 + len(buf) + pad + 4
		blk = blk[:0]
		blk = binary.LittleEndian.AppendUint32(blk, 6) // Enhanced Packet Block
		blk = binary.LittleEndian.AppendUint32(blk, uint32(total))
		blk = binary.LittleEndian.AppendUint32(blk, 0) // interface 0
		blk = binary.LittleEndian.AppendUint32(blk, uint32(us>>32))
		blk = binary.LittleEndian.AppendUint32(blk, uint32(us))
		blk = binary.LittleEndian.AppendUint32(blk, uint32(len(buf)))
		blk = binary.LittleEndian.AppendUint32(blk, uint32(len(buf)))
		blk = append(blk, buf...)
		blk = append(blk, make([]byte, pad)...)
		blk = binary.LittleEndian.AppendUint32(blk, uint32(total))
		if _, err := bw.Write(blk); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// pcapngOption appends one option (code, length, value padded to 32 bits).
func pcapngOption(b []byte, code uint16, v []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	for range (4 - len(v)%4) % 4 {
		b = append(b, 0)
	}
	return b
}

// pcapngBlock wraps a body into a block with its type and both lengths.
func pcapngBlock(typ uint32, body []byte) []byte {
	total := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, total)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, total)
}

func pcapngSHB() []byte {
	var body []byte
	body = binary.LittleEndian.AppendUint32(body, 0x1a2b3c4d)         // byte-order magic
	body = binary.LittleEndian.AppendUint16(body, 1)                  // major
	body = binary.LittleEndian.AppendUint16(body, 0)                  // minor
	body = binary.LittleEndian.AppendUint64(body, 0xffffffffffffffff) // section length: unknown
	body = pcapngOption(body, 4, []byte("nftimediff gen"))            // shb_userappl
	body = pcapngOption(body, 0, nil)                                 // opt_endofopt
	return pcapngBlock(0x0a0d0d0a, body)
}

func pcapngIDB() []byte {
	var body []byte
	body = binary.LittleEndian.AppendUint16(body, linkEth)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint32(body, snapLen)
	body = pcapngOption(body, 2, []byte("collector")) // if_name
	body = pcapngOption(body, 9, []byte{6})           // if_tsresol: 10^-6
	body = pcapngOption(body, 0, nil)
	return pcapngBlock(1, body)
}
