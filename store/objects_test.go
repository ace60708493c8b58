package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fields(kv ...string) []bulkd.ObjectField {
	var out []bulkd.ObjectField
	for i := 0; i < len(kv); i += 2 {
		out = append(out, bulkd.ObjectField{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func team(row int, name, site, typ string) bulkd.ConfigObject {
	return bulkd.ConfigObject{Type: "team", Key: name, Within: site, Fields: fields("Name", name, "Site", site, "Type", typ),
		Fixed: []string{"Site", "Type"}, Rows: []int{row}, Cells: [][]string{{name, site, typ}}}
}

func outcomes(objs []bulkd.ConfigObject) []bulkd.ObjectOutcome {
	var out []bulkd.ObjectOutcome
	for _, o := range objs {
		out = append(out, o.Outcome)
	}
	return out
}

func TestStore_ApplyObjects(t *testing.T) {
	ctx := context.Background()
	s := MustOpenStore(t)
	j := mustJob(t, s, "acme", bulkd.KindObjects)
	queue := bulkd.ConfigObject{Type: "queue", Key: "Support", Fields: fields("Name", "Support", "Channel Type", "TELEPHONY"),
		Children: [][]bulkd.ObjectField{fields("Distribution Group", "G1"), fields("Distribution Group", "G2")},
		Rows:     []int{3, 4}, Cells: [][]string{{"Support", "G1"}, {"Support", "G2"}}}
	objs := []bulkd.ConfigObject{team(1, "Sales", "London", "AGENT"), team(2, "Sales", "Paris", "AGENT"), queue}
	rejected, err := s.ApplyObjects(ctx, j.ID, "acme", objs, bulkd.Progress{Done: 4}, facts)
	require.NoError(t, err)
	assert.Empty(t, rejected)
	assert.Equal(t, []bulkd.ObjectOutcome{"created", "created", "created"}, outcomes(objs), "a Team's name is unique within its site only")

	// A second job: unchanged, updated, a fixed column changed (every row
	// of the object fails), created.
	j2 := mustJob(t, s, "acme", bulkd.KindObjects)
	q2 := queue
	q2.Key, q2.Fields = "SUPPORT", fields("Name", "SUPPORT", "Channel Type", "TELEPHONY")
	q2.Children = q2.Children[:1]
	q2.Fixed = []string{"Channel Type"}
	capacity := team(3, "Sales", "paris", "CAPACITY")
	objs = []bulkd.ConfigObject{team(1, "sales", "LONDON", "AGENT"), capacity, team(4, "Ops", "London", "AGENT")}
	objs[0].Key, objs[0].Within, objs[0].Fields = "Sales", "London", fields("Name", "Sales", "Site", "London", "Type", "AGENT")
	rejected, err = s.ApplyObjects(ctx, j2.ID, "acme", objs, bulkd.Progress{Done: 4}, facts)
	require.NoError(t, err)
	assert.Equal(t, []bulkd.ObjectOutcome{"unchanged", "rejected", "created"}, outcomes(objs))
	require.Len(t, rejected, 1)
	assert.Equal(t, 3, rejected[0].Row)
	assert.Equal(t, `fixed Type "CAPACITY" "AGENT"`, rejected[0].Message, "the store names the field, its new and its stored value")

	j3 := mustJob(t, s, "acme", bulkd.KindObjects)
	q2.Rows, q2.Cells = []int{1, 2}, [][]string{{"a"}, {"b"}}
	objs = []bulkd.ConfigObject{q2}
	rejected, err = s.ApplyObjects(ctx, j3.ID, "acme", objs, bulkd.Progress{Done: 2}, facts)
	require.NoError(t, err)
	assert.Empty(t, rejected)
	assert.Equal(t, []bulkd.ObjectOutcome{"updated"}, outcomes(objs), "a child row fewer is a change")

	again, err := s.ApplyObjects(ctx, j3.ID, "acme", objs, bulkd.Progress{Done: 2}, facts)
	require.NoError(t, err)
	assert.Empty(t, again, "a replayed batch changes nothing")

	got, err := s.Job(ctx, j2.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"unchanged": 1, "created": 1}, got.Counts)
	assert.Equal(t, 1, got.RowsFailed)

	teams, err := s.Objects(ctx, "acme", "team")
	require.NoError(t, err)
	var names []string
	for _, o := range teams {
		names = append(names, o.Key+"/"+o.Within)
	}
	assert.Equal(t, []string{"Ops/London", "Sales/London", "Sales/Paris"}, names, "key order, then scope")
	assert.Equal(t, j.ID, teams[1].JobID, "an unchanged object keeps the job that last changed it")

	q, err := s.Object(ctx, "acme", "queue", "support", "")
	require.NoError(t, err)
	assert.Equal(t, "SUPPORT", q.Key)
	assert.Len(t, q.Children, 1)
	assert.Equal(t, j3.ID, q.JobID)
	assert.False(t, q.CreatedAt.After(q.UpdatedAt))

	_, err = s.Object(ctx, "acme", "queue", "nope", "")
	assert.True(t, errors.Is(err, bulkd.ErrNotFound), "%v", err)
	none, err := s.Objects(ctx, "other", "team")
	require.NoError(t, err)
	assert.Empty(t, none)
}
