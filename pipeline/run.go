package pipeline

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"

	"github.com/bulkd/bulkd"
	"github.com/hashicorp/go-hclog"
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
	Dir    string
	jobs   bulkd.JobStore
	runner *Runner
}

// update applies fn to the stored job and keeps the job as stored.
func (r *Run) update(ctx context.Context, fn func(*bulkd.Job)) error {
	j, err := r.jobs.UpdateJob(ctx, r.Job.ID, func(j *bulkd.Job) error { fn(j); return nil })
	if err == nil {
		r.Job = j
	}
	return err
}

// log returns the runner's logger with the job's keys (Runner.jobLog).
func (r *Run) log() hclog.Logger { return r.runner.jobLog(r.Job) }

// Path returns the path of the job's main file.
func (r *Run) Path() string { return filepath.Join(r.Dir, r.Job.File) }

// Begin records the file's header (for the error report) and row count (for
// progress) once the importer has them.
func (r *Run) Begin(ctx context.Context, header []string, rowsTotal int) error {
	return r.update(ctx, func(j *bulkd.Job) { j.Header, j.RowsTotal = header, rowsTotal })
}

// BeginParts is Begin for a job whose rows are in several CSVs (an
// objects ZIP): it records them as the job's parts, the rows total being
// theirs.
func (r *Run) BeginParts(ctx context.Context, parts []bulkd.Part) error {
	total := 0
	for _, p := range parts {
		total += p.Rows
	}
	return r.update(ctx, func(j *bulkd.Job) { j.Header, j.Parts, j.RowsTotal = nil, parts, total })
}

// Invalid returns the error that fails the whole file with message.
func Invalid(format string, args ...any) error {
	return bulkd.Errorf(bulkd.EINVALID, format, args...)
}

// Gather makes the named media part of the job and reports which of them
// are in its work folder. Uploaded media are there already. A folder job
// waits, up to the runner's MediaWait, for missing ones to appear in its
// origin folder and settle, then takes them the way a claim does: recorded
// in the store first, then renamed. Names not found by then are missing, as
// are links and other non-regular files (logged): only regular files are
// taken, so nothing outside the origin is read or stored through a link.
func (r *Run) Gather(ctx context.Context, names []string) (map[string]bool, error) {
	present := make(map[string]bool, len(names))
	var missing []string
	for _, n := range names {
		if !PlainName(n) {
			continue // never look outside the job's folders
		}
		if fi, err := os.Lstat(filepath.Join(r.Dir, n)); err == nil && fi.Mode().IsRegular() {
			present[n] = true
		} else if !present[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 || r.Job.Source != bulkd.SourceFolder || r.Job.Origin == "" {
		return present, nil
	}
	settler := fsx.NewSettler(r.runner.cfg.Settle, r.runner.now)
	deadline := r.runner.now().Add(r.runner.cfg.MediaWait)
	waiting := false
	tick := time.NewTicker(settler.PollInterval())
	defer tick.Stop()
	for {
		var ready, still []string
		for _, n := range missing {
			if _, settled := settler.Check(filepath.Join(r.Job.Origin, n)); settled {
				ready = append(ready, n)
			} else {
				still = append(still, n)
			}
		}
		if len(ready) > 0 {
			took, err := r.take(ctx, ready)
			if err != nil {
				return nil, err
			}
			for _, n := range took {
				present[n] = true
			}
		}
		waitingFor := len(missing)
		missing = still
		switch {
		case len(missing) == 0 || !r.runner.now().Before(deadline):
			if waiting {
				r.setWaiting(ctx, nil, deadline)
			}
		case !waiting:
			// Say what the job waits for, and let the tenant's next file of
			// this kind go ahead meanwhile: it need not wait for these.
			waiting = true
			r.log().Info("job waits for recordings",
				"missing", len(missing), "first", missing[0], "until", deadline.Format(time.RFC3339))
			r.setWaiting(ctx, missing, deadline)
			defer r.runner.yieldLane(r.Job.ID)()
		case len(missing) < waitingFor:
			r.setWaiting(ctx, missing, deadline)
		}
		if len(missing) == 0 || !r.runner.now().Before(deadline) {
			for _, n := range missing {
				if fi, err := os.Lstat(filepath.Join(r.Job.Origin, n)); err == nil && !fi.Mode().IsRegular() && !fsx.IsRealDir(fi.Mode()) {
					r.log().Warn("recording not taken: not followed", "recording", n, "reason", fsx.Describe(fi.Mode()))
				}
			}
			return present, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// maxWaitingNames bounds the names a job's record lists as awaited.
const maxWaitingNames = 20

// setWaiting records on the job which recordings it waits for and until
// when (nil: no longer waiting), for the status API. It writes the store
// only: Gather runs beside the importer's other goroutines, which read
// r.Job. A failed write is logged: it costs the status, not the import.
func (r *Run) setWaiting(ctx context.Context, missing []string, until time.Time) {
	var w *bulkd.Waiting
	if len(missing) > 0 {
		w = &bulkd.Waiting{Recordings: slices.Clone(missing[:min(len(missing), maxWaitingNames)]), Missing: len(missing), Until: until.UTC()}
	}
	if _, err := r.jobs.UpdateJob(ctx, r.Job.ID, func(j *bulkd.Job) error { j.Waiting = w; return nil }); err != nil && ctx.Err() == nil {
		r.log().Warn("cannot record the recordings a job waits for", "error", err)
	}
}

// Early takes media that a folder job's importer names while it is still
// reading its metadata, as soon as each is found settled in the job's
// origin, so that storing them can overlap the reading. Names it does not
// take (not there yet, still being written) are left to Gather. While an
// Early runs, the importer calls no other Run method.
type Early struct {
	run  *Run
	took func([]string)
	done chan struct{}
	err  error

	// The offered names wait in a list rather than a channel: a channel
	// deep enough that reading never waits for the store would cost every
	// job a megabyte.
	mu     sync.Mutex
	queue  []string
	closed bool
	wake   chan struct{} // nil when it takes nothing
}

// earlyBatch is how many names one take records at most; each take is one
// store transaction.
const earlyBatch = 256

// StartEarly starts taking offered names in batches; took is called (on
// another goroutine) with each batch once it is in the work folder. For a
// job that is not a folder drop it takes nothing.
func (r *Run) StartEarly(ctx context.Context, took func(names []string)) *Early {
	e := &Early{run: r, took: took, done: make(chan struct{})}
	if r.Job.Source != bulkd.SourceFolder || r.Job.Origin == "" {
		close(e.done)
		return e
	}
	e.wake = make(chan struct{}, 1)
	go e.loop(ctx)
	return e
}

// Offer hands the Early a name the importer found. It never waits.
func (e *Early) Offer(name string) {
	if e.wake == nil {
		return
	}
	e.mu.Lock()
	e.queue = append(e.queue, name)
	full := len(e.queue) >= earlyBatch
	e.mu.Unlock()
	if full {
		e.signal()
	}
}

func (e *Early) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Stop waits for the names offered so far to be taken or left, and returns
// the first error of a take.
func (e *Early) Stop() error {
	if e.wake != nil {
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		e.signal()
	}
	<-e.done
	return e.err
}

func (e *Early) loop(ctx context.Context) {
	defer close(e.done)
	settler := fsx.NewSettler(e.run.runner.cfg.Settle, e.run.runner.now)
	tick := time.NewTicker(settler.PollInterval())
	defer tick.Stop()
	flush := func(pending []string) {
		var ready []string
		for _, n := range pending {
			if !PlainName(n) {
				continue
			}
			if _, settled := settler.Check(filepath.Join(e.run.Job.Origin, n)); settled {
				ready = append(ready, n)
			}
		}
		if len(ready) == 0 || e.err != nil {
			return
		}
		var took []string
		if took, e.err = e.run.take(ctx, ready); e.err == nil && len(took) > 0 {
			e.took(took)
		}
	}
	for {
		select {
		case <-e.wake:
		case <-tick.C:
		}
		e.mu.Lock()
		pending, closed := e.queue, e.closed
		e.queue = nil
		e.mu.Unlock()
		for len(pending) > 0 {
			n := min(len(pending), earlyBatch)
			flush(pending[:n])
			pending = pending[n:]
		}
		if closed {
			return
		}
	}
}

// take adds media to the job's media list in the store, then moves them
// in, and returns the names it took. Recording them first is what lets a
// claim replayed after a crash finish the move. The store appends them in
// a transaction that costs the batch, not the list, and skips names it
// holds already, so a replayed take records nothing twice. A name that is
// (or became, after the settle check) a link or other non-regular file is
// refused by fsx.MoveRegular (the link removed, nothing followed), logged
// and left out: its rows fail as if it were missing. Its name stays in the
// job's media list, which is harmless: a replayed claim skips media that
// are not there. A name gone since it was seen (another contacts job of
// the tenant, running beside this one, took it first) is left out the same
// way.
func (r *Run) take(ctx context.Context, names []string) ([]string, error) {
	if err := r.jobs.AddMedia(ctx, r.Job.ID, names); err != nil {
		return nil, err
	}
	j := r.Job
	if err := fsx.CheckRealDir(j.Origin); err != nil {
		return nil, err
	}
	took := make([]string, 0, len(names))
	for _, n := range names {
		err := fsx.MoveRegular(filepath.Join(j.Origin, n), filepath.Join(r.Dir, n))
		if errors.Is(err, fsx.ErrNotRegular) {
			r.log().Warn("recording not taken", "recording", n, "error", err)
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			r.log().Info("recording gone before it was taken", "recording", n)
			continue
		}
		if err != nil {
			return nil, err
		}
		took = append(took, n)
	}
	return took, fsx.SyncDir(r.Dir)
}

// Media returns the job's media list as the store has it: the recordings
// it was created with, then those taken since, in that order.
func (r *Run) Media(ctx context.Context) ([]string, error) {
	return r.jobs.JobMedia(ctx, r.Job.ID)
}

// SetIgnored records files of the job that no row referenced.
func (r *Run) SetIgnored(ctx context.Context, names []string) error {
	return r.update(ctx, func(j *bulkd.Job) { j.Ignored = names })
}

// PlainName reports whether name is a plain file name: no folder, not "." or
// "..", so that joining it to a folder stays in that folder.
func PlainName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`+"\x00")
}
