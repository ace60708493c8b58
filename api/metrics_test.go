package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/auth"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServer_Metrics: GET /metrics takes a token naming metrics:read (an
// admin token is not enough: the metrics span tenants), unless
// MetricsOpen or bulkd is open; without a Metrics handler it is unknown.
func TestServer_Metrics(t *testing.T) {
	env := map[string]string{"JOBS": "jobs-token", "ADMIN": "admin-token", "METRICS": "metrics-token"}
	secured, err := auth.New(auth.Config{Tokens: []auth.Token{
		{Tenant: "acme", SecretEnv: "JOBS", Scopes: []string{bulkd.ScopeJobsRead}},
		{Tenant: "acme", SecretEnv: "ADMIN", Scopes: []string{bulkd.ScopeAdmin}},
		{Tenant: "acme", SecretEnv: "METRICS", Scopes: []string{bulkd.ScopeMetricsRead}},
	}}, func(k string) string { return env[k] })
	require.NoError(t, err)
	open, err := auth.New(auth.Config{}, func(string) string { return "" })
	require.NoError(t, err)
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("bulkd_up 1\n")) })

	for _, tc := range []struct {
		name    string
		authn   *auth.Authenticator
		metrics http.Handler
		open    bool
		token   string
		status  int
	}{
		{"with metrics:read", secured, metrics, false, "metrics-token", http.StatusOK},
		{"without metrics:read", secured, metrics, false, "jobs-token", http.StatusForbidden},
		{"admin does not grant it", secured, metrics, false, "admin-token", http.StatusForbidden},
		{"without a token", secured, metrics, false, "", http.StatusUnauthorized},
		{"opened by the config", secured, metrics, true, "", http.StatusOK},
		{"bulkd open", open, metrics, false, "", http.StatusOK},
		{"turned off", open, nil, false, "", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := api.NewServer(api.Deps{Auth: tc.authn, Metrics: tc.metrics, MetricsOpen: tc.open}, hclog.NewNullLogger())
			require.NoError(t, err)
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status == http.StatusOK {
				assert.Equal(t, "bulkd_up 1\n", rec.Body.String())
			}
		})
	}
}
