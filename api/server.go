// Package api serves bulkd's HTTP interface: /healthz, the /v1 status API
// (jobs, error reports, imported records), the import doors shaped like
// the seeds' APIs, and /metrics behind the metrics:read scope (the
// daemon's metrics handler: this package counts nothing itself). Domain
// error codes map to HTTP statuses in one place (statusOf); each API
// renders them in its own shape: {"code","message"} by Error, the WFM
// seed's by wfmError, the bulk-imports API's by bulkImportError.
package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/auth"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/assist"
	"github.com/bulkd/bulkd/pipeline/contacts"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/time/rate"
)

// Pipeline is what the import doors need of the pipeline.
type Pipeline interface {
	Claim(ctx context.Context, c pipeline.Claim) (*bulkd.Job, error)
	Wait(ctx context.Context, id uint64) (*bulkd.Job, error)
	Cancel(ctx context.Context, id uint64, by string) (*bulkd.Job, error)
}

// Deps are the Server's dependencies.
type Deps struct {
	Jobs     bulkd.JobStore
	Agents   bulkd.AgentStore
	Contacts bulkd.ContactStore
	Media    *media.Store
	Pipeline Pipeline
	// Incoming is where uploads are streamed before they are claimed.
	Incoming string
	// Auth decides who each request acts for.
	Auth *auth.Authenticator
	// Schedule keeps schedule events; Tenant returns a tenant's settings.
	Schedule bulkd.ScheduleStore
	Tenant   func(name string) bulkd.TenantSettings
	Assist   bulkd.AssistStore
	// Objects reads the tenants' configuration objects.
	Objects ObjectReader
	// Kinds are the registered kinds (for the kind filter of /v1/jobs).
	Kinds *pipeline.Kinds
	// Limits bound requests' bodies.
	Limits Limits
	// Files lists the files waiting in a tenant's folder (nil: none).
	Files func(tenant string) []FolderFile
	// Tenants lists the tenants bulkd knows: configured, or with a folder
	// (nil: none).
	Tenants func() []string
	// Metrics serves GET /metrics (nil: no such endpoint). It takes a
	// token with bulkd.ScopeMetricsRead, unless MetricsOpen or bulkd is
	// open (no authentication configured).
	Metrics     http.Handler
	MetricsOpen bool
	// Outbox reads what waits to be forwarded to the central bulkd, of a
	// tenant or ("") of all (nil: this bulkd does not forward).
	Outbox func(ctx context.Context, tenant string) (OutboxView, error)
}

// OutboxView is GET /v1/outbox's answer: the jobs waiting to be forwarded
// to the central bulkd, and whether sending fails.
type OutboxView struct {
	Depth      int        `json:"depth"`
	Oldest     *time.Time `json:"oldest_created_at"`
	AgeSeconds float64    `json:"oldest_age_seconds"`
	// Failing is the last request's error while requests fail, and Since
	// when they began to (this process's view: sending is retried).
	Failing string     `json:"failing,omitempty"`
	Since   *time.Time `json:"failing_since,omitempty"`
}

// Server holds the handlers' dependencies.
type Server struct {
	Deps
	log hclog.Logger
	now func() time.Time

	// signKey signs error report links; it is made at start, so links die
	// with the process (they live 10 minutes anyway).
	signKey  []byte
	limitMu  sync.Mutex
	limiters map[string]*rate.Limiter // schedule import requests, by tenant
}

// NewServer returns a Server over deps.
func NewServer(deps Deps, logger hclog.Logger) (*Server, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make link signing key: %w", err)
	}
	return &Server{Deps: deps, log: logger, now: time.Now, signKey: key, limiters: map[string]*rate.Limiter{}}, nil
}

// newLimiter allows rpm requests a minute, in bursts of up to rpm.
func newLimiter(rpm int) *rate.Limiter {
	return rate.NewLimiter(rate.Every(time.Minute/time.Duration(rpm)), rpm)
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	handle := func(pattern, scope string, h http.HandlerFunc) { mux.HandleFunc(pattern, s.guard(scope, s.Error, h)) }
	wfm := func(pattern, scope string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, s.guard(scope, s.wfmError, h))
	}
	wfm("POST "+eventImports, bulkd.ScopeWFMWrite, s.importSchedule)
	wfm("GET "+eventImports+"/{id}", bulkd.ScopeWFMRead, s.getScheduleImport)
	mux.HandleFunc("GET "+eventImports+"/{id}/errors.csv", s.getScheduleReport) // signed, no token
	handle("GET /v1/tenants/{tenant}/schedule-events", bulkd.ScopeWFMRead, s.listScheduleEvents)
	bulk := func(pattern, scope string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, s.guard(scope, s.bulkImportError, h))
	}
	bulk("POST "+bulkImports, bulkd.ScopeAgentsWrite, s.createBulkImport)
	bulk("GET "+bulkImports, bulkd.ScopeAgentsRead, s.listBulkImports)
	bulk("GET "+bulkImports+"/{id}", bulkd.ScopeAgentsRead, s.getBulkImport)
	bulk("GET "+bulkImports+"/{id}/records", bulkd.ScopeAgentsRead, s.getBulkImportRecords)
	bulk("DELETE "+bulkImports+"/{id}", bulkd.ScopeAgentsWrite, s.cancelBulkImport)
	bulk("GET "+objectsPath+"/{type}/template.csv", bulkd.ScopeObjectsRead, s.getObjectTemplate)
	bulk("GET "+objectsPath+"/{type}/export", bulkd.ScopeObjectsRead, s.exportObjects)
	bulk("GET "+objectsPath+"/{type}", bulkd.ScopeObjectsRead, s.listObjects)
	bulk("GET "+objectsPath+"/{type}/{key}", bulkd.ScopeObjectsRead, s.getObject)
	bulk("GET "+objectsPath+"/{type}/{key}/audio", bulkd.ScopeObjectsRead, s.getObjectAudio)
	bulk("POST "+bulkOperations, bulkd.ScopeObjectsWrite, s.createBulkOperation)
	bulk("GET "+bulkOperations, bulkd.ScopeObjectsRead, s.listBulkOperations)
	bulk("GET "+bulkOperations+"/{id}", bulkd.ScopeObjectsRead, s.getBulkOperation)
	bulk("GET "+bulkOperations+"/{id}/errors.csv", bulkd.ScopeObjectsRead, s.getBulkOperationReport)
	bulk("GET "+bulkOperations+"/{id}/errors.zip", bulkd.ScopeObjectsRead, s.getBulkOperationReport)
	handle("POST "+assist.DoorPattern, bulkd.ScopeAssistWrite, s.importAssistContacts)
	handle("GET /v1/jobs", bulkd.ScopeJobsRead, s.listJobs)
	handle("GET /v1/jobs/{id}", bulkd.ScopeJobsRead, s.getJob)
	handle("GET /v1/jobs/{id}/errors.csv", bulkd.ScopeJobsRead, s.getReport)
	handle("GET /v1/jobs/{id}/errors.zip", bulkd.ScopeJobsRead, s.getReport)
	handle("GET /v1/tenants", bulkd.ScopeJobsRead, s.listTenants)
	handle("GET /v1/outbox", bulkd.ScopeJobsRead, s.getOutbox)
	handle("GET /v1/tenants/{tenant}/files", bulkd.ScopeJobsRead, s.listFiles)
	handle("GET /v1/tenants/{tenant}/agents", bulkd.ScopeAgentsRead, s.listAgents)
	handle("GET /v1/tenants/{tenant}/contacts", bulkd.ScopeContactsRead, s.listContacts)
	handle("GET /v1/tenants/{tenant}/contacts/{id}", bulkd.ScopeContactsRead, s.getContact)
	handle("GET /v1/tenants/{tenant}/contacts/{id}/recordings/{location}", bulkd.ScopeContactsRead, s.getRecording)
	handle("POST "+contacts.DoorPath, bulkd.ScopeContactsImport, s.uploadContacts)
	handle("POST /api/rest/wfo/contact/import", bulkd.ScopeContactsCapture, s.importRealtime)
	handle("PUT /api/rest/wfo/contact/{id}/recordings/{location}", bulkd.ScopeContactsCapture, s.putRecording)
	switch {
	case s.Metrics == nil:
	case s.MetricsOpen:
		mux.Handle("GET /metrics", s.Metrics)
	default:
		handle("GET /metrics", bulkd.ScopeMetricsRead, s.Metrics.ServeHTTP)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, bulkd.Errorf(bulkd.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s.minRate(mux)
}

// JobView is a job as the status API shows it (and the dashboard reads it).
type JobView struct {
	ID          uint64         `json:"id"`
	Tenant      string         `json:"tenant"`
	Kind        bulkd.Kind     `json:"kind"`
	Source      bulkd.Source   `json:"source"`
	File        string         `json:"file"`
	State       bulkd.JobState `json:"state"`
	CreatedAt   time.Time      `json:"created_at"`
	StartedAt   *time.Time     `json:"started_at"`
	FinishedAt  *time.Time     `json:"finished_at"`
	RowsTotal   int            `json:"rows_total"`
	RowsDone    int            `json:"rows_done"`
	RowsFailed  int            `json:"rows_failed"`
	Error       string         `json:"error"`
	ErrorReport string         `json:"error_report,omitempty"`
	DuplicateOf uint64         `json:"duplicate_of,omitempty"`
	// Waiting: the recordings a job waits for, while it does.
	Waiting *bulkd.Waiting `json:"waiting,omitempty"`
	// Counts: what an objects job did (created, updated, unchanged).
	Counts map[string]int `json:"counts,omitempty"`
	// ArchivedTo is where a folder job's file is once delivered (under
	// archives/ or penaltyBox/): a job is final before its file has moved.
	// Only a job read whole (GET /v1/jobs/{id}) says it.
	ArchivedTo string `json:"archived_to,omitempty"`
	// Forward: the job's passage to the central bulkd, on a site that
	// forwards its kind.
	Forward *bulkd.Forward `json:"forward,omitempty"`
}

// ViewJob is j as the status API shows it.
func ViewJob(j *bulkd.Job) JobView {
	v := JobView{
		ID: j.ID, Tenant: j.Tenant, Kind: j.Kind, Source: j.Source, File: j.File, State: j.State,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		RowsTotal: j.RowsTotal, RowsDone: j.RowsDone, RowsFailed: j.RowsFailed,
		Error: j.Error, DuplicateOf: j.DuplicateOf, Waiting: j.Waiting, Counts: j.Counts, Forward: j.Forward,
	}
	if j.State.Final() && pipeline.HasReport(j) {
		v.ErrorReport = reportURL("/v1/jobs", j.ID, j)
	}
	if j.State.Final() && len(j.Delivered) > 0 {
		if _, err := os.Lstat(j.Delivered[0]); err == nil { // moved there: delivered, or being
			v.ArchivedTo = j.Delivered[0]
		}
	}
	return v
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := bulkd.JobFilter{Tenant: q.Get("tenant"), State: bulkd.JobState(q.Get("state")), Limit: 1000, Brief: true}
	if p := principal(r); !p.AllTenants() {
		if f.Tenant != "" && f.Tenant != p.Tenant {
			writeJSON(w, http.StatusOK, map[string]any{"jobs": []JobView{}}) // another tenant: nothing to see
			return
		}
		f.Tenant = p.Tenant
	}
	if f.State != "" && !validState(f.State) {
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "state %s is not one of queued, running, paused, succeeded, partial, failed, skipped, canceled", clip(string(f.State))))
		return
	}
	if k := q.Get("kind"); k != "" {
		if _, ok := s.Kinds.Spec(bulkd.Kind(k)); !ok {
			s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "kind %s is not one of %s", clip(k), strings.Join(s.Kinds.Names(), ", ")))
			return
		}
		f.Kind = bulkd.Kind(k)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "limit %q is not a number from 1 to 10000", l))
			return
		}
		f.Limit = n
	}
	jobs, err := s.Jobs.Jobs(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]JobView, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, ViewJob(j))
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func validState(st bulkd.JobState) bool {
	for _, s := range bulkd.JobStates {
		if s == st {
			return true
		}
	}
	return false
}

// job loads the job named by the {id} path value; another tenant's job is
// not found, exactly as a job that does not exist.
func (s *Server) job(r *http.Request) (*bulkd.Job, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "job %q not found", r.PathValue("id"))
	}
	j, err := s.Jobs.Job(r.Context(), id)
	if err == nil && !principal(r).Sees(j.Tenant) {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "job %d not found", id)
	}
	return j, err
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.job(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ViewJob(j))
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	j, err := s.job(r)
	s.serveReport(w, r, j, err)
}

// serveReport answers with a job's error report, or with err; a job with
// no finished report is not found.
func (s *Server) serveReport(w http.ResponseWriter, r *http.Request, j *bulkd.Job, err error) {
	if err == nil && !(j.State.Final() && pipeline.HasReport(j)) {
		err = bulkd.Errorf(bulkd.ENOTFOUND, "job %d has no error report", j.ID)
	}
	if err == nil && path.Ext(r.URL.Path) != path.Ext(pipeline.ReportSuffixOf(j)) {
		err = bulkd.Errorf(bulkd.ENOTFOUND, "job %d's error report is %s", j.ID, path.Base(reportURL("", j.ID, j)))
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if pipeline.ReportIsZip(j) {
		w.Header().Set("Content-Type", "application/zip")
	} else {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": j.File + pipeline.ReportSuffixOf(j)}))
	if err := pipeline.WriteReport(r.Context(), s.Jobs, j, w); err != nil {
		s.log.Error("write error report", "job", j.ID, "tenant", j.Tenant, "kind", j.Kind, "file", j.File, "error", err)
	}
}

// failedRows returns a job's failed rows by row number, for answers that
// walk every row in order.
func (s *Server) failedRows(r *http.Request, jobID uint64) (map[int]bulkd.RowFailure, error) {
	failed := map[int]bulkd.RowFailure{}
	err := s.Jobs.RowFailures(r.Context(), jobID, func(f bulkd.RowFailure) error { failed[f.Row] = f; return nil })
	return failed, err
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) {
	agents, err := s.Agents.Agents(r.Context(), r.PathValue("tenant"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": agents})
}

// statusOf is the HTTP status each error code answers with; every error
// shape (ours, the WFM seed's, the bulk-imports API's) takes it from here.
var statusOf = map[string]int{
	bulkd.ENOTFOUND:     http.StatusNotFound,
	bulkd.EINVALID:      http.StatusBadRequest,
	bulkd.ECONFLICT:     http.StatusConflict,
	ETOOLARGE:           http.StatusRequestEntityTooLarge,
	EUNSUPPORTED:        http.StatusUnsupportedMediaType,
	bulkd.EUNAUTHORIZED: http.StatusUnauthorized,
	bulkd.EFORBIDDEN:    http.StatusForbidden,
	ERATELIMITED:        http.StatusTooManyRequests,
	ENOSPACE:            http.StatusInsufficientStorage,
	ETOOSLOW:            http.StatusRequestTimeout,
}

// ENOSPACE is a request bulkd cannot take because its disk is full (507,
// with Retry-After): nothing of it was kept, so sending it again later is
// safe.
const ENOSPACE = "insufficient_storage"

// retryAfterFull is the Retry-After, in seconds, of a 507.
const retryAfterFull = "60"

// asStorage turns a fault caused by a full disk into ENOSPACE, so that
// every door answers it 507 rather than 400 or 500.
func asStorage(err error) error {
	if !fsx.NoSpace(err) { // a *bulkd.Error wraps nothing, so it is never one
		return err
	}
	return bulkd.Errorf(ENOSPACE, "bulkd's disk is full, so the request was not kept: try again later (%v)", err)
}

// errorStatus returns err's HTTP status, 0 for an error with no code (a
// fault), and sets the headers that status calls for.
func errorStatus(w http.ResponseWriter, err error) int {
	status := statusOf[bulkd.ErrorCode(err)]
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="bulkd"`)
	case http.StatusInsufficientStorage:
		w.Header().Set("Retry-After", retryAfterFull)
	}
	return status
}

// Error renders err as {"code","message"} with the status its code maps to;
// a fault is logged and answered 500 without its details.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	err = asStorage(err)
	status, msg := errorStatus(w, err), err.Error()
	if status == 0 {
		status, msg = http.StatusInternalServerError, "internal error"
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	writeJSON(w, status, &bulkd.Error{Code: bulkd.ErrorCode(err), Message: msg})
}

// guard authenticates a request, hides other tenants' paths (404, as for a
// tenant that does not exist), checks the scope, and passes the principal
// on in the request's context.
func (s *Server) guard(scope string, fail func(http.ResponseWriter, *http.Request, error), h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Auth.Authenticate(r)
		switch {
		case err != nil:
		case r.PathValue("tenant") != "" && !p.Sees(r.PathValue("tenant")):
			err = bulkd.Errorf(bulkd.ENOTFOUND, "tenant %q not found", r.PathValue("tenant"))
		case !p.Has(scope):
			err = bulkd.Errorf(bulkd.EFORBIDDEN, "insufficient permissions: this token does not grant %s", scope)
		}
		if err != nil {
			s.logRefused(r, p, err)
			fail(w, r, err)
			return
		}
		h(w, r.WithContext(auth.NewContext(r.Context(), p)))
	}
}

// logRefused tells the service manager about turned-away credentials and
// scopes: who asked, from where, for what, and why. The reason comes from
// auth's own errors, which never quote the token; nothing here reads the
// request's headers or query (a report link's signature is in the query).
func (s *Server) logRefused(r *http.Request, p auth.Principal, err error) {
	switch bulkd.ErrorCode(err) {
	case bulkd.EUNAUTHORIZED:
		s.log.Warn("request refused", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "reason", err.Error())
	case bulkd.EFORBIDDEN:
		s.log.Info("request forbidden", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path,
			"tenant", p.Tenant, "subject", p.Subject, "reason", err.Error())
	}
}

// principal returns who the request acts for (guard put it there).
func principal(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client hung up; nothing to tell it
}
