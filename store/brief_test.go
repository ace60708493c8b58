package store_test

import (
	"context"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStore_JobsBrief: a brief listing reads each job's record only, not
// its lists; a full one has them.
func TestStore_JobsBrief(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceAPI, State: bulkd.StateQueued,
		File: "a.csv", Files: []string{"a.csv", "b.wav"}, Header: []string{"Email"}}
	require.NoError(t, s.CreateJob(ctx, j))
	full, err := s.Jobs(ctx, bulkd.JobFilter{Tenant: "acme"})
	require.NoError(t, err)
	require.Len(t, full, 1)
	assert.Equal(t, []string{"a.csv", "b.wav"}, full[0].Files)
	assert.Equal(t, []string{"Email"}, full[0].Header)
	brief, err := s.Jobs(ctx, bulkd.JobFilter{Tenant: "acme", Brief: true})
	require.NoError(t, err)
	require.Len(t, brief, 1)
	assert.Equal(t, "a.csv", brief[0].File)
	assert.Nil(t, brief[0].Files)
	assert.Nil(t, brief[0].Header)
}
