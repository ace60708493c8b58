package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/auth"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/bulkd/bulkd/pipeline/schedule"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestServer is a Server over a real store, a media store and a runner
// of the schedule and objects kinds, open (no credentials).
func newTestServer(t *testing.T) (*Server, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	cfg := config.Default()
	authn, err := auth.New(auth.Config{}, func(string) string { return "" })
	require.NoError(t, err)
	kinds, err := pipeline.NewKinds([]pipeline.Spec{agents.Spec(), schedule.Spec(), objects.Spec()}, nil)
	require.NoError(t, err)
	ims, err := kinds.Build(pipeline.Deps{Store: st, Tenant: cfg.Settings})
	require.NoError(t, err)
	runner := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work"), Kinds: kinds}, st, ims, hclog.NewNullLogger())
	require.NoError(t, runner.Open(context.Background()))
	t.Cleanup(func() { runner.Close() })
	ms, err := media.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	s, err := NewServer(Deps{Jobs: st, Agents: st, Schedule: st, Auth: authn, Tenant: cfg.Settings, Pipeline: runner, Kinds: kinds, Objects: st,
		Media: ms, Incoming: filepath.Join(t.TempDir(), "incoming")}, hclog.NewNullLogger())
	require.NoError(t, err)
	return s, st
}

// TestScheduleImport_OneInProgressPerAccount: the pipeline refuses the
// claim (the kind is Exclusive) and the door answers it in the seed's words.
func TestScheduleImport_OneInProgressPerAccount(t *testing.T) {
	s, st := newTestServer(t)
	ctx := context.Background()
	require.NoError(t, st.CreateJob(ctx, &bulkd.Job{Tenant: "acme", Kind: bulkd.KindSchedule, State: bulkd.StateRunning,
		File: "a.csv", Files: []string{"a.csv"}, ExternalID: "in-progress"}))

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("csv_file", "b.csv")
	require.NoError(t, err)
	_, _ = w.Write([]byte("Agent Name,Agent Email,Start Time,End Time,Event Type Name\n"))
	require.NoError(t, mw.WriteField("file_name", "b.csv"))
	require.NoError(t, mw.WriteField("time_zone", "UTC"))
	require.NoError(t, mw.Close())
	req := httptest.NewRequest(http.MethodPost, eventImports, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Tenant", "acme")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, "1580026", body["code"])
	assert.Equal(t, "Another event import is already in progress. Please try again later.", body["message"])
}

func TestScheduleReport_LinkExpires(t *testing.T) {
	s, st := newTestServer(t)
	ctx := context.Background()
	j := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindSchedule, File: "a.csv", Files: []string{"a.csv"}, ExternalID: "u-1",
		Header: []string{"Agent Name", "Agent Email", "Start Time", "End Time", "Event Type Name"}}
	require.NoError(t, st.CreateJob(ctx, j))
	require.NoError(t, st.CommitProgress(ctx, j.ID, bulkd.Progress{Done: 1, Failures: []bulkd.RowFailure{
		{Row: 1, Cells: []string{"Ann", "ann@acme.com", "x", "y", "Break"}, Message: `column "Start Time": bad`}}}))
	_, err := st.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error { j.State, j.RowsTotal = bulkd.StateFailed, 1; return nil })
	require.NoError(t, err)

	get := func(path string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	rec := get(eventImports+"/u-1", map[string]string{"X-Tenant": "acme"})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var status map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &status))
	assert.Equal(t, "IMPORTED_WITH_ERRORS", status["status"], "every row failed: still a report to read")
	link := status["error_report_url"][len("http://example.com"):]

	rec = get(link, nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `x,y,Break,1,"column ""Start Time"": bad"`)

	start := time.Now()
	s.now = func() time.Time { return start.Add(11 * time.Minute) }
	rec = get(link, nil)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Contains(t, rec.Body.String(), "expired")

	rec = get(eventImports+"/u-1", map[string]string{"X-Tenant": "acme"})
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &status))
	fresh := status["error_report_url"][len("http://example.com"):]
	assert.NotEqual(t, link, fresh)
	assert.Equal(t, http.StatusOK, get(fresh, nil).Code, "a fresh status gives a fresh link")
}
