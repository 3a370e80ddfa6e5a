package wsexport

import (
	"context"
	"io"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

// jsonReader reads a Wireshark / tshark -T json export with tshark's walker
// and this package's time parser (GUI zone labels, --input-tz).
type jsonReader struct {
	ctx      context.Context
	file     string
	w        *tshark.Walker
	tp       *TimeParser
	finished bool
}

func newJSONReader(ctx context.Context, file string, r io.Reader, tp *TimeParser) *jsonReader {
	w := tshark.Walk(r, tshark.WalkOptions{
		File:          file,
		ParseTime:     tp.Parse,
		ExportStrings: true,
		Export:        true,
		Tool:          "Wireshark export",
	})
	return &jsonReader{ctx: ctx, file: file, w: w, tp: tp}
}

func (j *jsonReader) Read() (flow.Record, error) {
	if err := j.ctx.Err(); err != nil {
		return flow.Record{}, err
	}
	r, err := j.w.Read()
	if err == io.EOF && !j.finished {
		j.finished = true
		t := j.w.Tally()
		t.Notes = append(t.Notes, prefixNotes(name(j.file), j.tp.Notes())...)
		if j.tp.Unverified() {
			t.UnverifiedTimes = append(t.UnverifiedTimes, j.file)
		}
	}
	return r, err
}

func (j *jsonReader) Tally() *flow.Tally { return j.w.Tally() }
