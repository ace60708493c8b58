package daemon_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/internal/s3test"
	"github.com/bulkd/bulkd/media"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMedia_S3: with media in a bucket, a folder drop's recordings go to
// the bucket (and nothing to the data dir's media folder), the API serves
// them from it with Range, and the daemon's start claimed the bucket for
// its records, so that another store's sweep reads no references and
// removes nothing. (The sweep itself: TestBackends_Sweep on both backends;
// the start-up sweep: TestMedia_SweptAtStart.)
func TestMedia_S3(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "bulkd-media")
	t.Setenv("TEST_S3_ACCESS", srv.AccessKey)
	t.Setenv("TEST_S3_SECRET", srv.SecretKey)
	withS3 := func(c *config.Config) {
		c.Media = &config.Media{Backend: "s3", Endpoint: srv.Endpoint, Bucket: "bulkd-media", Region: srv.Region,
			AccessKeyEnv: "TEST_S3_ACCESS", SecretKeyEnv: "TEST_S3_SECRET", Insecure: true}
	}
	data := t.TempDir()
	h := startDaemon(t, data, withS3)
	h.withAgents("abc")
	dir := filepath.Join(h.root, "abc")
	wav := readFixture(t, "media", "call1.wav")
	webm := readFixture(t, "media", "call1.webm")
	for name, b := range map[string][]byte{"call1.wav": wav, "call2.wav": wav, "call1.webmv": webm} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.seed-full.csv"), readFixture(t, "contacts", "seed-full", "CONTACT.seed-full.csv"), 0o644))
	j := h.waitJobs("abc", 2)[0]
	require.Equal(t, "succeeded", j.State, j.Error)

	var page contactsPage
	require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts", &page))
	c := page.Contacts[0]
	url := fmt.Sprintf("%s/v1/tenants/abc/contacts/%d/recordings/call1.wav", h.url, c.ID)
	resp, err := http.Get(url)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, wav, body)
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Range", "bytes=12-23")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, wav[12:24], body)
	entries, _ := os.ReadDir(filepath.Join(data, "media"))
	assert.Empty(t, entries, "nothing in the local media folder")

	// The bucket as bulkd sees it: both recordings, and an orphan put there
	// as a crash between upload and commit would leave one.
	bucket, err := media.OpenS3(context.Background(), media.S3Config{Endpoint: srv.Endpoint, Bucket: "bulkd-media", Region: srv.Region,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Insecure: true})
	require.NoError(t, err)
	for _, r := range c.Recordings {
		assert.NoError(t, bucket.Has(context.Background(), r.SHA256), r.Location)
	}
	_, err = bucket.Sweep(context.Background(), "another store", time.Now(), func(context.Context, func(string)) error {
		t.Error("references read before the owner is known")
		return nil
	})
	assert.ErrorIs(t, err, media.ErrNotOwner, "the daemon's start claimed the bucket")
	assert.NotEmpty(t, readOwner(t, srv, "bulkd-media"))
}

// TestMedia_SweptAtStart: at start-up, a blob older than the sweep's
// margin that no record names (a crash between its store and its
// contact's commit) is removed; the recordings of stored contacts stay.
func TestMedia_SweptAtStart(t *testing.T) {
	data := t.TempDir()
	h := startDaemon(t, data)
	h.withAgents("abc")
	dir := filepath.Join(h.root, "abc")
	wav := readFixture(t, "media", "call1.wav")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call1.wav"), wav, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call2.wav"), wav, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call1.webmv"), readFixture(t, "media", "call1.webm"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.seed-full.csv"), readFixture(t, "contacts", "seed-full", "CONTACT.seed-full.csv"), 0o644))
	require.Equal(t, "succeeded", h.waitJobs("abc", 2)[0].State)
	require.NoError(t, h.d.Close())

	ms, err := media.Open(filepath.Join(data, "media"))
	require.NoError(t, err)
	orphanFile := filepath.Join(t.TempDir(), "orphan.opus")
	require.NoError(t, os.WriteFile(orphanFile, readFixture(t, "media", "call1.opus"), 0o644))
	orphan, err := ms.Ingest(context.Background(), orphanFile, "orphan.opus")
	require.NoError(t, err)
	old := time.Now().Add(-2 * time.Hour)
	var all []string
	require.NoError(t, filepath.WalkDir(filepath.Join(data, "media"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != ".owner" {
			all = append(all, p)
			return os.Chtimes(p, old, old)
		}
		return err
	}))
	require.Len(t, all, 3, "two recordings and the orphan")

	startDaemon(t, data)
	assert.NoFileExists(t, ms.Path(orphan.SHA256))
	assert.FileExists(t, ms.Path(sha(wav)), "a contact's recording stays")
}

// readOwner reads a bucket's owner marker, which the daemon wrote at its
// first start.
func readOwner(t *testing.T, srv *s3test.Server, bucket string) string {
	t.Helper()
	o, err := srv.Client.GetObject(context.Background(), bucket, "bulkd-owner", minio.GetObjectOptions{})
	require.NoError(t, err)
	defer o.Close()
	b, err := io.ReadAll(o)
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}
