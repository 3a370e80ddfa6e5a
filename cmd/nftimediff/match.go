package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// matchCommand is a placeholder; the owner of this file replaces it.
func matchCommand() *cli.Command {
	return &cli.Command{
		Name:   "match",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return errors.New("match: not implemented yet") },
	}
}
