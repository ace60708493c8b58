package fsx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is returned (wrapped) by Open, CopyFile, Move, MoveRegular
// and CheckRegular for a path that is not a regular file: a symbolic link
// (never followed), a Windows reparse point (a link or junction), a folder,
// a device, a pipe or a socket. Check it with errors.Is.
var ErrNotRegular = errors.New("not a regular file")

// notRegular returns the error for path whose Lstat mode is m.
func notRegular(op, path string, m fs.FileMode) error {
	return fmt.Errorf("%s %s: %s, not followed: %w", op, path, Describe(m), ErrNotRegular)
}

// Describe names the kind of file a mode stands for, for messages.
func Describe(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "a reparse point or other irregular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// IsRealDir reports whether an Lstat mode is a folder itself, not a link
// to one nor (on Windows) a junction or other reparse point, which Lstat
// reports with ModeSymlink or ModeIrregular set.
func IsRealDir(m fs.FileMode) bool { return m.Type() == fs.ModeDir }

// CheckRegular returns nil when path itself (not what a link there points
// to) is a regular file, an error wrapping ErrNotRegular when it is
// anything else, and Lstat's error when it is not there.
func CheckRegular(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return notRegular("open", path, fi.Mode())
	}
	return nil
}

// CheckRealDir returns nil when path itself is a folder, not a link to one.
func CheckRealDir(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !IsRealDir(fi.Mode()) {
		return fmt.Errorf("%s is %s, not a folder; not followed", path, Describe(fi.Mode()))
	}
	return nil
}

// MoveRegular moves the regular file src to dst (as Move) and makes sure
// that what arrived is still a regular file. src is checked with Lstat
// first, so a link found there is refused without being touched. The check
// after the move closes the window between the two: another process may
// swap a link in at src after the check, and rename moves the link itself.
// Such an entry is refused: a symbolic link or reparse point that arrived is
// removed (only the link goes; what it points to is never touched, and a
// link holds no data of its own), anything else (a folder, a pipe) is
// renamed back to src when that name is free and removed otherwise. Either
// way the error wraps ErrNotRegular and dst does not exist afterwards.
func MoveRegular(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return fmt.Errorf("move %s: %w", src, err)
	}
	if !fi.Mode().IsRegular() {
		return notRegular("move", src, fi.Mode())
	}
	if err := Move(src, dst); err != nil {
		return err
	}
	return refuseIrregular(src, dst)
}

// refuseIrregular undoes the move of src to dst when dst is not a regular
// file; see MoveRegular.
func refuseIrregular(src, dst string) error {
	fi, err := os.Lstat(dst)
	if err != nil {
		return fmt.Errorf("check %s: %w", dst, err)
	}
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	refused := fmt.Errorf("move %s: it became %s while being taken; refused: %w", src, Describe(m), ErrNotRegular)
	if m&(fs.ModeSymlink|fs.ModeIrregular) == 0 {
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(dst, src); err == nil {
				return refused
			}
		}
	}
	// os.Remove never follows a link: it removes the link itself.
	if err := os.Remove(dst); err != nil {
		return errors.Join(refused, fmt.Errorf("remove refused %s: %w", dst, err))
	}
	return refused
}
