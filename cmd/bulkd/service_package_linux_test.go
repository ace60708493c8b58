package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kardianos/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestSystemd is a systemdManager whose unit folders are in a temp dir.
// Its kardianos service is nil: a test that reaches it fails.
func newTestSystemd(t *testing.T) *systemdManager {
	t.Helper()
	dir := t.TempDir()
	s := &systemdManager{name: "bulkd", unitDir: filepath.Join(dir, "etc"), pkgUnitDir: filepath.Join(dir, "usr-lib")}
	require.NoError(t, os.MkdirAll(s.unitDir, 0o755))
	require.NoError(t, os.MkdirAll(s.pkgUnitDir, 0o755))
	return s
}

// TestSystemdManager_Package: the deb and rpm packages' unit counts as
// installed, and `service uninstall` leaves it to the package.
func TestSystemdManager_Package(t *testing.T) {
	s := newTestSystemd(t)
	_, _, err := s.Installed()
	assert.ErrorIs(t, err, service.ErrNotInstalled)

	unit, err := os.ReadFile(filepath.Join("..", "..", "packaging", "linux", "bulkd.service"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(s.pkgUnit(), unit, 0o644))
	cmd, where, err := s.Installed()
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/bin/bulkd", "run", "--config", "/etc/bulkd/bulkd.hcl"}, cmd)
	assert.Equal(t, "unit "+s.pkgUnit()+" (the bulkd package's)", where)

	err = s.Uninstall()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was installed by the bulkd package")
	assert.FileExists(t, s.pkgUnit())

	// A unit of kardianos's in front of it is what systemd runs.
	require.NoError(t, os.WriteFile(s.unit(), []byte("[Service]\nExecStart=/usr/local/bin/bulkd \"run\" \"--config\" \"/srv/bulkd.hcl\"\n"), 0o644))
	cmd, where, err = s.Installed()
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/local/bin/bulkd", "run", "--config", "/srv/bulkd.hcl"}, cmd)
	assert.Equal(t, "unit "+s.unit(), where)
}
