package xlsx

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/report/reporttest"
)

// axes returns the <catAx> and <valAx> elements of a chart part, in order.
func axes(t *testing.T, chart string) []string {
	t.Helper()
	all := regexp.MustCompile(`<(catAx|valAx)>.*?</(catAx|valAx)>`).FindAllString(chart, -1)
	if len(all) != 2 {
		t.Fatalf("chart has %d axes, want 2", len(all))
	}
	return all
}

// tickText is the text properties of an axis's tick labels (its <txPr>
// after the title's).
func tickText(ax string) string {
	i := strings.LastIndex(ax, "<txPr>")
	j := strings.LastIndex(ax, "</txPr>")
	if i < 0 || j < i {
		return ""
	}
	return ax[i : j+len("</txPr>")]
}

func TestChartTickLabelsAreDarkGrey(t *testing.T) {
	data := render(t, reporttest.Model(300))
	for _, part := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml"} {
		for i, ax := range axes(t, string(zipEntry(t, data, part))) {
			tx := tickText(ax)
			if !strings.Contains(tx, `<a:solidFill><a:srgbClr val="404040"></a:srgbClr></a:solidFill>`) {
				t.Errorf("%s axis %d: tick labels are not #404040: %s", part, i+1, tx)
			}
			if strings.Contains(tx, "lumMod") {
				t.Errorf("%s axis %d: tick labels still use excelize's light tx1 15 %%", part, i+1)
			}
		}
	}
}

func TestScatterTimeLabelsSitBelowThePlotWhateverTheSignOfTheDifferences(t *testing.T) {
	m := reporttest.Model(300)
	for i := range m.Pairs {
		m.Pairs[i].DeltaMs = -1500 + float64(i%3) // all below zero, as with the clock-step scenario
	}
	ax := axes(t, string(zipEntry(t, render(t, m), "xl/charts/chart2.xml")))
	timeAx, valueAx := ax[0], ax[1]
	if !strings.Contains(timeAx, `<axPos val="b"></axPos>`) || !strings.Contains(timeAx, `<numFmt formatCode="hh:mm:ss"`) {
		t.Fatalf("the first axis is not the time axis: %.200s", timeAx)
	}
	// The axis still crosses the value axis at 0 ms (a reference line);
	// only its labels go to the bottom of the plot.
	if !strings.Contains(timeAx, `<tickLblPos val="low"></tickLblPos>`) {
		t.Errorf("time axis labels are not at the low end of the value axis")
	}
	if !strings.Contains(valueAx, `<tickLblPos val="low"></tickLblPos>`) {
		t.Errorf("value axis labels are not at the left (low) end of the time axis")
	}
}

func TestHistogramBinLabelsAreTurnedWhenThereAreManyBins(t *testing.T) {
	many := reporttest.Model(300)
	for i := range many.Pairs {
		many.Pairs[i].DeltaMs = float64(-1550 + 5*i) // 40 bins
	}
	for _, tc := range []struct {
		name string
		m    *report.Model
		rot  string
	}{
		{"many bins are turned by -45 degrees", many, `rot="-2700000"`},
		{"a few bins stay level", reporttest.Model(300), `rot="0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := render(t, tc.m)
			ax := axes(t, string(zipEntry(t, data, "xl/charts/chart1.xml")))
			if !strings.HasPrefix(ax[0], "<catAx>") {
				t.Fatalf("the histogram's first axis is not its category axis")
			}
			rows, _ := open(t, data).GetRows("Chart data")
			bins := 0
			for _, r := range rows[1:] {
				if len(r) > 0 && r[0] != "" {
					bins++
				}
			}
			if tx := tickText(ax[0]); !strings.Contains(tx, tc.rot) {
				t.Errorf("%d bins: bin labels lack %s: %s", bins, tc.rot, tx)
			}
			if (tc.rot == `rot="0"`) != (bins <= 12) {
				t.Errorf("the model has %d bins", bins)
			}
		})
	}
}

func TestSmallSheetsHaveTheirUsedRangeAsDimension(t *testing.T) {
	data := render(t, reporttest.Model(300))
	f := open(t, data)
	summaryRows, _ := f.GetRows("Summary")
	for sheet, want := range map[string]string{
		"Summary":        "A1:C" + strconv.Itoa(len(summaryRows)),
		"Exporters":      "A1:L5",   // header, 2 exporters, blank row, the note
		"Exporter pairs": "A1:R2",   // header, 1 exporter pair
		"Charts":         "A1:A2",   // two lines of text; the charts are drawings
		"Chart data":     "A1:G300", // header and 299 charted pairs (pair 5 is a continuation)
	} {
		got, err := f.GetSheetDimension(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s dimension = %q, want %q", sheet, got, want)
		}
	}
	if len(summaryRows) < 40 {
		t.Errorf("Summary has only %d rows", len(summaryRows))
	}
}

func TestSummaryVerdictDoesNotRepeatItsCodeOrTheSummary(t *testing.T) {
	m := reporttest.Model(5)
	first := "2 of 2 exporter pairs out of sync: a +120 ms (95 % interval +120 ms .. +121 ms, 9 pairs)"
	m.Verdict = report.Verdict{Code: "out of sync", Summary: "Out of sync: " + first + ".",
		Reasons: []string{first + " (each exporter pair judged on its own)", "out of sync: the offset is beyond the tolerance"}}
	f := open(t, render(t, m))
	for cell, want := range map[string]string{
		"A3": "Verdict", "B3": "OUT OF SYNC",
		"B4": "2 of 2 exporter pairs out of sync: a +120 ms (95 % interval +120 ms .. +121 ms, 9 pairs).",
		"B5": "each exporter pair judged on its own",
		"B6": "the offset is beyond the tolerance",
		"B7": "",
	} {
		if got, _ := f.GetCellValue("Summary", cell); got != want {
			t.Errorf("Summary!%s = %q, want %q", cell, got, want)
		}
	}
}

func TestExportersSheetShowsNAWithoutExportTimes(t *testing.T) {
	m := reporttest.Model(3)
	m.Exporters = []report.Exporter{
		{Exporter: "192.0.2.8", Domain: 310, Side: "pre", Versions: "10", Records: 5},
		{Exporter: "192.0.2.9", Domain: 320, Side: "post", Versions: "10", Records: 5, StartAfterExport: 2, HasStartAfterExport: true},
	}
	f := open(t, render(t, m))
	for cell, want := range map[string]string{
		"I2": "n/a", "J2": "n/a", "K2": "n/a", "L2": "n/a",
		"I3": "n/a", "L3": "2",
		"A6": "n/a: not known from this input (Wireshark CSV/XLSX exports carry no export times).",
	} {
		if got, _ := f.GetCellValue("Exporters", cell, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("Exporters!%s = %q, want %q", cell, got, want)
		}
	}
	if typ, _ := f.GetCellType("Exporters", "L3"); typ != excelize.CellTypeUnset {
		t.Errorf("a known count is of type %v, want a number", typ)
	}
}
