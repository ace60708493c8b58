package daemon_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/internal/certs/certstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// send posts a multipart request of fields and one file part to path as
// tenant acme, with an Idempotency-Key when key is set.
func (h *harness) send(path, key string, fields map[string]string, field, name string, content []byte) (int, string, http.Header) {
	h.t.Helper()
	header := map[string]string{"X-Tenant": "acme"}
	if key != "" {
		header["Idempotency-Key"] = key
	}
	status, body, hdr := h.postFormWith(path, header, field, name, content, fields)
	return status, string(body), hdr
}

// TestIdempotencyKey: each upload door answers a request sent again with
// its Idempotency-Key for the job the first made, and makes no other;
// without the key, the same request is a new job (skipped as identical).
func TestIdempotencyKey(t *testing.T) {
	agentsCSV := []byte("Email,Full Name\nann@acme.com,Ann Archer\n")
	tests := []struct {
		name, path, field, file string
		fields                  map[string]string
		content                 []byte
		status                  int
		location                bool // the answer's Location names the job
	}{
		{"agents", "/bulk-imports/users", "file", "a.csv", nil, agentsCSV, http.StatusAccepted, true},
		{"contacts", "/api/upload/contacts", "meta", "c.csv", nil,
			[]byte("AgentId,CallId,ContactStartTimeMs,Direction,Recording1\nann@acme.com,1,1447100000000,1,\n"), http.StatusOK, false}, // its one row fails, and is told so row by row
		{"assist", "/agentassist/api/v1/public/bot1/contacts/import-contacts", "result_file", "a.csv", nil,
			[]byte("firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\nann,lee,Ms,(415) 555-2671,1,\n"), http.StatusOK, false},
		{"schedule", "/wfm/aion/v1/schedules/event-imports", "csv_file", "s.csv",
			map[string]string{"file_name": "s.csv", "time_zone": "UTC"},
			[]byte("Agent Name,Agent Email,Start Time,End Time,Event Type Name\n"), http.StatusAccepted, true},
		{"objects", "/v1/bulk-operations", "file", "sites.csv", map[string]string{"object": "site"},
			[]byte("Name,Multimedia Profile\nOslo,\n"), http.StatusAccepted, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startDaemon(t, t.TempDir())
			status, body, first := h.send(tt.path, "site-1-7-abc", tt.fields, tt.field, tt.file, tt.content)
			require.Equal(t, tt.status, status, body)
			id := first.Get("Bulkd-Job")
			require.NotEmpty(t, id)
			h.waitJobs("acme", 1)
			status, again, second := h.send(tt.path, "site-1-7-abc", tt.fields, tt.field, tt.file, tt.content)
			require.Equal(t, tt.status, status, again)
			assert.Equal(t, id, second.Get("Bulkd-Job"), "the repeat is answered for the first job")
			if tt.location {
				assert.Equal(t, first.Get("Location"), second.Get("Location"))
			}
			assert.Len(t, h.jobs("tenant=acme"), 1, "a repeat with its key makes no job")
			status, _, third := h.send(tt.path, "", tt.fields, tt.field, tt.file, tt.content)
			require.Equal(t, tt.status, status)
			assert.NotEqual(t, id, third.Get("Bulkd-Job"), "without the key it is another request")
		})
	}
	t.Run("refused", func(t *testing.T) {
		h := startDaemon(t, t.TempDir())
		status, body, _ := h.send("/bulk-imports/users", "has space", nil, "file", "a.csv", agentsCSV)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, body, "Idempotency-Key")
		assert.Empty(t, h.jobs("tenant=acme"))
	})
}

// TestForward_Relay: a site in relay mode imports nothing itself; the
// central imports what it forwards, and the site's job says where it went.
func TestForward_Relay(t *testing.T) {
	central := startDaemon(t, t.TempDir())
	site := startDaemon(t, t.TempDir(), func(c *config.Config) {
		c.Forward = &config.Forward{URL: central.url, Mode: config.ForwardRelay, Kinds: []string{"agents"}}
	})
	dir := filepath.Join(site.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.a.csv"), []byte("Email,Full Name\nann@acme.com,Ann Archer\nbob@acme.com,Bob\n"), 0o644))
	var sent jobWithForward
	site.poll(func() (bool, string) {
		var out struct{ Jobs []jobWithForward }
		site.get("/v1/jobs?tenant=acme", &out)
		if len(out.Jobs) != 1 || out.Jobs[0].Forward == nil || out.Jobs[0].Forward.State != "sent" {
			return false, "not sent yet"
		}
		sent = out.Jobs[0]
		return true, ""
	})
	assert.Equal(t, "succeeded", sent.State)
	assert.Equal(t, 0, sent.RowsTotal, "relayed: no row read here")
	assert.True(t, sent.Forward.Relay)
	assert.Empty(t, site.agents("acme"), "relayed: nothing imported here")
	jobs := central.waitJobs("acme", 1)
	assert.Equal(t, sent.Forward.CentralJob, jobs[0].ID)
	assert.Equal(t, "api", jobs[0].Source)
	assert.Len(t, central.agents("acme"), 2)
	var ob struct {
		Depth int `json:"depth"`
	}
	require.Equal(t, http.StatusOK, site.get("/v1/outbox", &ob))
	assert.Zero(t, ob.Depth)
	entries, err := os.ReadDir(filepath.Join(site.data, "outbox"))
	require.NoError(t, err)
	assert.Empty(t, entries, "a sent job's files leave the outbox")
	assert.Equal(t, http.StatusNotFound, central.get("/v1/outbox", &ob), "the central does not forward")
}

type jobWithForward struct {
	jobJSON
	Forward *struct {
		State      string `json:"state"`
		Relay      bool   `json:"relay"`
		CentralJob uint64 `json:"central_job"`
	} `json:"forward"`
}

// TestForward_Config: the forward block's rules.
func TestForward_Config(t *testing.T) {
	tests := []struct {
		name, hcl, want string
	}{
		{"clear off this machine", "forward {\n url = \"http://central.example.com:8765\"\n token_env = \"T\"\n}\n", "Plain HTTP off this machine"},
		{"no token off this machine", `forward { url = "https://central.example.com:8765" }`, "No token for the central"},
		{"mode", "forward {\n url = \"http://127.0.0.1:1\"\n mode = \"copy\"\n}\n", "Unknown forward mode"},
		{"url", `forward { url = "central" }`, "Invalid URL"},
		{"tenant url", `forward { url = "http://127.0.0.1:1" }
tenant "acme" { forward_url = "http://10.0.0.2:8765" }`, "Plain HTTP off this machine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bulkd.hcl")
			require.NoError(t, os.WriteFile(path, []byte(tt.hcl), 0o644))
			_, diags, _ := config.Load(path)
			require.True(t, diags.HasErrors())
			assert.Contains(t, diags.Error(), tt.want)
		})
	}
}

// TestForward_TLS: the forwarder verifies the central's certificate: with
// the private CA in forward.ca_file the job is sent; without it, it waits
// in the outbox, its error naming the certificate.
func TestForward_TLS(t *testing.T) {
	dir := t.TempDir()
	ca, cert, key := certstest.Server(t, dir, 1)
	central := startDaemon(t, filepath.Join(dir, "central"), func(c *config.Config) {
		c.HTTP.TLSCertFile, c.HTTP.TLSKeyFile = cert, key
	})
	url := "https://" + central.d.Addr()
	for _, tt := range []struct {
		name, caFile, state, lastError string
	}{
		{"with the CA", ca.File, "sent", ""},
		{"without it", "", "queued", "certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			site := startDaemon(t, t.TempDir(), func(c *config.Config) {
				c.Forward = &config.Forward{URL: url, CAFile: tt.caFile, Mode: config.ForwardRelay}
			})
			dir := filepath.Join(site.root, "acme")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.a.csv"), []byte("Email,Full Name\nann@acme.com,Ann\n"), 0o644))
			site.poll(func() (bool, string) {
				var out struct {
					Jobs []struct {
						Forward *struct {
							State     string `json:"state"`
							LastError string `json:"last_error"`
						} `json:"forward"`
					}
				}
				site.get("/v1/jobs?tenant=acme", &out)
				if len(out.Jobs) != 1 || out.Jobs[0].Forward == nil {
					return false, "no job"
				}
				f := out.Jobs[0].Forward
				return f.State == tt.state && strings.Contains(f.LastError, tt.lastError), fmt.Sprintf("%+v", *f)
			})
		})
	}
}
