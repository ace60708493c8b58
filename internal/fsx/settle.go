package fsx

import (
	"os"
	"time"
)

// Settler decides when files that others are writing are complete: a file
// is settled once its size and mtime have been unchanged for the whole
// window and, where the platform can tell, no process has it open for
// writing: on Windows it opens exclusively (Windows copies keep the
// source's mtime, so an unchanged mtime proves nothing there), on Linux a
// read lease is granted. Off Windows every write moves the mtime, so a
// file first seen with an mtime older than the window has been unchanged
// that long and is settled at once (on Linux, once no writer holds it). The
// watcher and the media gathering of a job share it so they cannot drift
// apart. A Settler is used from one goroutine.
type Settler struct {
	window time.Duration
	now    func() time.Time
	seen   map[string]*stamp
}

// stamp is what a file looked like, and since when.
type stamp struct {
	size         int64
	mtime, since time.Time
}

// NewSettler returns a Settler with the given window, reading the time from
// now.
func NewSettler(window time.Duration, now func() time.Time) *Settler {
	return &Settler{window: window, now: now, seen: map[string]*stamp{}}
}

// PollInterval is how often to Check: a quarter of the window, kept between
// 20ms and a second.
func (s *Settler) PollInterval() time.Duration {
	return min(max(s.window/4, 20*time.Millisecond), time.Second)
}

// Check looks at path and reports whether it is a regular file and whether
// it is settled. A path that is not a regular file is forgotten. It uses
// Lstat: a symbolic link or reparse point is not a regular file, wherever
// it points.
func (s *Settler) Check(path string) (exists, settled bool) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		delete(s.seen, path)
		return false, false
	}
	now := s.now()
	st := s.seen[path]
	switch {
	case st == nil:
		st = &stamp{size: fi.Size(), mtime: fi.ModTime(), since: stableSince(now, fi.ModTime())}
		s.seen[path] = st
	case st.size != fi.Size() || !st.mtime.Equal(fi.ModTime()):
		st.size, st.mtime, st.since = fi.Size(), fi.ModTime(), now
		return true, false
	}
	if now.Sub(st.since) < s.window {
		return true, false
	}
	if !openExclusive(path) {
		st.since = now // still held by its writer
		return true, false
	}
	return true, true
}

// Due returns when path, as last checked, will have been unchanged for the
// whole window (false: not checked, or forgotten). A watcher checks it
// again then rather than at its next poll, so that a file is taken soon
// after settling, not up to a poll interval later.
func (s *Settler) Due(path string) (time.Time, bool) {
	st := s.seen[path]
	if st == nil {
		return time.Time{}, false
	}
	return st.since.Add(s.window), true
}

// Restart makes path wait a whole window again, as after a failed take.
func (s *Settler) Restart(path string) {
	if st := s.seen[path]; st != nil {
		st.since = s.now()
	}
}

// Forget stops tracking path.
func (s *Settler) Forget(path string) { delete(s.seen, path) }
