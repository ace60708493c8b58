package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/hashicorp/go-hclog"
)

// Store is what the Forwarder reads and records jobs in.
type Store interface {
	// OutboxHeads returns each tenant's oldest job still to forward.
	OutboxHeads(ctx context.Context) ([]*bulkd.Job, error)
	Job(ctx context.Context, id uint64) (*bulkd.Job, error)
	UpdateJob(ctx context.Context, id uint64, fn func(*bulkd.Job) error) (*bulkd.Job, error)
}

// Central is where a tenant's jobs go: the central bulkd's base URL and
// the token it takes for the tenant ("": none, the central is open and
// is told the tenant in X-Tenant).
type Central struct {
	URL   *url.URL
	Token string
}

// Observer is told of each request's outcome (for metrics): sent,
// rejected or retry.
type Observer interface {
	Forwarded(kind bulkd.Kind, outcome string)
}

// The outcomes an Observer is told.
const (
	OutcomeSent     = "sent"
	OutcomeRejected = "rejected"
	OutcomeRetry    = "retry"
)

// Config is what a Forwarder needs.
type Config struct {
	// Route returns where tenant's jobs go.
	Route func(tenant string) Central
	// Client sends the requests (its TLS config verifies the central).
	Client *http.Client
	Kinds  *pipeline.Kinds
	// Tenant returns a tenant's settings here (a schedule file's zone).
	Tenant func(name string) bulkd.TenantSettings
	// Site names this bulkd in the idempotency keys it sends (the store's
	// instance id): two sites' job 7 are two jobs.
	Site string
	// Parallel bounds the tenants sending at once (4 when 0): a tenant's
	// jobs go one at a time, in the order they were claimed, since a
	// contacts file may name agents an earlier agents file creates.
	Parallel int
	// Timeout bounds one request (30 minutes when 0): a contacts upload
	// is answered once the central has imported it.
	Timeout time.Duration
	// RetryMin and RetryMax bound the wait after a failed request, which
	// doubles from the one to the other (1 s and 5 min when 0). A
	// Retry-After the central sends is honoured within RetryMax.
	RetryMin, RetryMax time.Duration
	Observer           Observer
}

// Forwarder sends the outbox to the central bulkd.
type Forwarder struct {
	cfg   Config
	jobs  Store
	files *Files
	log   hclog.Logger
	now   func() time.Time

	mu      sync.Mutex
	failing string    // the last request's error, until one succeeds
	since   time.Time // when it began failing
}

// New returns a Forwarder of files' jobs, recorded in jobs.
func New(cfg Config, jobs Store, files *Files, logger hclog.Logger) *Forwarder {
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	return &Forwarder{cfg: cfg, jobs: jobs, files: files, log: logger, now: time.Now}
}

// Failing returns the error of the last request when it failed, and since
// when requests fail ("" once one succeeds).
func (f *Forwarder) Failing() (string, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failing, f.since
}

func (f *Forwarder) setFailing(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if msg != "" && f.failing == "" {
		f.since = f.now()
	}
	f.failing = msg
}

// safetyPoll is how often Run looks at the outbox when nothing woke it.
const safetyPoll = 30 * time.Second

// Run sends until ctx ends. It first removes the outbox folders of jobs
// whose sending a stop interrupted after it was recorded.
func (f *Forwarder) Run(ctx context.Context) {
	f.cleanup(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan string)
	busy := map[string]bool{}
	for {
		next := f.dispatch(ctx, busy, done, &wg)
		wait := safetyPoll
		if !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			for len(busy) > 0 {
				delete(busy, <-done)
			}
			return
		case t := <-done:
			delete(busy, t)
		case <-f.files.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// dispatch starts sending the head of each tenant's queue that is due and
// not already sending, within Parallel, and returns when the earliest of
// the others is due (zero: none is due at a known time).
func (f *Forwarder) dispatch(ctx context.Context, busy map[string]bool, done chan<- string, wg *sync.WaitGroup) time.Time {
	heads, err := f.jobs.OutboxHeads(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Error("cannot read the outbox", "error", err)
		}
		return f.now().Add(f.cfg.RetryMin)
	}
	var next time.Time
	now := f.now()
	for _, j := range heads {
		switch {
		case busy[j.Tenant] || j.Forward.State != bulkd.ForwardQueued:
			continue // sending, or its job is not final here yet: the tenant's later jobs wait behind it
		case j.Forward.NextAt != nil && j.Forward.NextAt.After(now):
			if next.IsZero() || j.Forward.NextAt.Before(next) {
				next = *j.Forward.NextAt
			}
			continue
		case len(busy) >= f.cfg.Parallel:
			return next
		}
		busy[j.Tenant] = true
		wg.Go(func() {
			defer func() { done <- j.Tenant }()
			f.send(ctx, j)
		})
	}
	return next
}

// cleanup removes outbox folders no waiting job owns: a stop came after
// the central's answer was recorded and before the folder was removed.
func (f *Forwarder) cleanup(ctx context.Context) {
	entries, err := os.ReadDir(f.files.Dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			f.log.Warn("cannot read the outbox folder", "error", err)
		}
		return
	}
	for _, e := range entries {
		id, err := strconv.ParseUint(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			continue
		}
		j, err := f.jobs.Job(ctx, id)
		if err == nil && j.Forward.Pending() {
			continue
		}
		if err != nil && !errors.Is(err, bulkd.ErrNotFound) {
			f.log.Warn("cannot read an outbox folder's job", "job", id, "error", err)
			continue
		}
		if err := fsx.RemoveAll(f.files.JobDir(id)); err != nil {
			f.log.Warn("cannot remove a sent job's outbox folder", "job", id, "error", err)
		}
	}
}

// answer is what one request came to.
type answer struct {
	outcome string // OutcomeSent, OutcomeRejected or OutcomeRetry
	status  int
	central uint64
	msg     string
	after   time.Duration // the central's Retry-After
}

// send sends job j once and records the answer.
func (f *Forwarder) send(ctx context.Context, j *bulkd.Job) {
	log := f.log.With("job", j.ID, "tenant", j.Tenant, "kind", j.Kind, "file", j.File)
	a := f.request(ctx, j)
	if ctx.Err() != nil {
		return // stopped: sent again at the next start, with the same key
	}
	now := f.now().UTC()
	updated, err := f.jobs.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error {
		if !j.Forward.Pending() {
			return nil
		}
		fw := j.Forward
		fw.Attempts++
		fw.Status, fw.LastError, fw.NextAt = a.status, a.msg, nil
		switch a.outcome {
		case OutcomeSent:
			fw.State, fw.SentAt, fw.CentralJob = bulkd.ForwardSent, &now, a.central
		case OutcomeRejected:
			fw.State, fw.SentAt = bulkd.ForwardRejected, &now
		default:
			wait := min(f.cfg.RetryMin<<min(fw.Attempts-1, 20), f.cfg.RetryMax)
			if a.after > 0 {
				wait = min(a.after, f.cfg.RetryMax)
			}
			at := now.Add(wait)
			fw.NextAt = &at
		}
		return nil
	})
	if err != nil {
		log.Error("cannot record the central's answer; sent again with the same key", "error", err)
		return
	}
	if f.cfg.Observer != nil {
		f.cfg.Observer.Forwarded(j.Kind, a.outcome)
	}
	switch a.outcome {
	case OutcomeRetry:
		f.setFailing(a.msg)
		log.Warn("forward failed; retrying", "attempts", updated.Forward.Attempts, "error", a.msg, "next", updated.Forward.NextAt)
		return
	case OutcomeSent:
		f.setFailing("")
		log.Info("forwarded", "central_job", a.central, "status", a.status)
	default:
		f.setFailing("")
		log.Error("the central refused the job; not sent again", "status", a.status, "error", a.msg)
	}
	if err := fsx.RemoveAll(f.files.JobDir(j.ID)); err != nil {
		log.Warn("cannot remove the outbox folder", "error", err)
	}
}

// key is the Idempotency-Key job j is sent with: the site, the job's id
// and its digest, the same at every attempt and after a restart.
func (f *Forwarder) key(j *bulkd.Job) string {
	sum := j.SHA256
	if len(sum) > 16 {
		sum = sum[:16]
	}
	if sum == "" {
		sum = "0"
	}
	return fmt.Sprintf("bulkd-%s-%d-%s", f.cfg.Site, j.ID, sum)
}

// request sends job j through its kind's door and says what came of it.
func (f *Forwarder) request(ctx context.Context, j *bulkd.Job) answer {
	spec, ok := f.cfg.Kinds.Spec(j.Kind)
	if !ok || spec.Door == nil {
		return answer{outcome: OutcomeRejected, msg: fmt.Sprintf("kind %s has no door to forward through", j.Kind)}
	}
	dir := f.files.JobDir(j.ID)
	names, err := f.files.names(j)
	if err != nil {
		return answer{outcome: OutcomeRejected, msg: err.Error()}
	}
	var settings bulkd.TenantSettings
	if f.cfg.Tenant != nil {
		settings = f.cfg.Tenant(j.Tenant)
	}
	door, err := spec.Door(pipeline.DoorInput{Job: j, Files: names, Tenant: settings})
	if err != nil {
		return answer{outcome: OutcomeRejected, msg: err.Error()}
	}
	c := f.cfg.Route(j.Tenant)
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	body, ctype := multipartBody(dir, door)
	defer body.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL.JoinPath(door.Path).String(), body)
	if err != nil {
		return answer{outcome: OutcomeRejected, msg: err.Error()}
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Idempotency-Key", f.key(j))
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	} else {
		req.Header.Set("X-Tenant", j.Tenant)
		req.Header.Set("X-User", "site "+f.cfg.Site)
	}
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return answer{outcome: OutcomeRetry, msg: err.Error()}
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<20)) // a contacts answer lists every row
	a := answer{status: resp.StatusCode}
	switch {
	case resp.StatusCode/100 == 2:
		a.outcome = OutcomeSent
		a.central, _ = strconv.ParseUint(resp.Header.Get("Bulkd-Job"), 10, 64)
		return a
	case permanent(resp.StatusCode):
		a.outcome = OutcomeRejected
	default:
		a.outcome = OutcomeRetry
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			a.after = time.Duration(s) * time.Second
		}
	}
	a.msg = bulkd.Truncate(fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(msg))), bulkd.MaxMessage)
	return a
}

// permanent reports whether a status says that sending the same request
// again cannot succeed: the central refused the file itself (400, 413,
// 415, 422). Anything else (an outage, 401 or 403 until a token is fixed,
// 409 while another import of the tenant runs, 429) is retried.
func permanent(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// multipartBody streams door's request from the files in dir.
func multipartBody(dir string, door pipeline.Door) (io.ReadCloser, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeParts(mw, dir, door))
	}()
	return pr, mw.FormDataContentType()
}

func writeParts(mw *multipart.Writer, dir string, door pipeline.Door) error {
	for k, v := range door.Fields {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	for _, df := range door.Files {
		w, err := mw.CreateFormFile(df.Field, df.Name)
		if err != nil {
			return err
		}
		in, err := fsx.Open(filepath.Join(dir, df.File))
		if err != nil {
			return err
		}
		_, err = io.Copy(w, in)
		in.Close()
		if err != nil {
			return err
		}
	}
	return mw.Close()
}
