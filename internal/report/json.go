package report

import (
	"bufio"
	"context"
	"io"
	"math"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"netflowtimedifference/internal/flow"
)

// JSONSchema names the version of the JSON layout WriteJSON writes; it is the
// value of the top-level "schema" member (README-report.md documents it).
const JSONSchema = "nftimediff-match/1"

// WriteJSON writes the model as one JSON object (schema in README-report.md):
// schema, title, generated, summary, verdict, params, clock, per_pair,
// exporters, notes, then the potentially long arrays pairs, unmatched_pre and
// unmatched_post. It streams: each pair is encoded into a reused buffer and
// written, so memory does not grow with the number of pairs. Floats that are
// not finite (no estimate) are written as null.
func WriteJSON(ctx context.Context, w io.Writer, m *Model) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 64<<10)
	}
	j := &jsonBuf{b: make([]byte, 0, 4096)}
	flush := func() error {
		_, err := bw.Write(j.b)
		j.b = j.b[:0]
		return err
	}

	j.raw("{\n")
	j.key("schema").str(JSONSchema).raw(",\n")
	j.key("title").str(m.Title).raw(",\n")
	j.key("generated")
	if m.Generated.IsZero() {
		j.raw("null")
	} else {
		j.str(m.Generated.UTC().Format(time.RFC3339Nano))
	}
	j.raw(",\n")

	o := &m.Overall
	j.key("summary").raw("{")
	j.key("pairs").int(int64(len(m.Pairs))).raw(",")
	j.key("unmatched_pre").int(int64(len(m.UnmatchedPre))).raw(",")
	j.key("unmatched_post").int(int64(len(m.UnmatchedPost))).raw(",")
	j.key("records_pre").int(int64(m.RecordsPre)).raw(",")
	j.key("records_post").int(int64(m.RecordsPost)).raw(",")
	j.key("offset_ms").num(orNaN(o.Offset, o.Pairs > 0)).raw(",")
	j.key("offset_low_ms").num(orNaN(o.OffsetLow, o.Pairs > 0)).raw(",")
	j.key("offset_high_ms").num(orNaN(o.OffsetHigh, o.Pairs > 0)).raw(",")
	j.key("median_delta_ms").num(orNaN(o.Median, o.Pairs > 0)).raw(",")
	j.key("drift_ppm").num(orNaN(o.DriftPPM, o.HasDrift)).raw(",")
	j.key("drift_ms_per_hour").num(orNaN(o.DriftMsPerHour, o.HasDrift)).raw(",")
	j.key("within_tolerance").num(orNaN(o.WithinTolerance, o.Pairs > 0)).raw(",")
	j.key("uncertainty_ms").num(o.Uncertainty).raw(",")
	j.key("verdict").str(verdictCode(m.Verdict.Code)).raw("},\n")

	j.key("verdict").raw("{")
	j.key("code").str(verdictCode(m.Verdict.Code)).raw(",")
	j.key("summary").str(m.Verdict.Summary).raw(",")
	j.key("reasons").strs(m.Verdict.Reasons).raw("},\n")

	p := &m.Params
	j.key("params").raw("{")
	j.key("inputs").strs(p.Inputs).raw(",")
	j.key("pre_domains").u32s(p.PreDomains).raw(",")
	j.key("post_domains").u32s(p.PostDomains).raw(",")
	j.key("pre_exporters").strs(p.PreExporters).raw(",")
	j.key("post_exporters").strs(p.PostExporters).raw(",")
	j.key("key").strs(p.Key).raw(",")
	j.key("window_ms").num(durMs(p.Window)).raw(",")
	j.key("tolerance_ms").num(durMs(p.Tolerance)).raw(",")
	j.key("all_pairs").bool(p.AllPairs).raw(",")
	j.key("tool").str(p.Tool).raw(",")
	j.key("domain_note").str(p.DomainNote).raw("},\n")

	j.key("clock").clock(o).raw(",\n")
	j.key("per_pair").raw("[")
	for i := range m.PerPair {
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n").clock(&m.PerPair[i])
	}
	j.raw("],\n")

	j.key("exporters").raw("[")
	for i := range m.Exporters {
		e := &m.Exporters[i]
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n{")
		j.key("exporter").str(e.Exporter).raw(",")
		j.key("domain").int(int64(e.Domain)).raw(",")
		j.key("side").str(e.Side).raw(",")
		j.key("versions").str(e.Versions).raw(",")
		j.key("packets").int(int64(e.Packets)).raw(",")
		j.key("records").int(int64(e.Records)).raw(",")
		j.key("encodings").str(e.Encodings).raw(",")
		j.key("undecoded_sets").int(int64(e.Undecoded)).raw(",")
		j.key("export_lag_median_ms").num(orNaN(e.ExportLagMedian, e.HasExportLag)).raw(",")
		j.key("export_lag_min_ms").num(orNaN(e.ExportLagMin, e.HasExportLag)).raw(",")
		j.key("export_lag_max_ms").num(orNaN(e.ExportLagMax, e.HasExportLag)).raw(",")
		j.key("start_after_export")
		if e.StartAfterExportKnown() {
			j.int(int64(e.StartAfterExport))
		} else {
			j.raw("null")
		}
		j.raw("}")
	}
	j.raw("],\n")
	j.key("notes").strs(m.Notes).raw(",\n")
	if err := flush(); err != nil {
		return err
	}

	j.key("pairs").raw("[")
	for i := range m.Pairs {
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pr := &m.Pairs[i]
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n{")
		j.key("pre").record(pr.Pre).raw(",")
		j.key("post").record(pr.Post).raw(",")
		j.key("delta_ms").num(pr.DeltaMs).raw(",")
		j.key("candidates").int(int64(pr.Candidates)).raw(",")
		j.key("runner_up_ms").num(pr.RunnerUpMs).raw(",")
		j.key("continuation").bool(pr.Continuation).raw("}")
		if len(j.b) > 32<<10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	j.raw("],\n")
	for side, list := range [2][]Unmatched{m.UnmatchedPre, m.UnmatchedPost} {
		if side == 0 {
			j.key("unmatched_pre")
		} else {
			j.key("unmatched_post")
		}
		j.raw("[")
		for i := range list {
			if i&4095 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if i > 0 {
				j.raw(",")
			}
			j.raw("\n{")
			j.key("record").record(list[i].Rec).raw(",")
			j.key("reason").str(list[i].Reason).raw("}")
			if len(j.b) > 32<<10 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if side == 0 {
			j.raw("],\n")
		} else {
			j.raw("]\n}\n")
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if bw != w {
		return bw.Flush()
	}
	return nil
}

func orNaN(v float64, ok bool) float64 {
	if !ok {
		return math.NaN()
	}
	return v
}

func durMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// jsonBuf appends JSON to a byte slice.
type jsonBuf struct{ b []byte }

func (j *jsonBuf) raw(s string) *jsonBuf { j.b = append(j.b, s...); return j }

func (j *jsonBuf) key(k string) *jsonBuf {
	j.b = append(j.b, '"')
	j.b = append(j.b, k...)
	j.b = append(j.b, '"', ':')
	return j
}

func (j *jsonBuf) int(v int64) *jsonBuf { j.b = strconv.AppendInt(j.b, v, 10); return j }

// uintIf writes v, or null when the record does not carry it (!known).
func (j *jsonBuf) uintIf(v uint64, known bool) *jsonBuf {
	if !known {
		return j.raw("null")
	}
	j.b = strconv.AppendUint(j.b, v, 10)
	return j
}

func (j *jsonBuf) bool(v bool) *jsonBuf { j.b = strconv.AppendBool(j.b, v); return j }

// num writes a float, null when it is NaN or infinite.
func (j *jsonBuf) num(v float64) *jsonBuf {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return j.raw("null")
	}
	j.b = strconv.AppendFloat(j.b, v, 'f', -1, 64)
	return j
}

func (j *jsonBuf) strs(v []string) *jsonBuf {
	j.b = append(j.b, '[')
	for i, s := range v {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		j.str(s)
	}
	j.b = append(j.b, ']')
	return j
}

func (j *jsonBuf) u32s(v []uint32) *jsonBuf {
	j.b = append(j.b, '[')
	for i, d := range v {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		j.b = strconv.AppendUint(j.b, uint64(d), 10)
	}
	j.b = append(j.b, ']')
	return j
}

const hexDigits = "0123456789abcdef"

// str writes a JSON string (AppendJSONString).
func (j *jsonBuf) str(s string) *jsonBuf {
	j.b = AppendJSONString(j.b, s)
	return j
}

// AppendJSONString appends s as a JSON string the way encoding/json writes
// it, without its allocations: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped (safe
// for JavaScript consumers). Every JSON output of nftimediff uses it.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += n
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += n
			start = i
			continue
		}
		i += n
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (j *jsonBuf) addr(a netip.Addr) *jsonBuf {
	if !a.IsValid() {
		return j.raw("null")
	}
	j.b = append(j.b, '"')
	j.b = a.AppendTo(j.b)
	j.b = append(j.b, '"')
	return j
}

func (j *jsonBuf) instant(t flow.Instant, p flow.Precision) *jsonBuf {
	if t == 0 {
		return j.raw("null")
	}
	j.b = append(j.b, '"')
	j.b = appendInstant(j.b, t, p)
	j.b = append(j.b, '"')
	return j
}

// record writes one flow record (schema: README-report.md, "record").
func (j *jsonBuf) record(r *flow.Record) *jsonBuf {
	if r == nil {
		return j.raw("null")
	}
	j.raw("{")
	j.key("file").str(r.File).raw(",")
	j.key("frame").int(int64(r.Frame)).raw(",")
	j.key("set").int(int64(r.Set)).raw(",")
	j.key("flow").int(int64(r.Flow)).raw(",")
	j.key("exporter").addr(r.Exporter).raw(",")
	j.key("domain").int(int64(r.Domain)).raw(",")
	j.key("version").int(int64(r.Version)).raw(",")
	j.key("src").addr(r.Src).raw(",")
	j.key("src_port").uintIf(uint64(r.SrcPort), r.Has(flow.LacksSrcPort)).raw(",")
	j.key("dst").addr(r.Dst).raw(",")
	j.key("dst_port").uintIf(uint64(r.DstPort), r.Has(flow.LacksDstPort)).raw(",")
	j.key("proto").uintIf(uint64(r.Proto), r.Has(flow.LacksProto)).raw(",")
	j.key("app").str(r.App).raw(",")
	j.key("start")
	if r.HasStart() {
		j.b = append(j.b, '"')
		j.b = appendInstant(j.b, r.Start, r.StartEnc.Precision())
		j.raw("\",")
		j.key("start_ns").int(int64(r.Start)).raw(",")
	} else {
		j.raw("null,")
		j.key("start_ns").raw("null,")
	}
	j.key("start_encoding").str(r.StartEnc.String()).raw(",")
	j.key("start_precision").str(r.StartEnc.Precision().String()).raw(",")
	j.key("packets").uintIf(r.Packets, r.Has(flow.LacksPackets)).raw(",")
	j.key("octets").uintIf(r.Octets, r.Has(flow.LacksOctets)).raw(",")
	j.key("vlan")
	if r.HasVLAN {
		j.int(int64(r.VLAN))
	} else {
		j.raw("null")
	}
	j.raw(",")
	j.key("capture_time").instant(r.CaptureTime, flow.PrecisionNano).raw(",")
	j.key("export_time").instant(r.ExportTime, flow.PrecisionSecond).raw(",")
	j.key("nat")
	if r.NAT == nil {
		j.raw("null")
	} else {
		j.raw("{")
		j.key("src").addr(r.NAT.Src).raw(",")
		j.key("src_port").int(int64(r.NAT.SrcPort)).raw(",")
		j.key("dst").addr(r.NAT.Dst).raw(",")
		j.key("dst_port").int(int64(r.NAT.DstPort)).raw("}")
	}
	return j.raw("}")
}

// clock writes one Clock (schema: README-report.md, "clock").
func (j *jsonBuf) clock(c *Clock) *jsonBuf {
	has := c.Pairs > 0
	j.raw("{")
	j.key("label").str(c.Label).raw(",")
	j.key("pairs").int(int64(c.Pairs)).raw(",")
	j.key("clock_pairs").int(int64(c.ClockPairs())).raw(",")
	j.key("continuation_pairs").int(int64(c.Continuations)).raw(",")
	j.key("coarse_pairs").int(int64(c.Coarse)).raw(",")
	j.key("unmatched_pre").int(int64(c.UnmatchedPre)).raw(",")
	j.key("unmatched_post").int(int64(c.UnmatchedPost)).raw(",")
	for _, kv := range []struct {
		k string
		v float64
	}{{"min_ms", c.Min}, {"p5_ms", c.P5}, {"median_ms", c.Median}, {"mean_ms", c.Mean}, {"p95_ms", c.P95}, {"max_ms", c.Max},
		{"stddev_ms", c.Stddev}, {"mad_ms", c.MAD}, {"within_tolerance", c.WithinTolerance},
		{"offset_ms", c.Offset}, {"offset_low_ms", c.OffsetLow}, {"offset_high_ms", c.OffsetHigh}} {
		j.key(kv.k).num(orNaN(kv.v, has)).raw(",")
	}
	j.key("offset_interval")
	if has {
		j.str(IntervalName(c))
	} else {
		j.raw("null")
	}
	j.raw(",")
	j.key("offset_coverage").num(orNaN(c.OffsetCoverage, has && c.OffsetInterval != "")).raw(",")
	j.key("drift_ms_per_hour").num(orNaN(c.DriftMsPerHour, c.HasDrift)).raw(",")
	j.key("drift_ppm").num(orNaN(c.DriftPPM, c.HasDrift)).raw(",")
	j.key("steps").raw("[")
	for i, s := range c.Steps {
		if i > 0 {
			j.raw(",")
		}
		j.raw("{").key("at").str(s.At.UTC().Format(time.RFC3339Nano)).raw(",")
		j.key("before_ms").num(s.BeforeMs).raw(",").key("after_ms").num(s.AfterMs).raw("}")
	}
	j.raw("],")
	j.key("uncertainty_ms").num(c.Uncertainty).raw(",")
	j.key("quarter_hour_hint").str(c.QuarterHourHint)
	return j.raw("}")
}
