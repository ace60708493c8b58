package pipeline_test

import (
	"context"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommitRows(t *testing.T) {
	var rows []csvio.Row
	for n := 1; n <= 6; n++ {
		rows = append(rows, csvio.Row{Num: n, Cells: []string{string(rune('a' + n - 1))}})
	}
	type call struct {
		records []string
		p       bulkd.Progress
	}
	var calls []call
	job := &bulkd.Job{RowsDone: 2} // resumed after two rows
	err := pipeline.CommitRows(context.Background(), job, rows, 2,
		func(r csvio.Row) (string, string) {
			if r.Num == 4 {
				return "", "bad"
			}
			return r.Cells[0], ""
		},
		func(_ context.Context, recs []string, p bulkd.Progress) error {
			calls = append(calls, call{recs, p})
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, []call{
		{[]string{"c"}, bulkd.Progress{Done: 4, Failures: []bulkd.RowFailure{{Row: 4, Cells: []string{"d"}, Message: "bad"}}}},
		{[]string{"e", "f"}, bulkd.Progress{Done: 6}},
	}, calls, "rows after the checkpoint, in batches of two, the last batch closing the file")
}
