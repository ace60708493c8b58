// Package media is bulkd's content-addressed recording store: each
// recording's bytes live once, at <dir>/<sha256[:2]>/<sha256>, never in
// bbolt. It also owns the recording formats: which extension is which media
// type, and whether a file's bytes are what its extension says (sniffed with
// gabriel-vasile/mimetype).
package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/gabriel-vasile/mimetype"
)

// format is what an extension promises.
type format struct {
	media bulkd.MediaType
	name  string   // for messages
	mimes []string // what sniffing may find (a match on any ancestor counts)
}

// formats are the seed's recording formats by extension.
var formats = map[string]format{
	"wav":   {bulkd.MediaAudio, "WAV", []string{"audio/wav"}},
	"spx":   {bulkd.MediaAudio, "Speex (Ogg)", []string{"application/ogg"}},
	"opus":  {bulkd.MediaAudio, "Opus (Ogg)", []string{"application/ogg"}},
	"webma": {bulkd.MediaAudio, "WebM audio", []string{"video/webm", "audio/webm", "video/x-matroska"}},
	"webmv": {bulkd.MediaScreen, "WebM video", []string{"video/webm", "audio/webm", "video/x-matroska"}},
	"webm":  {bulkd.MediaCombined, "WebM", []string{"video/webm", "audio/webm", "video/x-matroska"}},
	"wmv":   {bulkd.MediaCombined, "WMV (ASF)", []string{"video/x-ms-asf", "video/x-ms-wmv"}},
}

// Extensions lists the recording extensions, for messages.
const Extensions = "wav, spx, opus, webma, webmv, webm, wmv"

// TypeOf returns the media type a file name's extension stands for.
func TypeOf(name string) (bulkd.MediaType, bool) {
	f, ok := formats[ext(name)]
	return f.media, ok
}

// ContentType returns the HTTP content type to serve a recording with.
func ContentType(name string) string {
	switch e := ext(name); e {
	case "wav":
		return "audio/wav"
	case "spx", "opus":
		return "audio/ogg"
	case "webma":
		return "audio/webm"
	case "webm", "webmv":
		return "video/webm"
	case "wmv":
		return "video/x-ms-wmv"
	}
	return "application/octet-stream"
}

func ext(name string) string { return strings.ToLower(strings.TrimPrefix(filepath.Ext(name), ".")) }

// Blob is a recording in the store.
type Blob struct {
	SHA256 string
	Size   int64
}

// Store is the media store rooted at a folder.
type Store struct {
	dir  string
	obs  Observer
	bufs sync.Pool // read buffers: a job may store thousands of recordings at once

	mu     sync.Mutex
	dirty  map[string]bool          // shard folders with new names not yet synced
	busy   map[string]chan struct{} // blobs being linked in, closed when done
	syncMu sync.Mutex               // held through a Sync, so a Sync never returns early
}

// Observer is told what the store stores, for metrics. Its method is
// called from the goroutines that call Ingest and must return quickly.
type Observer interface {
	// Stored is called once Ingest has put a new blob of n bytes in the
	// store; a recording whose bytes are there already (a dedup hit) is
	// not told of.
	Stored(n int64)
}

// Option sets up a Store at Open.
type Option func(*Store)

// WithObserver has the store tell o of each new blob.
func WithObserver(o Observer) Option { return func(s *Store) { s.obs = o } }

// Open returns the store at dir, creating it.
func Open(dir string, opts ...Option) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open media store: %w", err)
	}
	s := &Store{dir: dir, dirty: map[string]bool{}, busy: map[string]chan struct{}{}}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Path returns where the blob with this digest lives.
func (s *Store) Path(sha string) string { return filepath.Join(s.dir, sha[:2], sha) }

// ErrMismatch is returned by Ingest when a file's bytes are not what its
// extension says.
var ErrMismatch = errors.New("content does not match the extension")

// sniffLen is how much of a file mimetype looks at.
const sniffLen = 3072

// Ingest checks that the file at path is what name's extension says, hashes
// it while reading it once, and links it into the store (a hard link: no
// bytes are copied on the same file system, and path stays valid until its
// owner removes it). It syncs the file's bytes; its name in the store is
// durable once Sync returns: call Sync before recording anything that
// points at the blob.
//
// The store only ever holds regular files: path is opened with fsx.Open,
// so a symbolic link (or Windows reparse point) is refused with an error
// wrapping fsx.ErrNotRegular, never followed; and what is linked in must be
// the very file that was read, else its bytes are copied (see link).
func (s *Store) Ingest(path, name string) (Blob, error) {
	f, ok := formats[ext(name)]
	if !ok {
		return Blob{}, fmt.Errorf("%s: unknown recording extension (use %s)", name, Extensions)
	}
	file, err := fsx.Open(path)
	if err != nil {
		return Blob{}, fmt.Errorf("open %s: %w", name, err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return Blob{}, fmt.Errorf("stat %s: %w", name, err)
	}
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 256<<10)
		bp = &b
	}
	defer s.bufs.Put(bp)
	buf := *bp
	n, err := io.ReadFull(file, buf[:sniffLen])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Blob{}, fmt.Errorf("read %s: %w", name, err)
	}
	if got := mimetype.Detect(buf[:n]); !matches(got, f.mimes) {
		return Blob{}, fmt.Errorf("%s is not a %s file (its bytes look like %s): %w", name, f.name, got.String(), ErrMismatch)
	}
	h := sha256.New()
	h.Write(buf[:n])
	rest, err := hashRest(h, file, fi, int64(n), buf)
	if err != nil {
		return Blob{}, fmt.Errorf("read %s: %w", name, err)
	}
	if err := fsx.SyncData(file); err != nil {
		return Blob{}, fmt.Errorf("sync %s: %w", name, err)
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: int64(n) + rest}
	stored, err := s.link(path, b.SHA256, file, fi, buf)
	if err == nil && stored && s.obs != nil {
		s.obs.Stored(b.Size)
	}
	return b, err
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

func matches(m *mimetype.MIME, want []string) bool {
	for ; m != nil; m = m.Parent() {
		for _, w := range want {
			if m.Is(w) {
				return true
			}
		}
	}
	return false
}

// link puts file, opened from path and described by fi, into the store
// under sha. It hard-links path to a temporary name and renames that into
// place only when the link is the very file that was read and hashed: link(2)
// does not follow a symbolic link but links the link itself, and path may
// have been replaced since it was opened. Otherwise (another file system,
// no hard links, or path replaced) it copies the bytes from the open file,
// checking them against sha. A regular blob already there is kept (stored
// is false); anything else there (a link an older bulkd stored) is
// replaced.
func (s *Store) link(path, sha string, file *os.File, fi os.FileInfo, buf []byte) (stored bool, err error) {
	// One Ingest at a time puts a blob in: two recordings with the same
	// bytes stored at once (a job's call1.wav and call2.wav) are stored,
	// and told to the Observer, once.
	defer s.claim(sha)()
	dst := s.Path(sha)
	if got, err := os.Lstat(dst); err == nil && got.Mode().IsRegular() {
		return false, nil
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("media store: %w", err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".link-%s-%x", sha, rand.Uint64()))
	linked := false
	if err := os.Link(path, tmp); err == nil {
		if got, err := os.Lstat(tmp); err == nil && got.Mode().IsRegular() && os.SameFile(got, fi) {
			if err := os.Rename(tmp, dst); err != nil {
				_ = os.Remove(tmp)
				return false, fmt.Errorf("media store: %w", err)
			}
			linked = true
		}
		// Gone already when the rename moved it; when tmp and dst were
		// one file (a concurrent Ingest of the same path) rename leaves
		// both names, and tmp must not stay; when the link was refused,
		// it must not stay either.
		if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("media store: %w", err)
		}
	}
	if !linked {
		if err := copyChecked(file, dst, sha, buf); err != nil {
			return false, fmt.Errorf("media store: %w", err)
		}
	}
	// The new name must survive a crash as surely as the bytes: Sync syncs
	// its folder, once for all the names made since the last Sync.
	s.mu.Lock()
	s.dirty[filepath.Dir(dst)] = true
	s.mu.Unlock()
	return true, nil
}

// claim waits until no other Ingest is linking in the blob sha, and
// returns the func that lets the next one go.
func (s *Store) claim(sha string) (release func()) {
	s.mu.Lock()
	for {
		ch, ok := s.busy[sha]
		if !ok {
			break
		}
		s.mu.Unlock()
		<-ch
		s.mu.Lock()
	}
	ch := make(chan struct{})
	s.busy[sha] = ch
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.busy, sha)
		s.mu.Unlock()
		close(ch)
	}
}

// Sync makes the names of every blob Ingest has returned durable. Many
// recordings stored together cost one sync per shard folder, not one each.
func (s *Store) Sync() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	dirs := s.dirty
	if len(dirs) == 0 {
		s.mu.Unlock()
		return nil // what an earlier Sync took was synced before it let go of syncMu
	}
	s.dirty = map[string]bool{}
	s.mu.Unlock()
	// The folders are synced at once: the file system commits its journal
	// once for syncs that arrive together, where one after another each
	// waited for its own commit (64 shard folders took most of the time
	// of storing 64 recordings).
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
			s.mu.Lock()
			for d := range dirs { // try them again next time
				s.dirty[d] = true
			}
			s.mu.Unlock()
			return fmt.Errorf("media store: %w", err)
		}
	}
	return nil
}

// syncers is how many folder syncs Sync runs at once.
const syncers = 16
