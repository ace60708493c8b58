package dashboard_test

// The dashboard's tests in a real browser: Debian's headless Chromium,
// driven by chromedp (internal/chrome), against the real daemon running
// in-process on a loopback port. Each test has its own daemon, data dir and
// browser; every tab's console is collected, and an error or an uncaught
// exception on any page fails the test that visited it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/chrome"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
)

// waitFor bounds every wait of these tests: a job, a page element, a
// download.
const waitFor = 15 * time.Second

// server is the daemon running in-process for one test.
type server struct {
	t    *testing.T
	url  string
	root string
}

// startServer starts the daemon on a temp data dir and a free loopback
// port, with short windows, importing specs' kinds (all of them when
// none), the config changed by opts.
func startServer(t *testing.T, specs []pipeline.Spec, opts ...func(*config.Config)) *server {
	t.Helper()
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags.Error())
	dataDir := t.TempDir()
	cfg.DataDir = dataDir
	cfg.Watch.Root = filepath.Join(dataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = 50 * time.Millisecond
	cfg.Watch.RescanDur = time.Second
	for _, o := range opts {
		o(cfg)
	}
	d := daemon.New(cfg, hclog.NewNullLogger(), specs...)
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	return &server{t: t, url: "http://" + d.Addr(), root: cfg.Watch.Root}
}

// withTokens configures acme's and globex's static tokens: acme's may
// read jobs only, globex's is an admin.
func withTokens(t *testing.T) func(*config.Config) {
	t.Setenv("DASHBOARD_TEST_ACME_TOKEN", acmeToken)
	t.Setenv("DASHBOARD_TEST_GLOBEX_TOKEN", globexToken)
	return func(c *config.Config) {
		c.Tenants = []*config.Tenant{
			{Name: "acme", Tokens: []*config.Token{{SecretEnv: "DASHBOARD_TEST_ACME_TOKEN", Scopes: []string{bulkd.ScopeJobsRead}}}},
			{Name: "globex", Tokens: []*config.Token{{SecretEnv: "DASHBOARD_TEST_GLOBEX_TOKEN", Scopes: []string{bulkd.ScopeAdmin}}}},
		}
	}
}

const (
	acmeToken   = "acme-reader-token"
	globexToken = "globex-admin-token"
)

// drop puts a file into a tenant folder whole: written elsewhere, then
// renamed in, as a careful sender does.
func (s *server) drop(tenant, name string, data []byte) {
	s.t.Helper()
	dir := filepath.Join(s.root, tenant)
	require.NoError(s.t, os.MkdirAll(dir, 0o755))
	tmp := filepath.Join(s.t.TempDir(), name)
	require.NoError(s.t, os.WriteFile(tmp, data, 0o644))
	require.NoError(s.t, os.Rename(tmp, filepath.Join(dir, name)))
}

// get asks the API for path with token ("" when open) and returns the
// status and body.
func (s *server) get(token, path string) (int, []byte) {
	s.t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return s.request(path, h)
}

// getOpen asks the open API for path as tenant.
func (s *server) getOpen(tenant, path string) (int, []byte) {
	s.t.Helper()
	return s.request(path, http.Header{"X-Tenant": {tenant}})
}

func (s *server) request(path string, h http.Header) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	require.NoError(s.t, err)
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, body
}

// getJSON asks the API for path and decodes its 200 answer into v.
func (s *server) getJSON(token, path string, v any) {
	s.t.Helper()
	status, body := s.get(token, path)
	require.Equal(s.t, http.StatusOK, status, string(body))
	require.NoError(s.t, json.Unmarshal(body, v), string(body))
}

// postOperation sends an objects file to the open API's bulk operations
// as tenant, and returns the operation's id.
func (s *server) postOperation(tenant, object, name string, data []byte) uint64 {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(s.t, mw.WriteField("object", object))
	w, err := mw.CreateFormFile("file", name)
	require.NoError(s.t, err)
	_, err = w.Write(data)
	require.NoError(s.t, err)
	require.NoError(s.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, s.url+"/v1/bulk-operations", &body)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Tenant", tenant)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	var op struct{ ID uint64 }
	require.Equal(s.t, http.StatusAccepted, resp.StatusCode)
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&op))
	return op.ID
}

// job is a job as the API lists it.
type job struct {
	ID          uint64 `json:"id"`
	Tenant      string `json:"tenant"`
	Kind        string `json:"kind"`
	File        string `json:"file"`
	State       string `json:"state"`
	RowsTotal   int    `json:"rows_total"`
	RowsFailed  int    `json:"rows_failed"`
	Error       string `json:"error"`
	ErrorReport string `json:"error_report"`
}

// waitJobs waits until the tenant's jobs, as token sees them, are n and
// all final, and returns them newest first.
func (s *server) waitJobs(token, tenant string, n int) []job {
	s.t.Helper()
	var jobs []job
	eventually(s.t, fmt.Sprintf("%d final jobs of %s", n, tenant), func() (bool, string) {
		var out struct{ Jobs []job }
		s.getJSON(token, "/v1/jobs?tenant="+tenant, &out)
		jobs = out.Jobs
		final := 0
		for _, j := range jobs {
			if bulkd.JobState(j.State).Final() {
				final++
			}
		}
		return len(jobs) == n && final == n, fmt.Sprintf("%+v", jobs)
	})
	return jobs
}

// eventually calls cond every 25 ms until it holds, and fails the test
// after waitFor with what cond last saw.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last saw: %s", what, saw)
		}
		<-tick.C
	}
}

// fixture reads a file of the repository's testdata.
func fixture(t *testing.T, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "testdata"}, elem...)...))
	require.NoError(t, err)
	return b
}

// tab is a browser tab on the daemon's dashboard.
type tab struct {
	t       *testing.T
	ctx     context.Context
	base    string
	console *consoleLog
	dlDir   string
}

// openTab starts a headless Chromium (a missing one fails the test) with
// its console collected; when the test ends, an error-level message or an
// uncaught exception on any page it visited fails it.
func openTab(t *testing.T, base string) *tab {
	t.Helper()
	ctx, cancel, err := chrome.Start(context.Background(), t.TempDir(), 1280, 900)
	require.NoError(t, err, "the browser tests need Chromium")
	t.Cleanup(cancel)
	b := &tab{t: t, ctx: ctx, base: base, console: &consoleLog{}}
	messages := chromedp.Console(ctx) // subscribed from here on
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.console.add(m)
		}
	}()
	t.Cleanup(b.checkConsole)
	return b
}

// on is the tab for subtest t.
func (b *tab) on(t *testing.T) *tab {
	sub := *b
	sub.t = t
	return &sub
}

// do runs actions on the tab, each call bounded by waitFor.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...))
}

// open navigates to path of the dashboard, waits for the page to load and
// returns its HTTP status.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	require.NoError(b.t, err, path)
	return resp.Status
}

// submit runs actions that navigate (a form's submit button clicked) and
// waits for the page they lead to; it returns its status and URL.
func (b *tab) submit(actions ...chromedp.Action[chromedp.Void]) (int64, string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	require.NoError(b.t, err)
	return resp.Status, resp.URL
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(b.t, err, js)
	return v
}

// waitJS waits until the expression js, evaluated in the page, is true;
// on timeout the test fails with what and the page's text.
func (b *tab) waitJS(what, js string) {
	b.t.Helper()
	eventually(b.t, what, func() (bool, string) {
		ctx, cancel := context.WithTimeout(b.ctx, waitFor)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		if err != nil { // a page on its way: ask again
			return false, err.Error()
		}
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + ": " + (document.querySelector("main") || document.body || {}).innerText`))
		if len(text) > 600 {
			text = text[:600] + "…"
		}
		return ok, text
	})
}

// text is the text of the first element matching the CSS selector, ""
// when there is none.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel))
}

// download runs actions that make the browser download a file, waits for
// the download to complete and returns the name the server suggested and
// the bytes saved.
func (b *tab) download(actions ...chromedp.Action[chromedp.Void]) (string, []byte) {
	b.t.Helper()
	if b.dlDir == "" {
		b.dlDir = b.t.TempDir()
		ctx, cancel := context.WithTimeout(b.ctx, waitFor)
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.dlDir, EventsEnabled: new(true),
		})
		cancel()
		require.NoError(b.t, err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	begins := chromedp.Events(ctx, browser.DownloadWillBegin)
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	require.NoError(b.t, chromedp.Do(ctx, actions...))
	var begin browser.EventDownloadWillBegin
	for ev, err := range begins {
		require.NoError(b.t, err, "no download began")
		begin = ev
		break
	}
	for ev, err := range progress {
		require.NoError(b.t, err, "download of %s did not complete", begin.URL)
		if ev.GUID != begin.GUID {
			continue
		}
		require.NotEqual(b.t, browser.DownloadProgressStateCanceled, ev.State, "download of %s canceled", begin.URL)
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	body, err := os.ReadFile(filepath.Join(b.dlDir, begin.GUID))
	require.NoError(b.t, err)
	return begin.SuggestedFilename, body
}

// consoleLog is what a tab's pages wrote to the console.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
	// refused are the URLs the test asks for expecting a 4xx page: the
	// browser logs each such answer as an error of its network.
	refused []string
}

// expectRefusal says the test asks for path expecting an error status:
// the browser's network error for that address alone is no fault.
func (b *tab) expectRefusal(path string) {
	b.console.mu.Lock()
	defer b.console.mu.Unlock()
	b.console.refused = append(b.console.refused, b.base+path)
}

// fault reports whether m is an error-level message or an uncaught
// exception, other than the network's word on an expected refusal.
func (c *consoleLog) fault(m chromedp.ConsoleMessage) bool {
	if m.Type != chromedp.ConsoleError && !m.IsException() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !(m.Source == "network" && strings.HasPrefix(m.Text, "Failed to load resource: the server responded with a status of 4") &&
		slices.Contains(c.refused, m.URL))
}

func (c *consoleLog) add(m chromedp.ConsoleMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
}

// take returns the messages so far and forgets them.
func (c *consoleLog) take() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.msgs
	c.msgs = nil
	return out
}

// has reports whether a message with text has arrived.
func (c *consoleLog) has(text string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.msgs, func(m chromedp.ConsoleMessage) bool { return m.Text == text })
}

// flushConsole waits until every message the page wrote so far has
// arrived: the console keeps their order, so once a marker written now
// has come, all before it have.
func (b *tab) flushConsole() {
	b.t.Helper()
	marker := fmt.Sprintf("bulkd-test-flush-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(b.ctx, waitFor)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", marker))))
	eventually(b.t, "the console marker", func() (bool, string) { return b.console.has(marker), marker })
}

// consoleErrors returns the faults (see fault) of the tab's pages so far,
// and forgets every message.
func (b *tab) consoleErrors() []chromedp.ConsoleMessage {
	b.t.Helper()
	b.flushConsole()
	var out []chromedp.ConsoleMessage
	for _, m := range b.console.take() {
		if b.console.fault(m) {
			out = append(out, m)
		}
	}
	return out
}

// checkConsole fails the test for any error-level message or uncaught
// exception of the tab's pages.
func (b *tab) checkConsole() {
	b.t.Helper()
	for _, m := range b.consoleErrors() {
		where := m.URL
		if m.Line > 0 {
			where += fmt.Sprintf(":%d", m.Line+1)
		}
		b.t.Errorf("console %s at %s: %s", m.Type, where, strings.TrimSpace(m.Text))
	}
}
