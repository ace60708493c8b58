package api

import (
	"context"
	"errors"

	"github.com/bulkd/bulkd"
)

// source returns the job whose records answer for j: j itself, or, for a
// repeat (skipped as identical to an earlier job), that earlier job, so
// that the same request gets the same answer, marked by each door with
// duplicate_of. A repeat whose original was purged answers for itself.
func (s *Server) source(ctx context.Context, j *bulkd.Job) (*bulkd.Job, error) {
	if j.State != bulkd.StateSkipped || j.DuplicateOf == 0 {
		return j, nil
	}
	orig, err := s.Jobs.Job(ctx, j.DuplicateOf)
	if errors.Is(err, bulkd.ErrNotFound) {
		return j, nil
	}
	return orig, err
}
