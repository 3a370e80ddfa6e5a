package tshark

// A cheap first pass over the capture file with the standard library only:
// it records each frame's transport ports (so tshark's JSON can leave out the
// udp layer, whose payload hex dump costs a quarter of the output), finds UDP
// ports that carry NetFlow v9 / IPFIX which tshark would not decode, and
// notices data sets that arrive before their template (then tshark -2 is
// worth its cost).

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// defaultPorts are the UDP ports tshark 4.0 decodes as cflow without options.
var defaultPorts = []int{2055, 4739, 9996}

// scan is the result of the first pass.
type scan struct {
	format string   // "pcap", "pcapng", or "" when the file is neither
	ports  []uint32 // per frame (index frame-1): srcport<<16 | dstport, 0 = none
	// candidates: UDP destination ports not decoded by default whose payloads look like v9/IPFIX.
	candidates map[int]int
	// lowSource: well-known UDP source ports (below 1024 and below the
	// collector port) of v9/IPFIX sent to a port tshark decodes by
	// default. UDP tries the lower port's dissector first unless a port
	// is a Decode-As one, so DNS, NTP, syslog ... would claim these
	// packets; decoding the source port as cflow keeps them.
	lowSource map[int]int
	// dataBeforeTemplate counts data sets seen before any template with their id
	// from the same exporter (ports the run decodes).
	dataBeforeTemplate int
	frames             int
	// startIE is, per template (exporter and collector port, domain, id; the
	// first definition, as tshark keeps it), its absolute start-time IE
	// (150..158): what a record decoded with -2 before the walker saw its
	// template is encoded in.
	startIE map[trackKey]uint16
}

// errNotCapture is returned by scanFile for files that are neither pcap nor pcapng.
var errNotCapture = errors.New("not a pcap or pcapng file")

// scanFile reads a pcap or pcapng file. decoded lists the UDP ports the run
// decodes (defaults plus --port), for the data-before-template check.
func scanFile(path string, decoded []int) (*scan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scanReader(bufio.NewReaderSize(f, 1<<20), decoded)
}

func scanReader(r *bufio.Reader, decoded []int) (*scan, error) {
	magic, err := r.Peek(4)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return &scan{}, errNotCapture
		}
		return nil, err
	}
	s := &scan{candidates: map[int]int{}, lowSource: map[int]int{}, startIE: map[trackKey]uint16{}}
	tp := newTemplateTracker(decoded)
	handle := func(link uint32, data []byte) {
		s.frames++
		var v uint32
		if sp, dp, proto, payload, ok := transport(link, data); ok {
			v = uint32(sp)<<16 | uint32(dp)
			if proto == 17 {
				if ver, ok := looksLikeExport(payload); ok {
					switch {
					case !slices.Contains(defaultPorts, int(dp)) && !slices.Contains(decoded, int(dp)):
						s.candidates[int(dp)]++
					case slices.Contains(defaultPorts, int(dp)) && sp < 1024 && sp < dp:
						s.lowSource[int(sp)]++
					}
					tp.packet(ver, sp, dp, data, payload, s)
				}
			}
		}
		s.ports = append(s.ports, v)
	}
	switch binary.LittleEndian.Uint32(magic) {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1:
		s.format = "pcap"
		err = readPcap(r, handle)
	case 0x0a0d0d0a:
		s.format = "pcapng"
		err = readPcapng(r, handle)
	default:
		return s, errNotCapture
	}
	return s, err
}

// templateStart returns the absolute start IE of a template from the first
// pass (see scan.startIE).
func (s *scan) templateStart(sp, dp uint16, domain uint32, id uint16) (uint16, bool) {
	ie, ok := s.startIE[trackKey{sp: sp, dp: dp, domain: domain, id: uint32(id)}]
	return ie, ok
}

// framePorts returns a FramePorts function over the scanned table.
func (s *scan) framePorts(frame uint32) (uint16, uint16, bool) {
	if frame == 0 || int(frame) > len(s.ports) {
		return 0, 0, false
	}
	v := s.ports[frame-1]
	if v == 0 {
		return 0, 0, false
	}
	return uint16(v >> 16), uint16(v), true
}

func readPcap(r *bufio.Reader, handle func(uint32, []byte)) error {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return fmt.Errorf("pcap header: %w", err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if m := binary.LittleEndian.Uint32(h[:]); m == 0xd4c3b2a1 || m == 0x4d3cb2a1 {
		bo = binary.BigEndian
	}
	link := bo.Uint32(h[20:]) & 0x0fffffff
	var rec [16]byte
	buf := make([]byte, 65536)
	for {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("pcap record header: %w", err)
		}
		incl := bo.Uint32(rec[8:])
		if incl > 1<<26 {
			return fmt.Errorf("pcap record of %d bytes", incl)
		}
		if int(incl) > len(buf) {
			buf = make([]byte, incl)
		}
		if _, err := io.ReadFull(r, buf[:incl]); err != nil {
			return fmt.Errorf("pcap record: %w", err)
		}
		handle(link, buf[:incl])
	}
}

func readPcapng(r *bufio.Reader, handle func(uint32, []byte)) error {
	var bo binary.ByteOrder = binary.LittleEndian
	var links []uint32
	var hdr [8]byte
	buf := make([]byte, 65536)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("pcapng block header: %w", err)
		}
		typ := binary.LittleEndian.Uint32(hdr[:])
		if typ == 0x0a0d0d0a {
			// Section header: byte order magic follows the length.
			var bom [4]byte
			if _, err := io.ReadFull(r, bom[:]); err != nil {
				return fmt.Errorf("pcapng section header: %w", err)
			}
			if binary.LittleEndian.Uint32(bom[:]) == 0x1a2b3c4d {
				bo = binary.LittleEndian
			} else {
				bo = binary.BigEndian
			}
			links = links[:0]
			total := bo.Uint32(hdr[4:])
			if total < 12 || total > 1<<26 {
				return fmt.Errorf("pcapng section header length %d", total)
			}
			if _, err := r.Discard(int(total) - 12); err != nil {
				return fmt.Errorf("pcapng section header: %w", err)
			}
			continue
		}
		typ = bo.Uint32(hdr[:])
		total := bo.Uint32(hdr[4:])
		if total < 12 || total > 1<<26 {
			return fmt.Errorf("pcapng block length %d", total)
		}
		body := int(total) - 8
		if body > len(buf) {
			buf = make([]byte, body)
		}
		b := buf[:body]
		if _, err := io.ReadFull(r, b); err != nil {
			return fmt.Errorf("pcapng block: %w", err)
		}
		switch typ {
		case 1: // interface description
			if len(b) >= 2 {
				links = append(links, uint32(bo.Uint16(b)))
			}
		case 6: // enhanced packet
			if len(b) < 20 {
				continue
			}
			ifc := bo.Uint32(b)
			capl := bo.Uint32(b[12:])
			if int(ifc) >= len(links) || int(capl) > len(b)-20 {
				handle(0xffffffff, nil)
				continue
			}
			handle(links[ifc], b[20:20+capl])
		case 3: // simple packet
			if len(b) < 4 || len(links) == 0 {
				continue
			}
			handle(links[0], b[4:])
		}
	}
}

// transport finds the transport ports and payload of a frame.
func transport(link uint32, d []byte) (sp, dp uint16, proto uint8, payload []byte, ok bool) {
	var etype uint16
	switch link {
	case 1: // Ethernet
		if len(d) < 14 {
			return
		}
		etype = binary.BigEndian.Uint16(d[12:])
		d = d[14:]
		for (etype == 0x8100 || etype == 0x88a8 || etype == 0x9100) && len(d) >= 4 {
			etype = binary.BigEndian.Uint16(d[2:])
			d = d[4:]
		}
	case 0, 108: // BSD loopback / OpenBSD loop: 4-byte family
		if len(d) < 4 {
			return
		}
		d = d[4:]
	case 101, 12, 14, 228, 229: // raw IP
	case 113: // Linux cooked v1
		if len(d) < 16 {
			return
		}
		etype = binary.BigEndian.Uint16(d[14:])
		d = d[16:]
	case 276: // Linux cooked v2
		if len(d) < 20 {
			return
		}
		etype = binary.BigEndian.Uint16(d)
		d = d[20:]
	default:
		return
	}
	if etype != 0 && etype != 0x0800 && etype != 0x86dd {
		return
	}
	if len(d) < 1 {
		return
	}
	switch d[0] >> 4 {
	case 4:
		if len(d) < 20 {
			return
		}
		ihl := int(d[0]&0x0f) * 4
		if ihl < 20 || len(d) < ihl {
			return
		}
		if binary.BigEndian.Uint16(d[6:])&0x1fff != 0 {
			return // not the first fragment
		}
		tot := int(binary.BigEndian.Uint16(d[2:]))
		if tot >= ihl && tot < len(d) {
			d = d[:tot] // Ethernet padding
		}
		proto = d[9]
		d = d[ihl:]
	case 6:
		if len(d) < 40 {
			return
		}
		proto = d[6]
		d = d[40:]
		for proto == 0 || proto == 43 || proto == 60 || proto == 44 {
			if len(d) < 8 {
				return
			}
			if proto == 44 {
				if binary.BigEndian.Uint16(d[2:])&0xfff8 != 0 {
					return
				}
				proto, d = d[0], d[8:]
				continue
			}
			n := 8 + int(d[1])*8
			if len(d) < n {
				return
			}
			proto, d = d[0], d[n:]
		}
	default:
		return
	}
	switch proto {
	case 6, 17, 132:
	default:
		return
	}
	if len(d) < 8 {
		return
	}
	sp, dp = binary.BigEndian.Uint16(d), binary.BigEndian.Uint16(d[2:])
	if proto == 17 {
		payload = d[8:]
	}
	return sp, dp, proto, payload, true
}

// looksLikeExport reports whether a UDP payload is a plausible NetFlow v9 or
// IPFIX message: version, header length, and a first set whose id and length fit.
func looksLikeExport(p []byte) (uint16, bool) {
	if len(p) < 20 {
		return 0, false
	}
	switch binary.BigEndian.Uint16(p) {
	case 9:
		if binary.BigEndian.Uint16(p[2:]) == 0 || len(p) < 24 {
			return 0, false
		}
		id, l := binary.BigEndian.Uint16(p[20:]), int(binary.BigEndian.Uint16(p[22:]))
		if (id > 1 && id < 256) || l < 4 || l > len(p)-20 {
			return 0, false
		}
		return 9, true
	case 10:
		if int(binary.BigEndian.Uint16(p[2:])) != len(p) {
			return 0, false
		}
		id, l := binary.BigEndian.Uint16(p[16:]), int(binary.BigEndian.Uint16(p[18:]))
		if (id < 2 || (id > 3 && id < 256)) || l < 4 || l > len(p)-16 {
			return 0, false
		}
		return 10, true
	}
	return 0, false
}

// templateTracker notices data sets that precede every template with their
// id from the same exporter (where tshark needs -2).
type templateTracker struct {
	decoded []int
	seen    map[trackKey]bool
}

type trackKey struct {
	src        string
	sp, dp     uint16
	domain, id uint32
}

func newTemplateTracker(decoded []int) *templateTracker {
	return &templateTracker{decoded: decoded, seen: map[trackKey]bool{}}
}

func (t *templateTracker) packet(ver, sp, dp uint16, frame, p []byte, s *scan) {
	if !slices.Contains(defaultPorts, int(dp)) && !slices.Contains(t.decoded, int(dp)) {
		return
	}
	// The exporter address is not parsed here; ports and domain are close enough.
	var domain uint32
	off := 16
	if ver == 9 {
		domain, off = binary.BigEndian.Uint32(p[16:]), 20
	} else {
		domain = binary.BigEndian.Uint32(p[12:])
	}
	k := trackKey{sp: sp, dp: dp, domain: domain}
	for off+4 <= len(p) {
		id, l := binary.BigEndian.Uint16(p[off:]), int(binary.BigEndian.Uint16(p[off+2:]))
		if l < 4 || off+l > len(p) {
			return
		}
		body := p[off+4 : off+l]
		switch {
		case (ver == 9 && id == 0) || (ver == 10 && id == 2):
			for len(body) >= 4 {
				tid, n := binary.BigEndian.Uint16(body), int(binary.BigEndian.Uint16(body[2:]))
				if tid < 256 {
					break
				}
				k.id = uint32(tid)
				first := !t.seen[k]
				t.seen[k] = true
				body = body[4:]
				var start uint16
				for range n {
					if len(body) < 4 {
						return
					}
					typ := binary.BigEndian.Uint16(body)
					body = body[4:]
					if ver == 10 && typ&0x8000 != 0 {
						if len(body) < 4 {
							return
						}
						body = body[4:]
						continue // enterprise-specific: not a start IE
					}
					if _, ok := absStartEncoding(typ); ok && start == 0 {
						start = typ
					}
				}
				if first && start != 0 {
					s.startIE[k] = start
				}
			}
		case (ver == 9 && id == 1) || (ver == 10 && id == 3):
			if len(body) >= 2 {
				k.id = uint32(binary.BigEndian.Uint16(body))
				t.seen[k] = true // first options template of the set suffices
			}
		case id >= 256:
			k.id = uint32(id)
			if !t.seen[k] {
				s.dataBeforeTemplate++
			}
		}
		off += l
	}
}
