package media_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storeFiles lists what the store holds, with each entry's Lstat mode.
func storeFiles(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	got := map[string]fs.FileMode{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		got[filepath.Base(p)] = d.Type()
		return nil
	}))
	return got
}

// TestStore_IngestOnlyRegularFiles: a recording that is a link (to a file
// outside the job's folder) is refused, not followed, and the store only
// ever holds regular files.
func TestStore_IngestOnlyRegularFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		link    bool
		wantErr bool
	}{
		{name: "regular file", link: false},
		{name: "link to a file outside", link: true, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "media")
			s, err := media.Open(dir)
			require.NoError(t, err)
			path := fixture(t, "call1.wav", "call1.wav")
			if tc.link {
				link := filepath.Join(t.TempDir(), "call1.wav")
				if err := os.Symlink(path, link); err != nil {
					t.Skipf("cannot make symbolic links here: %v", err)
				}
				path = link
			}
			b, err := s.Ingest(context.Background(), path, "call1.wav")
			if tc.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, fsx.ErrNotRegular)
				assert.Contains(t, err.Error(), "call1.wav")
				assert.Empty(t, storeFiles(t, dir), "nothing stored")
				return
			}
			require.NoError(t, err)
			for name, mode := range storeFiles(t, dir) {
				assert.True(t, mode.IsRegular(), "%s is %v", name, mode)
			}
			fi, err := os.Lstat(s.Path(b.SHA256))
			require.NoError(t, err)
			assert.True(t, fi.Mode().IsRegular())
		})
	}
}

// TestStore_IngestReplacesAStoredLink: a blob that an older bulkd stored as
// a link is replaced by the bytes.
func TestStore_IngestReplacesAStoredLink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "media")
	s, err := media.Open(dir)
	require.NoError(t, err)
	path := fixture(t, "call1.wav", "call1.wav")
	b, err := s.Ingest(context.Background(), path, "call1.wav")
	require.NoError(t, err)
	blob := s.Path(b.SHA256)
	require.NoError(t, os.Remove(blob))
	if err := os.Symlink(path, blob); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
	again, err := s.Ingest(context.Background(), path, "call1.wav")
	require.NoError(t, err)
	assert.Equal(t, b, again)
	fi, err := os.Lstat(blob)
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular(), "the link is replaced by a regular file")
	assert.Empty(t, func() []string {
		var tmp []string
		for name := range storeFiles(t, dir) {
			if name != b.SHA256 {
				tmp = append(tmp, name)
			}
		}
		return tmp
	}(), "no temporary names left")
}
