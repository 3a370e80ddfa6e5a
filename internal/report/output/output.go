// Package output writes the report files of one `nftimediff match` run:
// every requested format, each atomically (report.WriteFile).
package output

import (
	"context"
	"io"
	"path/filepath"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/docx"
	"netflowtimedifference/internal/report/xlsx"
)

// Write writes the files named in p (an empty name is skipped) in the order
// text, JSON, CSV, XLSX, DOCX, and stops at the first error, which names the
// file. Files written before the error stay; the failed one leaves nothing.
// The DOCX points at the XLSX by its base name when both are written.
// wrote, if not nil, is called with each file's name once it is in place,
// so the caller can tell which files a later error or interrupt left
// unwritten.
func Write(ctx context.Context, m *report.Model, p report.Paths, wrote func(path string)) error {
	dopt := docx.Options{}
	if p.XLSX != "" {
		dopt.XLSXName = filepath.Base(p.XLSX)
	}
	for _, f := range []struct {
		path   string
		render report.RenderFunc
	}{
		{p.Text, func(ctx context.Context, w io.Writer) error { return report.WriteText(ctx, w, m) }},
		{p.JSON, func(ctx context.Context, w io.Writer) error { return report.WriteJSON(ctx, w, m) }},
		{p.CSV, func(ctx context.Context, w io.Writer) error { return report.WriteCSV(ctx, w, m) }},
		{p.XLSX, func(ctx context.Context, w io.Writer) error { return xlsx.Write(ctx, w, m) }},
		{p.DOCX, func(ctx context.Context, w io.Writer) error { return docx.Write(ctx, w, m, dopt) }},
	} {
		if f.path == "" {
			continue
		}
		if err := report.WriteFile(ctx, f.path, f.render); err != nil {
			return err
		}
		if wrote != nil {
			wrote(f.path)
		}
	}
	return nil
}
