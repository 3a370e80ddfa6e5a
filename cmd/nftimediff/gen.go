package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netflowtimedifference/internal/app"
	"netflowtimedifference/internal/gen"
	"netflowtimedifference/internal/report"
)

// genCommand writes a synthetic export capture with its ground truth.
func genCommand() *cli.Command {
	return &cli.Command{
		Name:  "gen",
		Usage: "generate a NetFlow v9 / IPFIX export capture with exact ground truth",
		UsageText: "nftimediff gen --scenario NAME [--seed N] [--records N] [--pcapng] -o FILE.pcap --truth FILE.json [options]\n" +
			"nftimediff gen --list",
		Description: "Simulates customer sessions seen before NAT (domain 310) and after NAT (domain 320) by probes\n" +
			"with their own clocks, and writes the export traffic a collector would capture plus a truth file\n" +
			"(JSON) with every pre/post record pair, its encoded start times and difference, the unmatched\n" +
			"records and the clock parameters. Flags override the scenario's values. A fixed seed gives\n" +
			"byte-identical output.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "scenario", Value: "in-sync", Usage: "named scenario (see --list)"},
			&cli.BoolFlag{Name: "list", Usage: "list the scenarios and what each proves, then exit"},
			&cli.Int64Flag{Name: "seed", DefaultText: "scenario's", Usage: "random seed"},
			&cli.IntFlag{Name: "records", DefaultText: "scenario's sessions", Usage: "aim for about `N` data records (sets --sessions)"},
			&cli.IntFlag{Name: "sessions", DefaultText: "scenario's", Usage: "sessions starting during warmup and capture (DNS stream excluded)"},
			&cli.DurationFlag{Name: "duration", DefaultText: "scenario's", Usage: "capture length"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "capture file to write (`FILE`.pcap; - for stdout)"},
			&cli.StringFlag{Name: "truth", Usage: "truth file to write (`FILE`.json)"},
			&cli.BoolFlag{Name: "pcapng", Usage: "write pcapng instead of pcap"},
			&cli.StringFlag{Name: "pre-format", DefaultText: "scenario's", Usage: "pre-side export format: v9, ipfix-s, ipfix-ms, ipfix-us, ipfix-ns, ipfix-delta-us, ipfix-uptime (22+160)"},
			&cli.StringFlag{Name: "post-format", DefaultText: "scenario's", Usage: "post-side export format (as --pre-format)"},
			&cli.DurationFlag{Name: "pre-offset", DefaultText: "scenario's", Usage: "pre-side clock offset (all pre exporters)"},
			&cli.DurationFlag{Name: "post-offset", DefaultText: "scenario's", Usage: "post-side clock offset (all post exporters)"},
			&cli.Float64Flag{Name: "pre-drift-ppm", DefaultText: "scenario's", Usage: "pre-side clock drift in ppm"},
			&cli.Float64Flag{Name: "post-drift-ppm", DefaultText: "scenario's", Usage: "post-side clock drift in ppm"},
			&cli.DurationFlag{Name: "pre-step", DefaultText: "scenario's", Usage: "pre-side clocks jump by this much (NTP step) --pre-step-at after the capture start"},
			&cli.DurationFlag{Name: "pre-step-at", DefaultText: "scenario's", Usage: "when the pre-side step happens (after the capture start)"},
			&cli.DurationFlag{Name: "post-step", DefaultText: "scenario's", Usage: "post-side clocks jump by this much (NTP step) --post-step-at after the capture start"},
			&cli.DurationFlag{Name: "post-step-at", DefaultText: "scenario's", Usage: "when the post-side step happens (after the capture start)"},
			&cli.DurationFlag{Name: "collector-offset", DefaultText: "scenario's", Usage: "the collector's clock offset (frame times)"},
			&cli.DurationFlag{Name: "jitter", DefaultText: "scenario's", Usage: "standard deviation of every flow timestamp's error (all exporters)"},
			&cli.IntFlag{Name: "probes", DefaultText: "scenario's", Usage: "use `N` probes (10.103.0.168 up), each exporting both domains with the scenario's first pre/post settings"},
			&cli.BoolFlag{Name: "cross-probe", Usage: "put a session's post side on a probe chosen by its NAT address, not on its pre-side probe"},
			&cli.Float64Flag{Name: "ipv6-share", DefaultText: "scenario's", Usage: "share of IPv6 sessions (0..1)"},
			&cli.Float64Flag{Name: "return-share", DefaultText: "scenario's", Usage: "share of sessions with return-direction records (0..1)"},
			&cli.Float64Flag{Name: "one-sided-share", DefaultText: "scenario's", Usage: "share of sessions seen on one side only (0..1)"},
			&cli.Float64Flag{Name: "pre-drop", DefaultText: "scenario's", Usage: "share of pre-side data packets lost (0..1)"},
			&cli.Float64Flag{Name: "post-drop", DefaultText: "scenario's", Usage: "share of post-side data packets lost (0..1)"},
			&cli.UintFlag{Name: "port", DefaultText: "scenario's", Usage: "collector UDP port (tshark needs -d udp.port==P,cflow unless 2055, 9996 or 4739)"},
			&cli.DurationFlag{Name: "uptime-wrap", DefaultText: "scenario's", Usage: "make every v9 exporter's sysUptime wrap past 2^32 ms this long after the capture start"},
			&cli.BoolFlag{Name: "mid-stream", Usage: "start the capture between template refreshes (data before templates)"},
			&cli.DurationFlag{Name: "template-delay", DefaultText: "scenario's", Usage: "with --mid-stream: mean delay of the first template"},
			&cli.DurationFlag{Name: "active-timeout", DefaultText: "scenario's", Usage: "exporters' active timeout"},
			&cli.DurationFlag{Name: "inactive-timeout", DefaultText: "scenario's", Usage: "exporters' inactive timeout"},
			&cli.DurationFlag{Name: "dns-interval", DefaultText: "scenario's", Usage: "query the popular resolver about this often (0: off)"},
			&cli.BoolFlag{Name: "no-app-names", Usage: "leave out the Ixia application id and name"},
		},
		Action: runGen,
	}
}

func runGen(c *cli.Context) error {
	if c.Bool("list") {
		w := c.App.Writer
		for _, n := range gen.ScenarioNames() {
			fmt.Fprintf(w, "%-16s %s\n", n, gen.ScenarioDescription(n))
		}
		return nil
	}
	if c.Args().Len() > 0 {
		return usageError{fmt.Errorf("gen: unexpected arguments %q", c.Args().Slice())}
	}
	name := c.String("scenario")
	cfg, ok := gen.Scenario(name)
	if !ok {
		return usageError{fmt.Errorf("gen: unknown scenario %q (one of: %s)", name, strings.Join(gen.ScenarioNames(), ", "))}
	}
	out, truth := c.String("output"), c.String("truth")
	if out == "" {
		return usageError{fmt.Errorf("gen: -o FILE is required")}
	}
	if err := checkGenFlags(c); err != nil {
		return usageError{err}
	}
	if err := applyGenFlags(c, &cfg); err != nil {
		return usageError{err}
	}
	if err := checkGenOutputs(out, truth); err != nil {
		return err
	}
	ctx := c.Context
	// After Ctrl-C, run reports the interruption (exit 130) whatever the error.
	if n := c.Int("records"); c.IsSet("records") {
		if c.IsSet("sessions") {
			return usageError{fmt.Errorf("gen: give --records or --sessions, not both")}
		}
		s, err := gen.SessionsFor(ctx, cfg, n)
		if err != nil {
			return usageError{err}
		}
		cfg.Sessions = s
	}
	t0 := time.Now()
	capt, err := gen.GenerateContext(ctx, cfg)
	if err != nil {
		return usageError{err}
	}
	elapsed := time.Since(t0)
	if err := writeGenOutputs(ctx, capt, out, truth); err != nil {
		return err
	}
	s := capt.Truth.Summary
	fmt.Fprintf(c.App.ErrWriter, "gen: scenario %s seed %d: %d frames, %d records (%d pre, %d post), %d pairs (%d unambiguous), %d+%d unmatched, generated in %v\n",
		name, cfg.Seed, s.Frames, s.Records, s.RecordsPre, s.RecordsPost, s.Pairs, s.UnambiguousPairs, s.UnmatchedPre, s.UnmatchedPost, elapsed.Round(time.Millisecond))
	if cfg.CollectorPort != 2055 && cfg.CollectorPort != 9996 && cfg.CollectorPort != 4739 {
		fmt.Fprintf(c.App.ErrWriter, "gen: collector port %d is not a default cflow port: read it with tshark -d udp.port==%d,cflow\n", cfg.CollectorPort, cfg.CollectorPort)
	}
	return nil
}

// writeGenOutputs writes the capture to out and, unless truth is "", the
// truth file, each atomically through report.WriteFile (a temporary file
// renamed into place; devices such as /dev/null and "-" are written
// directly). The truth is written from inside the capture's render, so the
// capture's temporary file is renamed into place only after the truth is
// complete: when either fails, or on Ctrl-C, neither new file is left
// behind and files already there keep their content. Only a failure in the
// capture's last steps (sync, rename), after the truth was renamed, costs
// the truth: it is then removed, so that no truth is left without its
// capture.
func writeGenOutputs(ctx context.Context, capt *gen.Capture, out, truth string) error {
	writeCapture := capt.WritePcap
	if capt.Truth.Config.PcapNG {
		writeCapture = capt.WritePcapng
	}
	truthReplaced := truth != "" && truth != "-" && regularOrMissing(truth)
	var truthErr error
	truthDone := false
	err := report.WriteFile(ctx, out, func(ctx context.Context, w io.Writer) error {
		if err := writeCapture(ctxWriter{ctx, w}); err != nil {
			return err
		}
		if truth == "" {
			return nil
		}
		// Push the capture's buffered tail into its temporary file first: a
		// full disk or file size limit shows here, before the truth is in
		// place.
		if f, ok := w.(interface{ Flush() error }); ok {
			if err := f.Flush(); err != nil {
				return err
			}
		}
		truthErr = report.WriteFile(ctx, truth, func(ctx context.Context, w io.Writer) error {
			return capt.Truth.WriteJSON(ctxWriter{ctx, w})
		})
		truthDone = truthErr == nil
		return truthErr
	})
	if truthErr != nil {
		return app.WithCode(app.ExitOutput, fmt.Errorf("gen: %w", truthErr))
	}
	if err != nil {
		if truthDone && truthReplaced {
			_ = os.Remove(truth) // the error to report is the capture's
		}
		return app.WithCode(app.ExitOutput, fmt.Errorf("gen: %w", err))
	}
	return nil
}

// regularOrMissing reports whether path is a regular file or does not
// exist: what report.WriteFile replaces by a rename.
func regularOrMissing(path string) bool {
	fi, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode().IsRegular())
}

// ctxWriter fails its writes once ctx is cancelled: the capture and truth
// writers look at no context themselves, and a million-record truth file
// takes seconds to write. They write in 1 MiB chunks.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// checkGenOutputs refuses, before anything is generated, outputs that
// cannot be written: a missing or non-directory parent, a directory (exit
// code 7), and a truth file that is the capture (a usage error: one would
// replace the other). "-" is standard output; devices such as /dev/null
// may be given for both.
func checkGenOutputs(out, truth string) error {
	for _, f := range []string{out, truth} {
		if f == "" || f == "-" {
			continue
		}
		dir := filepath.Dir(f)
		switch fi, err := os.Stat(dir); {
		case errors.Is(err, fs.ErrNotExist):
			return app.Errorf(app.ExitOutput, "gen: cannot write %s: directory %s does not exist", f, dir)
		case err != nil:
			return app.Errorf(app.ExitOutput, "gen: cannot write %s: %v", f, err)
		case !fi.IsDir():
			return app.Errorf(app.ExitOutput, "gen: cannot write %s: %s is not a directory", f, dir)
		}
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			return app.Errorf(app.ExitOutput, "gen: cannot write %s: it is a directory", f)
		}
	}
	if truth != "" && sameOutput(out, truth) {
		return usageError{fmt.Errorf("gen: -o and --truth both name %s: give the truth its own file, e.g. --truth %s", truth, truthName(out))}
	}
	return nil
}

// sameOutput reports whether two output names would land in the same file,
// pipe or standard output, so that one would replace or garble the other.
// A character device (/dev/null) may take both.
func sameOutput(a, b string) bool {
	if a == "-" && b == "-" {
		return true
	}
	stat := func(p string) (fs.FileInfo, error) {
		if p == "-" {
			return os.Stdout.Stat()
		}
		return os.Stat(p)
	}
	fa, errA := stat(a)
	fb, errB := stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb) && fa.Mode()&fs.ModeCharDevice == 0
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return a != "-" && b != "-" && errA == nil && errB == nil && absA == absB
}

// truthName suggests a truth file name for the capture out: its name with
// the extension .json, or truth.json for standard output and devices.
func truthName(out string) string {
	if c := filepath.Clean(out); out == "-" || strings.HasPrefix(c, "/dev/") || strings.HasPrefix(c, "/proc/") {
		return "truth.json"
	}
	return strings.TrimSuffix(out, filepath.Ext(out)) + ".json"
}

// genNonNegative are the duration flags that make no sense below zero.
// Offsets and steps may be negative (a clock behind true time).
var genNonNegative = []string{"duration", "pre-step-at", "post-step-at", "jitter", "uptime-wrap",
	"template-delay", "active-timeout", "inactive-timeout", "dns-interval"}

// checkGenFlags refuses flag values that no configuration check sees by
// the flag's name: numbers that are NaN or infinite (they would pass range
// checks and fail only when the truth file is written), negative durations
// and a --records that is not positive. The ranges that depend on each
// other (shares, drift, step times, offsets against the encodings) are
// checked by gen.Generate.
func checkGenFlags(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		if ff, ok := f.(*cli.Float64Flag); ok && c.IsSet(ff.Name) {
			if v := c.Float64(ff.Name); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("gen: --%s %v: give a finite number", ff.Name, v)
			}
		}
	}
	for _, name := range genNonNegative {
		if d := c.Duration(name); c.IsSet(name) && d < 0 {
			return fmt.Errorf("gen: --%s %v: must not be negative", name, d)
		}
	}
	if n := c.Int("records"); c.IsSet("records") && n <= 0 {
		return fmt.Errorf("gen: --records %d: give a positive number of records", n)
	}
	return nil
}

// applyGenFlags overrides the scenario with the flags that were given.
func applyGenFlags(c *cli.Context, cfg *gen.Config) error {
	if c.IsSet("probes") {
		n := c.Int("probes")
		if n < 1 || n > 200 {
			return fmt.Errorf("gen: --probes %d must be within 1..200", n)
		}
		var pre, post gen.Export
		for _, p := range cfg.Probes {
			if p.Pre != nil && pre.Format == "" {
				pre = *p.Pre
			}
			if p.Post != nil && post.Format == "" {
				post = *p.Post
			}
		}
		cfg.Probes = nil
		for i := range n {
			a, b := pre, post
			cfg.Probes = append(cfg.Probes, gen.Probe{
				Name: fmt.Sprintf("probe-%d", i+1), Addr: gen.ProbeAddr(i), Port: uint16(50001 + i), Pre: &a, Post: &b,
			})
		}
	}
	each := func(side gen.Side, fn func(*gen.Export) error) error {
		for i := range cfg.Probes {
			e := cfg.Probes[i].Pre
			if side == gen.SidePost {
				e = cfg.Probes[i].Post
			}
			if e != nil {
				if err := fn(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, s := range []struct {
		side gen.Side
		name string
	}{{gen.SidePre, "pre"}, {gen.SidePost, "post"}} {
		if c.IsSet(s.name + "-format") {
			f, err := gen.ParseFormat(c.String(s.name + "-format"))
			if err != nil {
				return fmt.Errorf("gen: --%s-format: %w", s.name, err)
			}
			each(s.side, func(e *gen.Export) error {
				e.Format = f
				e.AppNames = f.Version() == 10 && !c.Bool("no-app-names")
				return nil
			})
		}
		if c.IsSet(s.name + "-offset") {
			d := c.Duration(s.name + "-offset")
			each(s.side, func(e *gen.Export) error { e.Clock.Offset = d; return nil })
		}
		if c.IsSet(s.name + "-drift-ppm") {
			v := c.Float64(s.name + "-drift-ppm")
			each(s.side, func(e *gen.Export) error { e.Clock.DriftPPM = v; return nil })
		}
		if c.IsSet(s.name + "-step") {
			v := c.Duration(s.name + "-step")
			each(s.side, func(e *gen.Export) error { e.Clock.Step = v; return nil })
		}
		if c.IsSet(s.name + "-step-at") {
			v := c.Duration(s.name + "-step-at")
			if err := each(s.side, func(e *gen.Export) error {
				if e.Clock.Step == 0 {
					return fmt.Errorf("gen: --%s-step-at %v: the %s-side clocks take no step; give --%s-step too", s.name, v, s.name, s.name)
				}
				e.Clock.StepAt = v
				return nil
			}); err != nil {
				return err
			}
		}
		if c.IsSet(s.name + "-drop") {
			v := c.Float64(s.name + "-drop")
			each(s.side, func(e *gen.Export) error { e.DropRate = v; return nil })
		}
	}
	if c.IsSet("duration") {
		cfg.Duration = c.Duration("duration")
	}
	v9 := 0
	for _, side := range []gen.Side{gen.SidePre, gen.SidePost} {
		if c.IsSet("jitter") {
			j := c.Duration("jitter")
			each(side, func(e *gen.Export) error { e.Clock.Jitter = j; return nil })
		}
		if c.Bool("no-app-names") {
			each(side, func(e *gen.Export) error { e.AppNames = false; return nil })
		}
		if c.IsSet("uptime-wrap") {
			d := c.Duration("uptime-wrap")
			each(side, func(e *gen.Export) error {
				if e.Format == gen.FormatV9 {
					e.Uptime = time.Duration(1<<32)*time.Millisecond - d
					v9++
				}
				return nil
			})
		}
	}
	if d := c.Duration("uptime-wrap"); c.IsSet("uptime-wrap") {
		if v9 == 0 {
			return fmt.Errorf("gen: --uptime-wrap %v: no exporter uses NetFlow v9 (only v9's sysUptime wraps); add --pre-format v9 or --post-format v9", d)
		}
		if d >= cfg.Duration {
			return fmt.Errorf("gen: --uptime-wrap %v: the wrap would come after the capture's end (%v); give a time within the capture", d, cfg.Duration)
		}
	}
	if c.IsSet("collector-offset") {
		cfg.CollectorClock.Offset = c.Duration("collector-offset")
	}
	if c.IsSet("seed") {
		cfg.Seed = c.Int64("seed")
	}
	if c.IsSet("sessions") {
		cfg.Sessions = c.Int("sessions")
	}
	if c.IsSet("ipv6-share") {
		cfg.IPv6Share = c.Float64("ipv6-share")
	}
	if c.IsSet("return-share") {
		cfg.ReturnShare = c.Float64("return-share")
	}
	if c.IsSet("one-sided-share") {
		cfg.OneSidedShare = c.Float64("one-sided-share")
	}
	if c.IsSet("port") {
		p := c.Uint("port")
		if p == 0 || p > 65535 {
			return fmt.Errorf("gen: --port %d must be within 1..65535", p)
		}
		cfg.CollectorPort = uint16(p)
	}
	if c.IsSet("cross-probe") {
		cfg.CrossProbe = c.Bool("cross-probe")
	}
	if c.IsSet("mid-stream") {
		cfg.MidStream = c.Bool("mid-stream")
		if cfg.MidStream && cfg.TemplateDelay == 0 {
			cfg.TemplateDelay = cfg.Duration / 5
		}
	}
	if c.IsSet("template-delay") {
		if !cfg.MidStream {
			return fmt.Errorf("gen: --template-delay applies only to a capture that starts mid-stream: add --mid-stream")
		}
		cfg.TemplateDelay = c.Duration("template-delay")
	}
	if c.IsSet("active-timeout") {
		cfg.ActiveTimeout = c.Duration("active-timeout")
	}
	if c.IsSet("inactive-timeout") {
		cfg.InactiveTimeout = c.Duration("inactive-timeout")
	}
	if c.IsSet("dns-interval") {
		cfg.DNSInterval = c.Duration("dns-interval")
	}
	if c.IsSet("pcapng") {
		cfg.PcapNG = c.Bool("pcapng")
	}
	return nil
}
