// Package certs owns bulkd's TLS material read from files: the server's
// certificate and key, reloaded when the files change or when asked (on
// SIGHUP), and the CA pools that clients of another bulkd verify it with.
package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Reloader holds a certificate and its key, loaded from two files. A
// reload that fails keeps the certificate it had: a half-written renewal
// never takes the listener down.
type Reloader struct {
	certFile, keyFile string

	mu    sync.Mutex // one reload at a time
	stamp string     // the files' sizes and times when last loaded
	cur   atomic.Pointer[tls.Certificate]
}

// Load returns a Reloader with the certificate of certFile and keyFile
// (PEM) loaded, or why they cannot be.
func Load(certFile, keyFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile}
	if _, err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the files again when they changed since they were last
// loaded, and reports whether it put a new certificate in use.
func (r *Reloader) Reload() (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp, err := r.filesStamp()
	if err != nil {
		return false, err
	}
	if stamp == r.stamp && r.cur.Load() != nil {
		return false, nil
	}
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return false, fmt.Errorf("load TLS certificate %s and key %s: %w", r.certFile, r.keyFile, err)
	}
	if c.Leaf == nil || len(c.Certificate) == 0 {
		return false, fmt.Errorf("load TLS certificate %s: no certificate", r.certFile)
	}
	r.cur.Store(&c)
	r.stamp = stamp
	return true, nil
}

func (r *Reloader) filesStamp() (string, error) {
	s := ""
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("TLS file: %w", err)
		}
		s += fmt.Sprintf("%d.%d.", fi.Size(), fi.ModTime().UnixNano())
	}
	return s, nil
}

// Certificate returns the certificate in use.
func (r *Reloader) Certificate() *tls.Certificate { return r.cur.Load() }

// ServerConfig is the TLS configuration of a listener serving r's
// certificate: TLS 1.2 and later, Go's default cipher suites.
func (r *Reloader) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cur.Load(), nil
		},
	}
}

// Watch reloads the files every interval until ctx ends, and on each value
// of signals (SIGHUP). It calls report with the outcome of each reload
// that did something: (true, nil) a new certificate, (false, err) a
// failure, the old certificate kept.
func (r *Reloader) Watch(ctx context.Context, every time.Duration, signals <-chan os.Signal, report func(bool, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-signals:
		}
		changed, err := r.Reload()
		if changed || err != nil {
			report(changed, err)
		}
	}
}

// CAPool returns the certificates of a PEM file as a pool, for a client
// to verify a server whose certificate a private CA signed. "" returns
// nil: the system's roots.
func CAPool(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, errors.New("CA file " + file + ": no PEM certificate in it")
	}
	return pool, nil
}

// Transport is an HTTP transport with the default one's settings that
// verifies servers against pool (nil: the system's roots), TLS 1.2 and
// later: what bulkd's clients (the CLI, the S3 backend, the forwarder)
// talk TLS with.
func Transport(pool *x509.CertPool) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr
}
