package tshark

import (
	"os"
	"syscall"
)

// setPipeSize enlarges a pipe's kernel buffer (F_SETPIPE_SZ) so that tshark
// blocks and wakes us less often; failure is harmless.
func setPipeSize(f *os.File, size int) {
	const fSetPipeSz = 1031
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), fSetPipeSz, uintptr(size))
}
