package fsx

import (
	"errors"
	"syscall"
)

// Transient reports whether err is one that goes away without anyone
// changing the input: the disk or a quota is full, or the device failed an
// I/O (a full or failing disk under bbolt, the media store or a work
// folder). A job stopped by one pauses and resumes from its checkpoint; an
// upload stopped by one is answered 507.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if NoSpace(err) {
		return true
	}
	var errno syscall.Errno
	return errors.As(err, &errno) && errno == syscall.EIO
}
