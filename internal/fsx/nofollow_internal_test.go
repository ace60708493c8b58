package fsx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefuseIrregular is the check after a move: what arrived is a link
// (swapped in after the check before the move) or a folder.
func TestRefuseIrregular(t *testing.T) {
	out := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(out, []byte("x"), 0o644))
	for _, tc := range []struct {
		name     string
		make     func(dst string) error
		backHome bool // renamed back to src rather than removed
	}{
		{"regular file stays", func(dst string) error { return os.WriteFile(dst, []byte("ok"), 0o644) }, false},
		{"link is removed, its target untouched", func(dst string) error { return os.Symlink(out, dst) }, false},
		{"folder goes back", func(dst string) error { return os.Mkdir(dst, 0o755) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst := filepath.Join(t.TempDir(), "AGENTS.a.csv"), filepath.Join(t.TempDir(), "AGENTS.a.csv")
			if err := tc.make(dst); err != nil {
				t.Skipf("cannot make it: %v", err)
			}
			err := refuseIrregular(src, dst)
			fi, lerr := os.Lstat(dst)
			if lerr == nil && fi.Mode().IsRegular() {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrNotRegular)
			assert.Contains(t, err.Error(), "refused")
			assert.Error(t, lerr, "nothing but a regular file stays in the work folder")
			_, serr := os.Lstat(src)
			assert.Equal(t, tc.backHome, serr == nil)
			assert.FileExists(t, out)
		})
	}
}
