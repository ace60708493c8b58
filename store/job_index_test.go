package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStore_JobsIndexes holds Jobs, which reads an index, to a scan of
// every job, through creates, state changes and a purge.
func TestStore_JobsIndexes(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	rng := rand.New(rand.NewPCG(1, 2))
	tenants := []string{"a", "ab", "acme", "b"} // "a" is a prefix of "ab" and "acme"
	kinds := []bulkd.Kind{bulkd.KindAgents, bulkd.KindContacts, bulkd.KindSchedule}
	long := time.Now().Add(-72 * time.Hour)
	var ids []uint64
	for i := range 300 {
		j := &bulkd.Job{Tenant: tenants[rng.IntN(len(tenants))], Kind: kinds[rng.IntN(len(kinds))],
			Source: bulkd.SourceFolder, State: bulkd.StateQueued, File: "f.csv", Files: []string{"f.csv"}}
		if i%7 == 0 {
			j.ExternalID = fmt.Sprintf("ext-%d", i%21) // some shared: an index entry each
		}
		require.NoError(t, s.CreateJob(ctx, j))
		ids = append(ids, j.ID)
	}
	change := func() {
		for _, id := range ids {
			st := bulkd.JobStates[rng.IntN(len(bulkd.JobStates))]
			_, err := s.UpdateJob(ctx, id, func(j *bulkd.Job) error {
				if j.State.Final() {
					return nil // a final state is never left
				}
				j.State = st
				if st.Final() {
					at := long.Add(time.Duration(rng.IntN(96)) * time.Hour)
					j.FinishedAt = &at
				}
				return nil
			})
			require.NoError(t, err)
		}
	}
	var filters []bulkd.JobFilter
	for _, tenant := range append(tenants, "", "nobody") {
		for _, kind := range append(kinds, "") {
			for _, limit := range []int{0, 1, 5} {
				filters = append(filters,
					bulkd.JobFilter{Tenant: tenant, Kind: kind, Limit: limit},
					bulkd.JobFilter{Tenant: tenant, Kind: kind, Unfinished: true, Limit: limit},
					bulkd.JobFilter{Tenant: tenant, Kind: kind, State: bulkd.StateRunning, Limit: limit},
					bulkd.JobFilter{Tenant: tenant, Kind: kind, State: bulkd.StateFailed, Limit: limit},
					bulkd.JobFilter{Tenant: tenant, Kind: kind, ExternalID: "ext-7", Limit: limit},
				)
			}
		}
	}
	check := func(t *testing.T) {
		all, err := allJobs(ctx, s)
		require.NoError(t, err)
		for _, f := range filters {
			got, err := s.Jobs(ctx, f)
			require.NoError(t, err)
			assert.Equal(t, scanJobs(all, f), jobIDs(got), "%+v", f)
		}
	}
	t.Run("created", check)
	change()
	t.Run("states changed", check)
	change()
	n, err := s.PurgeJobs(ctx, time.Now().Add(-24*time.Hour))
	require.NoError(t, err)
	require.NotZero(t, n)
	t.Run("purged", check)
}

// allJobs reads every job by id, newest first, the way Jobs did before it
// had indexes.
func allJobs(ctx context.Context, s *store.Store) ([]*bulkd.Job, error) {
	var out []*bulkd.Job
	for id := uint64(1000); id > 0; id-- {
		j, err := s.Job(ctx, id)
		if bulkd.ErrorCode(err) == bulkd.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

func scanJobs(all []*bulkd.Job, f bulkd.JobFilter) []uint64 {
	var out []uint64
	for _, j := range all {
		if (f.Tenant != "" && j.Tenant != f.Tenant) || (f.Kind != "" && j.Kind != f.Kind) ||
			(f.State != "" && j.State != f.State) || (f.Unfinished && j.State.Final()) ||
			(f.ExternalID != "" && j.ExternalID != f.ExternalID) {
			continue
		}
		out = append(out, j.ID)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

func jobIDs(jobs []*bulkd.Job) []uint64 {
	var out []uint64
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}
