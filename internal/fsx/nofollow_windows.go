package fsx

import (
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// Open opens the regular file at path for reading without following a
// symbolic link at its last component: a link, a folder, a device, a pipe
// or a socket there is refused with an error wrapping ErrNotRegular. Use it
// instead of os.Open for every file that came from a tenant folder, so that
// nothing outside watch.root is read through a link. Folders on the way
// to path are resolved as usual; the watcher and the claim make sure a
// tenant folder itself is not a link.
//
// On Windows it opens with FILE_FLAG_OPEN_REPARSE_POINT, which opens a
// symbolic link or junction itself rather than its target, and refuses the
// handle when its attributes say reparse point or folder, so the check and
// the open are one step. Sharing allows others to read, write and delete
// (rename) as os.Open does, so an open file never blocks a claim.
func Open(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		_ = windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	const refused = windows.FILE_ATTRIBUTE_REPARSE_POINT | windows.FILE_ATTRIBUTE_DIRECTORY | windows.FILE_ATTRIBUTE_DEVICE
	if info.FileAttributes&refused != 0 {
		_ = windows.CloseHandle(h)
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, notRegular("open", path, fi.Mode())
		}
		return nil, fmt.Errorf("open %s: a reparse point, folder or device, not followed: %w", path, ErrNotRegular)
	}
	if ft, err := windows.GetFileType(h); err != nil || ft != windows.FILE_TYPE_DISK {
		_ = windows.CloseHandle(h)
		return nil, fmt.Errorf("open %s: not a disk file: %w", path, ErrNotRegular)
	}
	return os.NewFile(uintptr(h), path), nil
}
