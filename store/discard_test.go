package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStore_DiscardRecords: a failed job's contacts, assist contacts and
// schedule events go, with their indexes; other jobs' stay; a replay is a
// no-op.
func TestStore_DiscardRecords(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	failed, kept := mustJob(t, s, "acme", bulkd.KindContacts), mustJob(t, s, "acme", bulkd.KindContacts)
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, j := range []*bulkd.Job{failed, kept} {
		require.NoError(t, s.ApplyContacts(ctx, j.ID, "acme", encode(t, testContact(j.ID, 1), testContact(j.ID, 2)), bulkd.Progress{Done: 2}))
		ac := bulkd.AssistContact{ID: fmt.Sprint(j.ID), Row: 3, JobID: j.ID, CellPhone: bulkd.CellPhone{PhoneNumber: fmt.Sprintf("+1555000%04d", j.ID)}}
		rejected, err := s.ApplyAssistContacts(ctx, j.ID, "acme", []bulkd.AssistContact{ac}, bulkd.Progress{Done: 3}, facts)
		require.NoError(t, err)
		require.Empty(t, rejected)
		ev := bulkd.ScheduleEvent{ID: bulkd.RowID(j.ID, 4), AgentID: 7, Start: start, End: start.Add(time.Hour), JobID: j.ID, Row: 4}
		require.NoError(t, s.ApplyScheduleEvents(ctx, j.ID, "acme", []bulkd.ScheduleEvent{ev}, bulkd.Progress{Done: 4}))
	}

	for range 2 { // a replay after a crash changes nothing
		j, err := s.DiscardRecords(ctx, failed.ID)
		require.NoError(t, err)
		assert.True(t, j.Discarded)
	}

	cs, err := s.JobContacts(ctx, "acme", failed.ID)
	require.NoError(t, err)
	assert.Empty(t, cs)
	cs, err = s.JobContacts(ctx, "acme", kept.ID)
	require.NoError(t, err)
	assert.Len(t, cs, 2)
	ac, err := s.JobAssistContacts(ctx, "acme", failed.ID)
	require.NoError(t, err)
	assert.Empty(t, ac)
	ac, err = s.JobAssistContacts(ctx, "acme", kept.ID)
	require.NoError(t, err)
	assert.Len(t, ac, 1)
	evs, err := s.ScheduleEvents(ctx, "acme", bulkd.ScheduleFilter{AgentID: 7})
	require.NoError(t, err)
	require.Len(t, evs, 1, "the failed job's event is gone from the index too")
	assert.Equal(t, kept.ID, evs[0].JobID)

	// The failed job's phone number is free again: a new import may use it.
	again := mustJob(t, s, "acme", bulkd.KindAssist)
	rejected, err := s.ApplyAssistContacts(ctx, again.ID, "acme", []bulkd.AssistContact{{ID: "x", Row: 1, JobID: again.ID,
		CellPhone: bulkd.CellPhone{PhoneNumber: fmt.Sprintf("+1555000%04d", failed.ID)}}}, bulkd.Progress{Done: 1}, facts)
	require.NoError(t, err)
	assert.Empty(t, rejected)
}
