package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func str(s string) *string { return &s }

// facts words a Conflict as its facts, for tests of the store alone.
func facts(c bulkd.Conflict) string {
	return fmt.Sprintf("%s %s %q %q", c.Reason, c.Field, c.Value, c.Holder)
}

func TestStore_ApplyAgents(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := mustJob(t, s, "acme", bulkd.KindAgents)
	f := false
	changes := []bulkd.AgentChange{
		{Row: 1, Email: "ann@acme.com", FullName: str("Ann"), ACDLogin: str(`acme\ann`)},
		{Row: 2, Email: "bob@acme.com", FullName: str("Bob"), RingGroups: []string{"sales"}, Active: &f},
		{Row: 3, Email: "nameless@acme.com"},                                           // create needs a name
		{Row: 4, CurrentEmail: "ghost@acme.com", Email: "g@acme.com"},                  // unknown Current Email
		{Row: 5, Email: "cy@acme.com", FullName: str("Cy"), ACDLogin: str(`ACME\ann`)}, // ACD login taken (case-insensitive)
	}
	rejected, err := s.ApplyAgents(ctx, j.ID, "acme", changes, bulkd.Progress{Done: 5}, facts)
	require.NoError(t, err)
	msgs := map[int]string{}
	for _, r := range rejected {
		msgs[r.Row] = r.Message
	}
	assert.Equal(t, map[int]string{
		3: `required full_name "nameless@acme.com" ""`,
		4: `not_found current_email "ghost@acme.com" ""`,
		5: `taken acd_login "ACME\\ann" "1"`,
	}, msgs, "the store says what rule a row breaks; the importer words it")

	again, err := s.ApplyAgents(ctx, j.ID, "acme", changes, bulkd.Progress{Done: 5}, facts)
	require.NoError(t, err)
	assert.Empty(t, again, "a replayed batch changes nothing")

	// A second batch: update by email (case-insensitive), rename by Current
	// Email, and a rename onto a taken email.
	changes = []bulkd.AgentChange{
		{Row: 6, Email: "ANN@acme.com", Team: str("Blue")},
		{Row: 7, CurrentEmail: "bob@acme.com", Email: "robert@acme.com", FullName: str("Robert")},
		{Row: 8, CurrentEmail: "robert@acme.com", Email: "ann@acme.com"},
	}
	rejected, err = s.ApplyAgents(ctx, j.ID, "acme", changes, bulkd.Progress{Done: 8}, facts)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	assert.Equal(t, `taken email "ann@acme.com" "1"`, rejected[0].Message)

	list, err := s.Agents(ctx, "acme")
	require.NoError(t, err)
	require.Len(t, list, 2)
	ann, bob := list[0], list[1]
	assert.Equal(t, uint64(1), ann.ID)
	assert.Equal(t, "ANN@acme.com", ann.Email)
	assert.Equal(t, "Ann", ann.FullName, "columns not given are left alone")
	assert.Equal(t, "Blue", ann.Team)
	assert.Equal(t, []string{"agent"}, ann.RingGroups, "default ring group on create")
	assert.True(t, ann.Active, "active by default")
	assert.Equal(t, uint64(2), bob.ID, "a rename keeps the id")
	assert.Equal(t, "robert@acme.com", bob.Email)
	assert.Equal(t, "Robert", bob.FullName)
	assert.False(t, bob.Active)

	got, err := s.Job(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, 8, got.RowsDone)
	assert.Equal(t, 4, got.RowsFailed)

	other, err := s.Agents(ctx, "globex")
	require.NoError(t, err)
	assert.Empty(t, other, "tenants do not share agents")
}
