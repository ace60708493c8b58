package daemon_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContacts_WaitingJobShowsItAndHoldsNobodyUp: a contacts job whose
// second row's recording has not arrived commits its first row at once,
// says what it waits for and until when, and the tenant's next contacts
// file is imported meanwhile; the recording's arrival finishes it.
func TestContacts_WaitingJobShowsItAndHoldsNobodyUp(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) { c.Watch.MediaWaitDur = time.Minute })
	h.withAgents("abc")
	dir := filepath.Join(h.root, "abc")
	wav := readFixture(t, "media", "call1.wav")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "here.wav"), wav, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.a.csv"), []byte(
		"AgentId,CallId,Recording1\nmark.bunkowske@abc.com,a-1,here.wav\nmark.bunkowske@abc.com,a-2,late.wav\n"), 0o644))

	var first jobJSON
	var waiting struct {
		Waiting *bulkd.Waiting `json:"waiting"`
	}
	h.poll(func() (bool, string) {
		for _, j := range h.jobs("tenant=abc&kind=contacts") {
			if j.File == "CONTACT.a.csv" {
				first = j
			}
		}
		if first.ID == 0 {
			return false, "no job yet"
		}
		require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/jobs/%d", first.ID), &waiting))
		return first.RowsDone == 1 && waiting.Waiting != nil, fmt.Sprintf("row 1 committed and waiting shown wanted: %+v %+v", first, waiting.Waiting)
	})
	assert.Equal(t, "running", first.State)
	assert.Equal(t, []string{"late.wav"}, waiting.Waiting.Recordings)
	assert.Equal(t, 1, waiting.Waiting.Missing)
	assert.WithinDuration(t, time.Now().Add(time.Minute), waiting.Waiting.Until, 30*time.Second)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.b.csv"), []byte(
		"AgentId,CallId,Recording1\nmark.bunkowske@abc.com,b-1,here2.wav\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "here2.wav"), wav, 0o644))
	h.poll(func() (bool, string) {
		for _, j := range h.jobs("tenant=abc&kind=contacts") {
			if j.File == "CONTACT.b.csv" {
				return j.State == "succeeded", "the next file: " + j.State
			}
		}
		return false, "no job for the next file"
	})
	for _, j := range h.jobs("tenant=abc&kind=contacts") {
		if j.ID == first.ID {
			assert.Equal(t, "running", j.State, "the first still waits")
		}
	}

	require.NoError(t, os.WriteFile(filepath.Join(dir, "late.wav"), wav, 0o644))
	h.poll(func() (bool, string) {
		require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/jobs/%d", first.ID), &first))
		return first.State == "succeeded", "first: " + first.State
	})
	assert.Equal(t, 2, first.RowsDone)
	var after map[string]any
	require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/jobs/%d", first.ID), &after))
	assert.NotContains(t, after, "waiting", "no longer waiting")
}
