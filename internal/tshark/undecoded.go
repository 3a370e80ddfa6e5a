package tshark

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// UndecodedSets remembers, per template (K identifies one as the reader
// does: exporter, ports, domain, id), the data sets tshark could not decode
// for want of a template, and says at the end what to do about them: the
// JSON walker and the EK reader of internal/wsexport give the same advice.
type UndecodedSets[K comparable] struct {
	sets map[K]*undecoded
}

// undecoded counts the data sets of one template that tshark could not
// decode for want of a template.
type undecoded struct {
	id         uint16
	sets       int
	firstFrame uint32
	later      bool // the template arrived after them (tshark -2 would decode them)
	tooMany    bool // the template had more fields than tshark's cflow.max_template_fields
}

// Data counts a data set of template id (key k) in frame that tshark had
// no template for; tooMany: the template was seen, but tshark refused it.
func (u *UndecodedSets[K]) Data(k K, id uint16, frame uint32, tooMany bool) {
	if u.sets == nil {
		u.sets = map[K]*undecoded{}
	}
	d := u.sets[k]
	if d == nil {
		d = &undecoded{id: id, firstFrame: frame}
		u.sets[k] = d
	}
	d.sets++
	d.tooMany = d.tooMany || tooMany
}

// Template records that the template of key k arrived (tooMany: tshark
// refused it): the data sets counted before it came before their template.
func (u *UndecodedSets[K]) Template(k K, tooMany bool) {
	if d := u.sets[k]; d != nil {
		d.later = true
		d.tooMany = d.tooMany || tooMany
	}
}

// Notes returns what to do about the sets counted: data that came before
// its template (tshark -2), data whose template is missing (export the
// template packets; said only for exports: a capture may just have begun
// after the template). Sets of a template with too many fields are left to
// TooManyFieldsNote, given where the template is seen. label names the
// input; export says the input is an analyst's export, not tshark's output
// for a capture nftimediff reads itself.
func (u *UndecodedSets[K]) Notes(label string, export bool) []string {
	var before, missing []*undecoded
	for _, d := range u.sets {
		switch {
		case d.tooMany:
		case d.later:
			before = append(before, d)
		default:
			missing = append(missing, d)
		}
	}
	describe := func(ds []*undecoded) (int, uint32, string) {
		n, first := 0, uint32(0)
		var ids []int
		for _, d := range ds {
			n += d.sets
			if first == 0 || d.firstFrame < first {
				first = d.firstFrame
			}
			ids = append(ids, int(d.id))
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		var b strings.Builder
		if len(ids) == 1 {
			b.WriteString("template ")
		} else {
			b.WriteString("templates ")
		}
		for i, id := range ids {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(id))
		}
		return n, first, b.String()
	}
	var notes []string
	if len(before) > 0 {
		n, first, ids := describe(before)
		advice := "read the capture with --two-pass always"
		if export {
			advice = "export the packets again from the capture with tshark's two passes (tshark -2 -T json ...), or give nftimediff the capture itself"
		}
		notes = append(notes, fmt.Sprintf(
			"%s: %s of %s (first at frame %d) came before the template and could not be decoded in one pass; %s",
			label, count(n, "data set", "data sets"), ids, first, advice))
	}
	if len(missing) > 0 && export {
		n, first, ids := describe(missing)
		notes = append(notes, fmt.Sprintf(
			"%s: %s of %s (first at frame %d) could not be decoded: the export holds no template for them; export every packet of the capture (the template packets too), or give nftimediff the capture itself",
			label, count(n, "data set", "data sets"), ids, first))
	}
	return notes
}

// TooManyFieldsNote says that tshark refused template id (seen in frame of
// the input label) because it has more fields (fields, as tshark printed
// the count) than cflow.max_template_fields, and what to do.
func TooManyFieldsNote(label string, frame uint32, id uint16, fields string, export bool) string {
	advice := "read the capture as it is (nftimediff runs tshark with -o cflow.max_template_fields:0)"
	if export {
		advice = "export the packets again from the capture with tshark -o cflow.max_template_fields:0 (0: no limit; in Wireshark the CFLOW protocol preference of that name), or give nftimediff the capture itself"
	}
	return fmt.Sprintf(
		"%s frame %d: template %d has %s fields, more than tshark's limit (cflow.max_template_fields, default 60): tshark did not use it, so its data sets are undecodable; %s",
		label, frame, id, fields, advice)
}

// UndecodedPorts counts the UDP packets that a JSON or EK export shows
// without a cflow layer although their payload looks like NetFlow v9 /
// IPFIX (the test of the capture's first pass): exports made without
// Decode As for a port tshark does not decode by itself. Their records are
// missing from the export; Notes says which port to decode.
type UndecodedPorts struct {
	ports map[undecodedPort]int
}

type undecodedPort struct {
	port   uint16
	source bool // the source port, whose dissector claimed the packet
	dst    uint16
}

// Packet looks at one UDP packet without a cflow layer: its ports and its
// payload as tshark prints bytes (hex, colon-separated or not; "" when the
// export has neither udp.payload nor a data layer).
func (u *UndecodedPorts) Packet(sp, dp uint16, payloadHex string) {
	if payloadHex == "" {
		return
	}
	p, err := hex.DecodeString(strings.ReplaceAll(payloadHex, ":", ""))
	if err != nil {
		return
	}
	if _, ok := looksLikeExport(p); !ok {
		return
	}
	k := undecodedPort{port: dp}
	if slices.Contains(defaultPorts, int(dp)) && sp < 1024 && sp < dp {
		// Sent to a default port but claimed by the lower source port's
		// dissector (DNS, NTP, syslog ...): see scan.lowSource.
		k = undecodedPort{port: sp, source: true, dst: dp}
	}
	if u.ports == nil {
		u.ports = map[undecodedPort]int{}
	}
	u.ports[k]++
}

// Notes returns one note per port found, in port order. export: the input
// is an analyst's export (re-export with Decode As); otherwise tshark's
// output for a capture (add --port).
func (u *UndecodedPorts) Notes(label string, export bool) []string {
	keys := slices.SortedFunc(maps.Keys(u.ports), func(a, b undecodedPort) int {
		return int(a.port) - int(b.port)
	})
	var notes []string
	for _, k := range keys {
		n := count(u.ports[k], "packet", "packets")
		look, were := "look", "were"
		if u.ports[k] == 1 {
			look, were = "looks", "was"
		}
		why := "tshark decodes only ports 2055, 4739 and 9996 by itself"
		if slices.Contains(defaultPorts, int(k.port)) {
			why = "another dissector claimed them, or CFLOW is disabled"
		}
		what := fmt.Sprintf("%s to UDP port %d %s like NetFlow/IPFIX but %s not decoded (%s)", n, k.port, look, were, why)
		if k.source {
			what = fmt.Sprintf("%s from UDP source port %d to port %d %s like NetFlow/IPFIX but %s claimed by the source port's dissector", n, k.port, k.dst, look, were)
		}
		advice := fmt.Sprintf("add --port %d", k.port)
		if export {
			advice = fmt.Sprintf("export the packets again with Decode As UDP port %d as CFLOW (tshark -d udp.port==%d,cflow ...), or give nftimediff the capture itself, which finds such ports", k.port, k.port)
		}
		notes = append(notes, fmt.Sprintf("%s: %s: their records are missing; %s", label, what, advice))
	}
	return notes
}
