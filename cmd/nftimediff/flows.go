package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// flowsCommand is a placeholder; the owner of this file replaces it.
func flowsCommand() *cli.Command {
	return &cli.Command{
		Name:   "flows",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return errors.New("flows: not implemented yet") },
	}
}
