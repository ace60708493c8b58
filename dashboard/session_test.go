package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
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

const testJWTSecret = "0123456789abcdef0123456789abcdef-dashboard"

// startAuthed runs the daemon with tokens: acme's reads jobs only.
func startAuthed(t *testing.T) string {
	t.Helper()
	t.Setenv("DASH_ACME", "acme-jobs-token")
	t.Setenv("DASH_JWT", testJWTSecret)
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags.Error())
	dir := t.TempDir()
	cfg.DataDir, cfg.Watch.Root, cfg.HTTP.Listen = dir, filepath.Join(dir, "gis"), "127.0.0.1:0"
	cfg.Auth = &config.Auth{JWTSecretEnv: "DASH_JWT"}
	cfg.Tenants = []*config.Tenant{{Name: "acme", Tokens: []*config.Token{{SecretEnv: "DASH_ACME", Scopes: []string{bulkd.ScopeJobsRead}}}}}
	d := daemon.New(cfg, hclog.NewNullLogger())
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	return "http://" + d.Addr()
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func send(t *testing.T, method, u string, form url.Values, header map[string]string) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestSession: sign-in keeps the token in an HttpOnly, SameSite=Strict
// cookie that expires with it; requests that change anything must come
// from the dashboard's own origin; a redirect after sign-in stays on the
// site.
func TestSession(t *testing.T) {
	base := startAuthed(t)
	origin := map[string]string{"Origin": base}

	resp := send(t, "GET", base+"/", nil, nil)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/signin?next=%2F", resp.Header.Get("Location"), "no session: to the sign-in page")

	resp = send(t, "POST", base+"/signin", url.Values{"token": {"acme-jobs-token"}}, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no Origin: refused")
	resp = send(t, "POST", base+"/signin", url.Values{"token": {"acme-jobs-token"}}, map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "another origin: refused")

	resp = send(t, "POST", base+"/signin", url.Values{"token": {"wrong"}}, origin)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Empty(t, resp.Cookies())

	resp = send(t, "POST", base+"/signin", url.Values{"token": {"acme-jobs-token"}, "next": {"//evil.example/x"}}, origin)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/", resp.Header.Get("Location"), "a next that leaves the site goes home instead")
	require.Len(t, resp.Cookies(), 1)
	c := resp.Cookies()[0]
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
	assert.True(t, c.Expires.IsZero(), "a static token does not expire: a session cookie")
	assert.NotContains(t, c.Value, "acme-jobs-token", "encoded, not as typed")
	cookie := map[string]string{"Cookie": c.Name + "=" + c.Value}

	resp = send(t, "GET", base+"/", nil, cookie)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp = send(t, "GET", base+"/ui/v1/jobs", nil, cookie)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the page's script reaches the API with the session")
	resp = send(t, "GET", base+"/ui/v1/jobs", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "and nobody else does")
	resp = send(t, "GET", base+"/contacts", nil, cookie)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	b, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(b), "contacts:read", "a scope the token lacks is said, not shown")

	withCookie := map[string]string{"Cookie": cookie["Cookie"]}
	resp = send(t, "POST", base+"/signout", url.Values{}, withCookie)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "signing out needs the origin too")
	withCookie["Origin"] = base
	resp = send(t, "POST", base+"/signout", url.Values{}, withCookie)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, resp.Cookies(), 1)
	assert.Equal(t, -1, resp.Cookies()[0].MaxAge)

	// A JWT's cookie expires with it; an expired one is a session no more.
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"tenant": "acme", "scope": "jobs:read", "sub": "ann", "exp": exp.Unix()}).SignedString([]byte(testJWTSecret))
	require.NoError(t, err)
	resp = send(t, "POST", base+"/signin", url.Values{"token": {tok}}, origin)
	require.Len(t, resp.Cookies(), 1)
	assert.True(t, exp.Equal(resp.Cookies()[0].Expires), "%v", resp.Cookies()[0].Expires)
	old, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"tenant": "acme", "scope": "jobs:read", "exp": time.Now().Add(-time.Minute).Unix()}).SignedString([]byte(testJWTSecret))
	require.NoError(t, err)
	resp = send(t, "POST", base+"/signin", url.Values{"token": {old}}, origin)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp = send(t, "GET", base+"/v1/nothing", nil, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the API's paths stay the API's")
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
}

// TestOpenNeedsATenant: open, a tenant's page asks which tenant before it
// reads or writes anything; nothing goes to a default tenant unasked.
func TestOpenNeedsATenant(t *testing.T) {
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags.Error())
	dir := t.TempDir()
	cfg.DataDir, cfg.Watch.Root, cfg.HTTP.Listen = dir, filepath.Join(dir, "gis"), "127.0.0.1:0"
	d := daemon.New(cfg, hclog.NewNullLogger())
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	base := "http://" + d.Addr()
	for _, path := range []string{"/operations", "/operations/new", "/operations?fragment=rows", "/operations/7", "/operations/export?object=site", "/contacts"} {
		resp := send(t, "GET", base+path, nil, nil)
		b, _ := io.ReadAll(resp.Body)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, string(b), "choose the tenant", path)
	}
	resp := send(t, "POST", base+"/operations", url.Values{"object": {"site"}}, map[string]string{"Origin": base})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/operations", resp.Header.Get("Location"))
	resp = send(t, "GET", base+"/v1/bulk-operations", nil, nil)
	b, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(b), `"total": 0`, "nothing was imported for tenant default")
}
