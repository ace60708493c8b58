package fsx

import (
	"time"

	"golang.org/x/sys/windows"
)

// openExclusive reports whether path can be opened with no sharing, which
// fails while a copy is still writing it. Windows copies keep the source's
// mtime, so an unchanged size and mtime alone do not prove a copy is done.
func openExclusive(path string) bool {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return false
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return false
	}
	_ = windows.CloseHandle(h)
	return true
}

// stableSince returns since when a file seen now with this mtime can be
// taken to have been unchanged. Windows copies keep the source's mtime, so
// only watching it tells: from now.
func stableSince(now, _ time.Time) time.Time { return now }
