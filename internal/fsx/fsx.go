// Package fsx holds the file operations that must survive a crash or work
// across file systems and platforms: atomic writes, moves, folder syncs, and
// the Windows exclusive-open check.
package fsx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Move renames src to dst; across file systems it copies, syncs and
// removes instead, stopping at the first error so src survives a failure.
// A rename moves a link itself, never its target; the copy refuses a link
// (see CopyFile). MoveRegular also makes sure a regular file arrived.
func Move(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil {
		return nil
	}
	var le *os.LinkError
	if !errors.As(err, &le) || errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("move %s: %w", src, err)
	}
	if err := CopyFile(src, dst); err != nil {
		return fmt.Errorf("move %s: rename failed (%v), then %w", src, le.Err, err)
	}
	if err := os.Remove(src); err != nil {
		return fmt.Errorf("move %s: remove after copy: %w", src, err)
	}
	return nil
}

// CopyFile copies src to dst crash-safely (through WriteAtomic). src is
// opened with Open: a link there is not followed but refused, with an error
// wrapping ErrNotRegular, so a copy (and so a Move across file systems)
// never reads through a link.
func CopyFile(src, dst string) error {
	in, err := Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return WriteAtomic(dst, func(f *os.File) error {
		_, err := io.Copy(f, in)
		return err
	})
}

// WriteAtomic writes path through a temporary file that is synced and
// renamed into place, then syncs the folder.
func WriteAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("create temp: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	ok = true
	return SyncDir(filepath.Dir(path))
}

// RemoveAll removes dir and what it holds.
func RemoveAll(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// CopyTo creates (or truncates) path and copies r into it. Unlike
// WriteAtomic it is not crash-safe: for scratch files such as uploads being
// received or ZIP entries being unpacked into a work folder.
func CopyTo(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
