package dashboard

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/auth"
)

// cookieName holds a signed-in person's token. The cookie is HttpOnly
// (no script reads it), SameSite=Strict (no other site's page sends it),
// Secure over TLS, and expires with the token. Keeping the token itself,
// not a server-side session, means a restart signs nobody out and bulkd
// keeps no sessions to bound.
const cookieName = "bulkd_session"

// session is who a page is for: a signed-in token, or the local
// administrator when bulkd is open (no credentials configured).
type session struct {
	token     string
	principal auth.Principal
	open      bool
	// Tenant is the tenant the page is about: the token's, or when open
	// the one chosen (?tenant=), "" for every tenant.
	Tenant string
}

// Open reports whether bulkd is open: no sign-in, every tenant.
func (s *session) Open() bool { return s != nil && s.open }

// OpenTenant is the chosen tenant when open, which links carry along
// (?tenant=); "" otherwise, a token's tenant being its own.
func (s *session) OpenTenant() string {
	if s == nil || !s.open {
		return ""
	}
	return s.Tenant
}

// Who names the signed-in principal for the page's header.
func (s *session) Who() string {
	if s == nil || s.open {
		return ""
	}
	if s.principal.Subject != "" && s.principal.Subject != "token" {
		return s.principal.Subject + " (" + s.principal.Tenant + ")"
	}
	return s.principal.Tenant
}

// Has reports whether the session's token grants scope.
func (s *session) Has(scope string) bool { return s != nil && s.principal.Has(scope) }

// authorize makes req carry the session's credentials: its token, or when
// open the chosen tenant.
func (s *session) authorize(req *http.Request) {
	switch {
	case s.open && s.Tenant != "":
		req.Header.Set("X-Tenant", s.Tenant)
	case !s.open:
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
}

// withSession runs h for the request's session; without a valid one it
// sends a person to the sign-in page (an API call through the proxy goes
// on without credentials, and the API answers 401). A request that changes
// anything must come from a page of this origin.
func (d *Dashboard) withSession(h func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
			http.Error(w, "refused: the request does not come from a page of this dashboard (Origin)", http.StatusForbidden)
			return
		}
		s, ok := d.session(r)
		if !ok {
			if strings.HasPrefix(r.URL.Path, "/ui/") {
				h(w, r, &session{})
				return
			}
			clearCookie(w, r)
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, s)
	}
}

// session reads the request's session, false when it has none that is
// valid (none, expired, or a token bulkd no longer takes).
func (d *Dashboard) session(r *http.Request) (*session, bool) {
	tenant := r.URL.Query().Get("tenant")
	if !d.Auth.Enabled() {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tenant != "" && bulkd.ValidTenant(tenant) {
			req.Header.Set("X-Tenant", tenant)
		} else {
			tenant = ""
		}
		p, err := d.Auth.Authenticate(req)
		return &session{principal: p, open: true, Tenant: tenant}, err == nil
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil, false
	}
	p, err := d.check(string(raw))
	if err != nil {
		return nil, false
	}
	return &session{token: string(raw), principal: p, Tenant: p.Tenant}, true
}

// check returns who token acts for, as the API would decide.
func (d *Dashboard) check(token string) (auth.Principal, error) {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return d.Auth.Authenticate(req)
}

// sameOrigin reports whether r comes from a page served by this host: its
// Origin (or, without one, its Referer) is this scheme and host.
func sameOrigin(r *http.Request) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if o := r.Header.Get("Origin"); o != "" {
		return o == scheme+"://"+r.Host
	}
	ref, err := url.Parse(r.Header.Get("Referer"))
	return err == nil && ref.Scheme == scheme && ref.Host == r.Host
}

func (d *Dashboard) signinPage(w http.ResponseWriter, r *http.Request) {
	if !d.Auth.Enabled() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	d.render(w, r, nil, "signin", map[string]any{"Next": localPath(r.URL.Query().Get("next"))})
}

// signin takes a token from the sign-in form and, when bulkd takes it,
// keeps it in the session cookie until it expires.
func (d *Dashboard) signin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "refused: the request does not come from a page of this dashboard (Origin)", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	token, next := strings.TrimSpace(r.PostFormValue("token")), localPath(r.PostFormValue("next"))
	p, err := d.check(token)
	if token == "" || err != nil {
		msg := "That token was refused: it is not one of bulkd's tokens, or it has expired."
		if token == "" {
			msg = "Enter a token."
		}
		w.WriteHeader(http.StatusUnauthorized)
		d.render(w, r, nil, "signin", map[string]any{"Next": next, "Error": msg})
		return
	}
	c := &http.Cookie{Name: cookieName, Value: base64.RawURLEncoding.EncodeToString([]byte(token)), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
	if !p.Expires.IsZero() {
		c.Expires = p.Expires
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *Dashboard) signout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "refused: the request does not come from a page of this dashboard (Origin)", http.StatusForbidden)
		return
	}
	clearCookie(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// localPath keeps a redirect target on this site: a path, not a URL.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// proxy passes a request of the page's own script (live rows, uploads,
// downloads, media) to the API under /v1/…, with the session's
// credentials.
func (d *Dashboard) proxy(w http.ResponseWriter, r *http.Request, s *session) {
	req := r.Clone(r.Context())
	req.URL.Path = strings.TrimPrefix(r.URL.Path, "/ui")
	req.URL.RawPath = ""
	req.RequestURI = ""
	req.Header.Del("Authorization")
	req.Header.Del("X-Tenant")
	s.authorize(req)
	d.API.ServeHTTP(w, req)
}
