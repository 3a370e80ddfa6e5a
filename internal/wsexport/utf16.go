package wsexport

import (
	"bufio"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Reader turns UTF-16 text (what PowerShell's ">" writes, and Excel's
// "Unicode Text" save) into UTF-8, streaming.
type utf16Reader struct {
	r    *bufio.Reader
	big  bool
	out  []byte
	err  error
	unit [2]byte
	pend rune // a high surrogate waiting for its pair, or -1
}

// utf16BOM reports whether b starts with a UTF-16 byte order mark, and which.
func utf16BOM(b []byte) (ok, big bool) {
	if len(b) >= 2 {
		switch {
		case b[0] == 0xff && b[1] == 0xfe:
			return true, false
		case b[0] == 0xfe && b[1] == 0xff:
			return true, true
		}
	}
	return false, false
}

func newUTF16Reader(r *bufio.Reader, big bool) *utf16Reader {
	r.Discard(2) // the BOM
	return &utf16Reader{r: r, big: big, pend: -1}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) < len(p) && u.err == nil {
		if _, err := io.ReadFull(u.r, u.unit[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF // an odd trailing byte is dropped
			}
			u.err = err
			break
		}
		var c rune
		if u.big {
			c = rune(u.unit[0])<<8 | rune(u.unit[1])
		} else {
			c = rune(u.unit[1])<<8 | rune(u.unit[0])
		}
		switch {
		case utf16.IsSurrogate(c) && c < 0xdc00:
			if u.pend >= 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
			}
			u.pend = c
			continue
		case utf16.IsSurrogate(c):
			if u.pend >= 0 {
				c = utf16.DecodeRune(u.pend, c)
			} else {
				c = utf8.RuneError
			}
			u.pend = -1
		case u.pend >= 0:
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
			u.pend = -1
		}
		u.out = utf8.AppendRune(u.out, c)
	}
	n := copy(p, u.out)
	u.out = u.out[:copy(u.out, u.out[n:])]
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}
