package fsx

import (
	"os"
	"syscall"
)

// SyncData makes f's bytes (and its size) durable, as fdatasync(2) does:
// not its times. Reading a file just written updates its access time, and
// fsync(2) would then commit the file system's journal for it too.
func SyncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}
