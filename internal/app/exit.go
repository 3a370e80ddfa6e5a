// Package app runs nftimediff's commands: configuration in, exit code out.
// It knows no CLI library; cmd/nftimediff maps flags to its Config types.
package app

import (
	"errors"
	"fmt"
)

// Exit codes, documented in the README. main maps errors to them with Code.
const (
	ExitOK          = 0
	ExitFailure     = 1 // unexpected internal error
	ExitUsage       = 2 // bad flags or arguments
	ExitTshark      = 3 // tshark missing, too old, or failed while reading
	ExitInput       = 4 // an input file is unreadable, not a capture/export, or malformed
	ExitNoFlows     = 5 // no flow records of a requested domain/side
	ExitOutOfSync   = 6 // clocks out of sync and --fail-on-drift was given
	ExitOutput      = 7 // a report or output file could not be written
	ExitInterrupted = 130
)

// Error is an error with the exit code the process should end with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// WithCode wraps err with code unless err already carries one (an *Error,
// or an error with an ExitCode method such as match.SideError).
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return err
	}
	return &Error{Code: code, Err: err}
}

// Code returns the exit code for err: its own if it has one, ExitFailure otherwise.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return ExitFailure
}
