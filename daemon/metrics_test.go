package daemon_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/go-hclog"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// families are a scrape of /metrics, by metric name.
type families map[string]*dto.MetricFamily

// scrape GETs /metrics with token as a bearer ("" for none), requires 200
// and parses the Prometheus text format.
func (h *harness) scrape(token string) families {
	h.t.Helper()
	header := map[string]string{}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	status, body, hdr := h.call("GET", "/metrics", header)
	require.Equal(h.t, http.StatusOK, status, body)
	require.Contains(h.t, hdr.Get("Content-Type"), "text/plain")
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(h.t, err)
	return fams
}

// get returns the value of the series of name whose labels include the
// label pairs (a counter's or gauge's value, a histogram's count), and
// whether it is reported.
func (f families) get(name string, pairs ...string) (float64, bool) {
	fam := f[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			if have[pairs[i]] != pairs[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// must is get for a series the test requires.
func (f families) must(t *testing.T, name string, pairs ...string) float64 {
	t.Helper()
	v, ok := f.get(name, pairs...)
	require.True(t, ok, "%s %v is not reported", name, pairs)
	return v
}

// dropDone drops an agents fixture and its .done marker.
func dropDone(t *testing.T, root, tenant, fixture, as string) {
	t.Helper()
	drop(t, root, tenant, fixture, as)
	require.NoError(t, os.WriteFile(filepath.Join(root, tenant, as+".done"), nil, 0o644))
}

// TestDaemon_Metrics: /metrics of the real daemon, through the dashboard's
// handler, moves as files are imported: jobs by kind and final state, rows,
// both histograms, new media bytes (not the second copy of a recording),
// requests by route, the files waiting per tenant, the store; a restart
// does not count again the jobs that were final before it.
func TestDaemon_Metrics(t *testing.T) {
	data := t.TempDir()
	marker := func(c *config.Config) { c.Watch.DoneMarker = true } // so a file can be kept waiting
	h := startDaemon(t, data, marker)

	before := h.scrape("")
	assert.Zero(t, before.must(t, "bulkd_jobs_total", "kind", "agents", "state", "succeeded"), "reported at 0 before any job")
	assert.Zero(t, before.must(t, "bulkd_rows_total", "kind", "agents", "outcome", "imported"))
	assert.Zero(t, before.must(t, "bulkd_job_duration_seconds", "kind", "contacts"))
	assert.Zero(t, before.must(t, "bulkd_media_stored_bytes_total"))

	dropDone(t, h.root, "acme", "good", "AGENTS.good.csv")
	dropDone(t, h.root, "acme", "row-errors", "AGENTS.rows.csv")
	drop(t, h.root, "initech", "good", "AGENTS.wait.csv") // no marker: it waits
	acme := h.waitJobs("acme", 2)

	// Contacts with recordings: call2.wav holds call1.wav's bytes, which
	// the media store keeps once.
	dir := filepath.Join(h.root, "abc")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.seed.csv"), readFixture(t, "contacts", "seed-full", "AGENTS.seed.csv"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.seed.csv.done"), nil, 0o644))
	h.waitJobs("abc", 1)
	wav, webm := readFixture(t, "media", "call1.wav"), readFixture(t, "media", "call1.webm")
	for name, b := range map[string][]byte{"call1.wav": wav, "call2.wav": wav, "call1.webmv": webm} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.seed-full.csv"), readFixture(t, "contacts", "seed-full", "CONTACT.seed-full.csv"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.seed-full.csv.done"), nil, 0o644))
	abc := h.waitJobs("abc", 2)

	var one jobJSON
	require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/jobs/%d", acme[0].ID), &one))
	require.Equal(t, http.StatusNotFound, h.get("/v1/no/such/path", nil))

	var after families
	h.poll(func() (bool, string) {
		after = h.scrape("")
		n, ok := after.get("bulkd_files_waiting", "tenant", "initech")
		return ok && n == 1, fmt.Sprintf("bulkd_files_waiting{tenant=initech} = %v (reported: %v)", n, ok)
	})

	// Every count as the jobs themselves tell it.
	type sums struct{ imported, failed, jobs float64 }
	want := map[string]*sums{"agents": {}, "contacts": {}}
	states := map[[2]string]float64{}
	for _, j := range append(acme, abc...) {
		s := want[j.Kind]
		s.jobs++
		states[[2]string{j.Kind, j.State}]++
		if j.State == "succeeded" || j.State == "partial" {
			s.imported += float64(j.RowsDone - j.RowsFailed)
		}
		s.failed += float64(j.RowsFailed)
	}
	assert.Equal(t, 2.0, states[[2]string{"agents", "succeeded"}], "acme's good file and abc's agents")
	assert.Equal(t, 1.0, states[[2]string{"agents", "partial"}])
	for _, state := range []string{"succeeded", "partial", "failed", "skipped", "canceled"} {
		for _, kind := range []string{"agents", "contacts"} {
			assert.Equal(t, states[[2]string{kind, state}], after.must(t, "bulkd_jobs_total", "kind", kind, "state", state), "%s %s", kind, state)
		}
	}
	for kind, s := range want {
		assert.Equal(t, s.imported, after.must(t, "bulkd_rows_total", "kind", kind, "outcome", "imported"), kind)
		assert.Equal(t, s.failed, after.must(t, "bulkd_rows_total", "kind", kind, "outcome", "failed"), kind)
		assert.Equal(t, s.jobs, after.must(t, "bulkd_job_duration_seconds", "kind", kind), kind)
		assert.Equal(t, s.jobs, after.must(t, "bulkd_drop_to_final_seconds", "kind", kind), kind)
	}
	assert.Equal(t, 6.0, want["agents"].failed, "the partial file's")
	assert.Equal(t, 2.0, want["contacts"].imported)
	assert.Equal(t, float64(len(wav)+len(webm)), after.must(t, "bulkd_media_stored_bytes_total"), "new bytes only: call2.wav is call1.wav again")

	assert.Equal(t, 1.0, after.must(t, "bulkd_http_requests_total", "route", "GET /v1/jobs/{id}", "code", "200"))
	assert.Positive(t, after.must(t, "bulkd_http_requests_total", "route", "GET /v1/jobs", "code", "200"))
	assert.Positive(t, after.must(t, "bulkd_http_requests_total", "route", "GET /metrics", "code", "200"), "the scrapes before this one")
	assert.Equal(t, 1.0, after.must(t, "bulkd_http_requests_total", "route", "unmatched", "code", "404"))
	for _, f := range after["bulkd_http_requests_total"].GetMetric() {
		for _, l := range f.GetLabel() {
			assert.NotContains(t, l.GetValue(), "/v1/no/such/path", "a raw path is never a label")
		}
	}

	assert.Zero(t, after.must(t, "bulkd_files_waiting", "tenant", "acme"), "every known tenant is reported")
	assert.Positive(t, after.must(t, "bulkd_store_size_bytes"))
	assert.Positive(t, after.must(t, "bulkd_store_tx_total", "type", "write"))
	assert.Positive(t, after.must(t, "bulkd_store_tx_total", "type", "read"))
	after.must(t, "bulkd_watcher_rescans_total")
	after.must(t, "bulkd_watcher_overflows_total")
	after.must(t, "go_goroutines")
	if runtime.GOOS == "linux" {
		after.must(t, "process_resident_memory_bytes")
	}

	// A restart counts none of the jobs that were final before it.
	require.NoError(t, h.d.Close())
	h = startDaemon(t, data, marker)
	again := h.scrape("")
	assert.Zero(t, again.must(t, "bulkd_jobs_total", "kind", "agents", "state", "succeeded"))
	assert.Zero(t, again.must(t, "bulkd_rows_total", "kind", "agents", "outcome", "imported"))
	assert.Zero(t, again.must(t, "bulkd_media_stored_bytes_total"))
}

// TestDaemon_MetricsAuth: with authentication configured, /metrics takes a
// token naming metrics:read (a tenant's admin token is not enough: the
// metrics are every tenant's); metrics { open = true } serves it without
// one; metrics { enabled = false } not at all.
func TestDaemon_MetricsAuth(t *testing.T) {
	t.Setenv("TEST_METRICS_TOKEN", "metrics-reader")
	withMetricsToken := func(c *config.Config) {
		c.Tenants[0].Tokens = append(c.Tenants[0].Tokens, &config.Token{SecretEnv: "TEST_METRICS_TOKEN", Scopes: []string{bulkd.ScopeMetricsRead}})
	}
	h := startDaemon(t, t.TempDir(), withAuth(t), withMetricsToken)
	future := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		body   string
	}{
		{"no token", nil, http.StatusUnauthorized, "missing credentials"},
		{"without metrics:read", bearer("acme-reader"), http.StatusForbidden, "does not grant metrics:read"},
		{"admin does not grant it", bearer("globex-admin"), http.StatusForbidden, "does not grant metrics:read"},
		{"static token with metrics:read", bearer("metrics-reader"), http.StatusOK, "bulkd_jobs_total"},
		{"JWT with metrics:read", bearer(hs256(t, jwt.MapClaims{"tenant": "acme", "scope": "metrics:read", "exp": future})), http.StatusOK, "bulkd_jobs_total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := h.call("GET", "/metrics", tc.header)
			assert.Equal(t, tc.status, status, body)
			assert.Contains(t, body, tc.body)
		})
	}
	m := h.scrape("metrics-reader")
	assert.Equal(t, 1.0, m.must(t, "bulkd_http_requests_total", "route", "GET /metrics", "code", "401"))
	assert.Equal(t, 2.0, m.must(t, "bulkd_http_requests_total", "route", "GET /metrics", "code", "403"))

	opened := startDaemon(t, t.TempDir(), withAuth(t), func(c *config.Config) { c.Metrics.Open = true })
	opened.scrape("")
	status, _, _ := opened.call("GET", "/v1/jobs", nil)
	assert.Equal(t, http.StatusUnauthorized, status, "metrics.open opens /metrics only")

	off := false
	closed := startDaemon(t, t.TempDir(), func(c *config.Config) { c.Metrics.Enabled = &off })
	status, _, _ = closed.call("GET", "/metrics", nil)
	assert.Equal(t, http.StatusNotFound, status)
}

// TestDaemon_JSONLogLines: with log_format = "json" (as cmd/bulkd builds
// the logger), every line is a JSON object, and every line about a job
// carries its id, tenant, kind and file.
func TestDaemon_JSONLogLines(t *testing.T) {
	data := t.TempDir()
	var out lockedBuffer
	logger := hclog.New(&hclog.LoggerOptions{Name: "bulkd", Level: hclog.Trace, JSONFormat: true, Output: &out})
	cfg := testConfig(t, data)
	d := daemon.New(cfg, logger)
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	h := &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: data}
	drop(t, h.root, "acme", "good", "AGENTS.good.csv")
	drop(t, h.root, "acme", "row-errors", "AGENTS.rows.csv")
	jobs := h.waitJobs("acme", 2)
	require.NoError(t, d.Close())

	files := map[float64]string{}
	for _, j := range jobs {
		files[float64(j.ID)] = j.File
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "not JSON: %s", sc.Text())
		id, ok := line["job"].(float64)
		if !ok {
			continue
		}
		msg := line["@message"].(string)
		seen[msg]++
		for _, key := range []string{"tenant", "kind", "file"} {
			assert.Contains(t, line, key, "%q lacks %s: %s", msg, key, sc.Text())
		}
		assert.Equal(t, "acme", line["tenant"], sc.Text())
		assert.Equal(t, "agents", line["kind"], sc.Text())
		assert.Equal(t, files[id], line["file"], sc.Text())
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, 2, seen["claimed"], "lines seen: %v", seen)
	assert.Equal(t, 2, seen["job done"], "lines seen: %v", seen)
}
