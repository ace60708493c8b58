// Package forward owns a site bulkd's forwarding to a central bulkd: the
// outbox folder that keeps a final job's files until they are sent, and
// the Forwarder that sends them through the central's own upload doors,
// with an Idempotency-Key, retrying with backoff until the central
// answers.
//
// The outbox's record is the store: a job to forward is marked so
// (bulkd.Forward) in the transaction that records its claim, and stays
// in the store's outbox index until the central has answered. This
// package keeps the files and the sending; it does not know whether a
// job came from a folder or over HTTP.
package forward

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
)

// Files is the outbox folder: one folder a job, named by its id, holding
// its files until the central has them. It is a pipeline.Outbox.
type Files struct {
	Dir  string
	wake chan struct{}
}

// NewFiles returns the outbox folder dir.
func NewFiles(dir string) *Files { return &Files{Dir: dir, wake: make(chan struct{}, 1)} }

// JobDir is where job id's files wait.
func (o *Files) JobDir(id uint64) string { return filepath.Join(o.Dir, strconv.FormatUint(id, 10)) }

// Stage links (or, across file systems, copies) the named files of job j
// from dir into its outbox folder, then syncs it. A name already there is
// kept, so a stage a crash interrupted is finished by replaying it; a name
// missing from dir (a recording that never came) is left out.
func (o *Files) Stage(_ context.Context, j *bulkd.Job, dir string, names []string) error {
	dst := o.JobDir(j.ID)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	for _, name := range names {
		to := filepath.Join(dst, name)
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		from := filepath.Join(dir, name)
		err := os.Link(from, to)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			err = fsx.CopyFile(from, to)
		}
		if err != nil {
			return fmt.Errorf("stage %s: %w", name, err)
		}
	}
	return fsx.SyncDir(dst)
}

// Wake tells the Forwarder that a job was queued.
func (o *Files) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
