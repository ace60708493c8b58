package s3test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do sends a signed request and returns its status and body.
func do(t *testing.T, s *Server, method, target string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := s.Do(context.Background(), method, target, body)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// TestServer: a bucket created with a signed PUT answers a signed
// ListObjects with 200, and objects go in, come out whole and by range, are
// listed and deleted; a request without the keys is refused.
func TestServer(t *testing.T) {
	s := Start(t)
	s.CreateBucket(t, "bulkd-test")

	code, body := do(t, s, http.MethodGet, "/bulkd-test", nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	var list struct {
		Name     string
		Contents []struct{ Key string }
	}
	require.NoError(t, xml.Unmarshal(body, &list))
	assert.Equal(t, "bulkd-test", list.Name)
	assert.Empty(t, list.Contents)

	// A key that needs escaping, to hold the signature's escaping to the
	// server's.
	key := "/bulkd-test/dir/a b+c=d.txt"
	content := []byte("0123456789abcdefghij")
	code, body = do(t, s, http.MethodPut, key, content)
	require.Equal(t, http.StatusOK, code, "%s", body)

	code, body = do(t, s, http.MethodGet, key, nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Equal(t, content, body)

	req, err := s.NewRequest(context.Background(), http.MethodGet, key, nil)
	require.NoError(t, err)
	req.Header.Set("Range", "bytes=5-9")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, content[5:10], body)

	code, body = do(t, s, http.MethodGet, "/bulkd-test?list-type=2&prefix="+url.QueryEscape("dir/"), nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	list.Contents = nil
	require.NoError(t, xml.Unmarshal(body, &list))
	require.Len(t, list.Contents, 1)
	assert.Equal(t, "dir/a b+c=d.txt", list.Contents[0].Key)

	code, body = do(t, s, http.MethodDelete, key, nil)
	assert.Equal(t, http.StatusNoContent, code, "%s", body)
	code, _ = do(t, s, http.MethodGet, key, nil)
	assert.Equal(t, http.StatusNotFound, code)

	// The identity is enforced: unsigned, or signed with another secret, is
	// refused.
	resp, err = http.Get("http://" + s.Endpoint + "/bulkd-test")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	wrong := *s
	wrong.SecretKey = "not-the-secret"
	code, _ = do(t, &wrong, http.MethodGet, "/bulkd-test", nil)
	assert.Equal(t, http.StatusForbidden, code)

	// A second bucket of the same name is refused, with the error's text.
	err = s.MakeBucket(context.Background(), "bulkd-test")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "BucketAlreadyOwnedByYou")
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

// TestSign: the signature of AWS's own example for S3 (GET Bucket
// Lifecycle, in "Signature Calculations for the Authorization Header").
func TestSign(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/?lifecycle", nil)
	require.NoError(t, err)
	at, _ := time.Parse("20060102T150405Z", "20130524T000000Z")
	sign(req, nil, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", at)
	assert.Equal(t, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "+
		"SignedHeaders=host;x-amz-content-sha256;x-amz-date, "+
		"Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543", req.Header.Get("Authorization"))
}
