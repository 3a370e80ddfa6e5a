package wsexport

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"netflowtimedifference/internal/tshark"
)

// Kind is what an input file holds, as told by its content (never by its name).
type Kind uint8

// Kinds of input. Captures (KindPcap, KindPcapNG, KindIPFIXFile) go to tshark;
// the others are Wireshark exports read by this package.
const (
	KindUnknown    Kind = iota
	KindPcap            // libpcap, any magic (us/ns, either byte order, Kuznetzov)
	KindPcapNG          // pcapng section header block
	KindIPFIXFile       // raw IPFIX messages (RFC 5655 file), read by tshark as "IPFIX File Format"
	KindGzip            // gzip stream (Open and OpenRaw undo it and detect what is inside)
	KindJSON            // Wireshark/tshark -T json: one array of packets
	KindEK              // tshark -T ek: newline-delimited Elasticsearch documents
	KindCSV             // Wireshark "Export Packet Dissections > As CSV"
	KindXLSX            // an Excel workbook (xl/workbook.xml in a zip), e.g. the CSV converted by Excel
	KindZip             // a zip archive that is not an Excel workbook
	KindJSONObject      // a JSON object that is neither an EK document nor in a packet array
)

var kindNames = [...]string{
	KindUnknown:    "unknown",
	KindPcap:       "pcap capture",
	KindPcapNG:     "pcapng capture",
	KindIPFIXFile:  "IPFIX file",
	KindGzip:       "gzip",
	KindJSON:       "Wireshark JSON export",
	KindEK:         "tshark EK export",
	KindCSV:        "Wireshark CSV export",
	KindXLSX:       "Excel workbook",
	KindZip:        "zip archive",
	KindJSONObject: "JSON object",
}

// String names the kind for messages ("pcap capture", "Wireshark CSV export", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// IsCapture reports whether tshark, not this package, reads the kind.
func (k Kind) IsCapture() bool {
	return k == KindPcap || k == KindPcapNG || k == KindIPFIXFile
}

// IsExport reports whether this package reads the kind.
func (k Kind) IsExport() bool {
	return k == KindJSON || k == KindEK || k == KindCSV || k == KindXLSX
}

// sniffLen is how many bytes Detect looks at. A CSV header line or the first
// line of an EK file is far shorter.
const sniffLen = 8192

// Detect tells the kind of the content r will yield, looking at (not
// consuming) its first bytes. A gzip stream is reported as KindGzip: use
// OpenRaw to see inside. Content that fits no kind gives KindUnknown and a
// nil error; only a read error is returned as an error.
func Detect(r *bufio.Reader) (Kind, error) {
	b, err := r.Peek(sniffLen)
	if errors.Is(err, ErrGzipCut) && len(b) > 0 {
		// A short cut .gz: tell the kind from what it holds; reading it
		// meets the cut again (a capture is read up to the cut).
		err = nil
	}
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return KindUnknown, err
	}
	return DetectBytes(b), nil
}

// DetectBytes tells the kind from the first bytes of an input (a few KB are
// enough; fewer may give KindUnknown for text formats).
func DetectBytes(b []byte) Kind {
	if len(b) >= 4 {
		switch binary.BigEndian.Uint32(b) {
		case 0xa1b2c3d4, 0xd4c3b2a1, // microseconds
			0xa1b23c4d, 0x4d3cb2a1, // nanoseconds
			0xa1b2cd34, 0x34cdb2a1: // Kuznetzov's modified pcap
			return KindPcap
		case 0x0a0d0d0a:
			if len(b) >= 12 {
				bom := binary.BigEndian.Uint32(b[8:])
				if bom == 0x1a2b3c4d || bom == 0x4d3c2b1a {
					return KindPcapNG
				}
			}
		}
	}
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		return KindGzip
	}
	if len(b) >= 4 && bytes.Equal(b[:4], []byte("PK\x03\x04")) {
		// The first member of an Office file is [Content_Types].xml, _rels/ or
		// docProps/ or xl/; confirm with the central directory when the file
		// is at hand (see OpenRaw).
		return KindZip
	}
	if isIPFIXMessage(b) {
		return KindIPFIXFile
	}
	return detectText(b)
}

// isIPFIXMessage reports whether b starts with an IPFIX message header whose
// first set header is plausible: version 10, length >= 16, set id 2, 3 or
// >= 256 with a set length that fits the message.
func isIPFIXMessage(b []byte) bool {
	if len(b) < 20 || binary.BigEndian.Uint16(b) != 10 {
		return false
	}
	msgLen := int(binary.BigEndian.Uint16(b[2:]))
	setID := binary.BigEndian.Uint16(b[16:])
	setLen := int(binary.BigEndian.Uint16(b[18:]))
	return msgLen >= 20 && (setID == 2 || setID == 3 || setID >= 256) && setLen >= 4 && 16+setLen <= msgLen
}

func detectText(b []byte) Kind {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // UTF-8 BOM (Excel, Notepad)
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 {
		return KindUnknown
	}
	switch t[0] {
	case '[':
		rest := bytes.TrimLeft(t[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] == '{' || rest[0] == ']' {
			return KindJSON
		}
		return KindUnknown
	case '{':
		line := t
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		if isEKLine(line) {
			return KindEK
		}
		return KindJSONObject
	}
	if _, ok := csvHeader(b); ok {
		return KindCSV
	}
	return KindUnknown
}

// isEKLine reports whether the first line of an input is an EK bulk index
// line ({"index":...}) or an EK document ({"timestamp":...,"layers":...}).
func isEKLine(line []byte) bool {
	s := bytes.TrimSpace(line)
	s = bytes.TrimPrefix(s, []byte("{"))
	s = bytes.TrimLeft(s, " \t")
	if bytes.HasPrefix(s, []byte(`"index"`)) {
		return true
	}
	return (bytes.HasPrefix(s, []byte(`"timestamp"`)) || bytes.HasPrefix(s, []byte(`"layers"`))) &&
		bytes.Contains(line, []byte(`"layers"`))
}

// OpenRaw opens path ("-" is standard input), undoes gzip (once) and tells the
// kind of what is inside. The returned ReadCloser yields the decompressed
// content from its first byte. For KindXLSX (and KindZip) it is backed by a
// file and also implements io.ReaderAt and Size() int64: standard input and
// compressed workbooks are spooled to a temporary file that Close removes.
func OpenRaw(path string, stdin io.Reader) (io.ReadCloser, Kind, error) {
	var src io.ReadCloser
	var file *os.File
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		src = io.NopCloser(stdin)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, KindUnknown, err
		}
		src, file = f, f
	}
	br := bufio.NewReaderSize(src, 64<<10)
	kind, err := Detect(br)
	if err != nil {
		src.Close()
		return nil, KindUnknown, fmt.Errorf("%s: %w", name(path), err)
	}
	var rc io.ReadCloser = readCloser{br, src}
	if kind == KindGzip {
		file = nil
		zr, err := gzip.NewReader(br)
		if err != nil {
			src.Close()
			return nil, KindUnknown, fmt.Errorf("%s: %w", name(path), gzipError(err))
		}
		zr.Multistream(true)
		br = bufio.NewReaderSize(gzipReader{zr}, 64<<10)
		kind, err = Detect(br)
		if err != nil {
			src.Close()
			return nil, KindUnknown, fmt.Errorf("%s: %w", name(path), gzipError(err))
		}
		rc = readCloser{br, src}
	}
	if b, _ := br.Peek(2); kind == KindUnknown {
		if ok, big := utf16BOM(b); ok {
			// UTF-16 text (PowerShell's ">" redirection, Excel's "Unicode
			// Text"): read it as UTF-8.
			file = nil
			br = bufio.NewReaderSize(newUTF16Reader(br, big), 64<<10)
			kind, err = Detect(br)
			if err != nil {
				src.Close()
				return nil, KindUnknown, fmt.Errorf("%s: UTF-16: %w", name(path), err)
			}
			rc = readCloser{br, src}
		}
	}
	if kind != KindZip {
		return rc, kind, nil
	}
	// A zip needs random access: use the file itself, or spool.
	var ra *spooled
	if file != nil {
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, KindUnknown, err
		}
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			file.Close()
			return nil, KindUnknown, err
		}
		ra = &spooled{File: file, size: st.Size()}
	} else {
		ra, err = spool(rc)
		rc.Close()
		if err != nil {
			return nil, KindUnknown, fmt.Errorf("%s: %w", name(path), err)
		}
	}
	isBook, err := isWorkbook(ra, ra.size)
	if err != nil {
		ra.Close()
		return nil, KindUnknown, fmt.Errorf("%s: a zip archive (an Excel workbook?) that cannot be read: damaged or truncated (%v)", name(path), err)
	}
	if isBook {
		kind = KindXLSX
	}
	return ra, kind, nil
}

// name is how messages about an input name it: its path, "- (standard
// input)" for "-" (tshark.InputName, which the JSON walker uses too).
// Records name standard input "-", as the user wrote it.
func name(path string) string { return tshark.InputName(path) }

// ErrGzipCut is matched (errors.Is) by the read error of a gzip-compressed
// input whose compressed data ends early: the .gz file was cut (a copy or
// download that stopped). The error matches io.ErrUnexpectedEOF too.
var ErrGzipCut = errors.New("the gzip file is cut: it ends before its compressed data does")

// errGzipCut is what a cut gzip stream's reads return.
var errGzipCut = fmt.Errorf("%w (%w)", ErrGzipCut, io.ErrUnexpectedEOF)

// gzipError says what a gzip reader's error means: a cut file, or damaged
// data ("gzip: invalid checksum", "flate: corrupt input ...").
func gzipError(err error) error {
	switch {
	case errors.Is(err, ErrGzipCut):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errGzipCut
	}
	return fmt.Errorf("gzip data damaged: %w", err)
}

// gzipReader makes the read errors of a gzip stream say what they mean
// (gzipError); "unexpected EOF" alone reads like any other cut stream.
type gzipReader struct{ r io.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(err)
	}
	return n, err
}

type readCloser struct {
	io.Reader
	c io.Closer
}

func (r readCloser) Close() error { return r.c.Close() }

// spooled is a file with random access: the input itself or a temporary copy.
type spooled struct {
	*os.File
	size int64
	temp bool
}

// Size returns the file's size in bytes.
func (s *spooled) Size() int64 { return s.size }

// Close closes the file and removes it when it is a temporary copy.
func (s *spooled) Close() error {
	err := s.File.Close()
	if s.temp {
		os.Remove(s.File.Name())
	}
	return err
}

func spool(r io.Reader) (*spooled, error) {
	f, err := os.CreateTemp("", "nftimediff-*.xlsx")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &spooled{File: f, size: n, temp: true}, nil
}

// isWorkbook reports whether the zip archive holds xl/workbook.xml; an
// archive whose directory cannot be read (a file cut short) is an error.
func isWorkbook(ra io.ReaderAt, size int64) (bool, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return false, err
	}
	for _, f := range zr.File {
		if f.Name == "xl/workbook.xml" {
			return true, nil
		}
	}
	return false, nil
}
