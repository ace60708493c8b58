package pipeline

import (
	"context"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// CommitRows builds a record from each row after the job's checkpoint, or
// a failure message, and hands them to apply batch rows at a time with the
// job's progress, so a resumed job imports no row twice.
func CommitRows[T any](ctx context.Context, job *bulkd.Job, rows []csvio.Row, batch int,
	build func(csvio.Row) (T, string), apply func(context.Context, []T, bulkd.Progress) error) error {
	var records []T
	var p bulkd.Progress
	for i, r := range rows {
		if r.Num <= job.RowsDone {
			continue
		}
		if rec, msg := build(r); msg != "" {
			p.Failures = append(p.Failures, bulkd.RowFailure{Row: r.Num, Cells: r.Cells, Message: msg})
		} else {
			records = append(records, rec)
		}
		if len(records)+len(p.Failures) >= batch || i == len(rows)-1 {
			p.Done = r.Num
			if err := apply(ctx, records, p); err != nil {
				return err
			}
			records, p = nil, bulkd.Progress{}
		}
	}
	return nil
}
