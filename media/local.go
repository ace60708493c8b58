package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"
)

// local is the media store in a folder: <dir>/<sha256[:2]>/<sha256>.
type local struct {
	dir string

	mu     sync.Mutex
	dirty  map[string]bool // shard folders with new names not yet synced
	syncMu sync.Mutex      // held through a sync, so a sync never returns early
}

func (l *local) path(sha string) string { return filepath.Join(l.dir, sha[:2], sha) }

// file is a blob opened from the folder.
type file struct {
	*os.File
	fi os.FileInfo
}

func (f file) Size() int64        { return f.fi.Size() }
func (f file) ModTime() time.Time { return f.fi.ModTime() }

func (l *local) open(_ context.Context, sha string) (Reader, error) {
	f, err := fsx.Open(l.path(sha))
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return file{f, fi}, nil
}

func (l *local) stat(_ context.Context, sha string) error {
	return fsx.CheckRegular(l.path(sha))
}

func (l *local) list(ctx context.Context, fn func(sha string, stored time.Time) error) error {
	shards, err := os.ReadDir(l.dir)
	if err != nil {
		return err
	}
	for _, sh := range shards {
		if !sh.IsDir() || len(sh.Name()) != 2 {
			continue
		}
		blobs, err := os.ReadDir(filepath.Join(l.dir, sh.Name()))
		if err != nil {
			return err
		}
		for _, b := range blobs {
			if err := ctx.Err(); err != nil {
				return err
			}
			info, err := b.Info()
			if !isDigest(b.Name()) || errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			if err := fn(b.Name(), info.ModTime()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *local) remove(_ context.Context, sha string) error {
	err := os.Remove(l.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// copyChecked copies file from its start to dst crash-safely and fails
// when the bytes copied are not those hashed as sha (the file changed
// since it was read).
func copyChecked(file *os.File, dst, sha string, buf []byte) error {
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("copy %s: %w", file.Name(), err)
	}
	return fsx.WriteAtomic(dst, func(out *os.File) error {
		h := sha256.New()
		if _, err := io.CopyBuffer(io.MultiWriter(out, h), file, buf); err != nil {
			return fmt.Errorf("copy %s: %w", file.Name(), err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sha {
			return fmt.Errorf("copy %s: it changed while being stored", file.Name())
		}
		return nil
	})
}

// put puts file, opened from path and described by fi, into the folder
// under sha, its bytes synced before its name. It hard-links path to a temporary name and renames that into
// place only when the link is the very file that was read and hashed: link(2)
// does not follow a symbolic link but links the link itself, and path may
// have been replaced since it was opened. Otherwise (another file system,
// no hard links, or path replaced) it copies the bytes from the open file,
// checking them against sha. A regular blob already there is kept (stored
// is false); anything else there (a link an older bulkd stored) is
// replaced.
func (l *local) put(_ context.Context, path, sha string, file *os.File, fi os.FileInfo, buf []byte) (stored bool, err error) {
	dst := l.path(sha)
	if got, err := os.Lstat(dst); err == nil && got.Mode().IsRegular() {
		return false, nil
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".link-%s-%x", sha, rand.Uint64()))
	linked := false
	if err := os.Link(path, tmp); err == nil {
		if got, err := os.Lstat(tmp); err == nil && got.Mode().IsRegular() && os.SameFile(got, fi) {
			if err := fsx.SyncData(file); err != nil {
				_ = os.Remove(tmp)
				return false, fmt.Errorf("sync: %w", err)
			}
			if err := os.Rename(tmp, dst); err != nil {
				_ = os.Remove(tmp)
				return false, err
			}
			linked = true
		}
		// Gone already when the rename moved it; when tmp and dst were
		// one file (a concurrent Ingest of the same path) rename leaves
		// both names, and tmp must not stay; when the link was refused,
		// it must not stay either.
		if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, err
		}
	}
	if !linked {
		// WriteAtomic syncs the copy and its folder.
		if err := copyChecked(file, dst, sha, buf); err != nil {
			return false, err
		}
		return true, nil
	}
	// The new name must survive a crash as surely as the bytes: Sync syncs
	// its folder, once for all the names made since the last Sync.
	l.mu.Lock()
	l.dirty[filepath.Dir(dst)] = true
	l.mu.Unlock()
	return true, nil
}

// sync makes the names of every blob put so far durable.
func (l *local) sync() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	dirs := l.dirty
	if len(dirs) == 0 {
		l.mu.Unlock()
		return nil // what an earlier Sync took was synced before it let go of syncMu
	}
	l.dirty = map[string]bool{}
	l.mu.Unlock()
	// The folders are synced at once: the file system commits its journal
	// once for syncs that arrive together, where one after another each
	// waits for its own commit.
	errs := make(chan error, len(dirs))
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(len(dirs), syncers) {
		wg.Go(func() {
			for d := range work {
				errs <- fsx.SyncDir(d)
			}
		})
	}
	for d := range dirs {
		work <- d
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			l.mu.Lock()
			for d := range dirs { // try them again next time
				l.dirty[d] = true
			}
			l.mu.Unlock()
			return err
		}
	}
	return nil
}

// syncers is how many folder syncs Sync runs at once.
const syncers = 16

// ownerFile is the local store's owner marker (see Store.Sweep).
const ownerFile = ".owner"

func (l *local) owner(context.Context) (string, error) {
	b, err := os.ReadFile(filepath.Join(l.dir, ownerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

func (l *local) setOwner(_ context.Context, id string) error {
	return fsx.WriteAtomic(filepath.Join(l.dir, ownerFile), func(f *os.File) error {
		_, err := f.WriteString(id + "\n")
		return err
	})
}
