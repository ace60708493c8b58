package fsx_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree makes a folder with a regular file, a file outside it, a link to
// that outside file, a link to an outside folder and a sub-folder.
func tree(t *testing.T) (dir, outside string) {
	t.Helper()
	dir, out := t.TempDir(), t.TempDir()
	outside = filepath.Join(out, "secret")
	require.NoError(t, os.WriteFile(outside, []byte("root:x:0:0\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain.csv"), []byte("Email\n"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "folder"), 0o755))
	if err := os.Symlink(outside, filepath.Join(dir, "link.csv")); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
	require.NoError(t, os.Symlink(out, filepath.Join(dir, "dirlink")))
	return dir, outside
}

func TestOpen(t *testing.T) {
	dir, _ := tree(t)
	for _, tc := range []struct {
		name, want string
		notRegular bool
	}{
		{name: "plain.csv", want: "Email\n"},
		{name: "link.csv", notRegular: true},
		{name: "dirlink", notRegular: true},
		{name: "folder", notRegular: true},
		{name: "missing.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := fsx.Open(filepath.Join(dir, tc.name))
			switch {
			case tc.notRegular:
				require.Error(t, err)
				assert.ErrorIs(t, err, fsx.ErrNotRegular)
				assert.Contains(t, err.Error(), filepath.Join(dir, tc.name))
			case tc.want == "":
				require.Error(t, err)
				assert.ErrorIs(t, err, os.ErrNotExist)
			default:
				require.NoError(t, err)
				defer f.Close()
				b, err := io.ReadAll(f)
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(b))
			}
		})
	}
}

func TestCopyFileAndMove_RefuseLinks(t *testing.T) {
	dir, outside := tree(t)
	dst := filepath.Join(t.TempDir(), "copy.csv")
	err := fsx.CopyFile(filepath.Join(dir, "link.csv"), dst)
	assert.ErrorIs(t, err, fsx.ErrNotRegular, "a copy never reads through a link")
	assert.NoFileExists(t, dst)

	require.NoError(t, fsx.CopyFile(filepath.Join(dir, "plain.csv"), dst))
	b, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, "Email\n", string(b))

	err = fsx.MoveRegular(filepath.Join(dir, "link.csv"), filepath.Join(t.TempDir(), "moved.csv"))
	assert.ErrorIs(t, err, fsx.ErrNotRegular)
	_, err = os.Lstat(filepath.Join(dir, "link.csv"))
	assert.NoError(t, err, "a link found before the move is left where it is")
	assert.FileExists(t, outside)

	moved := filepath.Join(t.TempDir(), "moved.csv")
	require.NoError(t, fsx.MoveRegular(filepath.Join(dir, "plain.csv"), moved))
	assert.FileExists(t, moved)
	assert.NoFileExists(t, filepath.Join(dir, "plain.csv"))
}

func TestCheckRegularAndRealDir(t *testing.T) {
	dir, _ := tree(t)
	assert.NoError(t, fsx.CheckRegular(filepath.Join(dir, "plain.csv")))
	assert.ErrorIs(t, fsx.CheckRegular(filepath.Join(dir, "link.csv")), fsx.ErrNotRegular)
	assert.ErrorIs(t, fsx.CheckRegular(filepath.Join(dir, "folder")), fsx.ErrNotRegular)
	assert.True(t, errors.Is(fsx.CheckRegular(filepath.Join(dir, "none")), os.ErrNotExist))
	assert.NoError(t, fsx.CheckRealDir(filepath.Join(dir, "folder")))
	err := fsx.CheckRealDir(filepath.Join(dir, "dirlink"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a symbolic link")
}
