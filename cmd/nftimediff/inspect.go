package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"netflowtimedifference/internal/app"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show what the inputs contain per exporter and domain, and check the exporters' clocks",
		ArgsUsage: "INPUT...",
		Description: "Reads captures (through tshark) or Wireshark exports and shows, per exporter and observation\n" +
			"domain: versions, packets, flow and options records, template ids,\n" +
			"start-time encodings, undecodable sets, ports, and the export clock check (header export time minus\n" +
			"frame capture time: median/min/max) with the records that start after their packet's export time.",
		Flags: sourceFlags("no progress display on stderr"),
		Action: func(c *cli.Context) error {
			inputs, err := inputsAndLateFlags(c)
			if err != nil {
				return err
			}
			so, err := sourceOptions(c)
			if err != nil {
				return err
			}
			return app.Inspect(c.Context, app.InspectConfig{Inputs: inputs, Source: so, Stdout: os.Stdout})
		},
	}
}
