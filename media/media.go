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
	bufs sync.Pool // read buffers: a job may store thousands of recordings at once

	mu     sync.Mutex
	dirty  map[string]bool // shard folders with new names not yet synced
	syncMu sync.Mutex      // held through a Sync, so a Sync never returns early
}

// Open returns the store at dir, creating it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open media store: %w", err)
	}
	return &Store{dir: dir, dirty: map[string]bool{}}, nil
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
func (s *Store) Ingest(path, name string) (Blob, error) {
	f, ok := formats[ext(name)]
	if !ok {
		return Blob{}, fmt.Errorf("%s: unknown recording extension (use %s)", name, Extensions)
	}
	file, err := os.Open(path)
	if err != nil {
		return Blob{}, fmt.Errorf("open %s: %w", name, err)
	}
	defer file.Close()
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
	rest, err := io.CopyBuffer(h, file, buf)
	if err != nil {
		return Blob{}, fmt.Errorf("read %s: %w", name, err)
	}
	if err := file.Sync(); err != nil {
		return Blob{}, fmt.Errorf("sync %s: %w", name, err)
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: int64(n) + rest}
	return b, s.link(path, b.SHA256)
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

// link puts path into the store under sha, copying when a hard link is not
// possible (another file system). A blob already there is kept.
func (s *Store) link(path, sha string) error {
	dst := s.Path(sha)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	err := os.Link(path, dst)
	switch {
	case errors.Is(err, os.ErrExist):
		return nil
	case err != nil:
		if err := fsx.CopyFile(path, dst); err != nil { // another file system
			return fmt.Errorf("media store: %w", err)
		}
	}
	// The new name must survive a crash as surely as the bytes: Sync syncs
	// its folder, once for all the names made since the last Sync.
	s.mu.Lock()
	s.dirty[filepath.Dir(dst)] = true
	s.mu.Unlock()
	return nil
}

// Sync makes the names of every blob Ingest has returned durable. Many
// recordings stored together cost one sync per shard folder, not one each.
func (s *Store) Sync() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	dirs := s.dirty
	if len(dirs) > 0 {
		s.dirty = map[string]bool{}
	}
	s.mu.Unlock()
	for d := range dirs {
		if err := fsx.SyncDir(d); err != nil {
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
