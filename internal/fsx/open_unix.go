//go:build !windows

package fsx

import "time"

// stableSince returns since when a file seen now with this mtime can be
// taken to have been unchanged. Off Windows every write moves the mtime, so
// a file is as old as its mtime says.
func stableSince(now, mtime time.Time) time.Time {
	if mtime.Before(now) {
		return mtime
	}
	return now
}
