//go:build unix

package daemon_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/certs"
	"github.com/bulkd/bulkd/internal/certs/certstest"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTLS: with a certificate configured bulkd serves HTTPS only, TLS 1.2
// and later, and a renewed certificate is served once its files change
// or on SIGHUP, without a restart.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca := certstest.NewCA(t, dir)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Issue(t, 100, cert, key)
	h := startDaemon(t, filepath.Join(dir, "data"), func(c *config.Config) {
		c.HTTP.TLSCertFile, c.HTTP.TLSKeyFile = cert, key
	})
	pool, err := certs.CAPool(ca.File)
	require.NoError(t, err)
	client := func(tc *tls.Config) *http.Client {
		tc.RootCAs = pool
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}}
	}
	url := "https://" + h.d.Addr() + "/healthz"
	// served returns the serial of the certificate a new connection gets.
	served := func() int64 {
		resp, err := client(&tls.Config{}).Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.GreaterOrEqual(t, resp.TLS.Version, uint16(tls.VersionTLS12))
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	assert.Equal(t, int64(100), served())

	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		_, err := client(&tls.Config{MaxVersion: tls.VersionTLS11}).Get(url)
		assert.Error(t, err)
	})
	t.Run("plain HTTP gets no answer", func(t *testing.T) {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + h.d.Addr() + "/healthz")
		if err == nil {
			resp.Body.Close()
			assert.NotEqual(t, http.StatusOK, resp.StatusCode)
		}
	})
	t.Run("an unknown CA is refused by the client", func(t *testing.T) {
		_, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
		assert.ErrorContains(t, err, "certificate")
	})
	t.Run("renewed on SIGHUP", func(t *testing.T) {
		ca.Issue(t, 101, cert, key)
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
		deadline := time.Now().Add(20 * time.Second)
		for served() != 101 {
			require.True(t, time.Now().Before(deadline), "the renewed certificate is never served")
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("a broken renewal keeps the certificate in use", func(t *testing.T) {
		require.NoError(t, os.WriteFile(cert, []byte("half a file"), 0o600))
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
		assert.Equal(t, int64(101), served())
	})
}

// TestTLS_RefusedWithBadFiles: Open refuses a certificate it cannot load.
func TestTLS_RefusedWithBadFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, filepath.Join(dir, "data"))
	cfg.HTTP.TLSCertFile, cfg.HTTP.TLSKeyFile = filepath.Join(dir, "none.pem"), filepath.Join(dir, "none-key.pem")
	err := daemon.New(cfg, hclog.NewNullLogger()).Open(context.Background())
	require.ErrorContains(t, err, "Invalid TLS certificate")
}

// TestSIGHUP_WithoutTLS: systemctl reload (SIGHUP) of a bulkd without TLS
// leaves it running.
func TestSIGHUP_WithoutTLS(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	var health map[string]string
	assert.Equal(t, http.StatusOK, h.get("/healthz", &health))
}
