package pipeline

// syncDir is a no-op on Windows, where folders cannot be opened for sync and
// NTFS journals renames itself.
func syncDir(string) error { return nil }
