package main

import (
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"netflowtimedifference/internal/app"
	"netflowtimedifference/internal/progress"
	"netflowtimedifference/internal/tshark"
	"netflowtimedifference/internal/wsexport"
)

// sourceFlags are the input flags shared by flows, inspect and match;
// quiet says what --quiet silences in the command.
func sourceFlags(quiet string) []cli.Flag {
	return []cli.Flag{
		&cli.IntSliceFlag{Name: "port", Usage: "also decode UDP port `N` as NetFlow v9/IPFIX (repeatable; ports carrying v9/IPFIX are also detected)"},
		&cli.StringFlag{Name: "tshark", Usage: "tshark executable `PATH` (default: tshark from PATH)"},
		&cli.StringFlag{Name: "two-pass", Value: "auto", Usage: "run tshark -2: auto (when data precedes its template), always, never"},
		&cli.BoolFlag{Name: "no-auto-port", Usage: "report, but do not decode, detected NetFlow/IPFIX ports"},
		&cli.IntFlag{Name: "jobs", Value: app.DefaultJobs(), Usage: "run `N` tshark processes per file, each printing every N-th frame (same records, merged in frame order; the default is one per core)"},
		&cli.StringFlag{Name: "input-tz", Usage: "`ZONE` (IANA name or ±HH:MM) the local time strings of a Wireshark export were written in; default: their zone labels"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: quiet},
	}
}

func sourceOptions(c *cli.Context) (app.SourceOptions, error) {
	o := app.SourceOptions{Ports: c.IntSlice("port"), Tshark: c.String("tshark"), NoAutoPorts: c.Bool("no-auto-port"), Jobs: c.Int("jobs")}
	if tz := c.String("input-tz"); tz != "" {
		loc, err := wsexport.ParseInputTZ(tz)
		if err != nil {
			// The message names the flag and the value already.
			return o, usageError{app.WithCode(app.ExitUsage, err)}
		}
		o.InputTZ = loc
	}
	for _, p := range o.Ports {
		if p < 1 || p > 65535 {
			return o, usageError{app.Errorf(app.ExitUsage, "--port %d: use a UDP port from 1 to 65535", p)}
		}
	}
	o.Progress = progress.New(os.Stderr, c.Bool("quiet"))
	if o.Jobs < 1 || o.Jobs > 64 {
		return o, usageError{app.Errorf(app.ExitUsage, "--jobs %d: use 1 to 64", o.Jobs)}
	}
	switch c.String("two-pass") {
	case "auto", "":
		o.TwoPass = tshark.TwoPassAuto
	case "always":
		o.TwoPass = tshark.TwoPassAlways
	case "never":
		o.TwoPass = tshark.TwoPassNever
	default:
		return o, usageError{app.Errorf(app.ExitUsage, "--two-pass %q: use auto, always or never", c.String("two-pass"))}
	}
	return o, nil
}

func flowsCommand() *cli.Command {
	return &cli.Command{
		Name:      "flows",
		Usage:     "print every flow record of the inputs, one line each (CSV or JSON lines)",
		ArgsUsage: "INPUT...",
		Description: "Reads pcap/pcapng captures of NetFlow v9 / IPFIX export traffic (through tshark) or Wireshark\n" +
			"JSON/EK/CSV/XLSX exports of them, and writes one line per data record: position, exporter, domain,\n" +
			"flow key, application, start/end time (RFC 3339 UTC at the precision the record carries) and which\n" +
			"information element the start came from. The columns are listed in the README.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "format", Value: "csv", Usage: "output format: csv or jsonl"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (atomically) instead of standard output"},
		}, sourceFlags("no progress display and no notes on stderr")...),
		Action: func(c *cli.Context) error {
			inputs, err := inputsAndLateFlags(c)
			if err != nil {
				return err
			}
			so, err := sourceOptions(c)
			if err != nil {
				return err
			}
			return app.Flows(c.Context, app.FlowsConfig{
				Inputs: inputs,
				Format: c.String("format"),
				Output: c.String("output"),
				Source: so,
				Stdout: os.Stdout,
				Stderr: os.Stderr,
			})
		},
	}
}

// inputsAndLateFlags returns the command's INPUT arguments and applies flags
// written after them ("flows in.pcap -o out.csv"): urfave/cli v2 stops
// parsing flags at the first argument. "--" ends flags, wherever it stands.
// A string flag given an empty value is refused: it would silently mean
// the default (or, for an output, no output at all).
func inputsAndLateFlags(c *cli.Context) ([]string, error) {
	known := map[string]cli.Flag{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			known[n] = f
		}
	}
	args := c.Args().Slice()
	var inputs []string
	if endedFlags(c) {
		// The flag parser consumed a "--" before the first argument:
		// everything after it is an input, "-dash.json" too.
		inputs, args = args, nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			inputs = append(inputs, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			inputs = append(inputs, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := known[name]
		if !ok {
			return nil, unknownFlag(c.Command.Name, a)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasVal {
			val = "true"
		} else if !hasVal {
			if i+1 >= len(args) {
				return nil, usageError{app.Errorf(app.ExitUsage, "flag needs an argument: %s", a)}
			}
			i++
			val = args[i]
		}
		if err := c.Set(f.Names()[0], val); err != nil {
			return nil, badFlagValue(c.Command.Name, f, f.Names()[0], val)
		}
	}
	if len(inputs) == 0 {
		return nil, usageError{app.Errorf(app.ExitUsage, "%s: no INPUT given", c.Command.Name)}
	}
	if err := emptyFlags(c); err != nil {
		return nil, err
	}
	return inputs, nil
}

// endedFlags reports whether the command's flags were ended by a "--" that
// the flag parser consumed: the command's raw arguments (the parent
// context's, after the command name) hold a "--" after which exactly the
// remaining arguments follow. When the parser stopped at an argument
// before the "--" instead, that "--" is still among the remaining
// arguments, which are then one longer.
func endedFlags(c *cli.Context) bool {
	p := c.Lineage()
	if len(p) < 2 {
		return false
	}
	raw := p[1].Args().Slice()
	if len(raw) == 0 {
		return false
	}
	raw = raw[1:] // the command name
	i := slices.Index(raw, "--")
	return i >= 0 && slices.Equal(raw[i+1:], c.Args().Slice())
}

// emptyFlags refuses a string flag set to an empty value: --format "",
// --pre-odid "".
// --key has its own message (matchConfig).
func emptyFlags(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if name == "key" || !c.IsSet(name) {
			continue
		}
		var empty bool
		switch f.(type) {
		case *cli.StringFlag:
			empty = strings.TrimSpace(c.String(name)) == ""
		case *cli.StringSliceFlag:
			empty = strings.Trim(strings.Join(c.StringSlice(name), ""), " ,") == ""
		}
		if empty {
			return usageError{app.Errorf(app.ExitUsage, "--%s is empty: give it a value, or leave the flag out for its default ('nftimediff help %s' lists the flags)", name, c.Command.Name)}
		}
	}
	return nil
}
