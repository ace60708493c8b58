package s3test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServer: a started server takes a bucket, and objects go in, come
// out whole and by range, are listed and removed; its identity is
// enforced (unsigned, or signed with another secret, is refused).
func TestServer(t *testing.T) {
	ctx := context.Background()
	s := Start(t)
	s.CreateBucket(t, "bulkd-test")
	list := func(prefix string) []string {
		var keys []string
		for o := range s.Client.ListObjects(ctx, "bulkd-test", minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			require.NoError(t, o.Err)
			keys = append(keys, o.Key)
		}
		return keys
	}
	assert.Empty(t, list(""))

	key, content := "dir/a b+c=d.txt", []byte("0123456789abcdefghij")
	_, err := s.Client.PutObject(ctx, "bulkd-test", key, bytes.NewReader(content), int64(len(content)), minio.PutObjectOptions{})
	require.NoError(t, err)
	get := func(opts minio.GetObjectOptions) []byte {
		o, err := s.Client.GetObject(ctx, "bulkd-test", key, opts)
		require.NoError(t, err)
		defer o.Close()
		b, err := io.ReadAll(o)
		require.NoError(t, err)
		return b
	}
	assert.Equal(t, content, get(minio.GetObjectOptions{}))
	var ranged minio.GetObjectOptions
	require.NoError(t, ranged.SetRange(5, 9))
	assert.Equal(t, content[5:10], get(ranged))
	assert.Equal(t, []string{key}, list("dir/"))
	require.NoError(t, s.Client.RemoveObject(ctx, "bulkd-test", key, minio.RemoveObjectOptions{}))
	assert.Empty(t, list(""))

	resp, err := http.Get("http://" + s.Endpoint + "/bulkd-test")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	wrong, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, "not-the-secret", ""), Region: s.Region})
	require.NoError(t, err)
	_, err = wrong.ListBuckets(ctx)
	assert.Error(t, err)

	err = s.MakeBucket(ctx, "bulkd-test")
	require.Error(t, err, "a second bucket of the same name is refused")
	assert.Contains(t, err.Error(), "create bucket bulkd-test")
}

// TestWeedMissing: without a weed binary the test fails, saying how to get
// one; it is not skipped.
func TestWeedMissing(t *testing.T) {
	t.Setenv("BULKD_WEED", filepath.Join(t.TempDir(), "weed"))
	tb := &recorder{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine
		defer close(done)
		Weed(tb)
	}()
	<-done
	assert.True(t, tb.failed)
	assert.Contains(t, tb.msg, "run .ci/weed to build one")
}

type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestWeedPath: the binary is looked for where .ci/weed puts it.
func TestWeedPath(t *testing.T) {
	script, err := os.ReadFile("../../.ci/weed")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^VERSION=(\S+)`).FindSubmatch(script)
	require.NotNil(t, m, ".ci/weed sets VERSION")
	assert.Equal(t, Version, string(m[1]), ".ci/weed builds the version s3test looks for")
	assert.Contains(t, string(script), `${BULKD_CACHE:-$HOME/.cache/bulkd}/weed-$VERSION`)

	t.Setenv("BULKD_WEED", "")
	t.Setenv("BULKD_CACHE", "/cache")
	assert.Equal(t, "/cache/weed-"+Version+"/weed", WeedPath())
	t.Setenv("BULKD_WEED", "/bin/weed")
	assert.Equal(t, "/bin/weed", WeedPath())
}
