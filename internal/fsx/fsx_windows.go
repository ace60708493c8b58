package fsx

// SyncDir is a no-op on Windows, where folders cannot be opened for sync and
// NTFS journals renames itself.
func SyncDir(string) error { return nil }
