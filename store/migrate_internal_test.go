package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// v1Expected is what the version-1 code answered about the store in
// testdata/store/v1 (written with it, by the release before schema 2).
type v1Expected struct {
	Jobs []struct {
		Record   json.RawMessage    `json:"record"`
		Failures []bulkd.RowFailure `json:"failures"`
	} `json:"jobs"`
	Lists []struct {
		Filter bulkd.JobFilter `json:"filter"`
		IDs    []uint64        `json:"ids"`
	} `json:"lists"`
	Agents []string `json:"agents"`
}

// copyV1 copies the version-1 data dir's store into a temp folder.
func copyV1(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "store", "v1", "bulkd.db"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "bulkd.db")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

func version(t *testing.T, s *Store) string {
	t.Helper()
	var v string
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error { v = string(tx.Bucket(bucketMeta).Get(keyVersion)); return nil }))
	return v
}

func TestOpen_MigratesV1(t *testing.T) {
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "store", "v1", "expected.json"))
	require.NoError(t, err)
	var want v1Expected
	require.NoError(t, json.Unmarshal(b, &want))
	require.NotEmpty(t, want.Jobs)
	path := copyV1(t)

	for _, round := range []string{"migrated", "opened again"} {
		t.Run(round, func(t *testing.T) {
			s, err := Open(path)
			require.NoError(t, err)
			defer s.Close()
			assert.Equal(t, schemaVersion, version(t, s))

			for _, e := range want.Jobs {
				var wj bulkd.Job
				var wl v1Lists
				require.NoError(t, json.Unmarshal(e.Record, &wj))
				require.NoError(t, json.Unmarshal(e.Record, &wl))
				wj.Files, wj.Ignored, wj.Delivered, wj.Header = wl.Files, wl.Ignored, wl.Delivered, wl.Header
				got, err := s.Job(ctx, wj.ID)
				require.NoError(t, err)
				assert.Equal(t, &wj, got, "job %d", wj.ID)

				media, err := s.JobMedia(ctx, wj.ID)
				require.NoError(t, err)
				assert.Equal(t, wl.Media, media, "media of job %d", wj.ID)

				failures := []bulkd.RowFailure{}
				require.NoError(t, s.RowFailures(ctx, wj.ID, func(f bulkd.RowFailure) error { failures = append(failures, f); return nil }))
				assert.Equal(t, e.Failures, failures, "failures of job %d", wj.ID)

				raw := s.rawRecord(t, wj.ID)
				assert.NotContains(t, raw, `"media"`, "job %d's record holds no lists", wj.ID)
				assert.NotContains(t, raw, `"header"`, "job %d's record holds no lists", wj.ID)
			}
			for _, l := range want.Lists {
				jobs, err := s.Jobs(ctx, l.Filter)
				require.NoError(t, err)
				ids := []uint64{}
				for _, j := range jobs {
					ids = append(ids, j.ID)
				}
				assert.Equal(t, l.IDs, ids, "%+v", l.Filter)
			}
			id, ok, err := s.ImportedDigest(ctx, "acme", bulkd.KindAgents, "a1a1")
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, uint64(1), id)
			agents, err := s.Agents(ctx, "acme")
			require.NoError(t, err)
			var emails []string
			for _, a := range agents {
				emails = append(emails, a.Email)
			}
			assert.Equal(t, want.Agents, emails)
		})
	}

	// The migrated store goes on like a new one: ids continue, a take
	// appends to a list that came from version 1.
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	j := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindContacts, State: bulkd.StateQueued, File: "n.csv", Files: []string{"n.csv"}}
	require.NoError(t, s.CreateJob(ctx, j))
	assert.Equal(t, uint64(len(want.Jobs)+1), j.ID)
	require.NoError(t, s.AddMedia(ctx, 4, []string{"live0.wav", "live20.wav"}))
	media, err := s.JobMedia(ctx, 4)
	require.NoError(t, err)
	assert.Len(t, media, 21)
	assert.Equal(t, "live20.wav", media[20])
	unfinished, err := s.Jobs(ctx, bulkd.JobFilter{Unfinished: true})
	require.NoError(t, err)
	assert.Equal(t, []uint64{j.ID, 9, 5, 4}, idsOf(unfinished))
}

func idsOf(jobs []*bulkd.Job) []uint64 {
	var out []uint64
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}

func (s *Store) rawRecord(t *testing.T, id uint64) string {
	t.Helper()
	var raw string
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error { raw = string(tx.Bucket(bucketJobs).Get(itob(id))); return nil }))
	return raw
}

func TestOpen_Version(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		err     string
	}{
		{"current", schemaVersion, ""},
		{"newer than the code", "3", "this bulkd is older than the data"},
		{"unknown", "x", "this bulkd is older than the data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bulkd.db")
			s, err := Open(path)
			require.NoError(t, err)
			require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, []byte(tc.version)) }))
			require.NoError(t, s.Close())
			s, err = Open(path)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			require.NoError(t, s.Close())
		})
	}
}

// TestStore_RecordStaysSmall: a job's record does not grow with its lists,
// so a batch's rewrite of it costs the same at the end of a job as at the
// start.
func TestStore_RecordStaysSmall(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer s.Close()
	j := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindContacts, State: bulkd.StateQueued, File: "c.csv", Files: []string{"c.csv"}}
	require.NoError(t, s.CreateJob(ctx, j))
	before := len(s.rawRecord(t, j.ID))
	_, err = s.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error {
		j.Header = []string{strings.Repeat("h", 1<<20)}
		j.Ignored = []string{"x.wav"}
		return nil
	})
	require.NoError(t, err)
	for i := range 20 {
		names := make([]string, 500)
		for k := range names {
			names[k] = strings.Repeat("r", 40) + string(rune('a'+i)) + string(rune('a'+k%26)) + string(rune('a'+k/26))
		}
		require.NoError(t, s.AddMedia(ctx, j.ID, names))
		require.NoError(t, s.CommitProgress(ctx, j.ID, bulkd.Progress{Done: i + 1}))
	}
	assert.InDelta(t, before, len(s.rawRecord(t, j.ID)), 32, "only counters changed")
	media, err := s.JobMedia(ctx, j.ID)
	require.NoError(t, err)
	assert.Len(t, media, 10_000)
}

func TestEncodeList(t *testing.T) {
	for _, list := range [][]string{{}, {""}, {"a", "", "ünï", strings.Repeat("x", 300)}} {
		got, err := decodeList(encodeList(list))
		require.NoError(t, err)
		assert.Equal(t, list, got)
	}
	for _, bad := range [][]byte{nil, {2, 1, 'a'}, {1, 5, 'a'}, {1, 1, 'a', 'b'}, {0xff}} {
		_, err := decodeList(bad)
		assert.Error(t, err, "%q", bad)
	}
}
