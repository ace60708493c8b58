package fsx

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

// NoSpace reports whether err says the disk or the user's quota is full.
func NoSpace(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED) || errors.Is(err, syscall.ENOSPC)
}
