package tshark

import (
	"os"
	"os/exec"
	"syscall"
)

// setPipeSize enlarges a pipe's kernel buffer (F_SETPIPE_SZ) so that tshark
// blocks and wakes us less often; failure is harmless.
func setPipeSize(f *os.File, size int) {
	const fSetPipeSz = 1031
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), fSetPipeSz, uintptr(size))
}

// ownGroup makes cmd start in a process group of its own, and makes the
// context's cancel kill that whole group. A tshark wrapper script that
// runs tshark as its child (no exec) would otherwise keep running, and
// holding our pipes, after we killed the script: reading would never end.
// WaitDelay bounds the wait for pipes that some other process still holds.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = waitDelay
}

// killGroup kills cmd's process group (see ownGroup), or cmd's process
// alone when that fails.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err == nil {
		return nil
	}
	return cmd.Process.Kill()
}
