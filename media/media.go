// Package media is bulkd's content-addressed recording store: each
// recording's bytes live once, under their SHA-256, never in bbolt: in a
// local folder (<dir>/<sha256[:2]>/<sha256>, the default) or in an
// S3-compatible bucket (<prefix><sha256[:2]>/<sha256>). It also owns the
// recording formats: which extension is which media type, and whether a
// file's bytes are what its extension says (sniffed with
// gabriel-vasile/mimetype).
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

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

// Store is the media store: the checks and the hashing, in front of a
// backend that holds the bytes.
type Store struct {
	back backend
	obs  Observer
	bufs sync.Pool // read buffers: a job may store thousands of recordings at once

	mu   sync.Mutex
	busy map[string]chan struct{} // blobs being put in, closed when done
}

// backend holds blobs by digest.
type backend interface {
	// put stores file (open at path, described by fi, hashed as sha) as
	// the blob sha unless it holds it, and reports whether it stored it.
	// buf is scratch memory.
	put(ctx context.Context, path, sha string, file *os.File, fi os.FileInfo, buf []byte) (bool, error)
	// sync makes every blob put so far durable.
	sync() error
	// open opens a blob; fs.ErrNotExist when there is none.
	open(ctx context.Context, sha string) (Reader, error)
	// stat reports whether a blob is there (fs.ErrNotExist when not).
	stat(ctx context.Context, sha string) error
	// list calls fn with each blob's digest and when it was stored.
	list(ctx context.Context, fn func(sha string, stored time.Time) error) error
	// remove deletes a blob.
	remove(ctx context.Context, sha string) error
	// owner reads the store's owner marker ("" when there is none), and
	// setOwner writes it.
	owner(ctx context.Context) (string, error)
	setOwner(ctx context.Context, id string) error
}

// Reader is a blob open for reading: seekable, for HTTP Range requests.
type Reader interface {
	io.ReadSeekCloser
	// Size is the blob's length and ModTime when it was stored.
	Size() int64
	ModTime() time.Time
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

// Open returns the store in the folder dir, creating it.
func Open(dir string, opts ...Option) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open media store: %w", err)
	}
	return newStore(&local{dir: dir, dirty: map[string]bool{}}, opts), nil
}

func newStore(b backend, opts []Option) *Store {
	s := &Store{back: b, busy: map[string]chan struct{}{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// isDigest reports whether s is a SHA-256 digest as the store names blobs:
// 64 lower-case hex digits. A digest read from anywhere is checked before
// it names a file or an object.
func isDigest(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Path returns where the blob sha lives when the store is a folder, ""
// when it is a bucket.
func (s *Store) Path(sha string) string {
	if l, ok := s.back.(*local); ok && isDigest(sha) {
		return l.path(sha)
	}
	return ""
}

// checkDigest refuses a digest read from a record that is no digest: it
// would become a path or a key.
func checkDigest(sha string) error {
	if !isDigest(sha) {
		return fmt.Errorf("media %q: not a SHA-256 digest", bulkd.Truncate(sha, 80))
	}
	return nil
}

// blobKey is where a blob lives in its backend: a shard of 256, then the
// digest.
func blobKey(sha string) string { return sha[:2] + "/" + sha }

// OpenBlob opens the blob sha for reading; an unknown one is an
// ENOTFOUND error.
func (s *Store) OpenBlob(ctx context.Context, sha string) (Reader, error) {
	if err := checkDigest(sha); err != nil {
		return nil, err
	}
	r, err := s.back.open(ctx, sha)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "media %s is not in the media store", sha)
	}
	if err != nil {
		return nil, fmt.Errorf("open media %s: %w", sha, err)
	}
	return r, nil
}

// Has checks that the blob sha is in the store.
func (s *Store) Has(ctx context.Context, sha string) error {
	if err := checkDigest(sha); err != nil {
		return err
	}
	if err := s.back.stat(ctx, sha); err != nil {
		return fmt.Errorf("check media %s: %w", sha, err)
	}
	return nil
}

// ErrMismatch is returned by Ingest when a file's bytes are not what its
// extension says.
var ErrMismatch = errors.New("content does not match the extension")

// sniffLen is how much of a file mimetype looks at.
const sniffLen = 3072

// Ingest checks that the file at path is what name's extension says, hashes
// it while reading it once, and puts it in the store's backend: the local
// folder hard-links it (no bytes copied on one file system; path stays
// valid until its owner removes it), a bucket uploads it. Its bytes are
// durable when Ingest returns, its name in the store once Sync returns:
// call Sync before recording anything that points at the blob.
//
// The store only ever holds regular files: path is opened with fsx.Open,
// so a symbolic link (or Windows reparse point) is refused with an error
// wrapping fsx.ErrNotRegular, never followed; and what the folder links in
// must be the very file that was read, else its bytes are copied (see
// local.put).
func (s *Store) Ingest(ctx context.Context, path, name string) (Blob, error) {
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
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: int64(n) + rest}
	// One Ingest at a time puts a blob in: two recordings with the same
	// bytes stored at once (a job's call1.wav and call2.wav) are stored,
	// and told to the Observer, once.
	release := s.claim(b.SHA256)
	stored, err := s.back.put(ctx, path, b.SHA256, file, fi, buf)
	release()
	if err != nil {
		return Blob{}, fmt.Errorf("media store: %s: %w", name, err)
	}
	if stored && s.obs != nil {
		s.obs.Stored(b.Size)
	}
	return b, nil
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

// ErrNotOwner is returned by Sweep when the store belongs to another
// bulkd (see Sweep).
var ErrNotOwner = errors.New("the media store belongs to another bulkd store")

// Sweep removes every blob stored before cutoff that no record refers to,
// and returns how many it removed. refs tells each digest the records refer
// to (store.MediaDigests), and owner names those records (the bbolt
// store's instance id): the media store is swept only by the records it
// belongs to, and refs is read only once that is known. The first sweep claims it (and removes
// nothing); a sweep by other records (another data dir, a second bulkd on
// one bucket) removes nothing and returns ErrNotOwner, since its records
// cannot tell which blobs are orphans. A crash between a blob's
// store and the commit of the records that name it (a contact, an audio
// file) leaves such a blob; a failed job's discarded contacts leave their
// recordings too. Call it while nothing ingests: the daemon sweeps at
// start-up, before any job runs, so a blob just stored for a record not yet
// committed is never taken for an orphan.
func (s *Store) Sweep(ctx context.Context, owner string, cutoff time.Time, refs func(ctx context.Context, fn func(sha string)) error) (int, error) {
	was, err := s.back.owner(ctx)
	if err != nil {
		return 0, fmt.Errorf("media store: owner: %w", err)
	}
	switch was {
	case owner:
	case "":
		if err := s.back.setOwner(ctx, owner); err != nil {
			return 0, fmt.Errorf("media store: owner: %w", err)
		}
		return 0, nil
	default:
		return 0, fmt.Errorf("%w: its marker says %s, this one is %s", ErrNotOwner, was, owner)
	}
	referenced := map[string]bool{}
	if err := refs(ctx, func(sha string) { referenced[sha] = true }); err != nil {
		return 0, fmt.Errorf("media store: references: %w", err)
	}
	var orphans []string
	err = s.back.list(ctx, func(sha string, stored time.Time) error {
		if stored.Before(cutoff) && !referenced[sha] {
			orphans = append(orphans, sha)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("media store: list: %w", err)
	}
	for i, sha := range orphans {
		if err := s.back.remove(ctx, sha); err != nil {
			return i, fmt.Errorf("media store: remove %s: %w", sha, err)
		}
	}
	return len(orphans), nil
}

// Sync makes every blob Ingest has returned durable: call it before
// recording anything that points at one. Many recordings stored together
// cost one sync per shard folder (local), nothing more (S3, where a blob
// is durable once stored).
func (s *Store) Sync() error {
	if err := s.back.sync(); err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	return nil
}
