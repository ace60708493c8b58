package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testContact(job uint64, row int) *bulkd.Contact {
	return &bulkd.Contact{
		ID: bulkd.RowID(job, row), AgentID: 7, CallID: fmt.Sprintf("call-%d", row), AssocCallID: "assoc",
		StartTimeMs: 1447100000000 + int64(row), Direction: row % 2, CalledAddress: "1801", CallingAddress: "1800",
		Line: "1800", TimeZone: "America/Chicago", Metadata: bulkd.Metadata{{Name: "accountNumber", Value: strings.Repeat("9", row)}, {Name: "b", Value: ""}},
		Complete: true, JobID: job, Row: row,
		Recordings: []bulkd.Recording{{Location: fmt.Sprintf("call%d.wav", row), Media: bulkd.MediaAudio, OffsetMs: -5, Size: 1644,
			SHA256: "c726d333dd159a31423f3480dbb1c5c4a9dfcd30efe1f7e12ade390dc92e8908"}},
	}
}

func encode(t *testing.T, cs ...*bulkd.Contact) *bulkd.ContactBatch {
	t.Helper()
	b := bulkd.NewContactBatch(len(cs), 0)
	for _, c := range cs {
		require.NoError(t, b.Add(c))
	}
	return b
}

func TestStore_Contacts(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j1 := mustJob(t, s, "acme", bulkd.KindContacts)
	j2 := mustJob(t, s, "acme", bulkd.KindContacts)
	var batch []*bulkd.Contact
	for row := 1; row <= 5; row++ {
		batch = append(batch, testContact(j1.ID, row))
	}
	require.NoError(t, s.ApplyContacts(ctx, j1.ID, "acme", encode(t, batch...), bulkd.Progress{Done: 5}))
	require.NoError(t, s.ApplyContacts(ctx, j1.ID, "acme", encode(t, batch[:1]...), bulkd.Progress{Done: 5}), "a replayed batch is ignored")
	require.NoError(t, s.ApplyContacts(ctx, j2.ID, "acme", encode(t, testContact(j2.ID, 1)), bulkd.Progress{Done: 1}))

	got, err := s.JobContacts(ctx, "acme", j1.ID)
	require.NoError(t, err)
	assert.Equal(t, batch, got, "every contact of a batch reads back as written, in row order")

	page, next, err := s.Contacts(ctx, "acme", 0, 4)
	require.NoError(t, err)
	assert.Len(t, page, 4)
	assert.Equal(t, page[3].ID, next)
	page, next, err = s.Contacts(ctx, "acme", next, 4)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, j2.ID, page[1].JobID)
	assert.Zero(t, next, "the last page has no cursor")

	_, err = s.Contact(ctx, "globex", batch[0].ID)
	assert.ErrorIs(t, err, bulkd.ErrNotFound, "another tenant's contact is not found")
	none, _, err := s.Contacts(ctx, "globex", 0, 10)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestStore_StoreRecording(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := mustJob(t, s, "acme", bulkd.KindContacts)
	c := testContact(j.ID, 1)
	c.Complete = false
	c.Recordings = []bulkd.Recording{{Location: "a.wav", Media: bulkd.MediaAudio}, {Location: "a.webmv", Media: bulkd.MediaScreen}}
	require.NoError(t, s.ApplyContacts(ctx, j.ID, "acme", encode(t, c), bulkd.Progress{Done: 1}))

	got, err := s.StoreRecording(ctx, "acme", c.ID, "a.wav", 10, strings.Repeat("ab", 32))
	require.NoError(t, err)
	assert.False(t, got.Complete)
	got, err = s.StoreRecording(ctx, "acme", c.ID, "a.webmv", 20, strings.Repeat("cd", 32))
	require.NoError(t, err)
	assert.True(t, got.Complete, "complete once every recording arrived")
	again, err := s.Contact(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, got, again)
	_, err = s.StoreRecording(ctx, "acme", c.ID, "nope.wav", 1, strings.Repeat("ab", 32))
	assert.ErrorIs(t, err, bulkd.ErrNotFound)
}
