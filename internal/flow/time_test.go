package flow

import (
	"testing"
	"time"
)

func TestV9Start(t *testing.T) {
	tests := []struct {
		name                     string
		unixSecs                 uint32
		sysUptime, firstSwitched uint32
		want                     int64 // ms since epoch
	}{
		{"a start ten seconds before the export is ten seconds before unix_secs",
			1700000000, 3600000, 3590000, 1699999990000},
		{"a FIRST_SWITCHED of zero lies at the uptime origin",
			1700000000, 3600000, 0, 1700000000000 - 3600000},
		{"a start taken just before sysUptime wrapped belongs to the previous cycle",
			1700000000, 1000, 4294967296 - 2000, 1700000000000 - 3000},
		{"a start equal to sysUptime is the export time",
			1700000000, 5000, 5000, 1700000000000},
		{"a start 500 ms after the export (broken exporter) stays after it",
			1700000000, 5000, 5500, 1700000000500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := V9Start(tt.unixSecs, tt.sysUptime, tt.firstSwitched)
			if got.Milli() != tt.want {
				t.Errorf("V9Start(%d, %d, %d) = %d ms, want %d ms", tt.unixSecs, tt.sysUptime, tt.firstSwitched, got.Milli(), tt.want)
			}
		})
	}
}

func TestInstantFormatShowsTheDigitsOfItsPrecision(t *testing.T) {
	i := Instant(1699999990123456789)
	tests := []struct {
		p    Precision
		want string
	}{
		{PrecisionSecond, "2023-11-14T22:13:10Z"},
		{PrecisionMilli, "2023-11-14T22:13:10.123Z"},
		{PrecisionV9Header, "2023-11-14T22:13:10.123Z"},
		{PrecisionMicro, "2023-11-14T22:13:10.123456Z"},
		{PrecisionNano, "2023-11-14T22:13:10.123456789Z"},
	}
	for _, tt := range tests {
		if got := i.Format(tt.p); got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestMilliRoundsDownBeforeTheEpoch(t *testing.T) {
	if got := Instant(-1).Milli(); got != -1 {
		t.Errorf("Instant(-1).Milli() = %d, want -1", got)
	}
	if got := UnixMilli(1699999990123).Milli(); got != 1699999990123 {
		t.Errorf("round trip = %d", got)
	}
}

func TestEncodingNamesRoundTrip(t *testing.T) {
	for e := EncNone; int(e) < len(encodingNames); e++ {
		got, ok := ParseEncoding(e.String())
		if !ok || got != e {
			t.Errorf("ParseEncoding(%q) = %v, %v; want %v", e.String(), got, ok, e)
		}
	}
	if EncV9Uptime.Precision().Uncertainty() != time.Second {
		t.Errorf("v9 uncertainty = %v, want 1s", EncV9Uptime.Precision().Uncertainty())
	}
}

func TestPrecisionOfDigits(t *testing.T) {
	for frac, want := range map[string]Precision{
		"000000000": PrecisionSecond, "123000000": PrecisionMilli,
		"123456000": PrecisionMicro, "123456716": PrecisionNano,
	} {
		if got := PrecisionOfDigits(frac); got != want {
			t.Errorf("PrecisionOfDigits(%q) = %v, want %v", frac, got, want)
		}
	}
}

func TestTruncateRoundsTowardsThePast(t *testing.T) {
	tests := []struct {
		name string
		in   Instant
		d    time.Duration
		want Instant
	}{
		{"a millisecond value keeps its milliseconds", 1699999990123456789, time.Millisecond, 1699999990123000000},
		{"a value before 1970 goes further back", -1, time.Second, -1000000000},
		{"a unit of zero keeps the value", 42, 0, 42},
	}
	for _, tt := range tests {
		if got := tt.in.Truncate(tt.d); got != tt.want {
			t.Errorf("%s: Truncate(%d, %v) = %d, want %d", tt.name, tt.in, tt.d, got, tt.want)
		}
	}
}

func TestExportStringEncodingShowsEveryDigitTheStringCarries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      Instant
		enc     Encoding
		printed string
	}{
		{"milliseconds are an export string", 1699999990123000000, EncExportString, "2023-11-14T22:13:10.123Z"},
		{"whole seconds stay milliseconds: a millisecond value may end in 000", 1699999990000000000, EncExportString, "2023-11-14T22:13:10.000Z"},
		{"microsecond digits print six digits", 1699999990123456000, EncExportStringMicro, "2023-11-14T22:13:10.123456Z"},
		{"nanosecond digits print nine", 1699999990123456716, EncExportStringNano, "2023-11-14T22:13:10.123456716Z"},
		{"before 1970 the fraction counts from the second before", -999000, EncExportStringMicro, "1969-12-31T23:59:59.999001Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := ExportStringEncoding(tc.in)
			if got := tc.in.Format(enc.Precision()); enc != tc.enc || got != tc.printed {
				t.Errorf("ExportStringEncoding(%d) = %v, printed %s; want %v, %s", int64(tc.in), enc, got, tc.enc, tc.printed)
			}
		})
	}
}

// A flowStartDeltaMicroseconds of 0 says only that the flow started in the
// export second: [export second, +1 s), like a truncated flowStartSeconds.
func TestDeltaZeroIsExactToTheSecondOnly(t *testing.T) {
	p := EncDeltaMicrosecondsZero.Precision()
	if p != PrecisionSecond || p.Uncertainty() != time.Second || EncDeltaMicroseconds.Precision().Uncertainty() != time.Microsecond {
		t.Errorf("delta 0: precision %v (%v), delta: %v", p, p.Uncertainty(), EncDeltaMicroseconds.Precision().Uncertainty())
	}
	if got := Instant(1700000000 * int64(time.Second)).Format(p); got != "2023-11-14T22:13:20Z" {
		t.Errorf("printed %s", got)
	}
	if e, ok := ParseEncoding("flowStartDeltaMicroseconds=0"); !ok || e != EncDeltaMicrosecondsZero {
		t.Errorf("ParseEncoding = %v %v", e, ok)
	}
}
