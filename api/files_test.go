package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/auth"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServer_Files: GET /v1/tenants/{t}/files lists a tenant's waiting
// files by name, with the jobs:read scope, and hides other tenants.
func TestServer_Files(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	folders := map[string][]api.FolderFile{
		"acme": {
			{Name: "contact.lower.csv", Size: 12, Modified: at, State: "not_an_import", Reason: "the prefix is case-sensitive: did you mean CONTACT.lower.csv?"},
			{Name: "AGENTS.m.csv", Size: 6, Modified: at, State: "settling"},
		},
		"globex": {{Name: "AGENTS.g.csv", Size: 1, Modified: at, State: "settling"}},
	}
	files := func(tenant string) []api.FolderFile { return folders[tenant] }
	env := map[string]string{"ACME_JOBS": "acme-jobs", "ACME_AGENTS": "acme-agents"}
	secured, err := auth.New(auth.Config{Tokens: []auth.Token{
		{Tenant: "acme", SecretEnv: "ACME_JOBS", Scopes: []string{bulkd.ScopeJobsRead}},
		{Tenant: "acme", SecretEnv: "ACME_AGENTS", Scopes: []string{bulkd.ScopeAgentsRead}},
	}}, func(k string) string { return env[k] })
	require.NoError(t, err)
	open, err := auth.New(auth.Config{}, func(string) string { return "" })
	require.NoError(t, err)

	const acme = `{"files":[` +
		`{"name":"AGENTS.m.csv","size":6,"modified":"2026-11-25T09:30:00Z","state":"settling","reason":""},` +
		`{"name":"contact.lower.csv","size":12,"modified":"2026-11-25T09:30:00Z","state":"not_an_import","reason":"the prefix is case-sensitive: did you mean CONTACT.lower.csv?"}]}`
	for _, tc := range []struct {
		name   string
		authn  *auth.Authenticator
		files  func(string) []api.FolderFile
		path   string
		header map[string]string
		status int
		body   string // JSON; "" to check only the status
	}{
		{"sorted by name", secured, files, "/v1/tenants/acme/files", map[string]string{"Authorization": "Bearer acme-jobs"}, http.StatusOK, acme},
		{"open: any tenant", open, files, "/v1/tenants/acme/files", nil, http.StatusOK, acme},
		{"nothing waiting", open, files, "/v1/tenants/initech/files", nil, http.StatusOK, `{"files":[]}`},
		{"no watcher", open, nil, "/v1/tenants/acme/files", nil, http.StatusOK, `{"files":[]}`},
		{"another tenant is not found", secured, files, "/v1/tenants/globex/files", map[string]string{"Authorization": "Bearer acme-jobs"}, http.StatusNotFound, ""},
		{"without jobs:read", secured, files, "/v1/tenants/acme/files", map[string]string{"Authorization": "Bearer acme-agents"}, http.StatusForbidden, ""},
		{"without a token", secured, files, "/v1/tenants/acme/files", nil, http.StatusUnauthorized, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := api.NewServer(api.Deps{Auth: tc.authn, Files: tc.files}, hclog.NewNullLogger())
			require.NoError(t, err)
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			body, err := io.ReadAll(rec.Body)
			require.NoError(t, err)
			require.Equal(t, tc.status, rec.Code, string(body))
			if tc.body != "" {
				assert.JSONEq(t, tc.body, string(body))
			}
		})
	}
}
