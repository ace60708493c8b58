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
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/hashicorp/go-hclog"
)

// Config is what a Runner needs to know.
type Config struct {
	// WorkDir holds one folder per job being worked on.
	WorkDir string
	// Dedupe skips a file byte-identical to one the tenant already imported
	// as the same kind (within job retention).
	Dedupe bool
	// Parallel bounds the jobs running at once across all lanes, and
	// those of one lane of an Overlap kind (DefaultParallel when 0).
	Parallel int
	// Location is the time zone of archive date folders.
	Location *time.Location
	// Settle is how long a folder job's media must be unchanged to be
	// taken, and MediaWait how long a job waits for missing media.
	Settle, MediaWait time.Duration
	// Kinds are the registered kinds: their dependencies and the
	// one-active-job rule (nil: none of either).
	Kinds *Kinds
	// Zip bounds what unpacking a job's ZIPs may write.
	Zip ZipLimits
	// CSV bounds what importers read of one record and header; its
	// Encoding is the default a job's "encoding" parameter overrides.
	CSV csvio.Options
	// Encoding returns a tenant's text encoding ("" or utf-8: UTF-8), which
	// Claim records as the job's "encoding" parameter.
	Encoding func(tenant string) string
	// Observer, if set, is told of each job that ends (for metrics).
	Observer Observer
	// Forward, if set, says whether jobs of a kind are forwarded to a
	// central bulkd, and whether only forwarded (relay: not imported here,
	// unless the kind's Spec says ImportToForward). A claim records its
	// answer in the job (Job.Forward), so that the job enters the outbox in
	// the transaction that records it.
	Forward func(kind bulkd.Kind) (forward, relay bool)
	// Outbox keeps forwarded jobs' files until they are sent (package
	// forward); needed when Forward is set.
	Outbox Outbox
}

// Outbox takes the files of final jobs to forward.
type Outbox interface {
	// Stage puts the named files of job j, found in dir, where the outbox
	// keeps them until they are sent (the job's work folder goes once it
	// is delivered). It can be replayed.
	Stage(ctx context.Context, j *bulkd.Job, dir string, names []string) error
	// Wake says a job was queued.
	Wake()
}

// DefaultParallel is Config.Parallel's default: most of a small job's
// time is waiting for disk syncs, not the CPU. On this project's 2-core
// machine, `bulkbench contacts -small-files 2000` with the default set by
// hand drained 255 and 327 files/s at 4, 381 and 414 at 8, 409 to 488
// (four runs) at 16. A job's memory is bounded by its batches, not its
// file.
const DefaultParallel = 16

// Observer is told what the runner does, for metrics. Its methods are
// called from the runner's goroutines and must return quickly.
type Observer interface {
	// JobFinal is called once for each job that becomes final in this
	// process, just after its final state is committed, with the job as
	// stored: a job resumed at Open is told of when it ends; one already
	// final at Open (only its delivery left) is not told of again.
	JobFinal(j *bulkd.Job)
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

	// claimMu makes the check of an Exclusive kind's unfinished jobs and
	// the claim one step, so two requests cannot both pass it.
	claimMu sync.Mutex
	// keyMu makes the look-up of an Idempotency-Key and the claim one
	// step, so two requests with one key cannot both claim.
	keyMu sync.Mutex

	mu      sync.Mutex
	lanes   map[string]*lane    // tenant\0kind → its queue; present while a lane goroutine runs
	active  map[uint64]*pending // submitted and not yet done
	planned map[string]uint64   // paths a final job will deliver to → the job, until it has
	digests map[string]uint64   // tenant\0kind\0digest → the job importing it, until it is done
}

// pending is a job submitted to the runner and not yet final and delivered.
type pending struct {
	tenant string
	kind   bulkd.Kind
	log    hclog.Logger  // the runner's, with the job's keys (jobLog)
	done   chan struct{} // closed once the job is final and delivered
	// digest is the key under which the job holds Runner.digests, if it
	// does: see importing.
	digest string
}

// NewRunner returns a Runner over jobs with one importer per kind.
func NewRunner(cfg Config, jobs bulkd.JobStore, importers []Importer, logger hclog.Logger) *Runner {
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	r := &Runner{
		cfg: cfg, jobs: jobs, log: logger, now: time.Now,
		importers: make(map[bulkd.Kind]Importer),
		sem:       make(chan struct{}, cfg.Parallel),
		lanes:     make(map[string]*lane),
		active:    make(map[uint64]*pending),
		planned:   make(map[string]uint64),
		digests:   make(map[string]uint64),
	}
	for _, im := range importers {
		r.importers[im.Kind()] = im
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// jobLog returns the runner's logger with the keys every line about a job
// carries: "job" (its id), "tenant", "kind" and "file" (the main file's
// name). A line that names another file (a recording) says so under
// another key.
func (r *Runner) jobLog(j *bulkd.Job) hclog.Logger {
	return r.log.With("job", j.ID, "tenant", j.Tenant, "kind", j.Kind, "file", j.File)
}

// activeLog is jobLog for a job known by its id: from what submit kept,
// else as stored.
func (r *Runner) activeLog(id uint64) hclog.Logger {
	r.mu.Lock()
	p := r.active[id]
	r.mu.Unlock()
	if p != nil {
		return p.log
	}
	if j, err := r.jobs.Job(r.ctx, id); err == nil {
		return r.jobLog(j)
	}
	return r.log.With("job", id)
}

// final tells the Observer that j has become final.
func (r *Runner) final(j *bulkd.Job) {
	if r.cfg.Observer != nil {
		r.cfg.Observer.JobFinal(j)
	}
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
	// Resumed jobs run once the final ones are delivered: a resumed job
	// must not plan an archive path an undelivered one holds.
	var resumed []*bulkd.Job
	for i := len(jobs) - 1; i >= 0; i-- { // oldest first, as they were claimed
		j := jobs[i]
		if err := r.move(j); err != nil {
			r.jobLog(j).Error("job lost its files", "error", err)
			if _, err := r.finishLost(ctx, j.ID, err); err != nil {
				return err
			}
			continue
		}
		resumed = append(resumed, j)
	}
	entries, err := os.ReadDir(r.cfg.WorkDir)
	if err != nil {
		return fmt.Errorf("read work folder: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), claimProbe) && e.IsDir() {
			// A claim's probe that a stop caught before it was removed.
			if err := os.Remove(filepath.Join(r.cfg.WorkDir, e.Name())); err != nil {
				r.log.Warn("cannot remove a claim probe", "folder", e.Name(), "error", err)
			}
			continue
		}
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
			if err := r.complete(ctx, j); err != nil {
				// Retried with backoff like any job stopped by an error.
				r.jobLog(j).Warn("cannot deliver job yet; retrying", "error", err)
				r.submit(j)
			}
		}
	}
	for _, j := range resumed {
		r.jobLog(j).Info("resuming job", "state", j.State, "rows_done", j.RowsDone)
		r.submit(j)
		if r.cfg.Dedupe && j.RowsDone > 0 {
			// Before any new job is claimed: an identical upload retried
			// after the restart waits for this one, then is skipped.
			r.importing(j, true)
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
	// ExternalID, Params and IdempotencyKey: see bulkd.Job.
	ExternalID     string
	Params         map[string]string
	IdempotencyKey string
}

// Claim records a job for c, moves its files into the job's work folder and
// queues it. Once Claim returns, the files belong to the job whatever
// happens to the process.
//
// A claim with an IdempotencyKey the tenant has claimed with before
// records nothing: it returns that job, for the door to answer as it did
// (the files stay where they are, for the caller to remove).
func (r *Runner) Claim(ctx context.Context, c Claim) (*bulkd.Job, error) {
	if !r.Handles(c.Kind) {
		return nil, bulkd.Errorf(bulkd.EINVALID, "no importer for kind %s", c.Kind)
	}
	if len(c.Files) == 0 {
		return nil, bulkd.Errorf(bulkd.EINVALID, "claim: no files")
	}
	if c.IdempotencyKey != "" {
		r.keyMu.Lock()
		defer r.keyMu.Unlock()
		before, err := r.jobs.Jobs(ctx, bulkd.JobFilter{Tenant: c.Tenant, IdempotencyKey: c.IdempotencyKey, Limit: 1, Brief: true})
		if err != nil {
			return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
		}
		if len(before) > 0 {
			if before[0].Kind != c.Kind {
				return nil, bulkd.Errorf(bulkd.ECONFLICT, "Idempotency-Key %q was sent before with a %s import (job %d), not a %s one",
					bulkd.Truncate(c.IdempotencyKey, 64), before[0].Kind, before[0].ID, c.Kind)
			}
			r.jobLog(before[0]).Info("request repeated with its Idempotency-Key; answered for its job")
			return before[0], nil
		}
	}
	if err := r.probe(); err != nil {
		return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
	}
	spec, _ := r.cfg.Kinds.Spec(c.Kind)
	if spec.Check != nil && c.Source == bulkd.SourceAPI {
		if err := spec.Check(filepath.Join(c.Origin, c.Files[0]), c.Params); err != nil {
			return nil, err
		}
	}
	if spec.Exclusive && c.Source == bulkd.SourceAPI {
		r.claimMu.Lock()
		defer r.claimMu.Unlock()
		busy, err := r.jobs.Jobs(ctx, bulkd.JobFilter{Tenant: c.Tenant, Kind: c.Kind, Unfinished: true, Limit: 1, Brief: true})
		if err != nil {
			return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
		}
		if len(busy) > 0 {
			return nil, &BusyError{Job: busy[0]}
		}
	}
	j := r.newJob(c)
	if err := r.jobs.CreateJob(ctx, j); err != nil {
		return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
	}
	if err := r.move(j); err != nil {
		r.claimFailed(ctx, j, err)
		return nil, fmt.Errorf("claim %s: %w", c.Files[0], err)
	}
	r.jobLog(j).Info("claimed", "source", j.Source)
	r.submit(j)
	return j, nil
}

// probe makes sure a work folder can be made before a job is recorded:
// when it cannot (work/ not writable, not a folder, the disk full) no job
// is recorded, rather than one failed job per attempt while the watcher
// tries the file again.
func (r *Runner) probe() error {
	probe, err := os.MkdirTemp(r.cfg.WorkDir, claimProbe)
	if err != nil {
		// Without the probe's random name, so that a repeated failure
		// reads the same (the watcher logs a repeat at debug).
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("create work folder in %s: %w", r.cfg.WorkDir, err)
	}
	return os.Remove(probe)
}

// newJob is the queued job a claim records.
func (r *Runner) newJob(c Claim) *bulkd.Job {
	j := &bulkd.Job{
		Tenant: c.Tenant, Kind: c.Kind, Source: c.Source, State: bulkd.StateQueued,
		File: c.Files[0], Files: c.Files, Origin: c.Origin, Media: c.Media, User: c.User, Realtime: c.Realtime,
		ExternalID: c.ExternalID, Params: r.params(c), IdempotencyKey: c.IdempotencyKey,
	}
	// A real-time contact's recordings come one request at a time, which
	// no upload door of the central takes as one job: it is not forwarded.
	if r.cfg.Forward != nil && !c.Realtime {
		if fwd, relay := r.cfg.Forward(c.Kind); fwd {
			spec, _ := r.cfg.Kinds.Spec(c.Kind)
			j.Forward = &bulkd.Forward{State: bulkd.ForwardWaiting, Relay: relay && !spec.ImportToForward}
		}
	}
	return j
}

// claimFailed handles a recorded claim whose files could not be moved in:
// the store says claimed but the file is where it was (or, when it was not
// a regular file, refused: see fsx.MoveRegular). The job is failed so that
// it is not resumed, and its (empty) work folder dropped so that it is not
// delivered; the file is left for the next scan.
func (r *Runner) claimFailed(ctx context.Context, j *bulkd.Job, err error) {
	if _, ferr := r.finishLost(ctx, j.ID, err); ferr != nil {
		r.jobLog(j).Error("cannot record failed claim", "error", ferr)
	} else if rerr := os.Remove(r.workDir(j.ID)); rerr != nil && !os.IsNotExist(rerr) {
		r.jobLog(j).Error("cannot remove work folder of failed claim", "error", rerr)
	}
}

// claimProbe begins the name of the folder Claim makes (and removes) to
// check that work/ can take a job.
const claimProbe = ".claim-"

// ClaimAll claims several files that settled together, as Claim does each,
// in their order (ids ascending, so that a kind's dependencies are
// claimed first), and returns an error for each (nil: claimed). The jobs
// are recorded in one transaction and their files moved and synced in
// parallel: a site's recorders drop many small files at once, and
// claiming them one by one paid a commit and a folder sync each, in
// sequence. It is for claims that need no Check and no Exclusive test
// (folder drops): an API claim goes through Claim.
func (r *Runner) ClaimAll(ctx context.Context, cs []Claim) []error {
	errs := make([]error, len(cs))
	jobs := make([]*bulkd.Job, 0, len(cs))
	of := make([]int, 0, len(cs)) // jobs[k] is cs[of[k]]'s
	for i, c := range cs {
		switch {
		case !r.Handles(c.Kind):
			errs[i] = bulkd.Errorf(bulkd.EINVALID, "no importer for kind %s", c.Kind)
		case len(c.Files) == 0:
			errs[i] = bulkd.Errorf(bulkd.EINVALID, "claim: no files")
		case c.Source == bulkd.SourceAPI:
			errs[i] = fmt.Errorf("claim %s: an API claim goes through Claim", c.Files[0])
		default:
			jobs = append(jobs, r.newJob(c))
			of = append(of, i)
		}
	}
	if len(jobs) == 0 {
		return errs
	}
	fail := func(err error) []error {
		for k, i := range of {
			errs[i] = fmt.Errorf("claim %s: %w", jobs[k].File, err)
		}
		return errs
	}
	if err := r.probe(); err != nil {
		return fail(err)
	}
	if err := r.jobs.CreateJobs(ctx, jobs, len(jobs)); err != nil {
		return fail(err)
	}
	moved := make([]error, len(jobs))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(len(jobs), claimMovers) {
		wg.Go(func() {
			for k := range work {
				moved[k] = r.move(jobs[k])
			}
		})
	}
	for k := range jobs {
		work <- k
	}
	close(work)
	wg.Wait()
	for k, j := range jobs {
		if err := moved[k]; err != nil {
			r.claimFailed(ctx, j, err)
			errs[of[k]] = fmt.Errorf("claim %s: %w", j.File, err)
			continue
		}
		r.jobLog(j).Info("claimed", "source", j.Source)
		r.submit(j)
	}
	return errs
}

// claimMovers is how many of ClaimAll's moves run at once: their folder
// syncs then share the file system's journal commits.
const claimMovers = 8

// params returns a claim's job parameters: its own, plus the tenant's text
// encoding when that is not UTF-8 (real-time JSON is UTF-8 by its
// standard). The encoding is part of the job's dedupe digest: the same
// bytes read in another encoding are another import.
func (r *Runner) params(c Claim) map[string]string {
	if r.cfg.Encoding == nil || c.Realtime {
		return c.Params
	}
	enc := r.cfg.Encoding(c.Tenant)
	if enc == "" || strings.EqualFold(enc, csvio.EncodingUTF8) {
		return c.Params
	}
	p := maps.Clone(c.Params)
	if p == nil {
		p = map[string]string{}
	}
	p[ParamEncoding] = enc
	return p
}

func (r *Runner) workDir(id uint64) string {
	return filepath.Join(r.cfg.WorkDir, strconv.FormatUint(id, 10))
}

// move renames the job's files and media from Origin into its work folder.
// Files already moved are skipped, so it can be replayed after a crash. A
// missing medium is not an error: the rows that need it fail.
//
// Only regular files are moved in, so that an importer never reads
// outside the origin through a link: Origin itself must be a folder, not a
// link to one (a tenant folder replaced by a link after the watcher looked
// would otherwise move files from wherever it points), and each file is
// moved by fsx.MoveRegular, which checks what arrived and refuses (removes)
// a link that was swapped in meanwhile. A refused main file fails the
// claim; a refused medium counts as missing.
//
// The media are the job's list in the store (the job's Media are not read
// back with it), so a resumed job moves those its takes recorded too.
func (r *Runner) move(j *bulkd.Job) error {
	dir := r.workDir(j.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	media, err := r.jobs.JobMedia(r.ctx, j.ID)
	if err != nil {
		return err
	}
	checkedOrigin := false
	for i, name := range append(append([]string{}, j.Files...), media...) {
		dst := filepath.Join(dir, name)
		if fi, err := os.Lstat(dst); err == nil {
			if fi.Mode().IsRegular() {
				continue
			}
			// A crash came between a move and its check: refuse it now.
			if err := os.Remove(dst); err != nil {
				return fmt.Errorf("remove %s: %w", dst, err)
			}
			if i < len(j.Files) {
				return fmt.Errorf("%s: %s, not taken: %w", name, fsx.Describe(fi.Mode()), fsx.ErrNotRegular)
			}
			continue
		}
		if !checkedOrigin {
			if err := fsx.CheckRealDir(j.Origin); err != nil {
				return err
			}
			checkedOrigin = true
		}
		err := fsx.MoveRegular(filepath.Join(j.Origin, name), dst)
		if err != nil && (i < len(j.Files) || !errors.Is(err, os.ErrNotExist) && !errors.Is(err, fsx.ErrNotRegular)) {
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
		if p.digest != "" && r.digests[p.digest] == id { // a forced register may have taken it since
			delete(r.digests, p.digest)
		}
	}
	r.unplanLocked(id) // a job that ended undelivered (the runner closing)
}

// importing registers job j as importing its digest. Another job of the
// tenant and kind importing the same digest keeps it, unless force, and
// its done is returned, for j to wait on before it looks again (and is
// skipped as a duplicate once the other has imported). Without it, two
// identical files of an Overlap kind could both pass the dedupe check
// while neither had finished. force is for a job with rows done: it passed
// the check before a restart, and imports whatever started since.
func (r *Runner) importing(j *bulkd.Job, force bool) <-chan struct{} {
	if j.SHA256 == "" {
		return nil
	}
	key := laneKey(j.Tenant, j.Kind) + "\x00" + j.SHA256
	r.mu.Lock()
	defer r.mu.Unlock()
	if other, ok := r.digests[key]; ok && other != j.ID && !force {
		if p := r.active[other]; p != nil {
			return p.done
		}
	}
	if p := r.active[j.ID]; p != nil {
		r.digests[key], p.digest = j.ID, key
	}
	return nil
}

// waitError is what run returns for a job that must wait for another one
// (see importing) before it goes on: runToEnd waits without holding a
// parallelism slot, then runs it again.
type waitError struct{ done <-chan struct{} }

func (e *waitError) Error() string { return "waiting for an identical file's job" }

func laneKey(tenant string, kind bulkd.Kind) string { return tenant + "\x00" + string(kind) }

// lane is the jobs of one tenant and kind: run one at a time, in the order
// they were claimed, by the lane's goroutine. A job that only waits (for
// recordings in the folder) yields: while it does, another goroutine runs
// the lane's next jobs, since jobs of a kind do not depend on each other.
//
// The lane of a kind whose Spec says Overlap has up to Config.Parallel
// goroutines running its jobs at once, still taken in claim order.
type lane struct {
	queue   []uint64
	workers int // goroutines draining the lane
	waiting int // of those, how many run a job that only waits
	overlap int // goroutines that may run jobs at once: 1, or Parallel for an Overlap kind
}

// startWorker starts a goroutine on the lane. Call with r.mu held.
func (r *Runner) startWorker(key string, l *lane) {
	l.workers++
	r.wg.Add(1)
	go r.drain(key, l)
}

// submit queues j on its lane, starting a goroutine if none is free.
func (r *Runner) submit(j *bulkd.Job) {
	key := laneKey(j.Tenant, j.Kind)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active[j.ID] = &pending{tenant: j.Tenant, kind: j.Kind, log: r.jobLog(j), done: make(chan struct{})}
	l := r.lanes[key]
	if l == nil {
		l = &lane{overlap: 1}
		if spec, _ := r.cfg.Kinds.Spec(j.Kind); spec.Overlap {
			l.overlap = r.cfg.Parallel
		}
		r.lanes[key] = l
	}
	l.queue = append(l.queue, j.ID)
	if l.workers-l.waiting < l.overlap {
		r.startWorker(key, l)
	}
}

func (r *Runner) drain(key string, l *lane) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		if len(l.queue) == 0 || r.ctx.Err() != nil {
			if l.workers--; l.workers == 0 {
				delete(r.lanes, key)
			}
			r.mu.Unlock()
			return
		}
		id := l.queue[0]
		l.queue = l.queue[1:]
		r.mu.Unlock()

		// Wait for dependencies before taking a slot: a job holding a slot
		// while it waits could starve the very jobs it waits for.
		if err := r.waitForDependencies(r.ctx, id); err != nil {
			continue
		}
		r.runToEnd(id)
	}
}

// yieldLane marks job id as only waiting (for recordings): until the
// returned func is called, the tenant's next jobs of its kind run beside
// it, on another goroutine if the lane has none free.
func (r *Runner) yieldLane(id uint64) (resume func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.active[id]
	if p == nil {
		return func() {}
	}
	key := laneKey(p.tenant, p.kind)
	l := r.lanes[key]
	if l == nil {
		return func() {}
	}
	l.waiting++
	if len(l.queue) > 0 && l.workers-l.waiting < l.overlap && r.ctx.Err() == nil {
		r.startWorker(key, l)
	}
	return func() {
		r.mu.Lock()
		l.waiting--
		r.mu.Unlock()
	}
}

// Backoff between runs of a job that an error stopped.
const (
	retryMin = time.Second
	retryMax = time.Minute
)

// runToEnd runs job id until it is final and delivered. An error (a full
// disk under the store, the media or the work folder; an archive folder
// that cannot be written) does not end the job: it is paused, logged once
// for each kind of error, and run again from its checkpoint with backoff
// (retryMin doubling to retryMax) until it ends or the runner closes. Its
// lane waits meanwhile, so the tenant's later jobs of the kind stay behind
// it; its parallelism slot is free while it waits.
func (r *Runner) runToEnd(id uint64) {
	defer r.done(id) // final and delivered, or the runner is closing: waiters see it as stored
	log := r.activeLog(id)
	wait, failing := retryMin, false
	var last string
	for {
		select {
		case r.sem <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		err := r.run(r.ctx, id)
		<-r.sem
		if r.ctx.Err() != nil {
			return // it resumes at the next start
		}
		if we := (*waitError)(nil); errors.As(err, &we) {
			select {
			case <-we.done:
				continue
			case <-r.ctx.Done():
				return
			}
		}
		if err == nil {
			if failing {
				log.Info("job resumed and finished")
			}
			return
		}
		if kind := errorKind(err); kind != last {
			log.Warn("job stopped by an error; retried with backoff", "error", err, "retry_in", wait)
			last = kind
		} else {
			log.Debug("job still paused", "error", err, "retry_in", wait)
		}
		failing = true
		if perr := r.pause(r.ctx, id, err); perr != nil && r.ctx.Err() == nil {
			log.Debug("cannot record that the job is paused", "error", perr)
		}
		select {
		case <-time.After(wait):
		case <-r.ctx.Done():
			return
		}
		wait = min(2*wait, retryMax)
	}
}

// errorKind tells errors apart for logging once per change: a full disk,
// another I/O fault, or anything else by its message.
func errorKind(err error) string {
	switch {
	case fsx.NoSpace(err):
		return "no space"
	case fsx.Transient(err):
		return "i/o"
	}
	return err.Error()
}
