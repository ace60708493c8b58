//go:build !windows

package fsx

import (
	"errors"
	"syscall"
)

// NoSpace reports whether err says the disk or the user's quota is full.
func NoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
