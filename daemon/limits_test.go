package daemon_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLimits_Uploads: every multipart door bounds a file, the whole body
// and the number of parts, and answers 413 naming the limit; nothing of a
// refused upload stays on disk.
func TestLimits_Uploads(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) {
		c.Limits.UploadMaxFileBytes, c.Limits.UploadMaxBytes, c.Limits.UploadMaxParts = 4096, 16384, 8
	})
	manyFields := func(n int) func(*multipart.Writer) {
		return func(mw *multipart.Writer) {
			w, _ := mw.CreateFormFile("file", "AGENTS.x.csv")
			_, _ = w.Write([]byte("Email,Full Name\na@b.c,A\n"))
			for i := range n {
				_ = mw.WriteField(fmt.Sprintf("f%d", i), "x")
			}
		}
	}
	files := func(sizes ...int) func(*multipart.Writer) {
		return func(mw *multipart.Writer) {
			w, _ := mw.CreateFormFile("file", "CONTACT.x.csv")
			_, _ = w.Write([]byte("AgentId,CallId,Recording1\nmark.bunkowske@abc.com,1,r0.wav\n"))
			for i, n := range sizes {
				w, _ := mw.CreateFormFile("file", fmt.Sprintf("r%d.wav", i))
				_, _ = w.Write(bytes.Repeat([]byte{1}, n))
			}
		}
	}
	for _, tc := range []struct {
		name, path string
		body       func(*multipart.Writer)
		chunked    bool // no Content-Length: the limit is found while reading
		want       string
	}{
		{"agents: a field flood", "/bulk-imports/users", manyFields(300_000), true, "more than 16 parts"},
		{"agents: a declared length over the limit", "/bulk-imports/users", manyFields(300_000), false, "over the 17825792 bytes this endpoint takes"},
		{"contacts: one file over its limit", "/api/upload/contacts", files(4097), true, "the file is over 4096 bytes"},
		{"contacts: the body over its limit", "/api/upload/contacts", files(4000, 4000, 4000, 4000, 4000), true, "the request is over 16384 bytes"},
		{"contacts: a declared length over the limit", "/api/upload/contacts", files(4000, 4000, 4000, 4000, 4000), false, "over the 16384 bytes"},
		{"contacts: too many parts", "/api/upload/contacts", files(1, 1, 1, 1, 1, 1, 1, 1), true, "more than 8 parts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			tc.body(mw)
			require.NoError(t, mw.Close())
			var in io.Reader = &buf
			if tc.chunked {
				in = io.MultiReader(&buf)
			}
			status, body, _ := h.callBody(http.MethodPost, tc.path, mw.FormDataContentType(), in)
			assert.Equal(t, http.StatusRequestEntityTooLarge, status, body)
			assert.Contains(t, body, tc.want)
			entries, _ := os.ReadDir(filepath.Join(h.data, "incoming"))
			assert.Empty(t, entries, "nothing of a refused upload is kept")
		})
	}
}

// TestLimits_SlowBody: a body that trickles in is cut off with 408 once
// its rate is below the minimum, instead of holding the request open.
func TestLimits_SlowBody(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) {
		c.Limits.MinBodyRate, c.Limits.BodyGraceDur = 1000, 300*time.Millisecond
	})
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		_, _ = pw.Write([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"AGENTS.x.csv\"\r\n\r\n"))
		for {
			select {
			case <-stop:
				pw.Close()
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := pw.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	start := time.Now()
	status, body, _ := h.callBody(http.MethodPost, "/bulk-imports/users", "multipart/form-data; boundary=b", pr)
	assert.Equal(t, http.StatusRequestTimeout, status, body)
	assert.Contains(t, body, "slower than 1000 bytes a second")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// TestLimits_ZipBombs: a ZIP is unpacked only within its limits (bytes
// written, entries, compression ratio), whatever its headers say; past
// one the job fails naming the limit, and the disk is not filled.
func TestLimits_ZipBombs(t *testing.T) {
	zipOf := func(entries map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, b := range entries {
			w, err := zw.Create(name)
			require.NoError(t, err)
			_, err = w.Write(b)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		return buf.Bytes()
	}
	csv := []byte("AgentId,CallId,Recording1\nmark.bunkowske@abc.com,1,a.wav\n")
	many := map[string][]byte{"CONTACT.m.csv": csv}
	for i := range 20 {
		many[fmt.Sprintf("r%d.wav", i)] = []byte("x")
	}
	for _, tc := range []struct {
		name   string
		zip    []byte
		limits config.Limits
		want   string
	}{
		{"ratio", zipOf(map[string][]byte{"CONTACT.b.csv": csv, "a.wav": make([]byte, 64<<20)}), config.Limits{}, "looks like a ZIP bomb"},
		{"entries", zipOf(many), config.Limits{ZipMaxEntries: 10}, "more than the 10 a ZIP may hold"},
		{"bytes", zipOf(map[string][]byte{"CONTACT.b.csv": csv, "a.wav": bytes.Repeat([]byte("0123456789abcdef"), 1<<16)}),
			config.Limits{ZipMaxBytes: 256 << 10}, "unpacks to more than 262144 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startDaemon(t, t.TempDir(), func(c *config.Config) {
				c.Limits.ZipMaxEntries, c.Limits.ZipMaxBytes = tc.limits.ZipMaxEntries, tc.limits.ZipMaxBytes
			})
			dir := filepath.Join(h.root, "abc")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.z.zip"), tc.zip, 0o644))
			j := h.waitJobs("abc", 1)[0]
			assert.Equal(t, "failed", j.State)
			assert.Contains(t, j.Error, tc.want)
		})
	}
}

// callBody sends body with contentType and returns the status and body.
func (h *harness) callBody(method, path, contentType string, body io.Reader) (int, string, http.Header) {
	h.t.Helper()
	status, b, hdr := h.do(method, path, map[string]string{"Content-Type": contentType}, body)
	return status, string(b), hdr
}

// TestEncoding_TenantSetting: a Windows-1252 file is refused row by row
// with a hint when the tenant reads UTF-8, and read right once the tenant's
// encoding says so; nothing is stored as U+FFFD.
func TestEncoding_TenantSetting(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) {
		c.Tenants = append(c.Tenants, &config.Tenant{Name: "latin", Encoding: "windows-1252"})
	})
	cp1252 := []byte("Email,Full Name\njose@acme.com,Jos\xe9 M\xfcller\nann@acme.com,Ann\n")
	for _, tenant := range []string{"utf8", "latin"} {
		dir := filepath.Join(h.root, tenant)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.x.csv"), cp1252, 0o644))
	}
	j := h.waitJobs("utf8", 1)[0]
	assert.Equal(t, "partial", j.State, "the good row is imported")
	status, report, _ := h.callBody(http.MethodGet, fmt.Sprintf("/v1/jobs/%d/errors.csv", j.ID), "", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, report, `it looks like Windows-1252: set encoding = ""windows-1252"" for this tenant`)

	assert.Equal(t, "succeeded", h.waitJobs("latin", 1)[0].State)
	names := map[string]string{}
	for _, a := range h.agents("latin") {
		names[a.Email] = a.FullName
	}
	assert.Equal(t, "José Müller", names["jose@acme.com"])
}
