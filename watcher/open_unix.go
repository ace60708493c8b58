//go:build !windows

package watcher

// openExclusive is always true off Windows, where a writer does not lock
// the file; the settle window alone decides.
func openExclusive(string) bool { return true }
