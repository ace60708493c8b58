package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runScript runs a package script of packaging/linux with args, the
// commands it calls stubbed by ones that log their command lines; getent
// finds nothing unless found. It returns the log.
func runScript(t *testing.T, script string, found bool, args ...string) []string {
	t.Helper()
	bin := t.TempDir()
	log := filepath.Join(bin, "calls.log")
	stub := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + log + "\n"
	for _, name := range []string{"groupadd", "useradd", "install", "systemctl"} {
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755))
	}
	getent := stub + "exit 2\n"
	if found {
		getent = stub + "exit 0\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(bin, "getent"), []byte(getent), 0o755))
	cmd := exec.Command("/bin/sh", append([]string{filepath.Join("..", "linux", script)}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+":/usr/bin:/bin")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// TestScripts: one script serves deb (install, configure, remove, purge,
// upgrade) and rpm ($1 a count of installed versions).
func TestScripts(t *testing.T) {
	t.Run("preinstall creates the user", func(t *testing.T) {
		for _, arg := range []string{"install", "1"} {
			calls := runScript(t, "preinstall.sh", false, arg)
			require.Len(t, calls, 4, calls)
			assert.Equal(t, "groupadd --system bulkd", calls[1])
			assert.Contains(t, calls[3], "useradd --system --gid bulkd --home-dir /var/lib/bulkd --no-create-home --shell /")
		}
	})
	t.Run("preinstall keeps an existing user", func(t *testing.T) {
		assert.Equal(t, []string{"getent group bulkd", "getent passwd bulkd"}, runScript(t, "preinstall.sh", true, "upgrade", "1.0.0"))
	})
	t.Run("removal disables the service", func(t *testing.T) {
		for _, arg := range []string{"remove", "0"} {
			assert.Contains(t, runScript(t, "preremove.sh", true, arg), "systemctl disable bulkd.service")
		}
	})
	t.Run("upgrades and aborts do nothing", func(t *testing.T) {
		for _, tc := range [][]string{
			{"preremove.sh", "upgrade", "1.0.1"}, {"preremove.sh", "1"},
			{"postremove.sh", "upgrade", "1.0.1"}, {"postremove.sh", "1"},
			{"postinstall.sh", "abort-upgrade", "1.0.0"},
		} {
			assert.Empty(t, runScript(t, tc[0], true, tc[1:]...), tc)
		}
	})
}
