//go:build !windows

package daemon_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLinks_NeverFollowed: a symbolic link dropped as an import file, as a
// recording, or as a tenant folder is not taken; nothing outside the root
// is read or moved, and a real file dropped beside them still is.
func TestLinks_NeverFollowed(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "passwd")
	require.NoError(t, os.WriteFile(secret, []byte("Email,Full Name\nroot@x.y,root:x:0:0\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "AGENTS.out.csv"), []byte("Email,Full Name\nout@x.y,Out\n"), 0o644))
	h := startDaemon(t, t.TempDir())
	acme := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(acme, 0o755))
	require.NoError(t, os.Symlink(secret, filepath.Join(acme, "AGENTS.pw.csv")))
	require.NoError(t, os.Symlink(outside, filepath.Join(h.root, "evil")))
	drop(t, h.root, "acme", "row-errors", "AGENTS.real.csv")

	jobs := h.waitJobs("acme", 1)
	assert.Equal(t, "AGENTS.real.csv", jobs[0].File)
	// The links were there before the real file and settled at once (old
	// mtimes), so a watcher that took them would have done so by now.
	assert.Len(t, h.jobs(""), 1, "no job for the links")
	assert.FileExists(t, secret)
	assert.FileExists(t, filepath.Join(outside, "AGENTS.out.csv"), "nothing moved out of the linked folder")
	fi, err := os.Lstat(filepath.Join(acme, "AGENTS.pw.csv"))
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode().Type(), "the link is left where it is")
	for _, a := range h.agents("acme") {
		assert.NotContains(t, a.FullName, "root:x")
	}
}
