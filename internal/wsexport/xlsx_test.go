package wsexport

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"netflowtimedifference/internal/flow"
)

// writeBook writes a workbook whose first sheet is empty (as in the analyst's
// file) and whose second holds rows; numeric cells are written as numbers,
// the way Excel stores what it converted.
func writeBook(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	f.NewSheet("Export")
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Export", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAWorkbookWithAPortListExcelMadeANumberIsRefused(t *testing.T) {
	path := writeBook(t, [][]any{
		{"Column1", "Column2", "Column3", "Column4", "Column5"},
		{"No.", "Source", "Observation Domain Id", "DstAddr", "DstPort"},
		{1, "10.0.0.1", 320, "1.1.1.1", 443},
		{2, "10.0.0.1", 320, "1.1.1.1,1.1.1.2,1.1.1.3", 443443443},
	})
	r, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recs, err := flow.ReadAll(r)
	if len(recs) != 1 || !errors.Is(err, ErrExcelNumber) || !strings.Contains(err.Error(), "sheet Export row 4 (frame 2), DstPort") ||
		!strings.Contains(err.Error(), "Text") {
		t.Errorf("%d records, error %v; want 1 and the refusal of row 4", len(recs), err)
	}
}
