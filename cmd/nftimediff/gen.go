package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"netflowtimedifference/internal/app"
	"netflowtimedifference/internal/gen"
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
	out := c.String("output")
	if out == "" {
		return usageError{fmt.Errorf("gen: -o FILE is required")}
	}
	if err := applyGenFlags(c, &cfg); err != nil {
		return usageError{err}
	}
	if n := c.Int("records"); c.IsSet("records") {
		if c.IsSet("sessions") {
			return usageError{fmt.Errorf("gen: give --records or --sessions, not both")}
		}
		s, err := gen.SessionsFor(c.Context, cfg, n)
		if err != nil {
			return usageError{err}
		}
		cfg.Sessions = s
	}
	t0 := time.Now()
	capt, err := gen.GenerateContext(c.Context, cfg)
	if err != nil {
		return usageError{err}
	}
	elapsed := time.Since(t0)
	write := capt.WritePcap
	if cfg.PcapNG {
		write = capt.WritePcapng
	}
	if err := writeFile(out, write); err != nil {
		return err
	}
	if tf := c.String("truth"); tf != "" {
		if err := writeFile(tf, capt.Truth.WriteJSON); err != nil {
			return err
		}
	}
	s := capt.Truth.Summary
	fmt.Fprintf(c.App.ErrWriter, "gen: scenario %s seed %d: %d frames, %d records (%d pre, %d post), %d pairs (%d unambiguous), %d+%d unmatched, generated in %v\n",
		name, cfg.Seed, s.Frames, s.Records, s.RecordsPre, s.RecordsPost, s.Pairs, s.UnambiguousPairs, s.UnmatchedPre, s.UnmatchedPost, elapsed.Round(time.Millisecond))
	if cfg.CollectorPort != 2055 && cfg.CollectorPort != 9996 && cfg.CollectorPort != 4739 {
		fmt.Fprintf(c.App.ErrWriter, "gen: collector port %d is not a default cflow port: read it with tshark -d udp.port==%d,cflow\n", cfg.CollectorPort, cfg.CollectorPort)
	}
	return nil
}

// writeFile writes through fn into path ("-" is stdout); errors carry ExitOutput.
func writeFile(path string, fn func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(os.Stdout)
		if err := fn(bw); err != nil {
			return app.WithCode(app.ExitOutput, fmt.Errorf("gen: writing stdout: %w", err))
		}
		return app.WithCode(app.ExitOutput, bw.Flush())
	}
	f, err := os.Create(path)
	if err != nil {
		return app.WithCode(app.ExitOutput, fmt.Errorf("gen: %w", err))
	}
	if err := fn(f); err != nil {
		f.Close()
		return app.WithCode(app.ExitOutput, fmt.Errorf("gen: writing %s: %w", path, err))
	}
	if err := f.Close(); err != nil {
		return app.WithCode(app.ExitOutput, fmt.Errorf("gen: writing %s: %w", path, err))
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
			each(s.side, func(e *gen.Export) error { e.Clock.StepAt = v; return nil })
		}
		if c.IsSet(s.name + "-drop") {
			v := c.Float64(s.name + "-drop")
			each(s.side, func(e *gen.Export) error { e.DropRate = v; return nil })
		}
	}
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
				}
				return nil
			})
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
	if c.IsSet("duration") {
		cfg.Duration = c.Duration("duration")
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
