package pipeline

import (
	"archive/zip"
	"context"
	"fmt"
	"io"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// The suffixes that name a file's error report: a CSV, or for a job of
// several parts whose rows failed a ZIP of one CSV a part.
const (
	ReportSuffix    = ".errors.csv"
	ReportZipSuffix = ".errors.zip"
)

// ReportIsZip reports whether j's error report is a ZIP: its rows are in
// several CSVs (Job.Parts), each with a header of its own, and some failed.
// A job that failed as a whole has one message, in a CSV.
func ReportIsZip(j *bulkd.Job) bool { return len(j.Parts) > 0 && j.RowsFailed > 0 }

// ReportSuffixOf returns the suffix of j's error report's name.
func ReportSuffixOf(j *bulkd.Job) string {
	if ReportIsZip(j) {
		return ReportZipSuffix
	}
	return ReportSuffix
}

// WriteReport writes j's error report: the failed rows' original cells,
// Row and Error Message, as CSV. A job that failed as a whole has one
// line, Row 0, with its error. A job of several parts writes a ZIP holding,
// for each part with failed rows, a CSV under the part's name with the
// part's header and row numbers: each can be fixed in place, and the ZIP
// imported again as it is.
func WriteReport(ctx context.Context, jobs bulkd.JobStore, j *bulkd.Job, w io.Writer) error {
	if !HasReport(j) {
		return bulkd.Errorf(bulkd.ENOTFOUND, "job %d has no error report: no row failed", j.ID)
	}
	if ReportIsZip(j) {
		return writeZipReport(ctx, jobs, j, w)
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

// writeZipReport writes the report of a job of several parts. Failures
// come in row order, which is part order, so each part's CSV is written
// whole before the next begins.
func writeZipReport(ctx context.Context, jobs bulkd.JobStore, j *bulkd.Job, w io.Writer) error {
	zw := zip.NewWriter(w)
	cur := -1
	var rw *csvio.ReportWriter
	err := jobs.RowFailures(ctx, j.ID, func(f bulkd.RowFailure) error {
		i, row, ok := bulkd.PartOf(j.Parts, f.Row)
		if !ok {
			return fmt.Errorf("row %d is in none of the job's %d parts", f.Row, len(j.Parts))
		}
		if i != cur {
			if rw != nil {
				if err := rw.Close(); err != nil {
					return err
				}
			}
			ew, err := zw.Create(j.Parts[i].File)
			if err != nil {
				return err
			}
			if rw, err = csvio.NewReportWriter(ew, j.Parts[i].Header); err != nil {
				return err
			}
			cur = i
		}
		return rw.Write(row, f.Cells, f.Message)
	})
	if err == nil && rw != nil {
		err = rw.Close()
	}
	if err != nil {
		return fmt.Errorf("report of job %d: %w", j.ID, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report of job %d: %w", j.ID, err)
	}
	return nil
}
