// Command nftimediff pairs the pre- and post-NAT flow records of the same
// sessions from NetFlow v9 / IPFIX export traffic and measures how far the
// two exporters' clocks disagree.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"netflowtimedifference/internal/app"
)

func main() {
	os.Exit(run(os.Args))
}

// run is main without os.Exit, so tests can call it.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a := newApp()
	if len(args) <= 1 {
		// No command: the help goes to stderr and the exit code says the
		// command line was incomplete (as go and git do), so a script
		// that forgot the command does not pass for a success.
		a.Writer = os.Stderr
		_ = a.RunContext(ctx, args)
		return app.ExitUsage
	}
	err := a.RunContext(ctx, args)
	if name, ok := a.Metadata[metaUnknownCommand].(string); ok && err == nil {
		err = usageError{fmt.Errorf("unknown command %q: the commands are %s (nftimediff help)", name, commandNames())}
	}
	if err == nil {
		return app.ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "nftimediff: interrupted")
		return app.ExitInterrupted
	}
	fmt.Fprintln(os.Stderr, "nftimediff:", err)
	var ue usageError
	if errors.As(err, &ue) || isCLIExit(err) {
		return app.ExitUsage
	}
	return app.Code(err)
}

// metaUnknownCommand is the App.Metadata key under which CommandNotFound
// leaves the unknown command's name for run.
const metaUnknownCommand = "unknown command"

// cliExitType is the type of urfave/cli's own exit errors (cli.Exit).
var cliExitType = reflect.TypeOf(cli.Exit("", 0))

// isCLIExit reports whether err was made by urfave/cli itself, such as its
// "No help topic for 'x'" (exit code 3, which here means a tshark failure).
// Those are about the command line: run maps them to ExitUsage.
func isCLIExit(err error) bool {
	return reflect.TypeOf(err) == cliExitType
}

// commandNames lists the commands for the unknown-command message.
func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.Name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// version describes the build from its embedded information: the module
// version ("(devel)" for a checkout), the commit and whether the tree had
// uncommitted changes, and the Go version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown build"
	}
	s := map[string]string{}
	for _, kv := range bi.Settings {
		s[kv.Key] = kv.Value
	}
	v := bi.Main.Version
	if rev := s["vcs.revision"]; rev != "" {
		v += " commit " + rev[:min(12, len(rev))]
		if s["vcs.modified"] == "true" {
			v += "+changes"
		}
		if t := s["vcs.time"]; t != "" {
			v += " of " + t
		}
	}
	return v + ", " + bi.GoVersion
}

// usageError marks bad flags or arguments.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func newApp() *cli.App {
	return &cli.App{
		Name:  "nftimediff",
		Usage: "prove whether two flow exporters agree on time (NetFlow v9 / IPFIX, pre- vs post-NAT)",
		Description: "nftimediff reads NetFlow v9 / IPFIX export traffic (pcap/pcapng through tshark, or\n" +
			"Wireshark JSON/CSV/XLSX exports), pairs the pre-NAT (domain 310) and post-NAT (domain 320)\n" +
			"record of each session and reports the start-time differences, clock offset and drift.",
		Version:              version(),
		Commands:             commands(),
		EnableBashCompletion: true,
		// Errors are printed and mapped to exit codes by run, not by cli.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		// "nftimediff frobnicate" and "nftimediff help frobnicate": run
		// reports the name as a usage error.
		CommandNotFound: func(c *cli.Context, name string) {
			c.App.Metadata[metaUnknownCommand] = name
		},
		Metadata: map[string]any{},
	}
}

func commands() []*cli.Command {
	cmds := []*cli.Command{
		flowsCommand(),
		inspectCommand(),
		matchCommand(),
		genCommand(),
	}
	for _, c := range cmds {
		c.OnUsageError = commandUsageError
	}
	return cmds
}
