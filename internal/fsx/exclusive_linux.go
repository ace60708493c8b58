package fsx

import (
	"errors"

	"golang.org/x/sys/unix"
)

// openExclusive reports whether no process (this one included) has path
// open for writing, so that a slow writer that pauses longer than the
// settle window is not cut off. Linux grants a read lease only when no
// descriptor anywhere is open for writing on the file (fcntl(2),
// F_SETLEASE): the lease is taken and dropped at once, only as a question.
//
// When leases are unavailable the answer is true and the settle window
// alone decides, as before: EACCES when bulkd neither owns the file nor has
// CAP_LEASE (tenants' files are often owned by whoever dropped them),
// EINVAL on file systems without leases (NFS, some FUSE) or with
// fs.leases-enable = 0.
func openExclusive(path string) bool {
	// O_NONBLOCK: an open blocks while another process holds a write lease
	// (Samba does); then it fails with EWOULDBLOCK instead, which means
	// "in use". O_NOFOLLOW: a link is never a file to take.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.ELOOP)
	}
	defer unix.Close(fd)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_RDLCK); err != nil {
		return !errors.Is(err, unix.EAGAIN) // EAGAIN: open for writing somewhere
	}
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_UNLCK) // closing drops it too
	return true
}
