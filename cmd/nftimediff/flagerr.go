package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli's (Go flag package's) wording of a bad flag value and of an
// unknown flag.
var (
	badValueRE    = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): `)
	undefinedFlag = "flag provided but not defined: "
)

// commandUsageError is every command's OnUsageError: the flag error in one
// line that says what to do, as a usage error (exit code 2).
func commandUsageError(c *cli.Context, err error, _ bool) error {
	name := c.Command.Name
	msg := err.Error()
	if m := badValueRE.FindStringSubmatch(msg); m != nil {
		return usageError{badFlagValue(name, findFlag(c.Command.Flags, m[2]), m[2], m[1])}
	}
	if f, ok := strings.CutPrefix(msg, undefinedFlag); ok {
		return unknownFlag(name, f)
	}
	return usageError{fmt.Errorf("%s ('nftimediff help %s' lists the flags)", msg, name)}
}

// unknownFlag is the error for a flag the command does not have.
func unknownFlag(cmd, flag string) error {
	return usageError{fmt.Errorf("unknown flag --%s ('nftimediff help %s' lists the flags)", strings.TrimLeft(flag, "-"), cmd)}
}

// badFlagValue says why val is not a value of flag f (nil if unknown).
func badFlagValue(cmd string, f cli.Flag, name, val string) error {
	var want string
	switch f.(type) {
	case *cli.DurationFlag:
		want = "not a duration: give it with a unit, e.g. 6s, 500ms, 1m30s or 3h10s"
	case *cli.IntFlag, *cli.IntSliceFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
		want = "not a whole number"
	case *cli.Float64Flag:
		want = "not a number"
	case *cli.BoolFlag:
		want = "not true or false"
	default:
		want = "not a valid value"
	}
	return usageError{fmt.Errorf("--%s %q: %s ('nftimediff help %s' lists the flags)", name, val, want, cmd)}
}

// findFlag returns the flag named name (or aliased so), nil if none.
func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}
