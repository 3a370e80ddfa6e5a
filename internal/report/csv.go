package report

import (
	"bufio"
	"context"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"netflowtimedifference/internal/flow"
)

// CSVHeader are the columns of WriteCSV, one row per pair. The per-record
// columns appear twice, prefixed "pre_" and "post_" (README-report.md
// documents each).
var CSVHeader = func() []string {
	h := []string{"pair", "delta_ms", "candidates", "runner_up_ms", "continuation"}
	for _, side := range []string{"pre_", "post_"} {
		for _, c := range csvRecordColumns {
			h = append(h, side+c)
		}
	}
	return h
}()

var csvRecordColumns = []string{
	"file", "frame", "set", "flow", "exporter", "domain", "version",
	"src", "src_port", "dst", "dst_port", "proto", "app",
	"start", "start_encoding", "packets", "octets",
}

// WriteCSV writes one row per pair (RFC 4180: comma separated, header row,
// fields quoted when they hold a comma, quote, CR or LF, "\n" line ends,
// UTF-8 without BOM), the way encoding/csv writes. Instants are RFC 3339 UTC
// with the digits the encoding carries; empty cells mean "not known". Text
// from flow data (file, app) that starts with '=', '+', '-', '@', a tab or a
// carriage return is prefixed with a single quote (FormulaSafe) so that a
// spreadsheet never evaluates it; numeric columns are plain numbers.
func WriteCSV(ctx context.Context, w io.Writer, m *Model) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 64<<10)
	}
	b := make([]byte, 0, 64<<10)
	b = append(b, strings.Join(CSVHeader, ",")...)
	b = append(b, '\n')
	for i := range m.Pairs {
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := &m.Pairs[i]
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, ',')
		b = appendCSVFloat(b, p.DeltaMs)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(p.Candidates), 10)
		b = append(b, ',')
		b = appendCSVFloat(b, p.RunnerUpMs)
		b = append(b, ',')
		b = strconv.AppendBool(b, p.Continuation)
		b = appendCSVRecord(b, p.Pre)
		b = appendCSVRecord(b, p.Post)
		b = append(b, '\n')
		if len(b) > 60<<10 {
			if _, err := bw.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if _, err := bw.Write(b); err != nil {
		return err
	}
	if bw != w {
		return bw.Flush()
	}
	return nil
}

func appendCSVFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return b
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// AppendCSVText appends a text field, formula-safe (FormulaSafe), quoted as
// encoding/csv would quote it. Every CSV output of nftimediff uses it for text
// that can come from flow data.
func AppendCSVText(b []byte, s string) []byte {
	s = FormulaSafe(s)
	if first, _ := utf8.DecodeRuneInString(s); s == "" || !strings.ContainsAny(s, ",\"\r\n") && !unicode.IsSpace(first) {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

func appendCSVAddr(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return b
	}
	return a.AppendTo(b)
}

func appendCSVRecord(b []byte, r *flow.Record) []byte {
	if r == nil {
		for range csvRecordColumns {
			b = append(b, ',')
		}
		return b
	}
	u := func(v uint64) {
		b = append(b, ',')
		b = strconv.AppendUint(b, v, 10)
	}
	// uk writes v, or an empty cell when the record does not carry it.
	uk := func(v uint64, l flow.Lack) {
		if r.Has(l) {
			u(v)
		} else {
			b = append(b, ',')
		}
	}
	b = append(b, ',')
	b = AppendCSVText(b, r.File)
	u(uint64(r.Frame))
	u(uint64(r.Set))
	u(uint64(r.Flow))
	b = append(b, ',')
	b = appendCSVAddr(b, r.Exporter)
	u(uint64(r.Domain))
	u(uint64(r.Version))
	b = append(b, ',')
	b = appendCSVAddr(b, r.Src)
	uk(uint64(r.SrcPort), flow.LacksSrcPort)
	b = append(b, ',')
	b = appendCSVAddr(b, r.Dst)
	uk(uint64(r.DstPort), flow.LacksDstPort)
	uk(uint64(r.Proto), flow.LacksProto)
	b = append(b, ',')
	b = AppendCSVText(b, r.App)
	b = append(b, ',')
	if r.HasStart() {
		b = appendInstant(b, r.Start, r.StartEnc.Precision())
	}
	b = append(b, ',')
	b = append(b, r.StartEnc.String()...)
	uk(r.Packets, flow.LacksPackets)
	uk(r.Octets, flow.LacksOctets)
	return b
}
