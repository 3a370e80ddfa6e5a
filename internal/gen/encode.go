package gen

import (
	"encoding/binary"
	"math"

	"netflowtimedifference/internal/flow"
)

// Template ids used by every exporter.
const (
	tmplIPv4    = 256 // data template for IPv4 flows
	tmplIPv6    = 257 // data template for IPv6 flows
	tmplOptions = 258 // IPFIX options template: observationDomainId (scope) + systemInitTimeMilliseconds
)

// Information elements.
const (
	ieOctets        = 1
	iePackets       = 2
	ieProto         = 4
	ieSrcPort       = 7
	ieSrc4          = 8
	ieDstPort       = 11
	ieDst4          = 12
	ieVLAN          = 58
	ieEndUptime     = 21
	ieStartUptime   = 22
	ieSrc6          = 27
	ieDst6          = 28
	ieDomainID      = 149
	ieStartSec      = 150
	ieEndSec        = 151
	ieStartMilli    = 152
	ieEndMilli      = 153
	ieStartMicro    = 154
	ieEndMicro      = 155
	ieStartNano     = 156
	ieEndNano       = 157
	ieStartDeltaMic = 158
	ieEndDeltaMic   = 159
	ieSysInitMilli  = 160
	ixiaPEN         = 3054 // Ixia (Keysight) IxFlow
	ixiaAppID       = 110  // L7 Application ID
	ixiaAppName     = 111  // L7 Application Name, variable length
	varLen          = 65535
	ntpEpochOffset  = 2208988800 // seconds from 1900-01-01 to 1970-01-01
)

// field is one template field.
type field struct {
	id, length uint16
	pen        uint32 // 0: IANA
}

// timeFields returns the start and end IEs and their size for a format.
func timeFields(f Format) (start, end, size uint16) {
	switch f {
	case FormatV9, FormatIPFIXUptime:
		return ieStartUptime, ieEndUptime, 4
	case FormatIPFIXSec:
		return ieStartSec, ieEndSec, 4
	case FormatIPFIXMilli:
		return ieStartMilli, ieEndMilli, 8
	case FormatIPFIXMicro:
		return ieStartMicro, ieEndMicro, 8
	case FormatIPFIXNano:
		return ieStartNano, ieEndNano, 8
	case FormatIPFIXDelta:
		return ieStartDeltaMic, ieEndDeltaMic, 4
	}
	panic("gen: unknown format " + string(f)) // validate rejects unknown formats first
}

// dataFields returns the data template of an export for IPv4 or IPv6 flows.
func dataFields(ex *Export, v6 bool) []field {
	src, dst, alen := uint16(ieSrc4), uint16(ieDst4), uint16(4)
	if v6 {
		src, dst, alen = ieSrc6, ieDst6, 16
	}
	cnt := uint16(8)
	if ex.Format == FormatV9 {
		cnt = 4
	}
	ts, te, tl := timeFields(ex.Format)
	fs := []field{
		{src, alen, 0}, {dst, alen, 0}, {ieSrcPort, 2, 0}, {ieDstPort, 2, 0}, {ieProto, 1, 0},
		{ts, tl, 0}, {te, tl, 0}, {iePackets, cnt, 0}, {ieOctets, cnt, 0},
	}
	if ex.VLAN != 0 {
		fs = append(fs, field{ieVLAN, 2, 0})
	}
	if ex.AppNames {
		fs = append(fs, field{ixiaAppID, 4, ixiaPEN}, field{ixiaAppName, varLen, ixiaPEN})
	}
	return fs
}

// fixedSize is the record size without variable-length fields.
func fixedSize(fs []field) int {
	n := 0
	for _, f := range fs {
		if f.length != varLen {
			n += int(f.length)
		}
	}
	return n
}

// varLenSize is the encoded size of a variable-length value (RFC 7011 7).
func varLenSize(n int) int {
	if n < 255 {
		return 1 + n
	}
	return 3 + n
}

// appendTemplateRecord appends one (v9 or IPFIX) template record.
func appendTemplateRecord(b []byte, ipfix bool, id uint16, fs []field) []byte {
	b = binary.BigEndian.AppendUint16(b, id)
	b = binary.BigEndian.AppendUint16(b, uint16(len(fs)))
	for _, f := range fs {
		fid := f.id
		if ipfix && f.pen != 0 {
			fid |= 0x8000
		}
		b = binary.BigEndian.AppendUint16(b, fid)
		b = binary.BigEndian.AppendUint16(b, f.length)
		if ipfix && f.pen != 0 {
			b = binary.BigEndian.AppendUint32(b, f.pen)
		}
	}
	return b
}

// templateSets returns the template sets an exporter sends (IPFIX: the data
// templates in set 2, and for 22+160 an options template in set 3 plus its
// options data set; v9: the data templates in FlowSet 0), how many sets they
// are, how many template records they hold (v9 header count) and how many
// options data records (IPFIX sequence number).
func templateSets(e *exporter) (b []byte, sets, templates, options int) {
	ipfix := e.ex.Format.Version() == 10
	setID := uint16(0)
	if ipfix {
		setID = 2
	}
	b = binary.BigEndian.AppendUint16(b, setID)
	b = append(b, 0, 0)
	b = appendTemplateRecord(b, ipfix, tmplIPv4, dataFields(e.ex, false))
	b = appendTemplateRecord(b, ipfix, tmplIPv6, dataFields(e.ex, true))
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	sets, templates = 1, 2
	if e.ex.Format == FormatIPFIXUptime {
		// Options template set: template 258, 2 fields, 1 scope field.
		o := len(b)
		b = binary.BigEndian.AppendUint16(b, 3)
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint16(b, tmplOptions)
		b = binary.BigEndian.AppendUint16(b, 2)
		b = binary.BigEndian.AppendUint16(b, 1)
		b = binary.BigEndian.AppendUint16(b, ieDomainID)
		b = binary.BigEndian.AppendUint16(b, 4)
		b = binary.BigEndian.AppendUint16(b, ieSysInitMilli)
		b = binary.BigEndian.AppendUint16(b, 8)
		binary.BigEndian.PutUint16(b[o+2:], uint16(len(b)-o))
		// Options data set: this domain's system init time.
		b = binary.BigEndian.AppendUint16(b, tmplOptions)
		b = binary.BigEndian.AppendUint16(b, 4+12)
		b = binary.BigEndian.AppendUint32(b, e.ex.Domain)
		b = binary.BigEndian.AppendUint64(b, uint64(e.sysInitMilli()))
		sets, templates, options = 3, 3, 1
	}
	return b, sets, templates, options
}

// sysInitMilli is the exporter's systemInitTimeMilliseconds: its clock's
// reading at boot, in whole milliseconds.
func (e *exporter) sysInitMilli() int64 { return floorDiv(e.boot, 1e6) }

// uptimeMilli is the exporter's uptime at clock reading clk, modulo 2^32 ms.
func (e *exporter) uptimeMilli(clk int64) uint32 { return uint32(floorDiv(clk-e.boot, 1e6)) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// ntpNanos converts an NTP fraction to nanoseconds the way Wireshark 4.0
// does (ntp_to_nstime: (int)(1e9 * (frac / 2^32)), truncated).
func ntpNanos(frac uint32) int64 {
	return int64(int32(1000000000 * (float64(frac) / 4294967296.0)))
}

// hdr holds the header values of the packet being encoded.
type hdr struct {
	exportSecs uint32
	sysUptime  uint32
}

// appendTime appends one start or end time in the exporter's format and
// returns the instant a collector decodes from it.
func appendTime(b []byte, e *exporter, h hdr, clk int64) ([]byte, flow.Instant, uint64) {
	switch e.ex.Format {
	case FormatV9:
		v := e.uptimeMilli(clk)
		return binary.BigEndian.AppendUint32(b, v), flow.V9Start(h.exportSecs, h.sysUptime, v), uint64(v)
	case FormatIPFIXUptime:
		v := e.uptimeMilli(clk)
		return binary.BigEndian.AppendUint32(b, v), flow.SysUpTimeStart(flow.UnixMilli(e.sysInitMilli()), int64(v)), uint64(v)
	case FormatIPFIXSec:
		v := uint32(floorDiv(clk, 1e9))
		return binary.BigEndian.AppendUint32(b, v), flow.Instant(int64(v) * 1e9), uint64(v)
	case FormatIPFIXMilli:
		v := uint64(floorDiv(clk, 1e6))
		return binary.BigEndian.AppendUint64(b, v), flow.UnixMilli(int64(v)), v
	case FormatIPFIXMicro, FormatIPFIXNano:
		secs := floorDiv(clk, 1e9)
		ns := clk - secs*1e9
		var frac uint32
		if e.ex.Format == FormatIPFIXMicro {
			// RFC 7011 6.1.9: microseconds in the NTP fraction, lower 11 bits zero.
			frac = uint32((uint64(ns/1000)<<32)/1e6) &^ 0x7ff
		} else {
			frac = uint32((uint64(ns) << 32) / 1e9)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(secs+ntpEpochOffset))
		b = binary.BigEndian.AppendUint32(b, frac)
		return b, flow.Instant(secs*1e9 + ntpNanos(frac)), uint64(secs+ntpEpochOffset)<<32 | uint64(frac)
	case FormatIPFIXDelta:
		d := int64(h.exportSecs)*1e6 - floorDiv(clk, 1e3)
		d = min(max(d, 0), math.MaxUint32)
		return binary.BigEndian.AppendUint32(b, uint32(d)), flow.Instant(int64(h.exportSecs)*1e9 - d*1e3), uint64(d)
	}
	panic("gen: unknown format " + string(e.ex.Format))
}
