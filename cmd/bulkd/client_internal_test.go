package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/certs/certstest"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testBulkd is a bulkd running in-process on 127.0.0.1:0.
type testBulkd struct {
	t     *testing.T
	url   string
	root  string // the tenant folders
	token string // the tests' own requests' bearer ("" when open)
}

// startBulkd starts a daemon on a temp data dir, as daemon's tests do, and
// points the client commands at it through $BULKD_URL.
func startBulkd(t *testing.T, opts ...func(*config.Config)) *testBulkd {
	t.Helper()
	dir := t.TempDir()
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags.Error())
	cfg.DataDir = dir
	cfg.Watch.Root = filepath.Join(dir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = 100 * time.Millisecond
	cfg.Watch.RescanDur = time.Second
	for _, o := range opts {
		o(cfg)
	}
	d := daemon.New(cfg, hclog.NewNullLogger())
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	b := &testBulkd{t: t, url: "http://" + d.Addr(), root: cfg.Watch.Root}
	t.Setenv(envURL, b.url)
	t.Setenv(envToken, "")
	return b
}

// get fetches path as bulkd open's tenant and returns the status and body.
func (b *testBulkd) get(path, tenant string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.url+path, nil)
	require.NoError(b.t, err)
	req.Header.Set("X-Tenant", tenant)
	if b.token != "" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp.StatusCode, string(body)
}

// jobs returns /v1/jobs?query.
func (b *testBulkd) jobs(query string) []api.JobView {
	b.t.Helper()
	code, body := b.get("/v1/jobs?"+query, "")
	require.Equal(b.t, http.StatusOK, code, body)
	var out struct{ Jobs []api.JobView }
	require.NoError(b.t, json.Unmarshal([]byte(body), &out))
	return out.Jobs
}

// waitFor polls until ok holds, failing the test after 15 s.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outcomeRE reads import's outcome line of a file.
var outcomeRE = regexp.MustCompile(`(?m)^(\S+): job (\d+) (\w+)(: .*)?$`)

func TestMain_Import(t *testing.T) {
	b := startBulkd(t)
	dir := t.TempDir()
	seed := func(name string) string { return fixture("contacts", "seed-full", name) }
	assist := writeAs(t, dir, "ASSIST.leads.csv", "firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\n"+
		"Asha,Rao,Ms,98765 43210,+91,\nRavi,Kumar,Mr,not a phone,+91,\n")
	schedule := writeAs(t, dir, "SCHEDULE.week.csv", "Agent Name,Agent Email,Start Time,End Time,Event Type Name\n"+
		"Mark,mark.bunkowske@abc.com,09:00 2026-03-02,10:00 2026-03-02,Break\n")
	profile := writeAs(t, dir, "profiles.csv", "Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,3,2,1\n")

	for _, tc := range []struct {
		name string
		args []string
		code int
		want map[string]string // file → its job's final state
		out  []string          // in stdout
	}{
		{name: "agents with failed rows", args: []string{fixture("agents", "row-errors", "AGENTS.row-errors.csv")}, code: 1,
			want: map[string]string{"AGENTS.row-errors.csv": "partial"},
			out:  []string{": 8 rows, 2 imported, 6 failed\n  error report: " + b.url + "/v1/jobs/"}},
		{name: "contacts with recordings, agents first", args: []string{seed("CONTACT.seed-full.csv"), seed("call1.webmv"), seed("call1.wav"), seed("call2.wav"), seed("AGENTS.seed.csv")},
			want: map[string]string{"AGENTS.seed.csv": "succeeded", "CONTACT.seed-full.csv": "succeeded"},
			out:  []string{"CONTACT.seed-full.csv: job 3 succeeded: 2 rows, 2 imported, 0 failed\n"}},
		{name: "schedule", args: []string{schedule, "--time-zone", "America/Chicago"}, want: map[string]string{"SCHEDULE.week.csv": "succeeded"}},
		{name: "assist", args: []string{assist}, code: 1, want: map[string]string{"ASSIST.leads.csv": "partial"}},
		{name: "objects with --object", args: []string{profile, "--object", "Multimedia Profile"},
			want: map[string]string{"OBJECTS.multimedia-profile.profiles.csv": "succeeded"}, out: []string{"(created 1, updated 0, unchanged 0)"}},
		{name: "the same file again", args: []string{profile, "--object", "multimedia-profile"},
			want: map[string]string{"OBJECTS.multimedia-profile.profiles.csv": "skipped"}, out: []string{"skipped: identical to job"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"import", "--tenant", "acme"}, tc.args...)...)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			got := map[string]string{}
			for _, m := range outcomeRE.FindAllStringSubmatch(out, -1) {
				got[m[1]] = m[3]
				var id uint64
				fmt.Sscan(m[2], &id)
				code, body := b.get(fmt.Sprintf("/v1/jobs/%d", id), "")
				require.Equal(t, http.StatusOK, code)
				assert.Contains(t, body, `"tenant": "acme"`)
				assert.Contains(t, body, `"state": "`+m[3]+`"`, "the outcome printed is the job's")
			}
			assert.Equal(t, tc.want, got, out)
			for _, w := range tc.out {
				assert.Contains(t, out, w)
			}
			assert.Contains(t, errOut, "uploading ", "plain lines, not bars: stderr is no terminal")
			assert.NotContains(t, errOut, "\r")
		})
	}

	// The report's URL is the job's report.
	out, _, _ := runCLI(t, "import", "--tenant", "globex", fixture("agents", "row-errors", "AGENTS.row-errors.csv"))
	_, url, ok := strings.Cut(out, "error report: ")
	require.True(t, ok, out)
	resp, err := http.Get(strings.TrimSpace(url))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 7, strings.Count(string(body), "\n"), string(body))
}

// TestMain_ImportRefused: what bulkd refuses, and a wrong command line,
// are said once, with the exit codes of the help.
func TestMain_ImportRefused(t *testing.T) {
	startBulkd(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"no tenant", []string{fixture("agents", "good", "AGENTS.good.csv")}, 2, "bulkd import: name the tenant with --tenant"},
		{"schedule without a time zone", []string{"--tenant", "acme", writeAs(t, dir, "SCHEDULE.x.csv", "x\n")}, 2, "a schedule import needs --time-zone"},
		{"a recording without a contacts file", []string{"--tenant", "acme", fixture("contacts", "seed-full", "call1.wav")}, 2, "recordings go with one contacts file"},
		{"a bad header", []string{"--tenant", "acme", fixture("agents", "unknown-column", "AGENTS.unknown-column.csv")}, 1,
			`AGENTS.unknown-column.csv: job 1 failed: AGENTS.unknown-column.csv: header: unknown column "Full Nmae"`},
		{"a contacts file bulkd refuses", []string{"--tenant", "acme", writeAs(t, dir, "CONTACT.bad.csv", "Nope\n")}, 1,
			`bulkd import: ` + filepath.Join(dir, "CONTACT.bad.csv") + `: POST /api/upload/contacts: 400 `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"import"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out+errOut, tc.wantErr)
		})
	}
}

// TestMain_ClientToken: with authentication the token comes from
// $BULKD_TOKEN or --token-file, acts for its own tenant, and is printed
// nowhere; a wrong one is bulkd's 401.
func TestMain_ClientToken(t *testing.T) {
	const token = "globex-admin-token-do-not-print"
	t.Setenv("TEST_GLOBEX_TOKEN", token)
	t.Setenv("TEST_GLOBEX_WRITER", "globex-agents-writer")
	b := startBulkd(t, func(c *config.Config) {
		c.Tenants = []*config.Tenant{{Name: "globex", Tokens: []*config.Token{
			{SecretEnv: "TEST_GLOBEX_TOKEN", Scopes: []string{bulkd.ScopeAdmin}},
			{SecretEnv: "TEST_GLOBEX_WRITER", Scopes: []string{bulkd.ScopeAgentsWrite}},
		}}}
	})
	b.token = token
	file := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(file, []byte(token+"\n"), 0o600))

	out, errOut, code := runCLI(t, "import", "--token-file", file, fixture("agents", "good", "AGENTS.good.csv"))
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "AGENTS.good.csv: job 1 succeeded")
	assert.Equal(t, "globex", b.jobs("")[0].Tenant, "not the jobs's of X-Tenant: the token's tenant")

	t.Setenv(envToken, token)
	out2, errOut2, code := runCLI(t, "jobs")
	require.Equal(t, 0, code, out2+errOut2)
	assert.Contains(t, out2, "globex")
	for _, s := range []string{out, errOut, out2, errOut2} {
		assert.NotContains(t, s, token)
	}

	// A token that may import but not read /v1/jobs: the door's answer.
	t.Setenv(envToken, "globex-agents-writer")
	out, errOut, code = runCLI(t, "import", fixture("agents", "row-errors", "AGENTS.row-errors.csv"))
	assert.Equal(t, 0, code, out+errOut)
	assert.Equal(t, "AGENTS.row-errors.csv: accepted, its status at "+b.url+"/bulk-imports/users/2 (no progress: /v1/jobs does not show the job; does the token have jobs:read?)\n", out)

	t.Setenv(envToken, "wrong")
	_, errOut, code = runCLI(t, "jobs")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "bulkd: jobs: GET /v1/jobs?limit=50: 401 ")
	assert.NotContains(t, errOut, "wrong")

	if os.PathSeparator == '/' {
		require.NoError(t, os.Chmod(file, 0o644))
		t.Setenv(envToken, "")
		_, errOut, code = runCLI(t, "jobs", "--token-file", file)
		assert.Equal(t, 0, code)
		assert.Contains(t, errOut, "can be read by other users")
	}
}

func TestMain_Jobs(t *testing.T) {
	b := startBulkd(t, func(c *config.Config) { c.Watch.MediaWaitDur = 1500 * time.Millisecond })
	_, _, code := runCLI(t, "import", "--tenant", "acme", fixture("agents", "row-errors", "AGENTS.row-errors.csv"), fixture("contacts", "seed-full", "AGENTS.seed.csv"))
	require.Equal(t, 1, code)
	_, _, code = runCLI(t, "import", "--tenant", "globex", fixture("agents", "good", "AGENTS.good.csv"))
	require.Equal(t, 0, code)

	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		lines []string // the table's lines, each a regexp
		err   string
	}{
		{name: "all", args: nil, lines: []string{`^ID +KIND +TENANT +STATE +ROWS +FAILED +TAKEN +FILE$`,
			`^3 +agents +globex +succeeded +3/3 +0 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +AGENTS.good.csv$`,
			`^2 +agents +acme +succeeded +1/1 +0 +.* AGENTS.seed.csv$`,
			`^1 +agents +acme +partial +8/8 +6 +.* AGENTS.row-errors.csv$`}},
		{name: "a tenant's", args: []string{"--tenant", "globex"}, lines: []string{`^ID `, `^3 .* globex `}},
		{name: "by state", args: []string{"--state", "partial"}, lines: []string{`^ID `, `^1 .* partial `}},
		{name: "by kind", args: []string{"--kind", "contacts"}, lines: []string{`^no jobs$`}},
		{name: "a limit", args: []string{"--limit", "1"}, lines: []string{`^ID `, `^3 `}},
		{name: "bad state", args: []string{"--state", "done"}, code: 2, err: `bulkd jobs: state "done" is not one of queued, running, paused,`},
		{name: "bad kind", args: []string{"--kind", "agent"}, code: 2, err: `bulkd jobs: kind "agent" is not one of agents, contacts`},
		{name: "nothing to watch", args: []string{"--watch"}, lines: []string{`^ID `, `^3 `, `^2 `, `^1 `, `^no unfinished job to watch$`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"jobs"}, tc.args...)...)
			require.Equal(t, tc.code, code, out+errOut)
			if tc.err != "" {
				assert.Contains(t, errOut, tc.err)
				return
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			require.Len(t, lines, len(tc.lines), out)
			for i, re := range tc.lines {
				assert.Regexp(t, re, lines[i])
			}
		})
	}

	// --watch follows a job until it is final: a contacts drop waiting
	// for a recording that never comes.
	tenant := filepath.Join(b.root, "acme")
	require.NoError(t, os.MkdirAll(tenant, 0o755))
	wav, err := os.ReadFile(fixture("contacts", "seed-full", "call2.wav"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(tenant, "call2.wav"), wav, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tenant, "CONTACT.wait.csv"), []byte("AgentId,Recording1\n"+
		"mark.bunkowske@abc.com,call2.wav\nmark.bunkowske@abc.com,never.wav\n"), 0o644))
	waitFor(t, "the contacts job to wait", func() bool {
		jobs := b.jobs("kind=contacts")
		return len(jobs) == 1 && !jobs[0].State.Final()
	})
	out, errOut, code := runCLI(t, "jobs", "--watch", "--kind", "contacts")
	require.Equal(t, 0, code, out+errOut)
	assert.Regexp(t, `(?m)^job 4 CONTACT.wait.csv: (\d+/\d+, )?(queued|running)`, out, "a plain line while it runs")
	assert.Contains(t, out, "CONTACT.wait.csv: job 4 partial: 2 rows, 1 imported, 1 failed\n  error report: "+b.url+"/v1/jobs/4/errors.csv\n")
	assert.True(t, b.jobs("kind=contacts")[0].State.Final())
}

// TestMain_ValidateServer: with --server the tenant's agents and objects
// are copied from the running bulkd first, so references are checked
// against them; nothing is imported there.
func TestMain_ValidateServer(t *testing.T) {
	b := startBulkd(t)
	dir := t.TempDir()
	tenantZip := copyAs(t, fixture("objects", "tenant.zip"), dir, "OBJECTS.tenant.zip")
	_, _, code := runCLI(t, "import", "--tenant", "acme", fixture("objects", "tenant", "agents.csv"), "--kind", "agents")
	require.Equal(t, 0, code)
	out, errOut, code := runCLI(t, "import", "--tenant", "acme", tenantZip)
	require.Equal(t, 0, code, out+errOut)
	_, _, code = runCLI(t, "import", "--tenant", "acme", fixture("contacts", "seed-full", "AGENTS.seed.csv"))
	require.Equal(t, 0, code)
	before := len(b.jobs(""))

	queue := copyAs(t, fixture("objects", "tenant", "Queue.csv"), dir, "OBJECTS.queue.again.csv")
	contacts := fixture("contacts", "seed-full", "CONTACT.seed-full.csv")
	byID := writeAs(t, dir, "CONTACT.ids.csv", "AgentId,Recording1\n1,a.wav\n7,b.wav\n8,c.wav\n")
	user := writeAs(t, dir, "OBJECTS.user.new.csv", "Email,User Profile,Contact Center Enabled,Site,Teams,Skill Profile,Agent Profile,Multimedia Profile,External Id,Default DN\n"+
		"mark.bunkowske@abc.com,Premium Agents,ON,London,Support,,Sales Agent,,,\n"+
		"nobody@abc.com,Premium Agents,ON,London,Support,,Sales Agent,,,\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"objects offline", []string{queue}, 1, []string{"[not checked offline]"}},
		{"objects against bulkd's", []string{queue, "--server", b.url, "--tenant", "acme"}, 0,
			[]string{"checking against tenant acme of " + strings.TrimPrefix(b.url, "http://") + ": 7 agents and ", "OBJECTS.queue.again.csv (objects): ok, "}},
		{"contacts against bulkd's agents", []string{contacts, "--server", b.url, "--tenant", "acme"}, 0, []string{"(contacts): ok, 2 rows"}},
		{"agents by id: the copies keep bulkd's ids", []string{byID, "--server", b.url, "--tenant", "acme"}, 1,
			[]string{"CONTACT.ids.csv (contacts): 1 of 3 rows failed\n  row 3: column \"AgentId\": no agent has the id 8\n"}},
		{"another tenant has none", []string{contacts, "--server", b.url, "--tenant", "globex"}, 1, []string{"0 agents and 0 objects copied", "no agent has the email mark.bunkowske@abc.com\n"}},
		{"a user is an agent first", []string{user, "--server", b.url, "--tenant", "acme"}, 1,
			[]string{"row 2: column \"Email\": no agent of the tenant has the email \"nobody@abc.com\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"validate"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			if len(tc.args) > 1 {
				assert.NotContains(t, out, "[not checked offline]", "checked against bulkd's")
			}
		})
	}
	assert.Len(t, b.jobs(""), before, "validate imports nothing into bulkd")
}

// TestMain_ImportBars: on a terminal, progress is bars on stderr (drawn
// over in place, then cleared), the outcome on stdout as without one.
func TestMain_ImportBars(t *testing.T) {
	startBulkd(t)
	var out, errOut bytes.Buffer
	m := NewMain(&out, &errOut)
	m.pollEvery = 20 * time.Millisecond
	m.terminal = func(w io.Writer) bool { return w == &errOut }
	err := m.Run(context.Background(), []string{"import", "--tenant", "acme", fixture("agents", "row-errors", "AGENTS.row-errors.csv")})
	assert.Equal(t, 1, exitCode(err))
	assert.Contains(t, out.String(), "AGENTS.row-errors.csv: job 1 partial: 8 rows, 2 imported, 6 failed\n")
	assert.Contains(t, errOut.String(), "uploading AGENTS.row-errors.csv")
	assert.Contains(t, errOut.String(), "\r", "a bar is drawn over in place")
	assert.NotContains(t, errOut.String(), "uploading AGENTS.row-errors.csv (", "no plain line")
}

// TestMain_ClientTLS: the client commands reach an https:// bulkd whose
// certificate a private CA signed with --ca-file or $BULKD_CA_FILE, and
// refuse it otherwise.
func TestMain_ClientTLS(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := certstest.Server(t, dir, 1)
	b := startBulkd(t, func(c *config.Config) { c.HTTP.TLSCertFile, c.HTTP.TLSKeyFile = cert, key })
	server := strings.Replace(b.url, "http://", "https://", 1)
	t.Setenv(envURL, server)
	for _, tc := range []struct {
		name string
		args []string
		env  string
		code int
		out  string
	}{
		{name: "--ca-file", args: []string{"jobs", "--ca-file", ca.File}, out: "no jobs"},
		{name: "$BULKD_CA_FILE", args: []string{"jobs"}, env: ca.File, out: "no jobs"},
		{name: "the system's CAs do not know it", args: []string{"jobs"}, code: 1, out: "certificate"},
		{name: "a CA file that holds none", args: []string{"jobs", "--ca-file", cert + ".missing"}, code: 1, out: "read CA file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envCAFile, tc.env)
			out, errOut, code := runCLI(t, tc.args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, out+errOut, tc.out)
		})
	}
}
