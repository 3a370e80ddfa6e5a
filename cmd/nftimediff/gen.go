package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// genCommand is a placeholder; the owner of this file replaces it.
func genCommand() *cli.Command {
	return &cli.Command{
		Name:   "gen",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return errors.New("gen: not implemented yet") },
	}
}
