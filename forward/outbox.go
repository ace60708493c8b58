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
	"maps"
	"os"
	"path/filepath"
	"slices"
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

// names returns the files of job j that Stage put in its folder: its own
// files first, in their order, then the recordings it took. A main file
// missing is an error: the job has nothing to send.
func (o *Files) names(j *bulkd.Job) ([]string, error) {
	dir := o.JobDir(j.ID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not in the outbox: %w", j.File, err)
	}
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		present[e.Name()] = true
	}
	if !present[j.File] {
		return nil, fmt.Errorf("%s is not in the outbox folder %s", j.File, dir)
	}
	var names []string
	for _, n := range j.Files {
		if present[n] {
			names = append(names, n)
			delete(present, n)
		}
	}
	return append(names, slices.Sorted(maps.Keys(present))...), nil
}
