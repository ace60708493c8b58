// Package pipeline owns the job lifecycle: claiming a file set (recorded in
// the store, then renamed into a work folder), running it through the
// importer of its kind (one job at a time per tenant and kind, in parallel
// across them), and delivering it to archives/ or penaltyBox/ with its error
// report. It does not know whether files came from a folder or over HTTP.
//
// Crash safety: a claim is in the store before any file moves; records and
// progress are committed together in batches; a final state is committed
// before files are delivered. Open replays whatever a crash interrupted, so
// no file is lost and no row imported twice.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"github.com/bulkd/bulkd/internal/fsx"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/hashicorp/go-hclog"
)

// Config is what a Runner needs to know.
type Config struct {
	// WorkDir holds one folder per job being worked on.
	WorkDir string
	// Dedupe skips a file byte-identical to one the tenant already imported
	// as the same kind (within job retention).
	Dedupe bool
	// Parallel bounds the jobs running at once across all lanes.
	Parallel int
	// Location is the time zone of archive date folders.
	Location *time.Location
	// Settle is how long a folder job's media must be unchanged to be
	// taken, and MediaWait how long a job waits for missing media.
	Settle, MediaWait time.Duration
}

// Runner runs jobs. Open before use, Close when done.
type Runner struct {
	cfg       Config
	jobs      bulkd.JobStore
	importers map[bulkd.Kind]Importer
	log       hclog.Logger
	now       func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sem    chan struct{}

	mu     sync.Mutex
	lanes  map[string][]uint64 // tenant\0kind → queued job ids; present while a lane goroutine runs
	active map[uint64]*pending // submitted and not yet done
}

// pending is a job submitted to the runner and not yet final and delivered.
type pending struct {
	tenant string
	kind   bulkd.Kind
	done   chan struct{} // closed once the job is final and delivered
}

// NewRunner returns a Runner over jobs with one importer per kind.
func NewRunner(cfg Config, jobs bulkd.JobStore, importers []Importer, logger hclog.Logger) *Runner {
	if cfg.Parallel <= 0 {
		cfg.Parallel = max(4, 2*runtime.NumCPU())
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	r := &Runner{
		cfg: cfg, jobs: jobs, log: logger, now: time.Now,
		importers: make(map[bulkd.Kind]Importer),
		sem:       make(chan struct{}, cfg.Parallel),
		lanes:     make(map[string][]uint64),
		active:    make(map[uint64]*pending),
	}
	for _, im := range importers {
		r.importers[im.Kind()] = im
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// Handles reports whether the runner has an importer for kind.
func (r *Runner) Handles(kind bulkd.Kind) bool { _, ok := r.importers[kind]; return ok }

// Open finishes what a previous run left: claims half made, jobs queued or
// interrupted, final jobs not yet delivered. Call it before any source
// starts, so a half-claimed file is not seen as new.
func (r *Runner) Open(ctx context.Context) error {
	if err := os.MkdirAll(r.cfg.WorkDir, 0o755); err != nil {
		return fmt.Errorf("create work folder: %w", err)
	}
	jobs, err := r.jobs.Jobs(ctx, bulkd.JobFilter{Unfinished: true})
	if err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	for i := len(jobs) - 1; i >= 0; i-- { // oldest first, as they were claimed
		j := jobs[i]
		if err := r.move(j); err != nil {
			r.log.Error("job lost its files", "job", j.ID, "error", err)
			if _, err := r.finish(ctx, j.ID, bulkd.StateFailed, "claim: "+err.Error()); err != nil {
				return err
			}
			continue
		}
		r.log.Info("resuming job", "job", j.ID, "tenant", j.Tenant, "file", j.File, "rows_done", j.RowsDone)
		r.submit(j)
	}
	entries, err := os.ReadDir(r.cfg.WorkDir)
	if err != nil {
		return fmt.Errorf("read work folder: %w", err)
	}
	for _, e := range entries {
		id, err := strconv.ParseUint(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			continue
		}
		j, err := r.jobs.Job(ctx, id)
		if errors.Is(err, bulkd.ErrNotFound) {
			r.log.Warn("work folder has no job; left alone", "folder", filepath.Join(r.cfg.WorkDir, e.Name()))
			continue
		}
		if err != nil {
			return err
		}
		if j.State.Final() {
			if err := r.deliver(ctx, j); err != nil {
				return fmt.Errorf("deliver job %d: %w", id, err)
			}
		}
	}
	return nil
}

// Close stops running jobs (they resume at the next Open) and waits for
// their goroutines. It is safe to call twice.
func (r *Runner) Close() error {
	r.cancel()
	r.wg.Wait()
	return nil
}

// Claim describes a set of complete files to import as one job. Every file
// is in Origin; Files[0] is the main file, which names the job. Media are
// recordings that came with it (an upload's parts).
type Claim struct {
	Tenant   string
	Kind     bulkd.Kind
	Source   bulkd.Source
	Origin   string
	Files    []string
	Media    []string
	User     string
	Realtime bool
	// ExternalID and Params: see bulkd.Job.
	ExternalID string
	Params     map[string]string
}

// Claim records a job for c, moves its files into the job's work folder and
// queues it. Once Claim returns, the files belong to the job whatever
// happens to the process.
func (r *Runner) Claim(ctx context.Context, c Claim) (*bulkd.Job, error) {
	if !r.Handles(c.Kind) {
		return nil, bulkd.Errorf(bulkd.EINVALID, "no importer for kind %s", c.Kind)
	}
	if len(c.Files) == 0 {
		return nil, bulkd.Errorf(bulkd.EINVALID, "claim: no files")
	}
	j := &bulkd.Job{
		Tenant: c.Tenant, Kind: c.Kind, Source: c.Source, State: bulkd.StateQueued,
		File: c.Files[0], Files: c.Files, Origin: c.Origin, Media: c.Media, User: c.User, Realtime: c.Realtime,
		ExternalID: c.ExternalID, Params: c.Params,
	}
	if err := r.jobs.CreateJob(ctx, j); err != nil {
		return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
	}
	if err := r.move(j); err != nil {
		// The store says claimed but the file is where it was: fail the job
		// so it is not resumed, drop its (empty) work folder so it is not
		// delivered, and leave the file for the next scan.
		if _, ferr := r.finish(ctx, j.ID, bulkd.StateFailed, "claim: "+err.Error()); ferr != nil {
			r.log.Error("cannot record failed claim", "job", j.ID, "error", ferr)
		} else if rerr := os.Remove(r.workDir(j.ID)); rerr != nil && !os.IsNotExist(rerr) {
			r.log.Error("cannot remove work folder of failed claim", "job", j.ID, "error", rerr)
		}
		return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
	}
	r.log.Info("claimed", "job", j.ID, "tenant", j.Tenant, "kind", j.Kind, "file", j.File)
	r.submit(j)
	return j, nil
}

func (r *Runner) workDir(id uint64) string {
	return filepath.Join(r.cfg.WorkDir, strconv.FormatUint(id, 10))
}

// move renames the job's files and media from Origin into its work folder.
// Files already moved are skipped, so it can be replayed after a crash. A
// missing medium is not an error: the rows that need it fail.
func (r *Runner) move(j *bulkd.Job) error {
	dir := r.workDir(j.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for i, name := range append(append([]string{}, j.Files...), j.Media...) {
		dst := filepath.Join(dir, name)
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		err := fsx.Move(filepath.Join(j.Origin, name), dst)
		if err != nil && (i < len(j.Files) || !errors.Is(err, os.ErrNotExist)) {
			return err
		}
	}
	return fsx.SyncDir(dir)
}

// Wait blocks until job id is final and delivered, or ctx ends. A job the
// runner is not working on is returned as stored.
func (r *Runner) Wait(ctx context.Context, id uint64) (*bulkd.Job, error) {
	r.mu.Lock()
	p := r.active[id]
	r.mu.Unlock()
	if p != nil {
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return r.jobs.Job(ctx, id)
}

// done marks job id finished and wakes its waiters.
func (r *Runner) done(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.active[id]; p != nil {
		close(p.done)
		delete(r.active, id)
	}
}

func laneKey(j *bulkd.Job) string { return j.Tenant + "\x00" + string(j.Kind) }

// submit queues j on its lane, starting the lane's goroutine if idle.
func (r *Runner) submit(j *bulkd.Job) {
	key := laneKey(j)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active[j.ID] = &pending{tenant: j.Tenant, kind: j.Kind, done: make(chan struct{})}
	q, running := r.lanes[key]
	r.lanes[key] = append(q, j.ID)
	if running {
		return
	}
	r.wg.Add(1)
	go r.drain(key)
}

func (r *Runner) drain(key string) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		q := r.lanes[key]
		if len(q) == 0 || r.ctx.Err() != nil {
			delete(r.lanes, key)
			r.mu.Unlock()
			return
		}
		id := q[0]
		r.lanes[key] = q[1:]
		r.mu.Unlock()

		// Wait for dependencies before taking a slot: a job holding a slot
		// while it waits could starve the very jobs it waits for.
		if err := r.waitForDependencies(r.ctx, id); err != nil {
			continue
		}
		select {
		case r.sem <- struct{}{}:
		case <-r.ctx.Done():
			continue
		}
		err := r.run(r.ctx, id)
		<-r.sem
		if err != nil && r.ctx.Err() == nil {
			r.log.Error("job", "job", id, "error", err)
		}
	}
}
