package tshark

import (
	"bytes"
	"fmt"

	"github.com/tidwall/gjson"
)

// cursor walks one JSON element in a single pass, in document order, keeping
// repeated keys: object calls fn for every member and fn consumes the value
// (str, object, array) or leaves it, and then it is skipped. Nothing is
// copied: strings without escapes are views of the element (valid until the
// next element); escaped strings are decoded by gjson.
//
// tshark's -T json nests each flow record five objects deep; walking it with
// gjson ForEach at every level scans each byte once per level, so the walk
// uses this cursor, which reads every byte once (see BenchmarkWalk).
type cursor struct {
	b   []byte
	i   int
	err error
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: byte %d of the packet: %s", ErrBadJSON, c.i, fmt.Sprintf(format, args...))
	}
	c.i = len(c.b)
}

func (c *cursor) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\n', '\r', '\t':
			c.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (c *cursor) peek() byte {
	c.ws()
	if c.i >= len(c.b) {
		return 0
	}
	return c.b[c.i]
}

// object iterates the members of the object at the cursor. fn gets each key
// and may consume the value; a value fn leaves is skipped.
func (c *cursor) object(fn func(key string)) {
	if c.peek() != '{' {
		c.skip()
		return
	}
	c.i++
	if c.peek() == '}' {
		c.i++
		return
	}
	for c.err == nil {
		if c.peek() != '"' {
			c.fail("expected a key")
			return
		}
		key := c.rawString()
		if c.peek() != ':' {
			c.fail("expected ':' after key %q", key)
			return
		}
		c.i++
		c.ws()
		start := c.i
		fn(key)
		if c.i == start {
			c.skip()
		}
		switch c.peek() {
		case ',':
			c.i++
		case '}':
			c.i++
			return
		default:
			c.fail("expected ',' or '}' after the value of %q", key)
			return
		}
	}
}

// array iterates the elements of the array at the cursor; fn may consume each.
func (c *cursor) array(fn func()) {
	if c.peek() != '[' {
		c.skip()
		return
	}
	c.i++
	if c.peek() == ']' {
		c.i++
		return
	}
	for c.err == nil {
		c.ws()
		start := c.i
		fn()
		if c.i == start {
			c.skip()
		}
		switch c.peek() {
		case ',':
			c.i++
		case ']':
			c.i++
			return
		default:
			c.fail("expected ',' or ']' in an array")
			return
		}
	}
}

// str returns a string value. Of a --no-duplicate-keys array of values it
// returns the first. Numbers and literals are returned as written.
func (c *cursor) str() string {
	switch c.peek() {
	case '"':
		return c.rawString()
	case '[':
		var s string
		n := 0
		c.array(func() {
			if n == 0 {
				s = c.str()
			}
			n++
		})
		return s
	case '{', 0:
		c.skip()
		return ""
	}
	start := c.i
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ',', '}', ']', ' ', '\n', '\r', '\t':
			return str(c.b[start:c.i])
		}
		c.i++
	}
	return str(c.b[start:c.i])
}

// rawString reads the string at the cursor (at its opening quote).
func (c *cursor) rawString() string {
	start := c.i
	c.i++
	for {
		j := bytes.IndexByte(c.b[c.i:], '"')
		if j < 0 {
			c.fail("unterminated string")
			return ""
		}
		c.i += j
		bs := 0
		for k := c.i - 1; k > start && c.b[k] == '\\'; k-- {
			bs++
		}
		c.i++
		if bs%2 == 0 {
			break
		}
	}
	content := c.b[start+1 : c.i-1]
	if bytes.IndexByte(content, '\\') < 0 {
		return str(content)
	}
	return gjson.Parse(str(c.b[start:c.i])).Str
}

// skip passes over the value at the cursor.
func (c *cursor) skip() {
	switch c.peek() {
	case 0:
		c.fail("value expected")
	case '"':
		c.rawString()
	case '{', '[':
		depth := 0
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case '"':
				c.rawString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					c.i++
					return
				}
			}
			c.i++
		}
		c.fail("unbalanced value")
	default:
		c.str()
	}
}
