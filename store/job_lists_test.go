package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore_AddMedia(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindContacts, Source: bulkd.SourceAPI, State: bulkd.StateQueued,
		File: "meta.csv", Files: []string{"meta.csv"}, Media: []string{"a.wav", "b.wav"}}
	require.NoError(t, s.CreateJob(ctx, j))
	other := mustJob(t, s, "acme", bulkd.KindContacts)

	for _, tc := range []struct {
		name  string
		id    uint64
		names []string
		want  []string
	}{
		{"created with", j.ID, nil, []string{"a.wav", "b.wav"}},
		{"appended in order, once each", j.ID, []string{"c.wav", "a.wav", "d.wav", "c.wav"}, []string{"a.wav", "b.wav", "c.wav", "d.wav"}},
		{"a replayed take adds nothing", j.ID, []string{"c.wav", "d.wav"}, []string{"a.wav", "b.wav", "c.wav", "d.wav"}},
		{"another job's list is its own", other.ID, []string{"a.wav"}, []string{"a.wav"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, s.AddMedia(ctx, tc.id, tc.names))
			got, err := s.JobMedia(ctx, tc.id)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	got, err := s.Job(ctx, j.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Media, "a job is read without its media list")
	assert.Equal(t, []string{"meta.csv"}, got.Files)
	assert.ErrorIs(t, s.AddMedia(ctx, 99, []string{"x.wav"}), bulkd.ErrNotFound)
	_, err = s.JobMedia(ctx, 99)
	assert.ErrorIs(t, err, bulkd.ErrNotFound)
	_, err = s.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error { j.Media = []string{"e.wav"}; return nil })
	assert.Error(t, err, "media are added with AddMedia")
}

func TestStore_JobLists(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := mustJob(t, s, "acme", bulkd.KindContacts)
	header := make([]string, 2000)
	for i := range header {
		header[i] = fmt.Sprintf("column %d", i)
	}
	_, err := s.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error {
		j.Header, j.Ignored, j.RowsTotal = header, []string{"x.wav"}, 10
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, s.CommitProgress(ctx, j.ID, bulkd.Progress{Done: 4}), "a batch writes the record alone")
	_, err = s.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error {
		j.Delivered = []string{"/a/archives/f.csv", ""}
		j.Ignored = nil
		return nil
	})
	require.NoError(t, err)

	want := func(t *testing.T, got *bulkd.Job) {
		t.Helper()
		assert.Equal(t, 4, got.RowsDone)
		assert.Equal(t, []string{"f.csv"}, got.Files)
		assert.Equal(t, header, got.Header)
		assert.Nil(t, got.Ignored, "a list set to nil is gone")
		assert.Equal(t, []string{"/a/archives/f.csv", ""}, got.Delivered)
	}
	got, err := s.Job(ctx, j.ID)
	require.NoError(t, err)
	want(t, got)
	list, err := s.Jobs(ctx, bulkd.JobFilter{Tenant: "acme"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	want(t, list[0])
	got, err = s.DiscardRecords(ctx, j.ID)
	require.NoError(t, err)
	assert.True(t, got.Discarded)
	want(t, got)
}
