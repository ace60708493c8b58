package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const jwtSecret = "an-hs256-secret-of-32-bytes-or-more"

// withAuth configures tokens for acme and globex and a JWT secret.
func withAuth(t *testing.T) func(*config.Config) {
	t.Setenv("TEST_JWT_SECRET", jwtSecret)
	t.Setenv("TEST_ACME_TOKEN", "acme-reader")
	t.Setenv("TEST_GLOBEX_TOKEN", "globex-admin")
	return func(c *config.Config) {
		c.Auth = &config.Auth{JWTSecretEnv: "TEST_JWT_SECRET"}
		c.Tenants = []*config.Tenant{
			{Name: "acme", Tokens: []*config.Token{{SecretEnv: "TEST_ACME_TOKEN", Scopes: []string{bulkd.ScopeJobsRead}}}},
			{Name: "globex", Tokens: []*config.Token{{SecretEnv: "TEST_GLOBEX_TOKEN", Scopes: []string{bulkd.ScopeAdmin}}}},
		}
	}
}

// call requests path with the header set and returns the status and body.
func (h *harness) call(method, path string, header map[string]string) (int, string, http.Header) {
	h.t.Helper()
	status, body, hdr := h.do(method, path, header, nil)
	return status, string(body), hdr
}

// do sends a request of body to path with the header set and returns the
// answer's status, body and header.
func (h *harness) do(method, path string, header map[string]string, body io.Reader) (int, []byte, http.Header) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, body)
	require.NoError(h.t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, b, resp.Header
}

// postForm posts a multipart form to path: file (when content is not nil)
// in the part fileField, and fields; token is the bearer ("" for none).
func (h *harness) postForm(path, token, fileField, fileName string, content []byte, fields map[string]string) (int, []byte, http.Header) {
	h.t.Helper()
	header := map[string]string{}
	if token != "" {
		header = bearer(token)
	}
	return h.postFormWith(path, header, fileField, fileName, content, fields)
}

// postFormWith is postForm with the request's header set.
func (h *harness) postFormWith(path string, header map[string]string, fileField, fileName string, content []byte, fields map[string]string) (int, []byte, http.Header) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if content != nil {
		w, err := mw.CreateFormFile(fileField, fileName)
		require.NoError(h.t, err)
		_, err = w.Write(content)
		require.NoError(h.t, err)
	}
	for k, v := range fields {
		require.NoError(h.t, mw.WriteField(k, v))
	}
	require.NoError(h.t, mw.Close())
	header["Content-Type"] = mw.FormDataContentType()
	return h.do(http.MethodPost, path, header, &buf)
}

// waitAuthedJobs waits for the n jobs a token sees to be final.
func (h *harness) waitAuthedJobs(tok string, n int) []jobJSON {
	h.t.Helper()
	return h.waitJobsAs(tok, "", n)
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func hs256(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(jwtSecret))
	require.NoError(t, err)
	return s
}

func TestAuth_TenantsAndScopes(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withAuth(t))
	drop(t, h.root, "acme", "good", "AGENTS.a.csv")
	drop(t, h.root, "globex", "good", "AGENTS.g.csv")
	waitAuthed := func(tok, tenant string) uint64 {
		jobs := h.waitAuthedJobs(tok, 1)
		require.Equal(t, "succeeded", jobs[0].State)
		require.Equal(t, tenant, jobs[0].Tenant, "a token lists its own tenant's jobs only")
		return jobs[0].ID
	}
	acmeJob := waitAuthed("acme-reader", "acme")
	globexJob := waitAuthed("globex-admin", "globex")
	future := time.Now().Add(time.Hour).Unix()
	jwtAcme := hs256(t, jwt.MapClaims{"tenant": "acme", "scope": "agents:read jobs:read", "sub": "ann@acme.com", "exp": future})

	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		status             int
		body               string
	}{
		{"health needs nothing", "GET", "/healthz", nil, 200, `"ok"`},
		{"no credentials", "GET", "/v1/jobs", nil, 401, "missing credentials"},
		{"unknown token", "GET", "/v1/jobs", bearer("guess"), 401, "invalid credentials"},
		{"expired JWT", "GET", "/v1/jobs", bearer(hs256(t, jwt.MapClaims{"tenant": "acme", "scope": "admin", "exp": time.Now().Add(-time.Minute).Unix()})), 401, "expired"},
		{"own job", "GET", "/v1/jobs/" + itoa(acmeJob), bearer("acme-reader"), 200, `"tenant": "acme"`},
		{"another tenant's job is not found", "GET", "/v1/jobs/" + itoa(globexJob), bearer("acme-reader"), 404, "not found"},
		{"as a job that does not exist", "GET", "/v1/jobs/999999", bearer("acme-reader"), 404, "not found"},
		{"another tenant's report", "GET", "/v1/jobs/" + itoa(globexJob) + "/errors.csv", bearer("acme-reader"), 404, "not found"},
		{"filtering for another tenant finds nothing", "GET", "/v1/jobs?tenant=globex", bearer("acme-reader"), 200, `"jobs": []`},
		{"scope missing", "GET", "/v1/tenants/acme/agents", bearer("acme-reader"), 403, "does not grant agents:read"},
		{"another tenant's records", "GET", "/v1/tenants/globex/agents", bearer("acme-reader"), 404, "not found"},
		{"JWT with the scope", "GET", "/v1/tenants/acme/agents", bearer(jwtAcme), 200, "agents"},
		{"JWT in the auth header", "GET", "/v1/tenants/acme/agents", map[string]string{"auth": jwtAcme}, 200, "agents"},
		{"admin holds every scope, in its tenant", "GET", "/v1/tenants/globex/contacts", bearer("globex-admin"), 200, "contacts"},
		{"admin of one tenant does not see another", "GET", "/v1/tenants/acme/contacts", bearer("globex-admin"), 404, "not found"},
		{"X-Tenant means nothing with auth", "GET", "/v1/tenants/acme/agents", map[string]string{"Authorization": "Bearer globex-admin", "X-Tenant": "acme"}, 404, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := h.call(tc.method, tc.path, tc.header)
			assert.Equal(t, tc.status, status, body)
			assert.Contains(t, body, tc.body)
			if status == 401 {
				assert.Equal(t, `Bearer realm="bulkd"`, hdr.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestAuth_NonLoopbackAllowedWithAuth(t *testing.T) {
	opt := withAuth(t)
	cfg := testConfig(t, t.TempDir())
	opt(cfg)
	cfg.HTTP.Listen = "0.0.0.0:0"
	err := daemon.New(cfg, hclog.NewNullLogger()).Open(context.Background())
	require.ErrorContains(t, err, "Address needs TLS", "a token never crosses the network in clear")
	cfg.HTTP.TrustedNetwork = true
	d := daemon.New(cfg, hclog.NewNullLogger())
	require.NoError(t, d.Open(context.Background()))
	require.NoError(t, d.Close())
}

func TestAuth_MissingSecretRefusesToStart(t *testing.T) {
	opt := withAuth(t)
	cfg := testConfig(t, t.TempDir())
	opt(cfg)
	require.NoError(t, os.Unsetenv("TEST_ACME_TOKEN"))
	err := daemon.New(cfg, hclog.NewNullLogger()).Open(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TEST_ACME_TOKEN is not set")
	_, statErr := os.Stat(filepath.Join(cfg.DataDir, "bulkd.db"))
	assert.True(t, os.IsNotExist(statErr), "nothing started")
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// A recording is served and captured only within its contact's tenant; to
// anyone else it is as absent as a contact id that does not exist.
func TestAuth_RecordingsStayWithTheirTenant(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withAuth(t))
	dir := filepath.Join(h.root, "globex")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.seed.csv"), readFixture(t, "contacts", "seed-full", "AGENTS.seed.csv"), 0o644))
	require.Equal(t, "succeeded", h.waitAuthedJobs("globex-admin", 1)[0].State)
	wav := readFixture(t, "media", "call1.wav")
	for name, b := range map[string][]byte{
		"call1.wav": wav, "call2.wav": wav, "call1.webmv": readFixture(t, "media", "call1.webm"),
		"CONTACT.seed-full.csv": readFixture(t, "contacts", "seed-full", "CONTACT.seed-full.csv"),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.Equal(t, "succeeded", h.waitAuthedJobs("globex-admin", 2)[0].State)
	var page contactsPage
	h.fetch("globex-admin", "/v1/tenants/globex/contacts", &page)
	require.NotEmpty(t, page.Contacts)
	id := itoa(page.Contacts[0].ID)
	acmeAdmin := hs256(t, jwt.MapClaims{"tenant": "acme", "scope": "admin", "exp": time.Now().Add(time.Hour).Unix()})

	for _, tc := range []struct {
		name, method, path, token string
		status                    int
	}{
		{"its own tenant", "GET", "/v1/tenants/globex/contacts/" + id + "/recordings/call1.wav", "globex-admin", 200},
		{"another tenant's path", "GET", "/v1/tenants/globex/contacts/" + id + "/recordings/call1.wav", acmeAdmin, 404},
		{"another tenant's id under one's own path", "GET", "/v1/tenants/acme/contacts/" + id + "/recordings/call1.wav", acmeAdmin, 404},
		{"as a contact that does not exist", "GET", "/v1/tenants/globex/contacts/999999/recordings/call1.wav", "globex-admin", 404},
		{"capture into another tenant's contact", "PUT", "/api/rest/wfo/contact/" + id + "/recordings/call1.wav", acmeAdmin, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.url+tc.path, bytes.NewReader(wav))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, string(body))
			if tc.status == 200 {
				assert.Equal(t, wav, body)
			} else {
				assert.NotContains(t, string(body), "RIFF", "no recording bytes leak")
			}
		})
	}
}

// lockedBuffer is a log sink the daemon's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Secrets and the tokens made from them never reach the log, at any level,
// whether a request is let in or turned away.
func TestAuth_SecretsNeverLogged(t *testing.T) {
	var logs lockedBuffer
	cfg := testConfig(t, t.TempDir())
	withAuth(t)(cfg)
	d := daemon.New(cfg, hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Trace}))
	require.NoError(t, d.Open(context.Background()))
	h := &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: cfg.DataDir}

	future := time.Now().Add(time.Hour).Unix()
	good := hs256(t, jwt.MapClaims{"tenant": "acme", "scope": "admin", "sub": "ann@acme.com", "exp": future})
	expired := hs256(t, jwt.MapClaims{"tenant": "acme", "scope": "admin", "exp": time.Now().Add(-time.Hour).Unix()})
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"tenant": "acme", "scope": "admin", "exp": future}).
		SignedString([]byte("not-the-secret-but-just-as-long-as-it"))
	require.NoError(t, err)
	nearMiss := "acme-reader-but-wrong"
	for _, hdr := range []map[string]string{
		bearer("acme-reader"), bearer("globex-admin"), bearer(good), bearer(expired), bearer(forged), bearer(nearMiss),
		{"auth": good}, {"Authorization": "Basic " + jwtSecret}, {"Authorization": "Bearer " + jwtSecret},
	} {
		for _, path := range []string{"/v1/jobs", "/v1/tenants/acme/agents", "/bulk-imports/users", "/wfm/aion/v1/schedules/event-imports/nope"} {
			h.call("GET", path, hdr)
		}
	}
	status, body, _ := h.postForm("/wfm/aion/v1/schedules/event-imports", good, "csv_file", "a.csv", []byte("not,the,header\n"),
		map[string]string{"file_name": "a.csv", "time_zone": "UTC"})
	require.Equal(t, http.StatusBadRequest, status, string(body))
	require.NoError(t, d.Close())

	out := logs.String()
	assert.Contains(t, out, "request refused", "turned-away credentials are logged")
	assert.Contains(t, out, "request forbidden", "a missing scope is logged")
	for _, secret := range []string{jwtSecret, "acme-reader", "globex-admin", good, expired, forged, nearMiss} {
		assert.NotContains(t, out, secret)
	}
}
