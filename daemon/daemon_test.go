package daemon_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testConfig is the embedded default on a temp data dir, a free loopback
// port and short windows.
func testConfig(t testing.TB, dataDir string) *config.Config {
	t.Helper()
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags.Error())
	cfg.DataDir = dataDir
	cfg.Watch.Root = filepath.Join(dataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = 100 * time.Millisecond
	cfg.Watch.RescanDur = time.Second
	return cfg
}

// harness is a daemon running in-process.
type harness struct {
	t    testing.TB
	d    *daemon.Daemon
	url  string
	root string
	data string
}

func startDaemon(t testing.TB, dataDir string, opts ...func(*config.Config)) *harness {
	t.Helper()
	cfg := testConfig(t, dataDir)
	for _, o := range opts {
		o(cfg)
	}
	return openDaemon(t, cfg, daemon.New(cfg, hclog.NewNullLogger()))
}

// openDaemon opens d, made for cfg, as a harness.
func openDaemon(t testing.TB, cfg *config.Config, d *daemon.Daemon) *harness {
	t.Helper()
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	return &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: cfg.DataDir}
}

// get fetches path and decodes its JSON body into v, returning the status.
func (h *harness) get(path string, v any) int {
	h.t.Helper()
	resp, err := http.Get(h.url + path)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	if v != nil {
		require.NoError(h.t, json.Unmarshal(body, v), string(body))
	}
	return resp.StatusCode
}

type jobJSON struct {
	ID          uint64  `json:"id"`
	Tenant      string  `json:"tenant"`
	Kind        string  `json:"kind"`
	Source      string  `json:"source"`
	File        string  `json:"file"`
	State       string  `json:"state"`
	StartedAt   *string `json:"started_at"`
	FinishedAt  *string `json:"finished_at"`
	RowsTotal   int     `json:"rows_total"`
	RowsDone    int     `json:"rows_done"`
	RowsFailed  int     `json:"rows_failed"`
	Error       string  `json:"error"`
	ErrorReport string  `json:"error_report"`
	DuplicateOf uint64  `json:"duplicate_of"`
	// Counts: an objects job's created, updated and unchanged objects.
	Counts map[string]int `json:"counts"`
	// ArchivedTo: where the file went, in a job read whole only.
	ArchivedTo string `json:"archived_to"`
}

func (h *harness) jobs(query string) []jobJSON {
	h.t.Helper()
	var out struct{ Jobs []jobJSON }
	require.Equal(h.t, http.StatusOK, h.get("/v1/jobs?"+query, &out))
	return out.Jobs
}

// waitJobs polls until the tenant has n jobs, all final and delivered.
func (h *harness) waitJobs(tenant string, n int) []jobJSON {
	h.t.Helper()
	return h.waitJobsAs("", "tenant="+tenant, n)
}

// waitJobsAs waits until /v1/jobs?query, asked with token ("" when open),
// lists n jobs, all final, and the work folder is empty.
func (h *harness) waitJobsAs(token, query string, n int) []jobJSON {
	h.t.Helper()
	var jobs []jobJSON
	h.poll(func() (bool, string) {
		var out struct{ Jobs []jobJSON }
		h.fetch(token, "/v1/jobs?"+query, &out)
		jobs = out.Jobs
		final := 0
		for _, j := range jobs {
			if bulkd.JobState(j.State).Final() {
				final++
			}
		}
		return len(jobs) == n && final == n && h.workEmpty(), fmt.Sprintf("%d final jobs wanted; have %+v", n, jobs)
	})
	return jobs
}

// poll calls done every 20 ms until it reports true, and fails the test
// with done's account of what it saw after 15 s.
func (h *harness) poll(done func() (bool, string)) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, saw := done()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out: %s", saw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fetch GETs path with token as a bearer ("" for none), requires 200 and
// decodes the JSON answer into v.
func (h *harness) fetch(token, path string, v any) {
	h.t.Helper()
	header := map[string]string{}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	status, body, _ := h.call("GET", path, header)
	require.Equal(h.t, http.StatusOK, status, body)
	require.NoError(h.t, json.Unmarshal([]byte(body), v), body)
}

func (h *harness) workEmpty() bool {
	entries, err := os.ReadDir(filepath.Join(h.data, "work"))
	return err == nil && len(entries) == 0
}

func (h *harness) agents(tenant string) []bulkd.Agent {
	h.t.Helper()
	var out struct{ Agents []bulkd.Agent }
	require.Equal(h.t, http.StatusOK, h.get("/v1/tenants/"+tenant+"/agents", &out))
	return out.Agents
}

func today() string { return time.Now().Format("2006-01-02") }

// drop writes a fixture into a tenant folder the way a copy does: to a
// temporary name first, then renamed, or written in place.
func drop(t *testing.T, root, tenant, fixture, as string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "testdata", "agents", fixture, "AGENTS."+fixture+".csv"))
	require.NoError(t, err)
	dir := filepath.Join(root, tenant)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, as), src, 0o644))
	return string(src)
}

func TestDaemon_DropImportedAndArchived(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	src := drop(t, h.root, "acme", "good", "AGENTS.march.csv")

	jobs := h.waitJobs("acme", 1)
	j := jobs[0]
	assert.Equal(t, "succeeded", j.State)
	assert.Equal(t, "AGENTS.march.csv", j.File)
	assert.Equal(t, "agents", j.Kind)
	assert.Equal(t, "folder", j.Source)
	assert.Equal(t, [3]int{3, 3, 0}, [3]int{j.RowsTotal, j.RowsDone, j.RowsFailed})
	assert.NotNil(t, j.StartedAt)
	assert.NotNil(t, j.FinishedAt)
	assert.Empty(t, j.ErrorReport)

	archived := filepath.Join(h.root, "acme", "archives", today(), "AGENTS.march.csv")
	got, err := os.ReadFile(archived)
	require.NoError(t, err)
	assert.Equal(t, src, string(got), "the archived file is the dropped file")
	assert.NoFileExists(t, filepath.Join(h.root, "acme", "AGENTS.march.csv"))
	assert.NoFileExists(t, archived+".errors.csv")

	var one jobJSON
	require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/jobs/%d", j.ID), &one))
	assert.Equal(t, archived, one.ArchivedTo, "a job read whole says where its file went")
	one.ArchivedTo = ""
	assert.Equal(t, j, one)

	agents := h.agents("acme")
	require.Len(t, agents, 3)
	assert.Equal(t, "ann@acme.com", agents[0].Email)
	assert.Equal(t, `acme\ann`, agents[0].ACDLogin)
	assert.Equal(t, "+14155552671", agents[0].ExternalPhone)
	assert.False(t, agents[1].Active)
	assert.Empty(t, h.agents("globex"))
}

func TestDaemon_RowErrorsAndReport(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	drop(t, h.root, "acme", "row-errors", "AGENTS.row-errors.csv")
	j := h.waitJobs("acme", 1)[0]
	assert.Equal(t, "partial", j.State)
	assert.Equal(t, [3]int{8, 8, 6}, [3]int{j.RowsTotal, j.RowsDone, j.RowsFailed})
	assert.Contains(t, j.Error, "6 of 8 rows failed")
	require.Equal(t, fmt.Sprintf("/v1/jobs/%d/errors.csv", j.ID), j.ErrorReport)

	resp, err := http.Get(h.url + j.ErrorReport)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "attachment; filename=AGENTS.row-errors.csv.errors.csv", resp.Header.Get("Content-Disposition"))
	assert.Equal(t, `Email,Full Name,Agent Activation,External Phone,Row,Error Message
not-an-email,Bad Email,true,,2,"column ""Email"": ""not-an-email"" is not an email address"
ok2@acme.com,Ok Two,maybe,,3,"column ""Agent Activation"": ""maybe"" is not true or false"
ok3@acme.com,,true,,4,"column ""Full Name"": required to create the agent ok3@acme.com"
ok1@acme.com,Twice,true,,5,"column ""Email"": ok1@acme.com is also in row 1; an agent may appear once a file"
ok4@acme.com,Ok Four,true,12345,6,"column ""External Phone"": ""12345"" is not a valid phone number in international format (+ and country code)"
ok5@acme.com,Short,,,7,"the row has 2 columns, the header has 4"
`, string(body))

	onDisk, err := os.ReadFile(filepath.Join(h.root, "acme", "archives", today(), "AGENTS.row-errors.csv.errors.csv"))
	require.NoError(t, err)
	assert.Equal(t, string(body), string(onDisk), "the report beside the archived file is the one the API serves")

	var emails []string
	for _, a := range h.agents("acme") {
		emails = append(emails, a.Email)
	}
	assert.Equal(t, []string{"ok1@acme.com", "ok6@acme.com"}, emails, "good rows are imported despite bad neighbours")
}

func TestDaemon_FailedFileToPenaltyBox(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	drop(t, h.root, "acme", "unknown-column", "AGENTS.bad.csv")
	drop(t, h.root, "acme", "too-many-rows", "AGENTS.big.csv")
	jobs := h.waitJobs("acme", 2)
	for _, j := range jobs {
		assert.Equal(t, "failed", j.State)
		assert.NotEmpty(t, j.ErrorReport)
		box := filepath.Join(h.root, "acme", "penaltyBox", today(), j.File)
		assert.FileExists(t, box)
		report, err := os.ReadFile(box + ".errors.csv")
		require.NoError(t, err)
		recs, err := csv.NewReader(strings.NewReader(string(report))).ReadAll()
		require.NoError(t, err)
		assert.Equal(t, [][]string{{"Row", "Error Message"}, {"0", j.Error}}, recs, "a file-level failure is row 0")
	}
	msgs := map[string]string{jobs[0].File: jobs[0].Error, jobs[1].File: jobs[1].Error}
	assert.Contains(t, msgs["AGENTS.bad.csv"], `AGENTS.bad.csv: header: unknown column "Full Nmae" (did you mean "Full Name"?)`)
	assert.Contains(t, msgs["AGENTS.big.csv"], "AGENTS.big.csv: more than 1000 data rows")
	assert.Empty(t, h.agents("acme"), "a failed file imports nothing")
}

func TestDaemon_FilesPresentAtStartup(t *testing.T) {
	data := t.TempDir()
	drop(t, filepath.Join(data, "gis"), "acme", "good", "AGENTS.a.csv")
	drop(t, filepath.Join(data, "gis"), "globex", "bom-crlf", "AGENTS.b.csv")
	h := startDaemon(t, data)
	assert.Equal(t, "succeeded", h.waitJobs("acme", 1)[0].State)
	assert.Equal(t, "succeeded", h.waitJobs("globex", 1)[0].State)
	assert.Len(t, h.agents("acme"), 3)
	assert.Len(t, h.agents("globex"), 2)
}

func TestDaemon_SlowWriteTakenOnce(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, "AGENTS.slow.csv"))
	require.NoError(t, err)
	_, err = f.WriteString("Email,Full Name\n")
	require.NoError(t, err)
	const rows = 10
	for i := range rows {
		_, err := fmt.Fprintf(f, "slow%d@acme.com,Slow %d\n", i, i)
		require.NoError(t, err)
		time.Sleep(20 * time.Millisecond) // a slow writer, well inside the settle window
	}
	require.NoError(t, f.Close())
	j := h.waitJobs("acme", 1)[0]
	assert.Equal(t, "succeeded", j.State)
	assert.Equal(t, rows, j.RowsTotal, "taken only once complete")
	assert.Len(t, h.agents("acme"), rows)
}

func TestDaemon_IdenticalRedropSkipped(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	drop(t, h.root, "acme", "good", "AGENTS.march.csv")
	first := h.waitJobs("acme", 1)[0]
	before := h.agents("acme")

	drop(t, h.root, "acme", "good", "AGENTS.march.csv") // same name, same bytes
	jobs := h.waitJobs("acme", 2)
	second := jobs[0]
	assert.Equal(t, "skipped", second.State)
	assert.Equal(t, first.ID, second.DuplicateOf)
	assert.Contains(t, second.Error, fmt.Sprintf("identical to the file of job %d", first.ID))
	assert.Equal(t, before, h.agents("acme"), "nothing imported twice")
	day := filepath.Join(h.root, "acme", "archives", today())
	assert.FileExists(t, filepath.Join(day, "AGENTS.march.csv"))
	assert.FileExists(t, filepath.Join(day, fmt.Sprintf("AGENTS.march.job%d.csv", second.ID)), "a name taken in the archive gets the job id")

	drop(t, h.root, "globex", "good", "AGENTS.march.csv")
	assert.Equal(t, "succeeded", h.waitJobs("globex", 1)[0].State, "another tenant's identical file is its own")
}

// blockingAgents lets `batches` batches through, then blocks until its
// context ends, as a process killed in the middle of a job would stop.
type blockingAgents struct {
	bulkd.AgentStore
	batches int
	reached chan struct{}
}

func (b *blockingAgents) ApplyAgents(ctx context.Context, jobID uint64, tenant string, ch []bulkd.AgentChange, p bulkd.Progress, words bulkd.Words) ([]bulkd.RowFailure, error) {
	if b.batches == 0 {
		close(b.reached)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	b.batches--
	return b.AgentStore.ApplyAgents(ctx, jobID, tenant, ch, p, words)
}

// TestDaemon_KillMidJobLosesAndDoublesNothing: a job stopped dead after two
// batches resumes from its checkpoint: every row once, and the metrics
// count it once, when it ends.
func TestDaemon_KillMidJobLosesAndDoublesNothing(t *testing.T) {
	data := t.TempDir()
	tenantDir := filepath.Join(data, "gis", "acme")
	require.NoError(t, os.MkdirAll(tenantDir, 0o755))
	var src strings.Builder
	src.WriteString("Email,Full Name\n")
	const rows = 10
	for i := range rows {
		fmt.Fprintf(&src, "a%d@acme.com,Agent %d\n", i, i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(tenantDir, "AGENTS.big.csv"), []byte(src.String()), 0o644))

	// First life: the real claim and importer, committing 3 rows a batch,
	// stopped dead after two batches.
	st, err := store.Open(daemon.StorePath(testConfig(t, data)))
	require.NoError(t, err)
	blocker := &blockingAgents{AgentStore: st, batches: 2, reached: make(chan struct{})}
	runner := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(data, "work"), Dedupe: true}, st,
		[]pipeline.Importer{agents.New(blocker, 3)}, hclog.NewNullLogger())
	require.NoError(t, runner.Open(context.Background()))
	j, err := runner.Claim(context.Background(), pipeline.Claim{
		Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, Origin: tenantDir, Files: []string{"AGENTS.big.csv"},
	})
	require.NoError(t, err)
	<-blocker.reached
	require.NoError(t, runner.Close())
	mid, err := st.Job(context.Background(), j.ID)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateRunning, mid.State)
	assert.Equal(t, 6, mid.RowsDone)
	require.NoError(t, st.Close())

	// Second life: the daemon resumes the job from its checkpoint.
	h := startDaemon(t, data)
	jobs := h.waitJobs("acme", 1)
	assert.Equal(t, j.ID, jobs[0].ID)
	assert.Equal(t, "succeeded", jobs[0].State)
	assert.Equal(t, [3]int{rows, rows, 0}, [3]int{jobs[0].RowsTotal, jobs[0].RowsDone, jobs[0].RowsFailed})
	got := h.agents("acme")
	require.Len(t, got, rows, "every row once: none lost, none doubled")
	for i, a := range got {
		assert.Equal(t, uint64(i+1), a.ID)
		assert.Equal(t, fmt.Sprintf("a%d@acme.com", i), a.Email)
	}
	assert.FileExists(t, filepath.Join(tenantDir, "archives", today(), "AGENTS.big.csv"))

	// The metrics count the resumed job once, with all its rows.
	m := h.scrape("")
	assert.Equal(t, 1.0, m.must(t, "bulkd_jobs_total", "kind", "agents", "state", "succeeded"))
	assert.Equal(t, float64(rows), m.must(t, "bulkd_rows_total", "kind", "agents", "outcome", "imported"), "the rows before the stop too")
	assert.Equal(t, 1.0, m.must(t, "bulkd_job_duration_seconds", "kind", "agents"))
}

func TestDaemon_KillBetweenClaimAndRename(t *testing.T) {
	data := t.TempDir()
	tenantDir := filepath.Join(data, "gis", "acme")
	drop(t, filepath.Join(data, "gis"), "acme", "good", "AGENTS.x.csv")
	// The claim was recorded, then the process died before the rename.
	st, err := store.Open(daemon.StorePath(testConfig(t, data)))
	require.NoError(t, err)
	require.NoError(t, st.CreateJob(context.Background(), &bulkd.Job{
		Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, State: bulkd.StateQueued,
		File: "AGENTS.x.csv", Files: []string{"AGENTS.x.csv"}, Origin: tenantDir,
	}))
	require.NoError(t, st.Close())

	h := startDaemon(t, data)
	jobs := h.waitJobs("acme", 1)
	assert.Equal(t, "succeeded", jobs[0].State, "the file is imported by its recorded claim, not claimed again")
	assert.Len(t, h.agents("acme"), 3)
}

// TestDaemon_KillBetweenUploadClaimAndRename: an upload whose claim was
// recorded, but whose files were still in incoming/ when the process died,
// is imported at the next start; clearing incoming/ waits for that.
func TestDaemon_KillBetweenUploadClaimAndRename(t *testing.T) {
	data := t.TempDir()
	upload := filepath.Join(data, "incoming", "upload-1")
	require.NoError(t, os.MkdirAll(upload, 0o755))
	src := readFixture(t, "agents", "good", "AGENTS.good.csv")
	require.NoError(t, os.WriteFile(filepath.Join(upload, "users.csv"), src, 0o644))
	st, err := store.Open(daemon.StorePath(testConfig(t, data)))
	require.NoError(t, err)
	require.NoError(t, st.CreateJob(context.Background(), &bulkd.Job{
		Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceAPI, State: bulkd.StateQueued,
		File: "users.csv", Files: []string{"users.csv"}, Origin: upload,
	}))
	require.NoError(t, st.Close())

	h := startDaemon(t, data)
	jobs := h.waitJobs("acme", 1)
	assert.Equal(t, "succeeded", jobs[0].State, jobs[0].Error)
	assert.Len(t, h.agents("acme"), 3)
	assert.NoDirExists(t, upload, "incoming/ is cleared once the claim is replayed")
}

func TestDaemon_HTTPErrors(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/jobs/42", http.StatusNotFound, bulkd.ENOTFOUND},
		{"/v1/jobs/abc", http.StatusNotFound, bulkd.ENOTFOUND},
		{"/v1/jobs/42/errors.csv", http.StatusNotFound, bulkd.ENOTFOUND},
		{"/v1/jobs?state=done", http.StatusBadRequest, bulkd.EINVALID},
		{"/v1/jobs?kind=widgets", http.StatusBadRequest, bulkd.EINVALID},
		{"/v1/jobs?limit=0", http.StatusBadRequest, bulkd.EINVALID},
		{"/v1/nope", http.StatusNotFound, bulkd.ENOTFOUND},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var e bulkd.Error
			assert.Equal(t, tc.status, h.get(tc.path, &e))
			assert.Equal(t, tc.code, e.Code)
			assert.NotEmpty(t, e.Message)
		})
	}
	var health map[string]string
	assert.Equal(t, http.StatusOK, h.get("/healthz", &health))
	assert.Equal(t, "ok", health["status"])
}

func TestDaemon_RefusesNonLoopback(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.HTTP.Listen = "0.0.0.0:0"
	err := daemon.New(cfg, hclog.NewNullLogger()).Open(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a loopback address")
}

func TestDaemon_SecondInstanceOnSameDataDir(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	err := daemon.New(testConfig(t, h.data), hclog.NewNullLogger()).Open(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is another bulkd running on this data dir?")
}
