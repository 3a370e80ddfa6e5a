//go:build !linux

package tshark

import (
	"os"
	"os/exec"
)

func setPipeSize(*os.File, int) {}

// ownGroup only bounds the wait for pipes a child of tshark still holds;
// the process group is Linux's (pipe_linux.go).
func ownGroup(cmd *exec.Cmd) { cmd.WaitDelay = waitDelay }

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
