package auth_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/auth"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "0123456789abcdef0123456789abcdef" // 32 bytes

func testConfig() auth.Config {
	return auth.Config{JWTSecretEnv: "JWT_SECRET", Tokens: []auth.Token{
		{Tenant: "acme", SecretEnv: "ACME_TOKEN", Scopes: []string{bulkd.ScopeWFMRead, bulkd.ScopeWFMWrite}},
		{Tenant: "globex", SecretEnv: "GLOBEX_TOKEN", Scopes: []string{bulkd.ScopeAdmin}},
	}}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var goodEnv = map[string]string{"JWT_SECRET": secret, "ACME_TOKEN": "acme-static-token", "GLOBEX_TOKEN": "globex-static-token"}

func sign(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	require.NoError(t, err)
	return s
}

func TestAuthenticate(t *testing.T) {
	a, err := auth.New(testConfig(), env(goodEnv))
	require.NoError(t, err)
	require.True(t, a.Enabled())
	future, past := time.Now().Add(time.Hour).Unix(), time.Now().Add(-time.Minute).Unix()
	good := jwt.MapClaims{"tenant": "acme", "scope": "jobs:read agents:read", "sub": "ann@acme.com", "exp": future}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	noneToken := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good)
	for _, tc := range []struct {
		name    string
		headers map[string]string
		tenant  string
		subject string
		has     []string
		hasnt   []string
		err     string
	}{
		{name: "static token, Bearer", headers: map[string]string{"Authorization": "Bearer acme-static-token"},
			tenant: "acme", subject: "token", has: []string{bulkd.ScopeWFMRead, bulkd.ScopeWFMWrite}, hasnt: []string{bulkd.ScopeJobsRead}},
		{name: "static token in the assist seed's auth header", headers: map[string]string{"auth": "globex-static-token"},
			tenant: "globex", has: []string{bulkd.ScopeAssistWrite, bulkd.ScopeJobsRead}, hasnt: []string{bulkd.ScopeMetricsRead}, subject: "token"},
		{name: "JWT", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), good)},
			tenant: "acme", subject: "ann@acme.com", has: []string{bulkd.ScopeJobsRead, bulkd.ScopeAgentsRead}, hasnt: []string{bulkd.ScopeWFMWrite, bulkd.ScopeAdmin}},
		{name: "JWT naming metrics:read", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with("scope", "metrics:read"))},
			tenant: "acme", subject: "ann@acme.com", has: []string{bulkd.ScopeMetricsRead}, hasnt: []string{bulkd.ScopeJobsRead}},
		{name: "JWT in auth header", headers: map[string]string{"auth": sign(t, jwt.SigningMethodHS256, []byte(secret), good)},
			tenant: "acme", subject: "ann@acme.com", has: []string{bulkd.ScopeJobsRead}},
		{name: "missing", headers: map[string]string{}, err: "missing credentials"},
		{name: "unknown static token", headers: map[string]string{"Authorization": "Bearer nope"}, err: "invalid credentials"},
		{name: "expired", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with("exp", past))}, err: "expired"},
		{name: "no exp", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with("exp", nil))}, err: "invalid credentials"},
		{name: "wrong signature", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), good)}, err: "invalid credentials"},
		{name: "alg none", headers: map[string]string{"Authorization": "Bearer " + noneToken}, err: "invalid credentials"},
		{name: "alg HS384", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS384, []byte(secret), good)}, err: "invalid credentials"},
		{name: "malformed", headers: map[string]string{"Authorization": "Bearer a.b.c"}, err: "invalid credentials"},
		{name: "no tenant claim", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with("tenant", nil))}, err: "no valid tenant"},
		{name: "unsafe tenant claim", headers: map[string]string{"Authorization": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with("tenant", "../x"))}, err: "no valid tenant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			p, err := a.Authenticate(r)
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, bulkd.EUNAUTHORIZED, bulkd.ErrorCode(err))
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.tenant, p.Tenant)
			assert.Equal(t, tc.subject, p.Subject)
			for _, s := range tc.has {
				assert.True(t, p.Has(s), s)
			}
			for _, s := range tc.hasnt {
				assert.False(t, p.Has(s), s)
			}
			assert.True(t, p.Sees(tc.tenant))
			assert.False(t, p.Sees("other"), "a token sees its own tenant only")
		})
	}
}

func TestAuthenticate_Open(t *testing.T) {
	a, err := auth.New(auth.Config{}, env(nil))
	require.NoError(t, err)
	require.False(t, a.Enabled())
	r := httptest.NewRequest("GET", "/", nil)
	p, err := a.Authenticate(r)
	require.NoError(t, err)
	assert.Equal(t, "default", p.Tenant)
	assert.True(t, p.Has(bulkd.ScopeWFMWrite))
	assert.True(t, p.Has(bulkd.ScopeMetricsRead), "the local administrator reads the metrics")
	assert.True(t, p.Sees("anyone"), "the local administrator reads every tenant")
	r.Header.Set("X-Tenant", "acme")
	r.Header.Set("X-User", "ann@acme.com")
	p, err = a.Authenticate(r)
	require.NoError(t, err)
	assert.Equal(t, [2]string{"acme", "ann@acme.com"}, [2]string{p.Tenant, p.Subject})
	r.Header.Set("X-Tenant", "../etc")
	_, err = a.Authenticate(r)
	assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
}

func TestNew_Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"token variable unset", map[string]string{"JWT_SECRET": secret, "ACME_TOKEN": "a"}, `tenant "globex": token.secret_env: the environment variable GLOBEX_TOKEN is not set`},
		{"short JWT secret", map[string]string{"JWT_SECRET": "short", "ACME_TOKEN": "a", "GLOBEX_TOKEN": "b"}, "at least 32 bytes (it holds 5)"},
		{"same token twice", map[string]string{"JWT_SECRET": secret, "ACME_TOKEN": "same", "GLOBEX_TOKEN": "same"}, "tokens must differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth.New(testConfig(), env(tc.env))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, v := range tc.env {
				if len(v) > 2 {
					assert.NotContains(t, err.Error(), v, "no secret in the message")
				}
			}
		})
	}
}
