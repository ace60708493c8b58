package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// MustOpenStore opens a store in a temp folder, closed at cleanup.
func MustOpenStore(tb testing.TB) *store.Store {
	tb.Helper()
	s, err := store.Open(filepath.Join(tb.TempDir(), "bulkd.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func mustJob(tb testing.TB, s *store.Store, tenant string, kind bulkd.Kind) *bulkd.Job {
	tb.Helper()
	j := &bulkd.Job{Tenant: tenant, Kind: kind, Source: bulkd.SourceFolder, State: bulkd.StateQueued, File: "f.csv", Files: []string{"f.csv"}}
	require.NoError(tb, s.CreateJob(context.Background(), j))
	return j
}

func TestOpen_Locked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulkd.db")
	s, err := store.Open(path)
	require.NoError(t, err)
	defer s.Close()
	_, err = store.Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is another bulkd running on this data dir?")
}

func TestStore_Jobs(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	a1 := mustJob(t, s, "acme", bulkd.KindAgents)
	g1 := mustJob(t, s, "globex", bulkd.KindAgents)
	a2 := mustJob(t, s, "acme", bulkd.KindContacts)
	assert.Equal(t, []uint64{1, 2, 3}, []uint64{a1.ID, g1.ID, a2.ID})
	_, err := s.UpdateJob(ctx, a1.ID, func(j *bulkd.Job) error { j.State, j.ExternalID = bulkd.StateRunning, "uuid-1"; return nil })
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		f    bulkd.JobFilter
		want []uint64
	}{
		{"all newest first", bulkd.JobFilter{}, []uint64{3, 2, 1}},
		{"tenant", bulkd.JobFilter{Tenant: "acme"}, []uint64{3, 1}},
		{"kind", bulkd.JobFilter{Kind: bulkd.KindAgents}, []uint64{2, 1}},
		{"state", bulkd.JobFilter{State: bulkd.StateRunning}, []uint64{1}},
		{"limit", bulkd.JobFilter{Limit: 1}, []uint64{3}},
		{"external id", bulkd.JobFilter{ExternalID: "uuid-1"}, []uint64{1}},
		{"external id of another tenant", bulkd.JobFilter{Tenant: "globex", ExternalID: "uuid-1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs, err := s.Jobs(ctx, tc.f)
			require.NoError(t, err)
			var ids []uint64
			for _, j := range jobs {
				ids = append(ids, j.ID)
			}
			assert.Equal(t, tc.want, ids)
		})
	}
	_, err = s.Job(ctx, 99)
	assert.ErrorIs(t, err, bulkd.ErrNotFound)
}

func TestStore_CommitProgress(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := mustJob(t, s, "acme", bulkd.KindAgents)
	p := bulkd.Progress{Done: 3, Failures: []bulkd.RowFailure{{Row: 2, Cells: []string{"x"}, Message: "bad"}}}
	require.NoError(t, s.CommitProgress(ctx, j.ID, p))
	require.NoError(t, s.CommitProgress(ctx, j.ID, p), "a batch replayed after a restart is ignored")
	require.NoError(t, s.CommitProgress(ctx, j.ID, bulkd.Progress{Done: 5, Failures: []bulkd.RowFailure{{Row: 5, Message: "worse"}}}))

	got, err := s.Job(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, 5, got.RowsDone)
	assert.Equal(t, 2, got.RowsFailed)
	var rows []int
	require.NoError(t, s.RowFailures(ctx, j.ID, func(f bulkd.RowFailure) error { rows = append(rows, f.Row); return nil }))
	assert.Equal(t, []int{2, 5}, rows)
}

func TestStore_DigestsAndPurge(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	old := mustJob(t, s, "acme", bulkd.KindAgents)
	finish := func(id uint64, st bulkd.JobState, sha string, at time.Time) {
		_, err := s.UpdateJob(ctx, id, func(j *bulkd.Job) error {
			j.State, j.SHA256, j.FinishedAt = st, sha, &at
			return nil
		})
		require.NoError(t, err)
	}
	now := time.Now()
	finish(old.ID, bulkd.StatePartial, "aa", now.Add(-48*time.Hour))
	require.NoError(t, s.CommitProgress(ctx, old.ID, bulkd.Progress{Done: 1, Failures: []bulkd.RowFailure{{Row: 1, Message: "m"}}}))
	failed := mustJob(t, s, "acme", bulkd.KindAgents)
	finish(failed.ID, bulkd.StateFailed, "bb", now)
	recent := mustJob(t, s, "acme", bulkd.KindAgents)
	finish(recent.ID, bulkd.StateSucceeded, "cc", now)
	running := mustJob(t, s, "acme", bulkd.KindAgents)

	for _, tc := range []struct {
		tenant string
		kind   bulkd.Kind
		sha    string
		want   uint64
	}{
		{"acme", bulkd.KindAgents, "aa", old.ID},
		{"acme", bulkd.KindAgents, "cc", recent.ID},
		{"acme", bulkd.KindAgents, "bb", 0}, // a failed file imported nothing
		{"globex", bulkd.KindAgents, "aa", 0},
		{"acme", bulkd.KindContacts, "aa", 0},
	} {
		id, ok, err := s.ImportedDigest(ctx, tc.tenant, tc.kind, tc.sha)
		require.NoError(t, err)
		assert.Equal(t, tc.want, id, "%+v", tc)
		assert.Equal(t, tc.want != 0, ok)
	}

	unfinished, err := s.Jobs(ctx, bulkd.JobFilter{Unfinished: true})
	require.NoError(t, err)
	require.Len(t, unfinished, 1, "succeeded, partial and failed jobs are finished")
	assert.Equal(t, running.ID, unfinished[0].ID)

	n, err := s.PurgeJobs(ctx, now.Add(-24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = s.Job(ctx, old.ID)
	assert.ErrorIs(t, err, bulkd.ErrNotFound)
	_, ok, err := s.ImportedDigest(ctx, "acme", bulkd.KindAgents, "aa")
	require.NoError(t, err)
	assert.False(t, ok, "a purged job's digest goes with it")
	for _, id := range []uint64{failed.ID, recent.ID, running.ID} {
		_, err := s.Job(ctx, id)
		assert.NoError(t, err)
	}
}

func TestStore_Stats(t *testing.T) {
	s := MustOpenStore(t)
	before, err := s.Stats()
	require.NoError(t, err)
	assert.Positive(t, before.Size, "the file's size")

	j := mustJob(t, s, "acme", bulkd.KindAgents)
	_, err = s.Job(context.Background(), j.ID)
	require.NoError(t, err)

	after, err := s.Stats()
	require.NoError(t, err)
	assert.Equal(t, before.WriteTx+1, after.WriteTx, "CreateJob is one read-write transaction")
	assert.Greater(t, after.ReadTx, before.ReadTx, "Job reads in a read-only one")
	assert.Zero(t, after.OpenReadTx)
	assert.Greater(t, after.PageWrites, before.PageWrites, "the commit wrote pages")
	assert.GreaterOrEqual(t, after.Size, before.Size)
}
