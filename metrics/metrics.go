// Package metrics keeps bulkd's Prometheus metrics, served at GET /metrics.
// They live in a registry of the daemon's own (never the global default
// one): counters and histograms that the pipeline, the watcher and the
// media store feed through their Observer interfaces, which *Metrics
// implements; collectors that read the store and the tenant folders when
// scraped; the HTTP middleware that counts requests by route; and the Go
// runtime and process collectors. Every bulkd metric is named bulkd_…
// with its unit in the name. It is the only package that imports
// prometheus.
package metrics

import (
	"net/http"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of bulkd_rows_total's outcome label.
const (
	// OutcomeImported counts the rows kept by jobs that ended succeeded or
	// partial.
	OutcomeImported = "imported"
	// OutcomeFailed counts the rows that failed (those of the error
	// reports), whatever state their job ended in.
	OutcomeFailed = "failed"
)

// durationBuckets are the upper bounds, in seconds, of the job histograms:
// from a one-row file to a long contacts import waiting for its recordings.
var durationBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400}

// Config is what Metrics reads beyond what it is told.
type Config struct {
	// Kinds are the registered kinds: their job and row series exist, at
	// 0, from the start, so that a rate over them needs no first job.
	Kinds []string
	// Waiting returns how many files wait in each tenant folder, by
	// tenant, at each scrape (nil: bulkd_files_waiting is not reported).
	Waiting func() map[string]int
	// Store returns the store's stats at each scrape (nil: the
	// bulkd_store_ metrics are not reported).
	Store func() (StoreStats, error)
	// Outbox returns the outbox's depth and the creation time of its
	// oldest job at each scrape (nil: this bulkd does not forward, and
	// the bulkd_outbox_ and bulkd_forward_ metrics are not reported).
	Outbox func() (depth int, oldest time.Time, err error)
}

// Metrics holds bulkd's metrics and the registry that serves them.
type Metrics struct {
	reg *prometheus.Registry
	log hclog.Logger

	jobs        *prometheus.CounterVec
	rows        *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec
	dropToFinal *prometheus.HistogramVec
	rescans     prometheus.Counter
	overflows   prometheus.Counter
	mediaBytes  prometheus.Counter
	requests    *prometheus.CounterVec
	forwards    *prometheus.CounterVec
}

// New returns bulkd's metrics in a new registry, with the Go runtime and
// process collectors. Scrape errors (the store's stats unreadable) are
// logged to logger and leave the other metrics served.
func New(cfg Config, logger hclog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: logger,
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulkd_jobs_total",
			Help: "Jobs that became final, by kind and final state (succeeded, partial, failed, skipped, canceled).",
		}, []string{"kind", "state"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulkd_rows_total",
			Help: "Rows of jobs that became final, by kind and outcome: imported (kept by succeeded and partial jobs) or failed (in an error report).",
		}, []string{"kind", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bulkd_job_duration_seconds",
			Help:    "Time from a job's start to its final state, by kind (jobs canceled before they started are not observed).",
			Buckets: durationBuckets,
		}, []string{"kind"}),
		dropToFinal: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bulkd_drop_to_final_seconds",
			Help:    "Time from a job's claim (a settled file taken, an upload received) to its final state, by kind.",
			Buckets: durationBuckets,
		}, []string{"kind"}),
		rescans: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bulkd_watcher_rescans_total",
			Help: "Full scans of the tenant folders after the one at start: every watch.rescan, and after an fsnotify overflow.",
		}),
		overflows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bulkd_watcher_overflows_total",
			Help: "Times fsnotify dropped events (each is followed by a rescan).",
		}),
		mediaBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bulkd_media_stored_bytes_total",
			Help: "Bytes of new recordings put in the media store (a recording whose bytes were there already is not counted).",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulkd_http_requests_total",
			Help: "HTTP requests answered, by route (the matched pattern, or \"" + RouteUnmatched + "\") and status code.",
		}, []string{"route", "code"}),
		forwards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulkd_forward_requests_total",
			Help: "Requests sending a job to the central bulkd, by kind and outcome: sent (2xx), rejected (refused for good) or retry.",
		}, []string{"kind", "outcome"}),
	}
	for _, k := range cfg.Kinds {
		for _, s := range bulkd.JobStates {
			if s.Final() {
				m.jobs.WithLabelValues(k, string(s))
			}
		}
		m.rows.WithLabelValues(k, OutcomeImported)
		m.rows.WithLabelValues(k, OutcomeFailed)
		m.jobDuration.WithLabelValues(k)
		m.dropToFinal.WithLabelValues(k)
	}
	m.reg.MustRegister(m.jobs, m.rows, m.jobDuration, m.dropToFinal, m.rescans, m.overflows, m.mediaBytes, m.requests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Waiting != nil {
		m.reg.MustRegister(&waitingCollector{waiting: cfg.Waiting})
	}
	if cfg.Store != nil {
		m.reg.MustRegister(&storeCollector{stats: cfg.Store})
	}
	if cfg.Outbox != nil {
		m.reg.MustRegister(m.forwards, &outboxCollector{outbox: cfg.Outbox, now: time.Now})
	}
	return m
}

// Gatherer returns the registry, for tests that read the metrics without
// HTTP.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the metrics in the Prometheus text format (protobuf when
// a scraper asks for it). It checks no credentials: whoever routes to it
// does.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      m.log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// JobFinal counts a job that has become final (pipeline.Observer): its
// state, its rows, and its durations.
func (m *Metrics) JobFinal(j *bulkd.Job) {
	kind := string(j.Kind)
	m.jobs.WithLabelValues(kind, string(j.State)).Inc()
	if j.State == bulkd.StateSucceeded || j.State == bulkd.StatePartial {
		m.rows.WithLabelValues(kind, OutcomeImported).Add(float64(max(0, j.RowsDone-j.RowsFailed)))
	}
	m.rows.WithLabelValues(kind, OutcomeFailed).Add(float64(max(0, j.RowsFailed)))
	if j.FinishedAt == nil {
		return
	}
	if j.StartedAt != nil {
		m.jobDuration.WithLabelValues(kind).Observe(seconds(j.FinishedAt.Sub(*j.StartedAt)))
	}
	if !j.CreatedAt.IsZero() {
		m.dropToFinal.WithLabelValues(kind).Observe(seconds(j.FinishedAt.Sub(j.CreatedAt)))
	}
}

// seconds is d in seconds, never negative (a clock stepped back).
func seconds(d time.Duration) float64 { return max(0, d.Seconds()) }

// Rescan counts a rescan of the tenant folders (watcher.Observer).
func (m *Metrics) Rescan() { m.rescans.Inc() }

// Overflow counts an fsnotify overflow (watcher.Observer).
func (m *Metrics) Overflow() { m.overflows.Inc() }

// Stored counts the bytes of a new recording in the media store
// (media.Observer).
func (m *Metrics) Stored(n int64) { m.mediaBytes.Add(float64(n)) }

// Forwarded counts a request sending a job to the central bulkd
// (forward.Observer).
func (m *Metrics) Forwarded(kind bulkd.Kind, outcome string) {
	m.forwards.WithLabelValues(string(kind), outcome).Inc()
}
