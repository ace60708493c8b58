package certs_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bulkd/bulkd/internal/certs"
	"github.com/bulkd/bulkd/internal/certs/certstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReloader(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := certstest.Server(t, dir, 10)
	r, err := certs.Load(cert, key)
	require.NoError(t, err)
	serial := func() int64 { return r.Certificate().Leaf.SerialNumber.Int64() }
	assert.Equal(t, int64(10), serial())

	steps := []struct {
		name        string
		change      func()
		wantChanged bool
		wantErr     string
		wantSerial  int64
	}{
		{"unchanged files: nothing to do", func() {}, false, "", 10},
		{"renewed", func() { ca.Issue(t, 11, cert, key) }, true, "", 11},
		{"a broken certificate keeps the old one", func() {
			require.NoError(t, os.WriteFile(cert, []byte("not PEM"), 0o600))
		}, false, "load TLS certificate", 11},
		{"a missing key keeps the old one", func() { require.NoError(t, os.Remove(key)) }, false, "TLS file", 11},
		{"fixed", func() { ca.Issue(t, 12, cert, key) }, true, "", 12},
	}
	for _, s := range steps {
		s.change()
		changed, err := r.Reload()
		if s.wantErr != "" {
			assert.ErrorContains(t, err, s.wantErr, s.name)
		} else {
			assert.NoError(t, err, s.name)
		}
		assert.Equal(t, s.wantChanged, changed, s.name)
		assert.Equal(t, s.wantSerial, serial(), s.name)
	}

	_, err = certs.Load(cert, filepath.Join(dir, "none.pem"))
	assert.ErrorContains(t, err, "none.pem")
}

func TestReloader_Watch(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := certstest.Server(t, dir, 1)
	r, err := certs.Load(cert, key)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	reports := make(chan error, 10)
	go r.Watch(ctx, time.Hour, hup, func(changed bool, err error) { reports <- err })

	ca.Issue(t, 2, cert, key)
	hup <- syscall.SIGHUP
	select {
	case err := <-reports:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("no reload on the signal")
	}
	assert.Equal(t, int64(2), r.Certificate().Leaf.SerialNumber.Int64())
}

func TestCAPool(t *testing.T) {
	dir := t.TempDir()
	ca := certstest.NewCA(t, dir)
	pool, err := certs.CAPool(ca.File)
	require.NoError(t, err)
	assert.NotNil(t, pool)
	pool, err = certs.CAPool("")
	require.NoError(t, err)
	assert.Nil(t, pool, "the system's roots")
	bad := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("x"), 0o600))
	_, err = certs.CAPool(bad)
	assert.ErrorContains(t, err, "no PEM certificate")
}
