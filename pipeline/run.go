package pipeline

import (
	"context"
	"path/filepath"

	"github.com/bulkd/bulkd"
)

// Importer imports the files of one kind.
type Importer interface {
	// Kind is the kind this importer imports.
	Kind() bulkd.Kind
	// Import reads run's files and commits their rows in batches, each
	// batch's records and progress in one transaction, starting after the
	// job's RowsDone (a resumed job has some done already). An error with
	// code EINVALID fails the whole file with its message; a cancelled ctx
	// leaves the job to be resumed at the next start.
	Import(ctx context.Context, run *Run) error
}

// Run is what an importer gets for one job.
type Run struct {
	// Job is the job as it was when the run started.
	Job *bulkd.Job
	// Dir is the job's work folder, which holds Job.Files.
	Dir  string
	jobs bulkd.JobStore
}

// Path returns the path of the job's main file.
func (r *Run) Path() string { return filepath.Join(r.Dir, r.Job.File) }

// Begin records the file's header (for the error report) and row count (for
// progress) once the importer has them.
func (r *Run) Begin(ctx context.Context, header []string, rowsTotal int) error {
	j, err := r.jobs.UpdateJob(ctx, r.Job.ID, func(j *bulkd.Job) error {
		j.Header, j.RowsTotal = header, rowsTotal
		return nil
	})
	if err == nil {
		r.Job = j
	}
	return err
}

// Invalid returns the error that fails the whole file with message.
func Invalid(format string, args ...any) error {
	return bulkd.Errorf(bulkd.EINVALID, format, args...)
}
