package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
)

// run takes job id from wherever it stands to a final state and delivers it.
// An error return leaves the job where it stood (running, or final and not
// yet delivered): the caller pauses it and runs it again.
func (r *Runner) run(ctx context.Context, id uint64) error {
	j, err := r.jobs.Job(ctx, id)
	if err != nil {
		return err
	}
	if j.State.Final() {
		return r.complete(ctx, j)
	}
	// The digest is written with the start, one transaction fewer for each
	// job; a digest that cannot be made is made again, and its error
	// handled, by importJob.
	sum := j.SHA256
	if sum == "" {
		sum, _ = r.digest(ctx, j, r.workDir(j.ID))
	}
	j, err = r.jobs.UpdateJob(ctx, id, func(j *bulkd.Job) error {
		if j.State.Final() {
			return errNotQueued // canceled since it was read
		}
		if j.State == bulkd.StatePaused {
			j.Error = ""
		}
		j.State, j.Waiting = bulkd.StateRunning, nil // a resumed job says again what it waits for
		if j.StartedAt == nil {
			now := r.now().UTC()
			j.StartedAt = &now
		}
		if j.Stamp == nil {
			if fi, err := os.Lstat(filepath.Join(r.workDir(j.ID), j.File)); err == nil {
				j.Stamp = &bulkd.FileStamp{Size: fi.Size(), MTime: fi.ModTime().UTC()}
			}
		}
		if j.SHA256 == "" {
			j.SHA256 = sum
		}
		return nil
	})
	if errors.Is(err, errNotQueued) {
		if j, err = r.jobs.Job(ctx, id); err != nil {
			return err
		}
		return r.complete(ctx, j)
	}
	if err != nil {
		return err
	}
	state, msg, err := r.importJob(ctx, j)
	if we := (*waitError)(nil); errors.As(err, &we) {
		return err
	}
	if err != nil {
		if ctx.Err() != nil {
			r.jobLog(j).Info("job interrupted; it resumes at the next start")
			return ctx.Err()
		}
		if fsx.Transient(err) {
			return fmt.Errorf("import %s: %w", j.File, err)
		}
		state, msg = bulkd.StateFailed, fmt.Sprintf("%s: %v", j.File, err)
	}
	if j, err = r.finish(ctx, id, state, msg); err != nil {
		return err
	}
	r.jobLog(j).Info("job done", "state", j.State, "rows_total", j.RowsTotal, "rows_failed", j.RowsFailed)
	return r.complete(ctx, j)
}

// complete does what follows a final state: a failed job's records are
// removed (a failed job has imported nothing, so dropping its file again
// doubles nothing), then its files are delivered. Both can be replayed.
func (r *Runner) complete(ctx context.Context, j *bulkd.Job) error {
	if j.State == bulkd.StateFailed && !j.Discarded && j.RowsDone > j.RowsFailed {
		var err error
		if j, err = r.jobs.DiscardRecords(ctx, j.ID); err != nil {
			return err
		}
		r.jobLog(j).Info("failed job's records removed", "rows", j.RowsDone-j.RowsFailed)
	}
	if j.Forward != nil && j.Forward.State == bulkd.ForwardWaiting {
		var err error
		if j, err = r.stage(ctx, j); err != nil {
			return err
		}
	}
	return r.deliver(ctx, j)
}

// stage queues a final job to forward: its files (the main ones and the
// recordings it took) go to the outbox before its work folder is
// delivered, and then the job is queued. A job skipped or canceled here
// has nothing to send. Replayed with complete.
func (r *Runner) stage(ctx context.Context, j *bulkd.Job) (*bulkd.Job, error) {
	unsent := ""
	switch {
	case j.State == bulkd.StateSkipped:
		unsent = "skipped here as identical to an earlier job, which was forwarded"
	case j.State == bulkd.StateCanceled:
		unsent = "canceled before it started"
	case r.cfg.Outbox == nil:
		unsent = "forwarding is no longer configured"
	}
	if unsent == "" {
		media, err := r.jobs.JobMedia(ctx, j.ID)
		if err != nil {
			return nil, err
		}
		if err := r.cfg.Outbox.Stage(ctx, j, r.workDir(j.ID), append(slices.Clone(j.Files), media...)); err != nil {
			return nil, fmt.Errorf("put %s in the outbox: %w", j.File, err)
		}
	}
	j, err := r.jobs.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error {
		if j.Forward == nil || j.Forward.State != bulkd.ForwardWaiting {
			return nil
		}
		j.Forward.State, j.Forward.LastError = bulkd.ForwardQueued, ""
		if unsent != "" {
			j.Forward.State, j.Forward.LastError = bulkd.ForwardNotSent, unsent
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if unsent == "" {
		r.cfg.Outbox.Wake()
	}
	return j, nil
}

var errNotQueued = errors.New("job is no longer queued")

// Cancel cancels a job that is still queued; a job already started or
// finished is a conflict.
func (r *Runner) Cancel(ctx context.Context, id uint64, by string) (*bulkd.Job, error) {
	j, err := r.jobs.UpdateJob(ctx, id, func(j *bulkd.Job) error {
		if j.State != bulkd.StateQueued {
			return bulkd.Errorf(bulkd.ECONFLICT, "job %d is %s: only a queued import can be canceled", j.ID, j.State)
		}
		now := r.now().UTC()
		j.State, j.FinishedAt, j.Error = bulkd.StateCanceled, &now, fmt.Sprintf("%s: canceled by %s before it started", j.File, by)
		return nil
	})
	if err == nil {
		r.jobLog(j).Info("job canceled", "by", by)
		r.final(j)
	}
	return j, err
}

// importJob runs the importer and returns the job's final state and error
// message. An error return is a fault, not a verdict on the file.
func (r *Runner) importJob(ctx context.Context, j *bulkd.Job) (bulkd.JobState, string, error) {
	dir := r.workDir(j.ID)
	if j.SHA256 == "" {
		sum, err := r.digest(ctx, j, dir)
		if fsx.Transient(err) {
			return "", "", err
		}
		if err != nil {
			return bulkd.StateFailed, fmt.Sprintf("%s: %v", j.File, err), nil
		}
		if j, err = r.jobs.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error { j.SHA256 = sum; return nil }); err != nil {
			return "", "", err
		}
	}
	// A job with rows done passed the check before it was stopped: looking
	// again could skip it, rows kept, for an identical job that started
	// since. It holds its digest instead (Open registered it before any
	// new job could be claimed), so identical jobs wait for it.
	if r.cfg.Dedupe && j.RowsDone > 0 {
		r.importing(j, true)
	} else if r.cfg.Dedupe {
		if other := r.importing(j, false); other != nil {
			return "", "", &waitError{done: other}
		}
		prev, ok, err := r.jobs.ImportedDigest(ctx, j.Tenant, j.Kind, j.SHA256)
		if err != nil {
			return "", "", err
		}
		if ok && prev != j.ID {
			if _, err := r.jobs.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error { j.DuplicateOf = prev; return nil }); err != nil {
				return "", "", err
			}
			return bulkd.StateSkipped, fmt.Sprintf("%s is identical to the file of job %d, which imported it already", j.File, prev), nil
		}
	}
	if j.Forward != nil && j.Forward.Relay {
		return bulkd.StateSucceeded, "", nil // the central imports it: its rows are counted there
	}
	err := r.importers[j.Kind].Import(ctx, &Run{Job: j, Dir: dir, jobs: r.jobs, runner: r})
	if bulkd.ErrorCode(err) == bulkd.EINVALID {
		return bulkd.StateFailed, fmt.Sprintf("%s: %v", j.File, err), nil
	}
	if err != nil {
		return "", "", err
	}
	if msg := stillWritten(j, dir); msg != "" {
		return bulkd.StateFailed, msg, nil
	}
	if j, err = r.jobs.Job(ctx, j.ID); err != nil {
		return "", "", err
	}
	switch {
	case j.RowsFailed == 0:
		return bulkd.StateSucceeded, "", nil
	case j.RowsFailed >= j.RowsTotal:
		return bulkd.StateFailed, fmt.Sprintf("%s: all %d rows failed; see the error report", j.File, j.RowsFailed), nil
	default:
		return bulkd.StatePartial, fmt.Sprintf("%s: %d of %d rows failed; see the error report", j.File, j.RowsFailed, j.RowsTotal), nil
	}
}

// stillWritten returns why job j's import cannot stand when its main file
// changed after the job first started: its writer was still writing, so
// the import read a truncated file (or a file that moved under it). "" when
// the file is as it was.
func stillWritten(j *bulkd.Job, dir string) string {
	if j.Stamp == nil {
		return ""
	}
	fi, err := os.Lstat(filepath.Join(dir, j.File))
	if err != nil || fi.Size() == j.Stamp.Size && fi.ModTime().Equal(j.Stamp.MTime) {
		return ""
	}
	return fmt.Sprintf("%s was still being written when it was taken: it grew from %d to %d bytes (or was modified) while it was imported, "+
		"so nothing of it is kept. Drop it again once it is complete; to drop files safely, write them under another name "+
		"(or in another folder of the same disk) and rename them into the tenant folder, or turn on watch.done_marker and "+
		"create <name>.done after the file is written", j.File, j.Stamp.Size, fi.Size())
}

// finish commits a job's final state and returns the job, telling the
// Observer when the job was not final before. The message is cut to
// bulkd.MaxMessage bytes, so that no input can make a job record, or every
// job listing after it, large.
func (r *Runner) finish(ctx context.Context, id uint64, state bulkd.JobState, msg string) (*bulkd.Job, error) {
	return r.finishAs(ctx, id, state, msg, false)
}

// finishLost fails job id, whose files could not be taken (err): a claim
// that failed, or one a crash interrupted whose files are gone. Nothing of
// it is forwarded either, in the same transaction.
func (r *Runner) finishLost(ctx context.Context, id uint64, err error) (*bulkd.Job, error) {
	return r.finishAs(ctx, id, bulkd.StateFailed, "claim: "+err.Error(), true)
}

func (r *Runner) finishAs(ctx context.Context, id uint64, state bulkd.JobState, msg string, lost bool) (*bulkd.Job, error) {
	msg = bulkd.Truncate(msg, bulkd.MaxMessage)
	wasFinal := false
	j, err := r.jobs.UpdateJob(ctx, id, func(j *bulkd.Job) error {
		wasFinal = j.State.Final()
		if lost && j.Forward.Pending() {
			j.Forward.State, j.Forward.LastError = bulkd.ForwardNotSent, "its files were not taken"
		}
		now := r.now().UTC()
		j.State, j.Error, j.FinishedAt = state, msg, &now
		j.Waiting = nil // a stop while it waited (then a resume) can leave one behind
		if j.StartedAt == nil {
			j.StartedAt = &now
		}
		// A lost job's files go nowhere: nothing to plan.
		if !lost && j.Delivered == nil && j.Source == bulkd.SourceFolder && j.Origin != "" {
			j.Delivered = r.plan(j) // with the final state: one transaction fewer for each job
		}
		return nil
	})
	if err == nil && !wasFinal {
		r.final(j)
	}
	return j, err
}

// pause records that job id stopped on err and resumes by itself. A job
// already final (its delivery failed) keeps its state.
func (r *Runner) pause(ctx context.Context, id uint64, err error) error {
	msg := bulkd.Truncate(fmt.Sprintf("paused: %v; it resumes from its checkpoint by itself (free space on the disk if it is full)", err), bulkd.MaxMessage)
	_, uerr := r.jobs.UpdateJob(ctx, id, func(j *bulkd.Job) error {
		if j.State.Final() {
			return errNotQueued
		}
		j.State, j.Error = bulkd.StatePaused, msg
		return nil
	})
	if errors.Is(uerr, errNotQueued) {
		return nil
	}
	return uerr
}

// digest is what dedupe compares: the main file's SHA-256 when it comes
// alone (a folder drop, whose recordings are taken later, by name), else
// that of every file the job came with, metadata and recordings, by name:
// an upload of the same CSV with other recordings is another import. The
// job's options are folded in (withParams).
func (r *Runner) digest(ctx context.Context, j *bulkd.Job, dir string) (string, error) {
	sum, err := hashFile(filepath.Join(dir, j.File))
	if err != nil {
		return "", err
	}
	media, err := r.jobs.JobMedia(ctx, j.ID)
	if err != nil {
		return "", err
	}
	others := slices.Sorted(slices.Values(append(slices.Clone(j.Files[1:]), media...)))
	if len(others) > 0 {
		h := sha256.New()
		h.Write([]byte(sum))
		for _, name := range slices.Compact(others) {
			s, err := hashFile(filepath.Join(dir, name))
			if errors.Is(err, os.ErrNotExist) {
				continue // a recording the upload named but did not send
			}
			if err != nil {
				return "", fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(h, "\n%s %s", name, s)
		}
		sum = hex.EncodeToString(h.Sum(nil))
	}
	return withParams(sum, j.Params), nil
}

func hashFile(path string) (string, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// withParams folds a job's options into its file's digest: the same bytes
// imported with other options (a time zone, create-only) are another import,
// not a duplicate.
func withParams(sum string, params map[string]string) string {
	if len(params) == 0 {
		return sum
	}
	h := sha256.New()
	h.Write([]byte(sum))
	for _, k := range slices.Sorted(maps.Keys(params)) {
		fmt.Fprintf(h, "\n%s=%s", k, params[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HasReport reports whether j has an error report.
func HasReport(j *bulkd.Job) bool {
	return j.RowsFailed > 0 || j.State == bulkd.StateFailed
}

// waitForDependencies waits until every earlier job of the same tenant of
// a kind job id depends on is done. Every unfinished job is submitted to the
// runner (Open resubmits them), so the in-memory list is complete.
func (r *Runner) waitForDependencies(ctx context.Context, id uint64) error {
	var earlier []*pending
	r.mu.Lock()
	if p := r.active[id]; p != nil {
		spec, _ := r.cfg.Kinds.Spec(p.kind)
		for _, kind := range spec.DependsOn {
			for eid, e := range r.active {
				if eid < id && e.tenant == p.tenant && e.kind == kind {
					earlier = append(earlier, e)
				}
			}
		}
	}
	r.mu.Unlock()
	for _, e := range earlier {
		select {
		case <-e.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
