// Package auth decides who an HTTP request acts for: a tenant's static
// token or an HS256 JWT (claims tenant, scope, sub, exp), in
// "Authorization: Bearer …" or in the "auth:" header the assist seed's curl
// sends. With nothing configured it is open: the tenant comes from
// X-Tenant, and the daemon serves on loopback only. Secrets come from
// environment variables and are never logged.
package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/golang-jwt/jwt/v5"
)

// Principal is who a request acts for.
type Principal struct {
	Tenant  string // the tenant it writes to
	Subject string // the JWT's sub, "token" for a static token, X-User when open
	// Expires is when the credentials do (a JWT's exp); zero for a static
	// token, which lasts until the configuration drops it.
	Expires time.Time
	scopes  map[string]bool
	open    bool // no auth configured: the local administrator reads every tenant
}

// Has reports whether the principal holds scope. Admin holds every scope
// of its tenant, not one that crosses tenants (bulkd.ScopeCrossesTenants:
// metrics:read), which a token must name; open, the local administrator
// holds them all.
func (p Principal) Has(scope string) bool {
	if p.open || p.scopes[scope] {
		return true
	}
	return p.scopes[bulkd.ScopeAdmin] && !bulkd.ScopeCrossesTenants(scope)
}

// AllTenants reports whether the principal reads every tenant (open only).
func (p Principal) AllTenants() bool { return p.open }

// Sees reports whether the principal may read tenant's data. Only its own,
// unless bulkd is open (loopback, no credentials configured).
func (p Principal) Sees(tenant string) bool { return p.AllTenants() || tenant == p.Tenant }

// scopeSet is the set of scopes list names.
func scopeSet(list []string) map[string]bool {
	set := make(map[string]bool, len(list))
	for _, s := range list {
		set[s] = true
	}
	return set
}

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal NewContext put in ctx.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Authenticator checks requests' credentials.
type Authenticator struct {
	tokens    map[[sha256.Size]byte]Principal // by the token's SHA-256
	jwtSecret []byte
	now       func() time.Time
}

// minJWTSecret is the shortest HS256 secret accepted: RFC 7518 asks for a
// key at least as long as the hash.
const minJWTSecret = 32

// Config is what the Authenticator is built from: the names of the
// environment variables holding secrets, never the secrets.
type Config struct {
	// JWTSecretEnv names the variable holding the HS256 secret ("": no JWTs).
	JWTSecretEnv string
	Tokens       []Token
}

// Token is a tenant's static bearer token: the variable holding it, and the
// scopes it grants.
type Token struct {
	Tenant    string
	SecretEnv string
	Scopes    []string
}

// New builds the Authenticator cfg describes, reading secrets with getenv.
// A named variable that is unset or empty is an error.
func New(cfg Config, getenv func(string) string) (*Authenticator, error) {
	a := &Authenticator{tokens: map[[sha256.Size]byte]Principal{}, now: time.Now}
	if cfg.JWTSecretEnv != "" {
		secret := getenv(cfg.JWTSecretEnv)
		if len(secret) < minJWTSecret {
			return nil, fmt.Errorf("auth.jwt_secret_env: the environment variable %s must hold the HS256 secret, at least %d bytes (it holds %d)", cfg.JWTSecretEnv, minJWTSecret, len(secret))
		}
		a.jwtSecret = []byte(secret)
	}
	for _, tok := range cfg.Tokens {
		secret := getenv(tok.SecretEnv)
		if secret == "" {
			return nil, fmt.Errorf("tenant %q: token.secret_env: the environment variable %s is not set", tok.Tenant, tok.SecretEnv)
		}
		sum := sha256.Sum256([]byte(secret))
		if _, dup := a.tokens[sum]; dup {
			return nil, fmt.Errorf("tenant %q: the token in %s is also another token's: tokens must differ", tok.Tenant, tok.SecretEnv)
		}
		a.tokens[sum] = Principal{Tenant: tok.Tenant, Subject: "token", scopes: scopeSet(tok.Scopes)}
	}
	return a, nil
}

// Enabled reports whether any credential is configured.
func (a *Authenticator) Enabled() bool { return len(a.tokens) > 0 || a.jwtSecret != nil }

// Errors Authenticate returns; both are EUNAUTHORIZED.
var (
	ErrMissing = bulkd.Errorf(bulkd.EUNAUTHORIZED, "missing credentials: send Authorization: Bearer <token>")
	ErrInvalid = bulkd.Errorf(bulkd.EUNAUTHORIZED, "invalid credentials")
)

// Authenticate returns who r acts for. Open (nothing configured), it is
// X-Tenant's tenant ("default" without one) with every scope.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	if !a.Enabled() {
		t := r.Header.Get("X-Tenant")
		if t == "" {
			t = "default"
		}
		if !bulkd.ValidTenant(t) {
			return Principal{}, bulkd.Errorf(bulkd.EINVALID, "X-Tenant %q is not a tenant name ([A-Za-z0-9._-]+)", t)
		}
		return Principal{Tenant: t, Subject: r.Header.Get("X-User"), scopes: scopeSet([]string{bulkd.ScopeAdmin}), open: true}, nil
	}
	raw := bearer(r)
	if raw == "" {
		return Principal{}, ErrMissing
	}
	if p, ok := a.tokens[sha256.Sum256([]byte(raw))]; ok {
		return p, nil
	}
	if a.jwtSecret == nil || strings.Count(raw, ".") != 2 {
		return Principal{}, ErrInvalid
	}
	return a.parseJWT(raw)
}

// bearer returns the token a request carries.
func bearer(r *http.Request) string {
	for _, h := range []string{r.Header.Get("Authorization"), r.Header.Get("Auth")} {
		h = strings.TrimSpace(h)
		if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			h = strings.TrimSpace(rest)
		}
		if h != "" {
			return h
		}
	}
	return ""
}

// claims are the JWT claims bulkd reads.
type claims struct {
	Tenant string `json:"tenant"`
	Scope  string `json:"scope"`
	jwt.RegisteredClaims
}

func (a *Authenticator) parseJWT(raw string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return a.jwtSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.now),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Principal{}, bulkd.Errorf(bulkd.EUNAUTHORIZED, "invalid credentials: the token has expired")
	case err != nil:
		return Principal{}, ErrInvalid
	case !bulkd.ValidTenant(c.Tenant):
		return Principal{}, bulkd.Errorf(bulkd.EUNAUTHORIZED, "invalid credentials: the token names no valid tenant")
	}
	p := Principal{Tenant: c.Tenant, Subject: c.Subject, scopes: scopeSet(strings.Fields(c.Scope))}
	if c.ExpiresAt != nil {
		p.Expires = c.ExpiresAt.Time
	}
	return p, nil
}
