//go:build unix

package daemon_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/certs"
	"github.com/bulkd/bulkd/internal/certs/certstest"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTLS: with a certificate configured bulkd serves HTTPS only, TLS 1.2
// and later, and a renewed certificate is served on SIGHUP, without a
// restart. (The look at the files every few seconds is turned off here,
// so that only the signal can reload; a failed reload keeping the
// certificate in use is certs' TestReloader.)
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := certstest.Server(t, dir, 100)
	cfg := testConfig(t, filepath.Join(dir, "data"))
	cfg.HTTP.TLSCertFile, cfg.HTTP.TLSKeyFile = cert, key
	d := daemon.New(cfg, hclog.NewNullLogger())
	d.SetCertsEvery(time.Hour)
	h := openDaemon(t, cfg, d)
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
		h.poll(func() (bool, string) {
			serial := served()
			return serial == 101, fmt.Sprintf("serving serial %d", serial)
		})
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
