//go:build !linux

package fsx

import "os"

// SyncData makes f's bytes durable: fsync (FlushFileBuffers on Windows)
// where there is no data-only flush to call.
func SyncData(f *os.File) error { return f.Sync() }
