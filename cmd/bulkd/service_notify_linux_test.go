package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd/daemon"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProgram_Notify: under systemd (Type=notify) the daemon says READY=1
// once it listens and STOPPING=1 when it begins to stop.
func TestProgram_Notify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	require.NoError(t, err)
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	next := func() string {
		t.Helper()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		buf := make([]byte, 256)
		n, err := conn.Read(buf)
		require.NoError(t, err)
		return string(buf[:n])
	}

	path := filepath.Join(dir, "bulkd.hcl")
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf("data_dir = %q\nhttp {\n  listen = \"127.0.0.1:0\"\n}\n", filepath.Join(dir, "data"))), 0o644))
	var out, errOut bytes.Buffer
	cfg, _, err := NewMain(&out, &errOut).check(path)
	require.NoError(t, err, errOut.String())
	p := &program{ctx: context.Background(), d: daemon.New(cfg, hclog.NewNullLogger()), log: hclog.NewNullLogger()}

	require.NoError(t, p.Start(nil))
	assert.Equal(t, "READY=1", next())
	// Ready means listening.
	c, err := net.Dial("tcp", p.d.Addr())
	require.NoError(t, err)
	require.NoError(t, c.Close())

	require.NoError(t, p.Stop(nil))
	assert.Equal(t, "STOPPING=1", next())
}
