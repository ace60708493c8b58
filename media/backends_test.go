package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/s3test"
	"github.com/bulkd/bulkd/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backends are the media store's backends, each test run against both: the
// local folder, and a bucket of a real S3-compatible server (SeaweedFS)
// started on loopback.
var backends = []struct {
	name string
	open func(t *testing.T, opts ...media.Option) *media.Store
}{
	{"local", func(t *testing.T, opts ...media.Option) *media.Store {
		s, err := media.Open(filepath.Join(t.TempDir(), "media"), opts...)
		require.NoError(t, err)
		return s
	}},
	{"s3", func(t *testing.T, opts ...media.Option) *media.Store {
		srv := bucketServer.get(t)
		bucket := fmt.Sprintf("recordings-%d", bucketServer.buckets.Add(1))
		srv.CreateBucket(t, bucket)
		s, err := media.OpenS3(context.Background(), media.S3Config{
			Endpoint: srv.Endpoint, Bucket: bucket, Region: srv.Region, Prefix: "bulkd/",
			AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Insecure: true,
		}, opts...)
		require.NoError(t, err)
		return s
	}},
}

// bucketServer is the S3 server the package's tests share, a bucket each:
// one SeaweedFS start (seconds) for all of them, made by the first test
// that needs it and stopped by TestMain.
var bucketServer sharedServer

type sharedServer struct {
	once    sync.Once
	srv     *s3test.Server
	stop    func()
	dir     string
	err     error
	buckets atomic.Int64
}

func (s *sharedServer) get(t *testing.T) *s3test.Server {
	t.Helper()
	s.once.Do(func() {
		weed := s3test.Weed(t)
		if s.dir, s.err = os.MkdirTemp("", "bulkd-media-s3-"); s.err == nil {
			s.srv, s.stop, s.err = s3test.Launch(weed, s.dir)
		}
	})
	require.NoError(t, s.err)
	require.NotNil(t, s.srv, "the shared S3 server did not start: see the first test that asked for it")
	return s.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bucketServer.stop != nil {
		bucketServer.stop()
	}
	if bucketServer.dir != "" {
		_ = os.RemoveAll(bucketServer.dir)
	}
	os.Exit(code)
}

// readBlob reads a whole blob back.
func readBlob(t *testing.T, s *media.Store, sha string) []byte {
	t.Helper()
	r, err := s.OpenBlob(context.Background(), sha)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, int64(len(b)), r.Size())
	assert.False(t, r.ModTime().IsZero())
	return b
}

// TestBackends_StoreAndServe: a recording stored is read back whole and by
// HTTP Range, once however often it is stored, and a digest the store does
// not hold is not found.
func TestBackends_StoreAndServe(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			obs := &storedBytes{}
			s := be.open(t, media.WithObserver(obs))
			path := fixture(t, "call1.wav", "call1.wav")
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			b, err := s.Ingest(ctx, path, "call1.wav")
			require.NoError(t, err)
			require.NoError(t, s.Sync())
			assert.Equal(t, want, readBlob(t, s, b.SHA256))
			require.NoError(t, s.Has(ctx, b.SHA256))

			again, err := s.Ingest(ctx, fixture(t, "call1.wav", "copy.wav"), "copy.wav")
			require.NoError(t, err)
			assert.Equal(t, b, again)
			assert.Equal(t, int64(1), obs.calls, "stored once")

			// As the API serves it: a Range request reads those bytes only.
			r, err := s.OpenBlob(ctx, b.SHA256)
			require.NoError(t, err)
			defer r.Close()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req.Header.Set("Range", "bytes=100-199")
			http.ServeContent(rec, req, "call1.wav", r.ModTime(), r)
			assert.Equal(t, http.StatusPartialContent, rec.Code)
			assert.Equal(t, want[100:200], rec.Body.Bytes())

			missing := hex.EncodeToString(make([]byte, 32))
			_, err = s.OpenBlob(ctx, missing)
			assert.Equal(t, bulkd.ENOTFOUND, bulkd.ErrorCode(err), "%v", err)
			assert.Error(t, s.Has(ctx, missing))
			_, err = s.OpenBlob(ctx, "../../etc/passwd")
			assert.ErrorContains(t, err, "not a SHA-256 digest")
		})
	}
}

// TestBackends_Large: a recording larger than an upload part goes up in
// parts, read from its file as they go, and comes back byte for byte.
func TestBackends_Large(t *testing.T) {
	head, err := os.ReadFile(filepath.Join("..", "testdata", "media", "call1.wav"))
	require.NoError(t, err)
	data := make([]byte, 20<<20+12345)
	_, err = rand.Read(data)
	require.NoError(t, err)
	copy(data, head) // sniffed as WAV by its header
	path := filepath.Join(t.TempDir(), "long.wav")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	sum := sha256.Sum256(data)
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			s := be.open(t)
			b, err := s.Ingest(context.Background(), path, "long.wav")
			require.NoError(t, err)
			require.NoError(t, s.Sync())
			assert.Equal(t, hex.EncodeToString(sum[:]), b.SHA256)
			assert.Equal(t, int64(len(data)), b.Size)
			got := sha256.Sum256(readBlob(t, s, b.SHA256))
			assert.Equal(t, sum, got)
		})
	}
}

// TestBackends_Sweep: the blobs nothing refers to are removed once old
// enough, the others kept.
func TestBackends_Sweep(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			s := be.open(t)
			kept, err := s.Ingest(ctx, fixture(t, "call1.wav", "kept.wav"), "kept.wav")
			require.NoError(t, err)
			orphan, err := s.Ingest(ctx, fixture(t, "call1.webm", "orphan.webm"), "orphan.webm")
			require.NoError(t, err)
			require.NoError(t, s.Sync())
			keep := refsTo(kept.SHA256)

			n, err := s.Sweep(ctx, "ours", time.Now().Add(time.Hour), keep)
			require.NoError(t, err)
			assert.Equal(t, 0, n, "the first sweep claims the store and removes nothing")
			n, err = s.Sweep(ctx, "ours", time.Now().Add(-time.Hour), keep)
			require.NoError(t, err)
			assert.Equal(t, 0, n, "nothing old enough")
			n, err = s.Sweep(ctx, "another data dir", time.Now().Add(time.Hour), refsTo())
			assert.ErrorIs(t, err, media.ErrNotOwner)
			assert.Equal(t, 0, n, "records of another store remove nothing")
			n, err = s.Sweep(ctx, "ours", time.Now().Add(time.Hour), keep)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			_, err = s.OpenBlob(ctx, orphan.SHA256)
			assert.Equal(t, bulkd.ENOTFOUND, bulkd.ErrorCode(err))
			assert.NotEmpty(t, readBlob(t, s, kept.SHA256))
		})
	}
}

// TestBackends_ConcurrentCopies: the same bytes stored under several names
// at once are one blob, told once.
func TestBackends_ConcurrentCopies(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			obs := &storedBytes{}
			s := be.open(t, media.WithObserver(obs))
			var wg sync.WaitGroup
			blobs := make([]media.Blob, 6)
			for i := range blobs {
				p := fixture(t, "call1.wav", fmt.Sprintf("c%d.wav", i))
				wg.Go(func() {
					var err error
					blobs[i], err = s.Ingest(context.Background(), p, filepath.Base(p))
					assert.NoError(t, err)
				})
			}
			wg.Wait()
			for _, b := range blobs[1:] {
				assert.Equal(t, blobs[0], b)
			}
			assert.Equal(t, int64(1), obs.calls)
			assert.True(t, bytes.HasPrefix(readBlob(t, s, blobs[0].SHA256), []byte("RIFF")))
		})
	}
}

// refsTo is a Sweep's refs naming shas.
func refsTo(shas ...string) func(context.Context, func(string)) error {
	return func(_ context.Context, fn func(string)) error {
		for _, sha := range shas {
			fn(sha)
		}
		return nil
	}
}
