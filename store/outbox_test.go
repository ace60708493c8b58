package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStore_Outbox: the outbox index follows each job's forward through
// claims and updates; its depth and oldest are counted by tenant or for
// all, and its heads are each tenant's oldest waiting job.
func TestStore_Outbox(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ids []uint64
	for i, tenant := range []string{"a", "ab", "a", "ab", "b"} { // "a" is a prefix of "ab"
		j := &bulkd.Job{Tenant: tenant, Kind: bulkd.KindAgents, State: bulkd.StateQueued, File: "f.csv", Files: []string{"f.csv"},
			CreatedAt: base.Add(time.Duration(i) * time.Hour), Forward: &bulkd.Forward{State: bulkd.ForwardWaiting}}
		if tenant == "b" {
			j.Forward = nil // not forwarded
		}
		require.NoError(t, s.CreateJob(ctx, j))
		ids = append(ids, j.ID)
	}
	heads := func() []uint64 {
		hs, err := s.OutboxHeads(ctx)
		require.NoError(t, err)
		var out []uint64
		for _, j := range hs {
			assert.Equal(t, []string{"f.csv"}, j.Files, "a head is read with its lists")
			out = append(out, j.ID)
		}
		return out
	}
	count := func(tenant string) (int, time.Time) {
		o, err := s.Outbox(ctx, tenant)
		require.NoError(t, err)
		return o.Depth, o.Oldest
	}

	assert.Equal(t, []uint64{ids[0], ids[1]}, heads())
	n, oldest := count("")
	assert.Equal(t, 4, n)
	assert.Equal(t, base, oldest)
	n, oldest = count("ab")
	assert.Equal(t, 2, n)
	assert.Equal(t, base.Add(time.Hour), oldest)

	// Sent: out of the outbox; queued (still pending): in it.
	_, err := s.UpdateJob(ctx, ids[0], func(j *bulkd.Job) error { j.Forward.State = bulkd.ForwardSent; return nil })
	require.NoError(t, err)
	_, err = s.UpdateJob(ctx, ids[1], func(j *bulkd.Job) error { j.Forward.State = bulkd.ForwardQueued; return nil })
	require.NoError(t, err)
	assert.Equal(t, []uint64{ids[2], ids[1]}, heads(), "a's head is its next job")
	n, oldest = count("a")
	assert.Equal(t, 1, n)
	assert.Equal(t, base.Add(2*time.Hour), oldest)
	n, oldest = count("")
	assert.Equal(t, 3, n)
	assert.Equal(t, base.Add(time.Hour), oldest)

	// A job still to forward is not purged; one sent is.
	for _, id := range ids[:3] {
		_, err := s.UpdateJob(ctx, id, func(j *bulkd.Job) error {
			j.State, j.FinishedAt = bulkd.StateSucceeded, &base
			return nil
		})
		require.NoError(t, err)
	}
	purged, err := s.PurgeJobs(ctx, base.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, purged, "only the sent job")
	n, _ = count("")
	assert.Equal(t, 3, n)
}
