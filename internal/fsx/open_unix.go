//go:build !windows

package fsx

import "time"

// OpenExclusive is always true off Windows, where a writer does not lock
// the file; the settle window alone decides.
func OpenExclusive(string) bool { return true }

// StableSince returns since when a file seen now with this mtime can be
// taken to have been unchanged. Off Windows every write moves the mtime, so
// a file is as old as its mtime says.
func StableSince(now, mtime time.Time) time.Time {
	if mtime.Before(now) {
		return mtime
	}
	return now
}
