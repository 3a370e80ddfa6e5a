package tshark

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxElement is the largest single array element (one packet's JSON) the
// splitter accepts. A real export packet is at most 64 KiB of payload, which
// tshark prints in well under 16 MiB; anything larger is garbage.
const MaxElement = 256 << 20

// ErrNotArray is returned when a stream does not start with a JSON array.
var ErrNotArray = errors.New("not a JSON array")

// splitter cuts the elements of one top-level JSON array out of a byte stream
// as the bytes arrive, without decoding them: a small state machine that
// knows strings, escapes and nesting. Each element is returned as a slice of
// the internal buffer, valid until the next call of next.
type splitter struct {
	r     io.Reader
	buf   []byte
	start int // first unconsumed byte
	end   int // end of valid data
	off   int64
	eof   bool
	rerr  error

	opened bool  // '[' seen
	closed bool  // ']' seen
	count  int   // elements returned
	at     int64 // stream offset of the last element returned (or being scanned)

	// ownOutput: the stream is a tshark run by Source. Its array's closing
	// bracket ends it: waiting for the end of the stream would wait for
	// every holder of the pipe (a wrapper's background child, say); the
	// rest, white space, is drained when the process is reaped.
	ownOutput bool
}

func newSplitter(r io.Reader) *splitter {
	return &splitter{r: r, buf: make([]byte, 256<<10)}
}

// fill reads more bytes, compacting or growing the buffer as needed.
// It returns false when no more bytes can come.
func (s *splitter) fill() bool {
	if s.eof {
		return false
	}
	if s.start > 0 && s.start == s.end {
		s.start, s.end = 0, 0
	}
	if s.end == len(s.buf) {
		if s.start > len(s.buf)/2 || (s.start > 0 && s.end-s.start < len(s.buf)/2) {
			n := copy(s.buf, s.buf[s.start:s.end])
			s.start, s.end = 0, n
		} else {
			nb := make([]byte, 2*len(s.buf))
			n := copy(nb, s.buf[s.start:s.end])
			s.buf, s.start, s.end = nb, 0, n
		}
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.eof, s.rerr = true, io.ErrNoProgress
	return false
}

// skipSpace advances over JSON white space, reading as needed, and returns
// the next byte without consuming it.
func (s *splitter) skipSpace() (byte, bool) {
	for {
		for s.start < s.end {
			c := s.buf[s.start]
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return c, true
			}
			s.start++
			s.off++
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// skipBOM skips a UTF-8 byte order mark at the start of the stream (a JSON
// export saved by Windows tools); offsets still count its three bytes.
func (s *splitter) skipBOM() {
	for s.end-s.start < 3 && s.fill() {
	}
	if s.end-s.start >= 3 && bytes.Equal(s.buf[s.start:s.start+3], []byte("\xef\xbb\xbf")) {
		s.start += 3
		s.off += 3
	}
}

// syntaxError describes where the stream stopped making sense.
func (s *splitter) syntaxError(format string, args ...any) error {
	return fmt.Errorf("JSON output byte %d: %s", s.off, fmt.Sprintf(format, args...))
}

// eofError is the error for a stream that ends inside the array.
func (s *splitter) eofError(what string) error {
	if s.rerr != nil {
		return fmt.Errorf("reading JSON output: %w", s.rerr)
	}
	return fmt.Errorf("JSON output ended %s at byte %d, after %d packets: %w", what, s.off, s.count, io.ErrUnexpectedEOF)
}

// cutError is the error for a stream that ends inside element s.count+1,
// which starts at byte s.at.
func (s *splitter) cutError() error {
	if s.rerr != nil {
		return fmt.Errorf("reading JSON output: %w", s.rerr)
	}
	return fmt.Errorf("JSON output ended inside a packet: packet %d, which starts at byte %d, is cut (%d complete packets before it): %w",
		s.count+1, s.at, s.count, io.ErrUnexpectedEOF)
}

// offset returns the stream offset (bytes from the start) of the element
// next returned last.
func (s *splitter) offset() int64 { return s.at }

// next returns the next element of the array, or io.EOF after the closing
// bracket. A stream that ends before the closing bracket gives an error
// wrapping io.ErrUnexpectedEOF.
func (s *splitter) next() ([]byte, error) {
	if s.closed {
		return nil, io.EOF
	}
	if !s.opened {
		s.skipBOM()
	}
	c, ok := s.skipSpace()
	if !s.opened {
		if !ok {
			if s.rerr != nil {
				return nil, s.eofError("before it began")
			}
			return nil, fmt.Errorf("empty JSON output: %w", io.ErrUnexpectedEOF)
		}
		if c == '{' {
			return nil, fmt.Errorf("%w: a JSON object, not tshark's packet array", ErrNotArray)
		}
		if c != '[' {
			return nil, fmt.Errorf("%w: output starts with %q", ErrNotArray, c)
		}
		s.opened = true
		s.start++
		s.off++
		c, ok = s.skipSpace()
	} else if ok && s.count > 0 {
		// Between elements: a comma or the closing bracket.
		if c == ',' {
			s.start++
			s.off++
			c, ok = s.skipSpace()
			if ok && c == ']' {
				return nil, s.syntaxError("',' before ']'")
			}
		} else if c != ']' {
			return nil, s.syntaxError("expected ',' or ']' after element %d, found %q", s.count, c)
		}
	}
	if !ok {
		return nil, s.eofError("inside the array")
	}
	if c == ']' {
		s.start++
		s.off++
		s.closed = true
		return nil, s.afterArray()
	}
	if c == ',' {
		return nil, s.syntaxError("unexpected ','")
	}
	return s.element()
}

// afterArray checks what follows the closing bracket: only white space may. A
// second array or anything else (two exports joined into one file, a tool's
// message appended) would otherwise be dropped without a word. It returns
// io.EOF when the stream is clean.
func (s *splitter) afterArray() error {
	if s.ownOutput {
		return io.EOF
	}
	c, ok := s.skipSpace()
	if ok {
		what := fmt.Sprintf("%q", c)
		if c == '[' {
			what = "a second packet array (two exports joined into one file?)"
		}
		return s.syntaxError("data after the packet array's closing ']': %s; only white space may follow it", what)
	}
	if s.rerr != nil {
		return fmt.Errorf("reading JSON output: %w", s.rerr)
	}
	return io.EOF
}

// element scans one value starting at s.start.
func (s *splitter) element() ([]byte, error) {
	s.at = s.off
	i := s.start // scan position
	depth := 0
	inStr := false
	scalar := false
	first := s.buf[i]
	switch first {
	case '{', '[':
	case '"':
	case '}', ']', ':':
		return nil, s.syntaxError("unexpected %q", first)
	default:
		scalar = true
	}
	for {
		for i < s.end {
			if inStr {
				// Jump to the next quote; it ends the string unless an odd
				// number of backslashes precede it.
				j := bytes.IndexByte(s.buf[i:s.end], '"')
				if j < 0 {
					i = s.end
					break
				}
				i += j
				bs := 0
				for k := i - 1; k >= s.start && s.buf[k] == '\\'; k-- {
					bs++
				}
				i++
				if bs%2 == 1 {
					continue
				}
				inStr = false
				if depth == 0 {
					return s.take(i), nil
				}
				continue
			}
			c := s.buf[i]
			if scalar {
				switch c {
				case ',', ']', ' ', '\n', '\r', '\t':
					return s.take(i), nil
				case '{', '}', '[', ':', '"':
					return nil, s.syntaxError("unexpected %q in a scalar", c)
				}
				i++
				continue
			}
			i++
			if structural[c] == 0 {
				// Skip tshark's indentation eight spaces at a time.
				for c == ' ' && i+8 <= s.end && binary.LittleEndian.Uint64(s.buf[i:]) == spaces8 {
					i += 8
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return s.take(i), nil
				}
				if depth < 0 {
					return nil, s.syntaxError("unbalanced %q", c)
				}
			}
		}
		if i-s.start > MaxElement {
			return nil, s.syntaxError("element %d is larger than %d bytes", s.count+1, MaxElement)
		}
		rel := i - s.start
		if !s.fill() {
			if scalar && rel > 0 {
				return s.take(s.start + rel), nil
			}
			return nil, s.cutError()
		}
		i = s.start + rel
	}
}

const spaces8 = 0x2020202020202020

// structural marks the bytes that matter outside strings.
var structural = [256]byte{'"': 1, '{': 1, '}': 1, '[': 1, ']': 1}

// take consumes buf[start:end] and returns it.
func (s *splitter) take(end int) []byte {
	el := s.buf[s.start:end]
	s.off += int64(end - s.start)
	s.start = end
	s.count++
	return el
}
