package fsx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenExclusive_Linux checks the read-lease probe: Linux refuses a read
// lease while any descriptor, this process's own included, has the file
// open for writing.
func TestOpenExclusive_Linux(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		hold func(t *testing.T, path string) *os.File // an fd kept open during the probe
		want bool
	}{
		{"closed file", nil, true},
		{"open for reading elsewhere", func(t *testing.T, p string) *os.File {
			f, err := os.Open(p)
			require.NoError(t, err)
			return f
		}, true},
		{"open for writing", func(t *testing.T, p string) *os.File {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err)
			return f
		}, false},
		{"open for reading and writing", func(t *testing.T, p string) *os.File {
			f, err := os.OpenFile(p, os.O_RDWR, 0)
			require.NoError(t, err)
			return f
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			require.NoError(t, os.WriteFile(path, []byte("a,b\n"), 0o644))
			if tc.hold != nil {
				f := tc.hold(t, path)
				assert.Equal(t, tc.want, openExclusive(path))
				require.NoError(t, f.Close())
			} else {
				assert.Equal(t, tc.want, openExclusive(path))
			}
			assert.True(t, openExclusive(path), "settles once closed")
		})
	}
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(filepath.Join(dir, "closed file"), link))
	assert.False(t, openExclusive(link), "a link is never a complete file")
}
