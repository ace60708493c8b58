package sdnotify_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd/internal/sdnotify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listen opens a datagram socket as systemd's, at name (a path, or
// @name for an abstract one), and returns a function reading the next
// datagram.
func listen(t *testing.T, name string) func() string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return func() string {
		t.Helper()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		require.NoError(t, err)
		return string(buf[:n])
	}
}

func TestNotify_Socket(t *testing.T) {
	for _, tc := range []struct {
		name   string
		socket func(t *testing.T) string
	}{
		{"path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "notify.sock") }},
		{"abstract", func(t *testing.T) string {
			return fmt.Sprintf("@bulkd-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			socket := tc.socket(t)
			next := listen(t, socket)
			t.Setenv("NOTIFY_SOCKET", socket)

			require.NoError(t, sdnotify.Ready())
			assert.Equal(t, "READY=1", next())
			require.NoError(t, sdnotify.Stopping())
			assert.Equal(t, "STOPPING=1", next())
			require.NoError(t, sdnotify.Notify("STATUS=importing\nREADY=1"))
			assert.Equal(t, "STATUS=importing\nREADY=1", next())
		})
	}
}

// TestNotify_Unset: without a service manager's socket nothing is sent and
// nothing fails.
func TestNotify_Unset(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	assert.NoError(t, sdnotify.Ready())
	assert.NoError(t, sdnotify.Stopping())
}

func TestNotify_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, socket, want string
	}{
		{"relative path", "notify.sock", `NOTIFY_SOCKET="notify.sock" is neither an absolute path nor an abstract socket`},
		{"no listener", filepath.Join(t.TempDir(), "gone.sock"), "notify service manager: dial unixgram"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NOTIFY_SOCKET", tc.socket)
			err := sdnotify.Ready()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
