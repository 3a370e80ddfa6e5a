package tshark

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func splitAll(r io.Reader) ([]string, error) {
	s := newSplitter(r)
	var out []string
	for {
		el, err := s.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(el))
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		Name   string
		Input  string
		Output []string
		Error  string
	}{
		{Name: "an empty array has no elements", Input: "[\n\n]\n", Output: nil},
		{Name: "objects are cut at their closing brace", Input: `[{"a":1},{"b":[2,3]}]`, Output: []string{`{"a":1}`, `{"b":[2,3]}`}},
		{Name: "white space around elements is skipped", Input: " [ \n {\"a\" : 1} ,\n\t{} \n] ", Output: []string{`{"a" : 1}`, `{}`}},
		{Name: "brackets and braces inside strings do not count", Input: `[{"k":"}]{[,"},{"k":"\"}"}]`, Output: []string{`{"k":"}]{[,"}`, `{"k":"\"}"}`}},
		{Name: "an escaped backslash ends the escape", Input: `[{"k":"a\\"},{"x":1}]`, Output: []string{`{"k":"a\\"}`, `{"x":1}`}},
		{Name: "duplicate keys are kept as written", Input: `[{"cflow":{"a":1},"cflow":{"a":2}}]`, Output: []string{`{"cflow":{"a":1},"cflow":{"a":2}}`}},
		{Name: "scalars and arrays are elements too", Input: `[1, "two", [3], true]`, Output: []string{`1`, `"two"`, `[3]`, `true`}},
		{Name: "non-ASCII bytes pass through", Input: "[{\"app\":\"Caf\u00e9\"}]", Output: []string{"{\"app\":\"Caf\u00e9\"}"}},
		{Name: "an empty stream is an error", Input: "", Error: "empty JSON output"},
		{Name: "a stream that is an object is not tshark's array", Input: `{"a":1}`, Error: "not a JSON array: a JSON object, not tshark's packet array"},
		{Name: "a stream that is neither is not an array", Input: `"x"`, Error: `not a JSON array: output starts with '"'`},
		{Name: "a stream cut inside an element names it and its byte", Input: `[{"a":1}, {"a":"b`, Error: "ended inside a packet: packet 2, which starts at byte 10, is cut (1 complete packets before it)"},
		{Name: "a stream cut after an element is an error", Input: `[{"a":1},`, Error: "ended inside the array at byte 9, after 1 packets"},
		{Name: "a trailing comma is an error", Input: `[{"a":1},]`, Error: "',' before ']'"},
		{Name: "a missing comma is an error", Input: `[{"a":1}{"b":2}]`, Error: "expected ','"},
		{Name: "a stray closing brace is an error", Input: `[}]`, Error: "unexpected '}'"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			for _, mode := range []string{"whole", "one byte at a time"} {
				var r io.Reader = strings.NewReader(tc.Input)
				if mode != "whole" {
					r = iotest.OneByteReader(r)
				}
				out, err := splitAll(r)
				if tc.Error != "" {
					if err == nil || !strings.Contains(err.Error(), tc.Error) {
						t.Errorf("%s: error %v, want %q", mode, err, tc.Error)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				if strings.Join(out, "\x00") != strings.Join(tc.Output, "\x00") || len(out) != len(tc.Output) {
					t.Errorf("%s: got %q, want %q", mode, out, tc.Output)
				}
			}
		})
	}
}

func TestSplitGrowsForLargeElements(t *testing.T) {
	big := `{"k":"` + strings.Repeat("x", 1<<20) + `"}`
	out, err := splitAll(strings.NewReader("[" + big + "," + big + "]"))
	if err != nil || len(out) != 2 || out[0] != big || out[1] != big {
		t.Fatalf("err %v, %d elements", err, len(out))
	}
}

func TestSplitReportsReadErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := splitAll(io.MultiReader(strings.NewReader(`[{"a":`), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}

// FuzzSplit checks the splitter against encoding/json: on a valid array it
// returns exactly the array's elements; on anything else it returns an error
// or valid elements, and never panics.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		`[]`, `[{"a":1},{"b":"]}"}]`, `[1,2,[3,{"x":"\\\""}]]`, `[{"cflow":{},"cflow":{}}]`,
		`[{"a":"b`, `[,]`, `{"a":1}`, ` [ "x" , true , null ] `, `[{"k":"\u00e9"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := splitAll(iotest.HalfReader(strings.NewReader(string(data))))
		var want []json.RawMessage
		if json.Unmarshal(data, &want) == nil && len(data) > 0 && strings.TrimSpace(string(data))[0] == '[' {
			if err != nil {
				t.Fatalf("valid array %q: error %v", data, err)
			}
			if len(out) != len(want) {
				t.Fatalf("valid array %q: %d elements, want %d", data, len(out), len(want))
			}
			for i := range out {
				if out[i] != string(want[i]) {
					t.Fatalf("element %d: %q, want %q", i, out[i], want[i])
				}
			}
			return
		}
		for _, el := range out {
			if el == "" {
				t.Fatalf("%q: empty element", data)
			}
		}
	})
}
