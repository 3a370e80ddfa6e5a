package gen

import (
	"bufio"
	"encoding/json"
	"io"
)

// WriteJSON writes the truth as JSON that json.Unmarshal reads back into a
// Truth: the header fields indented, then every pair and unmatched record
// on a line of its own, so that even a million-record truth file streams
// out without being built in memory first and stays greppable.
func (t *Truth) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var err error
	put := func(s string) {
		if err == nil {
			_, err = bw.WriteString(s)
		}
	}
	val := func(v any, indent bool) {
		if err != nil {
			return
		}
		var b []byte
		if indent {
			b, err = json.MarshalIndent(v, " ", " ")
		} else {
			b, err = json.Marshal(v)
		}
		if err == nil {
			_, err = bw.Write(b)
		}
	}
	field := func(name string, v any, last bool) {
		put(" \"" + name + "\": ")
		val(v, true)
		if !last {
			put(",")
		}
		put("\n")
	}
	list := func(name string, n int, elem func(i int) any, last bool) {
		put(" \"" + name + "\": [")
		for i := range n {
			if i > 0 {
				put(",")
			}
			put("\n  ")
			val(elem(i), false)
		}
		if n > 0 {
			put("\n ")
		}
		put("]")
		if !last {
			put(",")
		}
		put("\n")
	}
	put("{\n")
	field("scenario", t.Scenario, false)
	field("seed", t.Seed, false)
	field("config", t.Config, false)
	field("summary", t.Summary, false)
	list("clocks", len(t.Clocks), func(i int) any { return &t.Clocks[i] }, false)
	list("offsets", len(t.Offsets), func(i int) any { return &t.Offsets[i] }, false)
	list("pairs", len(t.Pairs), func(i int) any { return &t.Pairs[i] }, false)
	list("unmatched_pre", len(t.UnmatchedPre), func(i int) any { return &t.UnmatchedPre[i] }, false)
	list("unmatched_post", len(t.UnmatchedPost), func(i int) any { return &t.UnmatchedPost[i] }, true)
	put("}\n")
	if err != nil {
		return err
	}
	return bw.Flush()
}
