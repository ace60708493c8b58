//go:build unix

package fsx

import (
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Open opens the regular file at path for reading without following a
// symbolic link at its last component: a link, a folder, a device, a pipe
// or a socket there is refused with an error wrapping ErrNotRegular. Use it
// instead of os.Open for every file that came from a tenant folder, so that
// nothing outside watch.root is read through a link. Folders on the way
// to path are resolved as usual; the watcher and the claim make sure a
// tenant folder itself is not a link.
//
// On unix it opens with O_NOFOLLOW (and O_NONBLOCK, so that a named pipe
// cannot block it) and checks the opened file with fstat, so the check and
// the open are one step: nothing can be swapped in between.
func Open(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		// O_NOFOLLOW fails with ELOOP (EMLINK or EFTYPE on some BSDs) on
		// a link; Lstat says which it was, for the message.
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, notRegular("open", path, fi.Mode())
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		_ = unix.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		_ = unix.Close(fd)
		fi, lerr := os.Lstat(path)
		if lerr != nil {
			return nil, fmt.Errorf("open %s: %w", path, ErrNotRegular)
		}
		return nil, notRegular("open", path, fi.Mode())
	}
	// O_NONBLOCK was only for the open; reads of a regular file ignore it,
	// but os.File should see an ordinary blocking descriptor.
	if err := unix.SetNonblock(fd, false); err != nil {
		_ = unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
