package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/internal/certs"
)

// The environment of the client commands: the daemon's address and the
// token. A token is never a flag: the command line of a process is
// visible to every user of the machine. clientHelp says so in their help.
const (
	envURL     = "BULKD_URL"
	envToken   = "BULKD_TOKEN"
	envCAFile  = "BULKD_CA_FILE"
	defaultURL = "http://127.0.0.1:8765"
	clientHelp = `
The daemon's address is --server URL, else $BULKD_URL, else
` + defaultURL + `. The token, when bulkd has authentication, is read
from the file --token-file names, else from $BULKD_TOKEN; never from the
command line, where other users could read it. Nothing secret is printed.
Open (no authentication), the tenant is sent as X-Tenant. An https://
server's certificate is verified against the system's CAs, or those of
the PEM file --ca-file names, else $` + envCAFile + ` (a private CA).
`
)

// clientOpts are the flags every client command has.
type clientOpts struct {
	server, tokenFile, caFile *string
}

// serverUsage is --server's usage but for validate's.
const serverUsage = "the running bulkd's `URL` (default $" + envURL + ", else " + defaultURL + ")"

// clientFlags registers --server, with usage, and --token-file on fs.
func clientFlags(fs *flag.FlagSet, usage string) clientOpts {
	return clientOpts{
		server:    fs.String("server", "", usage),
		tokenFile: fs.String("token-file", "", "read the bearer token from `PATH` (default $"+envToken+")"),
		caFile:    fs.String("ca-file", "", "verify an https server against the CAs of this PEM `FILE` (default $"+envCAFile+", else the system's)"),
	}
}

// client talks to a running bulkd over its HTTP API: the only way the
// client commands read its state (its bbolt file is locked by it).
type client struct {
	base   *url.URL
	token  string
	tenant string // sent as X-Tenant, which bulkd open reads
	http   *http.Client
}

// newClient makes the client o and the environment describe, acting for
// tenant ("" for the token's, or bulkd open's default).
func (m *Main) newClient(o clientOpts, tenant string) (*client, error) {
	raw := *o.server
	if raw == "" {
		raw = m.getenv(envURL)
	}
	if raw == "" {
		raw = defaultURL
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %q is not an http:// or https:// URL", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("server: put no credentials in the URL: the token goes in $%s or --token-file", envToken)
	}
	token := m.getenv(envToken)
	if *o.tokenFile != "" {
		if token, err = m.readToken(*o.tokenFile); err != nil {
			return nil, err
		}
	}
	if tenant != "" && !bulkd.ValidTenant(tenant) {
		return nil, fmt.Errorf("tenant %q is not a tenant name ([A-Za-z0-9._-]+)", tenant)
	}
	if token != "" && u.Scheme == "http" && !config.Loopback(u.Hostname()) {
		fmt.Fprintf(m.stderr, "bulkd: warning: the token goes to %s over plain HTTP, readable on the way\n", u.Host)
	}
	caFile := *o.caFile
	if caFile == "" {
		caFile = m.getenv(envCAFile)
	}
	pool, err := certs.CAPool(caFile)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{}
	if pool != nil {
		hc.Transport = certs.Transport(pool)
	}
	return &client{base: u, token: token, tenant: tenant, http: hc}, nil
}

// readToken reads a token file: its one line, spaces trimmed. A file that
// others may read is used, with a warning.
func (m *Main) readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(m.stderr, "bulkd: warning: %s can be read by other users (mode %v): chmod 600 it\n", path, fi.Mode().Perm())
	}
	token := strings.TrimSpace(string(b))
	if token == "" || strings.ContainsAny(token, "\r\n") {
		return "", fmt.Errorf("read token: %s must hold the token alone, on one line", path)
	}
	return token, nil
}

// ownTenant returns the tenant the token acts for, "" when there is no
// token (bulkd open: X-Tenant says).
func (c *client) ownTenant(ctx context.Context) (string, error) {
	if c.token == "" {
		return "", nil
	}
	var out struct {
		Tenants []string `json:"tenants"`
	}
	if err := c.getJSON(ctx, "/v1/tenants", &out); err != nil {
		return "", fmt.Errorf("find the token's tenant (or name it with --tenant): %w", err)
	}
	if len(out.Tenants) != 1 {
		return "", errors.New("the token sees several tenants: name one with --tenant")
	}
	return out.Tenants[0], nil
}

// URL returns the absolute URL of path (which may hold a query).
func (c *client) URL(path string) string {
	u, err := c.base.Parse(c.base.Path + path)
	if err != nil {
		return c.base.String() + path
	}
	return u.String()
}

// apiError is an answer of bulkd's that is not a success, in any of its
// doors' shapes: {code, message}, plus description in the seeds' shapes.
type apiError struct {
	Status      int
	Code        string `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
}

func (e *apiError) Error() string {
	msg := e.Message
	if e.Description != "" && e.Description != e.Message {
		msg = e.Description // bulkd's own words; message is the seed's
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%d %s", e.Status, msg)
}

// forbidden reports whether err is bulkd refusing the token's scope.
func forbidden(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == http.StatusForbidden
}

// do sends a request and returns the response of a success; any other
// status is an *apiError, the body read and closed. The caller closes a
// success's body.
func (c *client) do(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL(path), body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.tenant != "" {
		req.Header.Set("X-Tenant", c.tenant)
	}
	if req.Header.Get("X-User") == "" {
		req.Header.Set("X-User", "bulkd-cli")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said by the caller; keep the cause
		}
		return nil, fmt.Errorf("%s %s: %w (is bulkd running there? set --server or $%s)", method, c.base.Host, err, envURL)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &apiError{Status: resp.StatusCode}
	if json.Unmarshal(b, e) != nil || e.Message == "" && e.Description == "" {
		e.Message = strings.TrimSpace(string(b))
	}
	return nil, e
}

// getJSON fetches path and decodes its JSON answer into v.
func (c *client) getJSON(ctx context.Context, path string, v any) error {
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: read the answer: %w", path, err)
	}
	return nil
}

// job fetches one job.
func (c *client) job(ctx context.Context, id uint64) (api.JobView, error) {
	var j api.JobView
	err := c.getJSON(ctx, fmt.Sprintf("/v1/jobs/%d", id), &j)
	return j, err
}

// jobList fetches GET /v1/jobs with the query q.
func (c *client) jobList(ctx context.Context, q url.Values) ([]api.JobView, error) {
	var out struct {
		Jobs []api.JobView `json:"jobs"`
	}
	path := "/v1/jobs"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	err := c.getJSON(ctx, path, &out)
	return out.Jobs, err
}

// outcome words a final job: its state and rows, what it did, and where
// its error report is.
func (c *client) outcome(j api.JobView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: job %d %s", j.File, j.ID, j.State)
	switch {
	case j.State == bulkd.StateSkipped:
		fmt.Fprintf(&b, ": identical to job %d, imported before", j.DuplicateOf)
	case j.State == bulkd.StateFailed && j.RowsFailed == 0 || j.State == bulkd.StateCanceled:
		if j.Error != "" {
			fmt.Fprintf(&b, ": %s", j.Error)
		}
	default:
		fmt.Fprintf(&b, ": %s, %d imported, %d failed", plural(j.RowsDone, "row"), j.RowsDone-j.RowsFailed, j.RowsFailed)
		if len(j.Counts) > 0 {
			fmt.Fprintf(&b, " (created %d, updated %d, unchanged %d)",
				j.Counts[string(bulkd.ObjectCreated)], j.Counts[string(bulkd.ObjectUpdated)], j.Counts[string(bulkd.ObjectUnchanged)])
		}
	}
	if j.ErrorReport != "" {
		fmt.Fprintf(&b, "\n  error report: %s", c.URL(j.ErrorReport))
	}
	return b.String()
}
