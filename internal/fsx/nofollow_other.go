//go:build !unix && !windows

package fsx

import (
	"fmt"
	"os"
)

// Open opens the regular file at path for reading without following a
// symbolic link at its last component; see the unix version. Here, with no
// no-follow flag to open with, it checks with Lstat, opens, and refuses the
// file unless what it opened is the very file it checked.
func Open(path string) (*os.File, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, notRegular("open", path, before.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	after, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !os.SameFile(before, after) {
		f.Close()
		return nil, fmt.Errorf("open %s: replaced while being opened: %w", path, ErrNotRegular)
	}
	return f, nil
}
