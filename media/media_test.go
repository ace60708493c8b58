package media_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixture(t *testing.T, name, as string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "media", name))
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), as)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func TestStore_Ingest(t *testing.T) {
	for _, tc := range []struct {
		fixture, as string
		wantErr     string
	}{
		{"call1.wav", "call1.wav", ""},
		{"call1.webm", "call1.webm", ""},
		{"call1.webm", "call1.webma", ""},
		{"call1.webm", "call1.webmv", ""},
		{"call1.wmv", "call1.wmv", ""},
		{"call1.opus", "call1.opus", ""},
		{"call1.opus", "call1.spx", ""},
		{"fake.wav", "fake.wav", "fake.wav is not a WAV file (its bytes look like text/"},
		{"call1.wav", "call1.webm", "call1.webm is not a WebM file"},
		{"call1.wav", "call1.mp3", "call1.mp3: unknown recording extension"},
	} {
		t.Run(tc.as+" from "+tc.fixture, func(t *testing.T) {
			s, err := media.Open(filepath.Join(t.TempDir(), "media"))
			require.NoError(t, err)
			path := fixture(t, tc.fixture, tc.as)
			b, err := s.Ingest(context.Background(), path, tc.as)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			got, err := os.ReadFile(s.Path(b.SHA256))
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Equal(t, int64(len(want)), b.Size)
			assert.Len(t, b.SHA256, 64)

			again, err := s.Ingest(context.Background(), path, tc.as)
			require.NoError(t, err)
			assert.Equal(t, b, again, "the same bytes are one blob")
		})
	}
}

func TestTypeOf(t *testing.T) {
	for name, want := range map[string]bulkd.MediaType{
		"a.wav": bulkd.MediaAudio, "a.WAV": bulkd.MediaAudio, "a.spx": bulkd.MediaAudio, "a.opus": bulkd.MediaAudio,
		"a.webma": bulkd.MediaAudio, "a.webmv": bulkd.MediaScreen, "a.webm": bulkd.MediaCombined, "a.wmv": bulkd.MediaCombined,
		"a.mp3": "", "a": "",
	} {
		got, ok := media.TypeOf(name)
		assert.Equal(t, want, got, name)
		assert.Equal(t, want != "", ok, name)
	}
}

func TestStore_Sync(t *testing.T) {
	s, err := media.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	require.NoError(t, s.Sync(), "nothing to sync")
	b, err := s.Ingest(context.Background(), fixture(t, "call1.wav", "call1.wav"), "call1.wav")
	require.NoError(t, err)
	shard := filepath.Dir(s.Path(b.SHA256))
	require.NoError(t, os.RemoveAll(shard))
	err = s.Sync()
	require.Error(t, err, "a folder that cannot be synced is an error")
	assert.Contains(t, err.Error(), "media store")
	require.Error(t, s.Sync(), "and is tried again by the next Sync")
	require.NoError(t, os.MkdirAll(shard, 0o755))
	require.NoError(t, s.Sync())
	require.NoError(t, os.RemoveAll(shard))
	require.NoError(t, s.Sync(), "a synced folder is not synced again")
}

// storedBytes is a media.Observer adding up what it is told.
type storedBytes struct {
	mu       sync.Mutex
	n, calls int64
}

func (s *storedBytes) Stored(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n += n
	s.calls++
}

func TestStore_ObserverNewBytesOnly(t *testing.T) {
	obs := &storedBytes{}
	s, err := media.Open(filepath.Join(t.TempDir(), "media"), media.WithObserver(obs))
	require.NoError(t, err)
	b, err := s.Ingest(context.Background(), fixture(t, "call1.wav", "call1.wav"), "call1.wav")
	require.NoError(t, err)
	assert.Equal(t, [2]int64{b.Size, 1}, [2]int64{obs.n, obs.calls}, "a new blob's bytes")
	_, err = s.Ingest(context.Background(), fixture(t, "call1.wav", "again.wav"), "again.wav")
	require.NoError(t, err)
	assert.Equal(t, [2]int64{b.Size, 1}, [2]int64{obs.n, obs.calls}, "the same bytes again are a dedup hit, not counted")
	_, err = s.Ingest(context.Background(), fixture(t, "call1.wav", "call1.spx"), "call1.spx")
	require.Error(t, err)
	assert.Equal(t, int64(1), obs.calls, "a refused recording stores nothing")
}

// TestStore_ObserverConcurrentCopies: the same bytes ingested under several
// names at once (a job's recordings, stored in parallel) are one new blob.
func TestStore_ObserverConcurrentCopies(t *testing.T) {
	obs := &storedBytes{}
	s, err := media.Open(filepath.Join(t.TempDir(), "media"), media.WithObserver(obs))
	require.NoError(t, err)
	const copies = 8
	paths := make([]string, copies)
	for i := range paths {
		paths[i] = fixture(t, "call1.wav", fmt.Sprintf("call%d.wav", i))
	}
	var wg sync.WaitGroup
	blobs := make([]media.Blob, copies)
	errs := make([]error, copies)
	for i, p := range paths {
		wg.Go(func() { blobs[i], errs[i] = s.Ingest(context.Background(), p, filepath.Base(p)) })
	}
	wg.Wait()
	for i := range copies {
		require.NoError(t, errs[i])
		assert.Equal(t, blobs[0], blobs[i])
	}
	assert.Equal(t, [2]int64{blobs[0].Size, 1}, [2]int64{obs.n, obs.calls})
	require.NoError(t, s.Sync())
}
