package main

import (
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"netflowtimedifference/internal/app"
	"netflowtimedifference/internal/match"
	"netflowtimedifference/internal/report"
	"netflowtimedifference/internal/stats"
)

func matchCommand() *cli.Command {
	return &cli.Command{
		Name:      "match",
		Usage:     "pair pre- and post-NAT records and measure the exporters' clock offset and drift",
		ArgsUsage: "INPUT...",
		Description: "Reads all INPUTs (pre and post may be in separate files), pairs each pre-NAT record (domain 310)\n" +
			"with the post-NAT record (domain 320) of the same session one to one, and reports the start-time\n" +
			"differences, the clock offset with its interval, drift, steps, and a verdict. The summary goes to\n" +
			"standard output; -o DIR writes every report format, --json/--csv/--xlsx/--docx single files.",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "pre-odid", Usage: "observation domain `ID`s of the pre-NAT side (comma-separated or repeated; default 310)"},
			&cli.StringSliceFlag{Name: "post-odid", Usage: "observation domain `ID`s of the post-NAT side (default 320)"},
			&cli.StringSliceFlag{Name: "pre-exporter", Usage: "only pre records from exporter `ADDR` (repeatable)"},
			&cli.StringSliceFlag{Name: "post-exporter", Usage: "only post records from exporter `ADDR` (repeatable)"},
			&cli.StringFlag{Name: "key", Value: match.DefaultKey.String(), Usage: "fields that must be equal: dst, dst_port (dport), proto, app, packets, octets (bytes), vlan, src, src_port (sport); dst/dst_port mean the server socket"},
			&cli.DurationFlag{Name: "window", Value: match.DefaultWindow, Usage: "largest start-time difference of a pair"},
			&cli.DurationFlag{Name: "tolerance", Value: stats.DefaultTolerance, Usage: "clocks whose offset lies within ±tolerance are in sync"},
			&cli.BoolFlag{Name: "all-pairs", Usage: "list every candidate pair (many-to-many, as the old script) instead of one-to-one pairs"},
			&cli.BoolFlag{Name: "fail-on-drift", Aliases: []string{"fail-on-out-of-sync"}, Usage: fmt.Sprintf("exit with code %d when the verdict is out of sync (offset, drift or a step beyond the tolerance)", app.ExitOutOfSync)},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write every report format into `DIR` (names derived from the first input)"},
			&cli.StringFlag{Name: "json", Usage: "write the JSON report to `FILE`"},
			&cli.StringFlag{Name: "csv", Usage: "write one CSV row per pair to `FILE`"},
			&cli.StringFlag{Name: "xlsx", Usage: "write the Excel report to `FILE`"},
			&cli.StringFlag{Name: "docx", Usage: "write the Word report to `FILE`"},
			&cli.StringFlag{Name: "text", Usage: "also write the terminal summary to `FILE`"},
		}, sourceFlags("no summary, no progress display, no notes or \"wrote\" lines on stderr")...),
		Action: func(c *cli.Context) error {
			inputs, err := inputsAndLateFlags(c)
			if err != nil {
				return err
			}
			so, err := sourceOptions(c)
			if err != nil {
				return err
			}
			mc, err := matchConfig(c)
			if err != nil {
				return usageError{err}
			}
			cfg := app.MatchConfig{
				Inputs:      inputs,
				Source:      so,
				Match:       mc,
				Tolerance:   c.Duration("tolerance"),
				FailOnDrift: c.Bool("fail-on-drift"),
				Stderr:      os.Stderr,
			}
			if !c.Bool("quiet") {
				cfg.Stdout = os.Stdout
			}
			if dir := c.String("output"); dir != "" {
				cfg.OutDir = dir
				cfg.Paths = report.PathsInDir(dir, inputs)
			}
			for _, f := range []struct {
				name string
				dst  *string
			}{{"json", &cfg.Paths.JSON}, {"csv", &cfg.Paths.CSV}, {"xlsx", &cfg.Paths.XLSX}, {"docx", &cfg.Paths.DOCX}, {"text", &cfg.Paths.Text}} {
				if v := c.String(f.name); v != "" {
					*f.dst = v
				}
			}
			if toStdout(cfg.Paths) {
				// A report goes to standard output: keep it parseable.
				cfg.Stdout = nil
				if !c.Bool("quiet") {
					cfg.Stdout = os.Stderr
				}
			}
			if c.Bool("quiet") {
				cfg.Stderr = nil
			}
			// A closed standard output (| head) must not kill the process
			// by SIGPIPE before the report files are written: with the
			// signal caught, writes fail with EPIPE instead, which Match
			// takes as the reader having stopped.
			signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
			return app.Match(c.Context, cfg)
		},
	}
}

// matchConfig maps the side and key flags to a match.Config.
func matchConfig(c *cli.Context) (match.Config, error) {
	var mc match.Config
	var err error
	if mc.PreDomains, err = domainList("pre-odid", c.StringSlice("pre-odid")); err != nil {
		return mc, err
	}
	if mc.PostDomains, err = domainList("post-odid", c.StringSlice("post-odid")); err != nil {
		return mc, err
	}
	if mc.PreExporters, err = addrList("pre-exporter", c.StringSlice("pre-exporter")); err != nil {
		return mc, err
	}
	if mc.PostExporters, err = addrList("post-exporter", c.StringSlice("post-exporter")); err != nil {
		return mc, err
	}
	if c.IsSet("key") && strings.Trim(c.String("key"), " ,") == "" {
		return mc, app.Errorf(app.ExitUsage, "--key is empty: name the fields that must agree, e.g. --key %s", match.DefaultKey)
	}
	if mc.Key, err = match.ParseKey(c.String("key")); err != nil {
		return mc, app.Errorf(app.ExitUsage, "--key: %v", err)
	}
	// The same domain on both sides needs exporters to tell them apart
	// (the matcher checks records that still fall on both sides).
	if len(mc.PreExporters) == 0 && len(mc.PostExporters) == 0 {
		pre, post := mc.PreDomains, mc.PostDomains
		if len(pre) == 0 {
			pre = []uint32{match.DefaultPreDomain}
		}
		if len(post) == 0 {
			post = []uint32{match.DefaultPostDomain}
		}
		for _, d := range pre {
			if slices.Contains(post, d) {
				return mc, app.Errorf(app.ExitUsage, "domain %d is on both sides (--pre-odid, --post-odid): give different domains, or --pre-exporter and --post-exporter to tell the sides apart", d)
			}
		}
	}
	mc.Window = c.Duration("window")
	if mc.Window <= 0 {
		return mc, app.Errorf(app.ExitUsage, "--window must be positive, got %v", mc.Window)
	}
	if mc.Window > match.MaxWindow {
		return mc, app.Errorf(app.ExitUsage, "--window %s is beyond the largest supported window, %s (a week: clocks set to different time zones differ by at most 26 h)",
			report.FlagDuration(mc.Window), report.FlagDuration(match.MaxWindow))
	}
	if c.Duration("tolerance") <= 0 {
		return mc, app.Errorf(app.ExitUsage, "--tolerance must be positive, got %v", c.Duration("tolerance"))
	}
	mc.AllPairs = c.Bool("all-pairs")
	return mc, nil
}

// listItems splits a list flag's values ("310,311", or the flag repeated)
// into its items. An empty item (",," or a comma at an end) is refused:
// it is a typo that would otherwise drop an id without a word.
func listItems(flag string, vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				return nil, app.Errorf(app.ExitUsage, "--%s %q has an empty element (two commas, or a comma at an end): separate the values by single commas", flag, strings.Join(vals, ","))
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// domainList parses "310,311" or repeated flags into domain ids.
func domainList(flag string, vals []string) ([]uint32, error) {
	items, err := listItems(flag, vals)
	if err != nil {
		return nil, err
	}
	var out []uint32
	for _, f := range items {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, app.Errorf(app.ExitUsage, "--%s %q: not an observation domain id (0..4294967295)", flag, f)
		}
		out = append(out, uint32(n))
	}
	return out, nil
}

// addrList parses exporter addresses.
func addrList(flag string, vals []string) ([]netip.Addr, error) {
	items, err := listItems(flag, vals)
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, f := range items {
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, app.Errorf(app.ExitUsage, "--%s %q: not an IP address", flag, f)
		}
		out = append(out, a.Unmap())
	}
	return out, nil
}

// toStdout reports whether a report file is standard output.
func toStdout(p report.Paths) bool {
	for _, f := range []string{p.Text, p.JSON, p.CSV, p.XLSX, p.DOCX} {
		if f == "-" || f == "/dev/stdout" || f == "/dev/fd/1" || f == "/proc/self/fd/1" {
			return true
		}
	}
	return false
}
