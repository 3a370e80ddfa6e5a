package tshark

import (
	"strings"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

func TestParseTime(t *testing.T) {
	ms := func(v int64) flow.Instant { return flow.UnixMilli(v) }
	for _, tc := range []struct {
		Name   string
		Input  string
		Output flow.Instant
		Error  string
	}{
		{Name: "tshark 4.0 display form in UTC", Input: "Nov 14, 2023 22:13:10.123000000 UTC", Output: ms(1699999990123)},
		{Name: "a space-padded day is accepted", Input: "Jan  1, 1970 00:00:00.000000000 UTC", Output: 0},
		{Name: "all nine digits are kept", Input: "Nov 14, 2023 22:13:10.123456716 UTC", Output: flow.Instant(1699999990123456716)},
		{Name: "ISO 8601 UTC from Wireshark 4.6", Input: "2023-11-14T22:13:10.123000000Z", Output: ms(1699999990123)},
		{Name: "ISO 8601 with +00:00", Input: "2023-11-14T22:13:10+00:00", Output: ms(1699999990000)},
		{Name: "epoch seconds with fraction", Input: "1700000000.100000000", Output: ms(1700000000100)},
		{Name: "epoch seconds without fraction", Input: "1700000000", Output: ms(1700000000000)},
		{Name: "a local zone is refused", Input: "Nov 15, 2023 00:13:10.123000000 EET", Error: "not UTC"},
		{Name: "a Windows zone name is refused", Input: "Jul 10, 2019 11:53:30.922000000 GTB Daylight Time", Error: "not UTC"},
		{Name: "a year beyond int64 nanoseconds is refused", Input: "Apr 17, 20552698 22:49:11.424000000 UTC", Error: "year"},
		{Name: "February 30 is refused", Input: "Feb 30, 2023 00:00:00.000000000 UTC", Error: "no such day"},
		{Name: "ten fractional digits are refused", Input: "2023-11-14T22:13:10.1234567890Z", Error: "fraction"},
		{Name: "an empty string is refused", Input: "", Error: "empty"},
		{Name: "junk is refused", Input: "yesterday", Error: "bad time"},
		{Name: "an unknown month is refused", Input: "Foo 14, 2023 22:13:10 UTC", Error: "month"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			got, err := ParseTime(tc.Input)
			if tc.Error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.Error) {
					t.Errorf("error %v, want %q", err, tc.Error)
				}
				return
			}
			if err != nil || got != tc.Output {
				t.Errorf("got %v (%d), %v; want %v", got, got, err, tc.Output)
			}
		})
	}
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		Name   string
		Input  string
		Output time.Duration
		Error  bool
	}{
		{Name: "uptime with nine digits", Input: "3590.123000000", Output: 3590123 * time.Millisecond},
		{Name: "near the 2^32 ms wrap", Input: "4294903.760000000", Output: 4294903760 * time.Millisecond},
		{Name: "whole seconds", Input: "5", Output: 5 * time.Second},
		{Name: "negative delta", Input: "-1.5", Output: -1500 * time.Millisecond},
		{Name: "junk", Input: "1.2.3", Error: true},
		{Name: "empty", Input: "", Error: true},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			got, err := ParseSeconds(tc.Input)
			if (err != nil) != tc.Error || got != tc.Output {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tc.Output, tc.Error)
			}
		})
	}
}

func TestSysUpTimeWrapsLikeV9(t *testing.T) {
	init := flow.UnixMilli(1692447120686) // softflowd: Aug 19, 2023 12:12:00.686 UTC
	export := flow.UnixMilli(1692447120000)
	for _, tc := range []struct {
		Name   string
		Uptime int64
		Output flow.Instant
	}{
		{Name: "an uptime after init is added", Uptime: 1000, Output: flow.UnixMilli(1692447121686)},
		// 4294903760 ms = 2^32 - 63536 ms: the counter wrapped, the flow began 63.536 s before init.
		{Name: "an uptime just below the wrap lies before init", Uptime: 4294903760, Output: flow.UnixMilli(1692447120686 - 63536)},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			if got := sysUpTime(init, tc.Uptime, export, true); got != tc.Output {
				t.Errorf("got %v, want %v", got, tc.Output)
			}
		})
	}
}

func TestEncodingOfDigits(t *testing.T) {
	for _, tc := range []struct {
		in  flow.Instant
		enc flow.Encoding
	}{
		{flow.UnixMilli(1699999990000), flow.EncSeconds},
		{flow.UnixMilli(1699999990123), flow.EncMilliseconds},
		{flow.Instant(1699999990123456000), flow.EncMicroseconds},
		{flow.Instant(1699999990123456716), flow.EncNanoseconds},
	} {
		if got := encodingOfDigits(tc.in).enc; got != tc.enc {
			t.Errorf("%v: %v, want %v", tc.in, got, tc.enc)
		}
	}
}

// FuzzParseTime: never panics, and whatever parses formats back to the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"Nov 14, 2023 22:13:10.123000000 UTC", "Jan  1, 1970 00:00:00.000000000 UTC",
		"2023-11-14T22:13:10.123000000Z", "1700000000.100000000", "Apr 17, 20552698 22:49:11.424000000 UTC",
		"Feb 29, 2024 23:59:60.999999999 UTC", "-1.5", "2023-11-14 22:13:10Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			return
		}
		iso := got.Time().Format("2006-01-02T15:04:05.000000000Z")
		again, err := ParseTime(iso)
		if err != nil || again != got {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, got, iso, again, err)
		}
		if _, err := ParseSeconds(s); err != nil {
			_ = err
		}
	})
}
