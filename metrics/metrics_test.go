package metrics_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/metrics"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// find returns the series of the family name whose labels include
// labels, or nil.
func find(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	fams, err := g.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

// value is a counter's or gauge's value, or a histogram's count; it fails
// the test when the series does not exist.
func value(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	m := find(t, g, name, labels)
	require.NotNil(t, m, "%s%v is not reported", name, labels)
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	t.Fatalf("%s: not a counter, gauge or histogram", name)
	return 0
}

func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

func TestMetrics_JobFinal(t *testing.T) {
	m := metrics.New(metrics.Config{Kinds: []string{"agents", "contacts"}}, hclog.NewNullLogger())
	g := m.Gatherer()
	for _, s := range []string{"succeeded", "partial", "failed", "skipped", "canceled"} {
		assert.Zero(t, value(t, g, "bulkd_jobs_total", kv("kind", "contacts", "state", s)), "every kind and final state exists from the start")
	}
	assert.Nil(t, find(t, g, "bulkd_jobs_total", kv("state", "running")), "only final states are counted")
	assert.Zero(t, value(t, g, "bulkd_job_duration_seconds", kv("kind", "agents")))

	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(s int) *time.Time { t := t0.Add(time.Duration(s) * time.Second); return &t }
	job := func(state bulkd.JobState, done, failed int, started *time.Time) *bulkd.Job {
		return &bulkd.Job{Kind: bulkd.KindAgents, State: state, RowsTotal: done, RowsDone: done, RowsFailed: failed,
			CreatedAt: t0, StartedAt: started, FinishedAt: at(3)}
	}
	m.JobFinal(job(bulkd.StateSucceeded, 3, 0, at(1)))
	m.JobFinal(job(bulkd.StatePartial, 8, 6, at(1)))
	m.JobFinal(job(bulkd.StateFailed, 5, 1, at(2))) // its records are removed: none imported
	m.JobFinal(job(bulkd.StateCanceled, 0, 0, nil))

	for state, want := range map[string]float64{"succeeded": 1, "partial": 1, "failed": 1, "canceled": 1, "skipped": 0} {
		assert.Equal(t, want, value(t, g, "bulkd_jobs_total", kv("kind", "agents", "state", state)), state)
	}
	assert.Equal(t, 3.0+2, value(t, g, "bulkd_rows_total", kv("kind", "agents", "outcome", "imported")))
	assert.Equal(t, 6.0+1, value(t, g, "bulkd_rows_total", kv("kind", "agents", "outcome", "failed")))
	assert.Zero(t, value(t, g, "bulkd_rows_total", kv("kind", "contacts", "outcome", "imported")))

	d := find(t, g, "bulkd_job_duration_seconds", kv("kind", "agents")).GetHistogram()
	assert.Equal(t, [2]float64{3, 2 + 2 + 1}, [2]float64{float64(d.GetSampleCount()), d.GetSampleSum()}, "started to finished; a canceled job never started")
	l := find(t, g, "bulkd_drop_to_final_seconds", kv("kind", "agents")).GetHistogram()
	assert.Equal(t, [2]float64{4, 4 * 3}, [2]float64{float64(l.GetSampleCount()), l.GetSampleSum()}, "created to finished, every job")
}

func TestMetrics_Observers(t *testing.T) {
	m := metrics.New(metrics.Config{}, hclog.NewNullLogger())
	m.Rescan()
	m.Rescan()
	m.Overflow()
	m.Stored(1000)
	m.Stored(24)
	g := m.Gatherer()
	assert.Equal(t, 2.0, value(t, g, "bulkd_watcher_rescans_total", nil))
	assert.Equal(t, 1.0, value(t, g, "bulkd_watcher_overflows_total", nil))
	assert.Equal(t, 1024.0, value(t, g, "bulkd_media_stored_bytes_total", nil))
	assert.NotNil(t, find(t, g, "go_goroutines", nil), "the Go runtime collector")
}

// TestMetrics_Instrument: requests are counted by the pattern of the
// innermost mux that took them (the API's behind the dashboard's), never
// by their path; what no pattern took is one label.
func TestMetrics_Instrument(t *testing.T) {
	m := metrics.New(metrics.Config{}, hclog.NewNullLogger())
	api := http.NewServeMux()
	api.HandleFunc("GET /v1/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		// The API moves read deadlines through a ResponseController: the
		// middleware's writer must let it reach the connection.
		if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, r.PathValue("id"))
	})
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	dash := http.NewServeMux()
	dash.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	dash.Handle("/", api)
	srv := httptest.NewServer(m.Instrument(dash))
	defer srv.Close()

	for _, req := range []struct{ method, path string }{
		{"GET", "/v1/jobs/1"}, {"GET", "/v1/jobs/2"}, {"GET", "/"},
		{"GET", "/nope/1"}, {"GET", "/nope/2"}, {"POST", "/v1/jobs/1"},
	} {
		r, err := http.NewRequest(req.method, srv.URL+req.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	g := m.Gatherer()
	assert.Equal(t, 2.0, value(t, g, "bulkd_http_requests_total", kv("route", "GET /v1/jobs/{id}", "code", "200")))
	assert.Equal(t, 1.0, value(t, g, "bulkd_http_requests_total", kv("route", "GET /{$}", "code", "204")))
	assert.Equal(t, 3.0, value(t, g, "bulkd_http_requests_total", kv("route", metrics.RouteUnmatched, "code", "404")),
		"unknown paths, and a method no pattern takes (the catch-all answers it)")
	fams, err := g.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		if f.GetName() == "bulkd_http_requests_total" {
			assert.Len(t, f.GetMetric(), 3, "no label holds a raw path")
		}
	}
}

func TestMetrics_Collectors(t *testing.T) {
	var storeErr error
	m := metrics.New(metrics.Config{
		Waiting: func() map[string]int { return map[string]int{"acme": 2, "globex": 0} },
		Store: func() (metrics.StoreStats, error) {
			return metrics.StoreStats{Size: 32768, FreeBytes: 4096, ReadTx: 7, WriteTx: 3, OpenReadTx: 1, PageWrites: 12, WriteSeconds: 0.5}, storeErr
		},
	}, hclog.NewNullLogger())
	g := m.Gatherer()
	assert.Equal(t, 2.0, value(t, g, "bulkd_files_waiting", kv("tenant", "acme")))
	assert.Equal(t, 0.0, value(t, g, "bulkd_files_waiting", kv("tenant", "globex")))
	for name, want := range map[string]float64{
		"bulkd_store_size_bytes": 32768, "bulkd_store_free_bytes": 4096, "bulkd_store_open_read_tx": 1,
		"bulkd_store_page_writes_total": 12, "bulkd_store_write_seconds_total": 0.5,
	} {
		assert.Equal(t, want, value(t, g, name, nil), name)
	}
	assert.Equal(t, 7.0, value(t, g, "bulkd_store_tx_total", kv("type", "read")))
	assert.Equal(t, 3.0, value(t, g, "bulkd_store_tx_total", kv("type", "write")))

	// A file that cannot be read costs its metric, not the scrape.
	storeErr = errors.New("store stats: stat bulkd.db: permission denied")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Contains(t, body, `bulkd_files_waiting{tenant="acme"} 2`)
	assert.Contains(t, body, `bulkd_store_tx_total{type="write"} 3`)
	assert.False(t, strings.Contains(body, "bulkd_store_size_bytes "), "the size it could not read is left out")
}
