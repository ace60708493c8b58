// Package dashboard serves bulkd's pages for a person at /: every job live,
// the objects kind's Bulk Operations screens, the files waiting in the
// tenant folders, and contacts with their recordings. Pages are rendered
// on the server with html/template from embedded files; a little
// hand-written JavaScript refreshes them live and shows upload progress.
//
// The dashboard has no data of its own: every page is rendered from the
// JSON the API's own handlers answer, asked in-process with the signed-in
// person's token (fetch), and the browser's own requests for files, media
// and uploads go to the same API through /ui/v1/… (proxy). What a token
// may see through the API is exactly what its dashboard shows.
package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/auth"
	"github.com/hashicorp/go-hclog"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Deps are what the dashboard is built on.
type Deps struct {
	// API is the JSON API's handler: every page's data comes from it.
	API http.Handler
	// Auth decides who a session's token acts for; not Enabled, the
	// dashboard is open, as the API is.
	Auth *auth.Authenticator
	// Kinds are the registered kinds' names, for the jobs filter.
	Kinds []string
	// ObjectTypes are the objects kind's types (slug and name), for the
	// Bulk Operations screens; none hides them.
	ObjectTypes []ObjectType
}

// ObjectType is a configuration object type as the screens offer it.
type ObjectType struct{ Slug, Name string }

// Dashboard serves the pages.
type Dashboard struct {
	Deps
	log   hclog.Logger
	pages map[string]*template.Template
	now   func() time.Time
}

// New parses the templates.
func New(deps Deps, logger hclog.Logger) (*Dashboard, error) {
	d := &Dashboard{Deps: deps, log: logger, pages: map[string]*template.Template{}, now: time.Now}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		d.pages[page] = t
	}
	return d, nil
}

// Handler returns the dashboard's routes; every other path goes to the
// API, whose handler answers it or says it has no such endpoint.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /signin", d.signinPage)
	mux.HandleFunc("POST /signin", d.signin)
	mux.HandleFunc("POST /signout", d.signout)
	page := func(pattern string, h func(w http.ResponseWriter, r *http.Request, s *session)) {
		mux.HandleFunc(pattern, d.withSession(h))
	}
	page("GET /{$}", d.jobsPage)
	page("GET /jobs/{id}", d.jobPage)
	page("GET /operations", d.operationsPage)
	page("GET /operations/new", d.newOperationPage)
	page("GET /operations/export", d.exportObjects)
	page("GET /operations/{id}", d.operationPage)
	page("POST /operations", d.importOperation)
	page("GET /folder", d.folderPage)
	page("GET /contacts", d.contactsPage)
	page("GET /contacts/{tenant}/{id}", d.contactPage)
	page("/ui/v1/", d.proxy)
	mux.Handle("/", d.API)
	return mux
}

// fetch asks the API for path as the session does, and decodes its JSON
// into v. An answer that is not 2xx is an error carrying its status and
// the API's message.
func (d *Dashboard) fetch(r *http.Request, s *session, path string, v any) error {
	body, _, err := d.fetchRaw(r, s, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// fetchRaw asks the API for path as the session does and returns the body
// and its content type.
func (d *Dashboard) fetchRaw(r *http.Request, s *session, path string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, path, nil)
	if err != nil {
		return nil, "", err
	}
	s.authorize(req)
	rec := &capture{header: http.Header{}}
	d.API.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status/100 != 2 {
		return nil, "", &apiError{status: rec.status, message: apiMessage(rec.body.Bytes())}
	}
	return rec.body.Bytes(), rec.header.Get("Content-Type"), nil
}

// apiError is an API answer that was not a success, as a page tells it.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

// apiMessage finds the human message in any of the API's error shapes.
func apiMessage(body []byte) string {
	var e struct{ Message, Description string }
	if json.Unmarshal(body, &e) == nil {
		if e.Description != "" {
			return e.Description
		}
		if e.Message != "" {
			return e.Message
		}
	}
	return strings.TrimSpace(string(body))
}

// capture is an in-memory ResponseWriter for an in-process API request.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.header }
func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}
func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// render writes page with data; an error renders the error page.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, s *session, page string, data map[string]any) {
	t, ok := d.pages[page]
	if !ok {
		d.fail(w, r, s, fmt.Errorf("no page %s", page))
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Session"] = s
	data["Path"] = r.URL.Path
	data["HasObjects"] = len(d.ObjectTypes) > 0 && s.Has(bulkd.ScopeObjectsRead)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		d.log.Error("render page", "page", page, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// fail shows err on the error page, with the API's status when it has one.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	if ae, ok := err.(*apiError); ok {
		status, msg = ae.status, ae.message
	} else {
		d.log.Error("dashboard page failed", "path", r.URL.Path, "error", err)
	}
	w.WriteHeader(status)
	t := d.pages["error"]
	_ = t.ExecuteTemplate(w, "layout.html", map[string]any{"Session": s, "Path": r.URL.Path, "Status": status, "Message": msg,
		"HasObjects": len(d.ObjectTypes) > 0 && s.Has(bulkd.ScopeObjectsRead)})
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.Local().Format("2006-01-02 15:04:05")
		case *time.Time:
			if v == nil {
				return ""
			}
			return v.Local().Format("2006-01-02 15:04:05")
		}
		return ""
	},
	"took": func(from, to *time.Time) string {
		if from == nil || to == nil {
			return ""
		}
		return to.Sub(*from).Round(time.Millisecond).String()
	},
	"percent": func(done, total int) int {
		if total <= 0 {
			return 0
		}
		return min(100, done*100/total)
	},
	"final": func(state bulkd.JobState) bool { return state.Final() },
	"query": func(pairs ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] != "" {
				q.Set(pairs[i], pairs[i+1])
			}
		}
		if len(q) == 0 {
			return ""
		}
		return template.URL("?" + q.Encode())
	},
	"itoa":       func(n uint64) string { return strconv.FormatUint(n, 10) },
	"pathEscape": url.PathEscape,
}
