package pipeline

import (
	"context"
	"fmt"
	"io"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// WriteReport writes j's error report as CSV: the failed rows' original
// cells, Row and Error Message. A job that failed as a whole has one line,
// Row 0, with its error.
func WriteReport(ctx context.Context, jobs bulkd.JobStore, j *bulkd.Job, w io.Writer) error {
	if !HasReport(j) {
		return bulkd.Errorf(bulkd.ENOTFOUND, "job %d has no error report: no row failed", j.ID)
	}
	rw, err := csvio.NewReportWriter(w, j.Header)
	if err != nil {
		return err
	}
	if j.RowsFailed == 0 {
		if err := rw.Write(0, nil, j.Error); err != nil {
			return err
		}
		return rw.Close()
	}
	if err := jobs.RowFailures(ctx, j.ID, func(f bulkd.RowFailure) error {
		return rw.Write(f.Row, f.Cells, f.Message)
	}); err != nil {
		return fmt.Errorf("report of job %d: %w", j.ID, err)
	}
	return rw.Close()
}
