//go:build linux

package daemon_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mountTmpfs mounts a tmpfs of size at dir for the test, or skips the test
// where that cannot be done (not root); in CI (BULKD_CI=1, as root) it must.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("BULKD_CI") != "" {
			t.Fatalf("mount a tmpfs (CI runs as root and must run this test): %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
}

func remount(t *testing.T, dir, size string) {
	t.Helper()
	out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput()
	require.NoError(t, err, string(out))
}

// TestDaemon_DiskFullPausesThenResumes: with data_dir on a full disk a
// contacts job pauses (saying so), an upload is answered 507, and once
// space is back the job resumes by itself and imports every row once.
func TestDaemon_DiskFullPausesThenResumes(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	mountTmpfs(t, data, "24m")
	h := startDaemon(t, data, func(c *config.Config) { c.Watch.Root = filepath.Join(tmp, "gis") })
	h.withAgents("abc")

	// About 11 MB of CSV (copied into the work folder on the tmpfs) and
	// 20+ MB of contacts in bbolt: the disk fills part way.
	const rows = 120_000
	var csv bytes.Buffer
	csv.WriteString("AgentId,ContactStartTimeMs,CallId,Recording1,metadata.note\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&csv, "mark.bunkowske@abc.com,%d,call-%07d,call1.wav,some note about the call\n", 1447100000000+i, i)
	}
	dir := filepath.Join(h.root, "abc")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call1.wav"), readFixture(t, "contacts", "seed-full", "call1.wav"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "CONTACT.big.csv"), csv.Bytes(), 0o644))
	require.NoError(t, os.Rename(filepath.Join(tmp, "CONTACT.big.csv"), filepath.Join(dir, "CONTACT.big.csv")))

	var paused jobJSON
	h.poll(func() (bool, string) {
		jobs := h.jobs("tenant=abc&kind=contacts")
		if len(jobs) == 1 && jobs[0].State == "paused" {
			paused = jobs[0]
			return true, ""
		}
		return false, fmt.Sprintf("a paused contacts job wanted; have %+v", jobs)
	})
	assert.Contains(t, paused.Error, "no space left on device")
	assert.Contains(t, paused.Error, "resumes from its checkpoint by itself")
	assert.Less(t, paused.RowsDone, rows)

	// An upload while the disk is full is refused with 507, not 400.
	body, ct := multipartBody(t, [][2]string{{"file", "CONTACT.up.csv"}, {"file", "big.wav"}},
		map[string][]byte{"CONTACT.up.csv": []byte("AgentId,CallId,Recording1\nmark.bunkowske@abc.com,x,big.wav\n"),
			"big.wav": bytes.Repeat([]byte{1}, 32<<20)})
	req, err := http.NewRequest(http.MethodPost, h.url+"/api/upload/contacts", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusInsufficientStorage, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))

	// Space comes back: the job resumes without a new drop.
	remount(t, data, "512m")
	var done jobJSON
	deadline := time.Now().Add(2 * time.Minute) // the backoff may have grown to its cap
	for {
		jobs := h.jobs("tenant=abc&kind=contacts")
		if len(jobs) == 1 && jobs[0].State == "succeeded" && h.workEmpty() {
			done = jobs[0]
			break
		}
		require.True(t, time.Now().Before(deadline), "the job never resumed: %+v", jobs)
		time.Sleep(50 * time.Millisecond)
	}
	assert.Equal(t, rows, done.RowsDone)
	assert.Zero(t, done.RowsFailed)

	seen := map[string]int{}
	cursor := ""
	for {
		var page contactsPage
		require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts?limit=10000&cursor="+cursor, &page))
		for _, c := range page.Contacts {
			seen[c.CallID]++
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	assert.Len(t, seen, rows, "every row imported")
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s imported %d times", id, n)
		}
		require.True(t, strings.HasPrefix(id, "call-"))
	}
}
