package daemon_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const scheduleHeader = "Agent Name,Agent Email,Start Time,End Time,Event Type Name\n"

// withWFM adds a wfm token for acme (read and write) and one that may only
// read, to withAuth's.
func withWFM(t *testing.T, more ...func(*config.Tenant)) func(*config.Config) {
	base := withAuth(t)
	t.Setenv("TEST_ACME_WFM", "acme-wfm")
	t.Setenv("TEST_ACME_WFM_READ", "acme-wfm-read")
	return func(c *config.Config) {
		base(c)
		acme := c.Tenants[0]
		acme.Tokens = append(acme.Tokens,
			&config.Token{SecretEnv: "TEST_ACME_WFM", Scopes: []string{bulkd.ScopeWFMRead, bulkd.ScopeWFMWrite}},
			&config.Token{SecretEnv: "TEST_ACME_WFM_READ", Scopes: []string{bulkd.ScopeWFMRead}})
		acme.TimeZone = "America/New_York"
		for _, m := range more {
			m(acme)
		}
	}
}

// upload posts a schedule event import as multipart form data.
func (h *harness) upload(token string, fields map[string]string, csv []byte) (int, map[string]string, http.Header) {
	h.t.Helper()
	status, b, hdr := h.postForm("/wfm/aion/v1/schedules/event-imports", token, "csv_file", "upload.csv", csv, fields)
	var body map[string]string
	if len(b) > 0 {
		require.NoError(h.t, json.Unmarshal(b, &body), string(b))
	}
	return status, body, hdr
}

// importStatus polls an import until it is no longer PROCESSING.
func (h *harness) importStatus(token, location string) map[string]string {
	h.t.Helper()
	var out map[string]string
	h.poll(func() (bool, string) {
		h.fetch(token, location, &out)
		return out["status"] != "PROCESSING", "import still processing"
	})
	return out
}

func form(fileName, tz, df string) map[string]string {
	f := map[string]string{"file_name": fileName, "time_zone": tz}
	if df != "" {
		f["date_format"] = df
	}
	return f
}

func TestSchedule_SeedExampleImported(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withWFM(t))
	drop(t, h.root, "acme", "good", "AGENTS.a.csv")
	h.waitAuthedJobs("acme-reader", 1)

	csv := scheduleHeader +
		"Ann Archer,ann@acme.com,09:00 06/01/2026,17:00 06/01/2026,Available for all channels\n" +
		"Cy Jr,cy@acme.com,12:00 06/01/2026,12:30 06/01/2026,Break\n"
	status, body, hdr := h.upload("acme-wfm", form("schedule.csv", "America/New_York", "HH:mm MM/dd/yyyy"), []byte(csv))
	require.Equal(t, http.StatusAccepted, status, body)
	assert.Empty(t, body, "202 has an empty body")
	loc := hdr.Get("Location")
	require.Regexp(t, `^/wfm/aion/v1/schedules/event-imports/[0-9a-f-]{36}$`, loc)

	got := h.importStatus("acme-wfm-read", loc)
	assert.Equal(t, map[string]string{"id": strings.TrimPrefix(loc, "/wfm/aion/v1/schedules/event-imports/"), "status": "IMPORTED"}, got)

	status, b, _ := h.call("GET", "/v1/tenants/acme/schedule-events?agent=ann@acme.com", bearer("acme-wfm-read"))
	require.Equal(t, http.StatusOK, status, b)
	var out struct{ Events []bulkd.ScheduleEvent }
	require.NoError(t, json.Unmarshal([]byte(b), &out))
	require.Len(t, out.Events, 1)
	e := out.Events[0]
	assert.Equal(t, time.Date(2026, 6, 1, 13, 0, 0, 0, time.UTC), e.Start.UTC(), "09:00 EDT")
	assert.Equal(t, time.Date(2026, 6, 1, 21, 0, 0, 0, time.UTC), e.End.UTC())
	assert.Equal(t, "Available for all channels", e.EventType)

	status, b, _ = h.call("GET", "/v1/tenants/acme/schedule-events?from=2026-06-01T16:00:00Z&to=2026-06-02T00:00:00Z", bearer("acme-wfm-read"))
	require.Equal(t, http.StatusOK, status, b)
	require.NoError(t, json.Unmarshal([]byte(b), &out))
	require.Len(t, out.Events, 1, "events starting in [from, to)")
	assert.Equal(t, "cy@acme.com", out.Events[0].AgentEmail)

	status, b, _ = h.call("GET", loc, bearer("globex-admin"))
	assert.Equal(t, http.StatusNotFound, status, "another account's import")
	assert.Contains(t, b, `"code": "1580001"`)
}

func TestSchedule_RowErrorsAndSignedReport(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withWFM(t))
	drop(t, h.root, "acme", "good", "AGENTS.a.csv")
	h.waitAuthedJobs("acme-reader", 1)
	csv := scheduleHeader +
		"Ann Archer,ann@acme.com,09:00 2026-06-01,17:00 2026-06-01,Available for all channels\n" +
		"Bob Baker,bob@acme.com,09:00 2026-06-01,17:00 2026-06-01,Break\n" +
		"Ann Archer,ann@acme.com,02:30 2026-03-08,03:30 2026-03-08,Break\n" +
		"Dee,dee@acme.com,09:00 2026-06-01,10:00 2026-06-01,Break\n" +
		"Ann Archer,ann@acme.com,10:00 2026-06-02,09:00 2026-06-02,Break\n" +
		"Ann Archer,ann@acme.com,10:00 2026-06-03,11:00 2026-06-03,Lunchh\n" +
		"Ann Archer,ann@acme.com,01:30 2026-11-01,02:30 2026-11-01,Meeting\n"
	status, body, hdr := h.upload("acme-wfm", form("week.csv", "America/New_York", ""), []byte(csv))
	require.Equal(t, http.StatusAccepted, status, body)
	got := h.importStatus("acme-wfm", hdr.Get("Location"))
	require.Equal(t, "IMPORTED_WITH_ERRORS", got["status"])
	exp, err := time.Parse(time.RFC3339, got["error_report_expires_at"])
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(10*time.Minute), exp, 5*time.Second)

	resp, err := http.Get(got["error_report_url"]) // no token: the link is signed
	require.NoError(t, err)
	report, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(report))
	for _, want := range []string{
		`bob@acme.com,09:00 2026-06-01,17:00 2026-06-01,Break,2,"column ""Agent Email"": the agent bob@acme.com is not active"`,
		`3,"column ""Start Time"": 02:30 2026-03-08 does not exist in America/New_York`,
		`4,"column ""Agent Email"": no agent of this tenant has the email dee@acme.com"`,
		`5,"column ""End Time"": 09:00 2026-06-02 is not after the start, 10:00 2026-06-02"`,
		`6,"column ""Event Type Name"": ""Lunchh"" is not an event type of this tenant (did you mean ""Lunch""?)"`,
	} {
		assert.Contains(t, string(report), want)
	}
	assert.NotContains(t, string(report), "Meeting", "01:30 on the night clocks go back is the first 01:30")

	tampered := strings.Replace(got["error_report_url"], "signature=", "signature=00", 1)
	resp, err = http.Get(tampered)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestSchedule_Errors(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withWFM(t, func(t *config.Tenant) { t.RequestsPerMinute = 9 }))
	good := []byte(scheduleHeader + "Ann Archer,ann@acme.com,09:00 2026-06-01,17:00 2026-06-01,Break\n")
	big := append([]byte(scheduleHeader), bytes.Repeat([]byte("x"), 5<<20)...)
	for _, tc := range []struct {
		name   string
		token  string
		fields map[string]string
		csv    []byte
		status int
		code   string
		msg    string
	}{
		{"no token", "", form("a.csv", "UTC", ""), good, 401, "1580005", "Invalid authentication."},
		{"read-only token", "acme-wfm-read", form("a.csv", "UTC", ""), good, 403, "forbidden", "Insufficient permissions to perform this operation."},
		{"bad header", "acme-wfm", form("a.csv", "UTC", ""), []byte("Agent Email,Agent Name,Start Time,End Time,Event Type Name\n"), 400, "1580028", "The CSV template is incorrect."},
		{"header case", "acme-wfm", form("a.csv", "UTC", ""), []byte(strings.ToLower(scheduleHeader)), 400, "1580028", "The CSV template is incorrect."},
		{"unsupported date format", "acme-wfm", form("a.csv", "UTC", "yyyy-MM-dd HH:mm"), good, 400, "1580028", "The CSV template is incorrect."},
		{"time zone missing", "acme-wfm", form("a.csv", "", ""), good, 400, "1580028", ""},
		{"time zone not IANA", "acme-wfm", form("a.csv", "Eastern", ""), good, 400, "1580028", ""},
		{"csv_file missing", "acme-wfm", form("a.csv", "UTC", ""), nil, 400, "1580028", ""},
		{"not a .csv", "acme-wfm", form("a.xlsx", "UTC", ""), good, 415, "1580027", "Unsupported Media Type."},
		{"over 5 MB", "acme-wfm", form("a.csv", "UTC", ""), big, 413, "1580047", "The uploaded file exceeds the maximum allowed size of 5 MB."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := h.upload(tc.token, tc.fields, tc.csv)
			assert.Equal(t, tc.status, status, body)
			assert.Equal(t, tc.code, body["code"])
			if tc.msg != "" {
				assert.Equal(t, tc.msg, body["message"])
			}
			assert.NotEmpty(t, body["description"])
		})
	}
	req, err := http.NewRequest(http.MethodPost, h.url+"/wfm/aion/v1/schedules/event-imports", strings.NewReader(string(good)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer acme-wfm")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, "not multipart")

	status, body, _ := h.call("GET", "/wfm/aion/v1/schedules/event-imports/00000000-0000-0000-0000-000000000000", bearer("acme-wfm"))
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "1580001")

	// 9 requests a minute, all spent above (401 and 403 are refused before
	// they count): the next is refused.
	status, b, _ := h.upload("acme-wfm", form("a.csv", "UTC", ""), good)
	assert.Equal(t, http.StatusTooManyRequests, status, b)
	assert.Equal(t, "Rate limit exceeded. Please retry later.", b["message"])
}

func TestSchedule_FolderDropUsesTenantSettings(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withWFM(t, func(t *config.Tenant) { t.DateFormat = "HH:mm dd/MM/yyyy" }))
	drop(t, h.root, "acme", "good", "AGENTS.a.csv")
	h.waitAuthedJobs("acme-reader", 1)
	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "SCHEDULE.june.csv"),
		[]byte(scheduleHeader+"Ann Archer,ann@acme.com,09:00 01/06/2026,17:00 01/06/2026,Break\n"), 0o644))
	jobs := h.waitAuthedJobs("acme-reader", 2)
	assert.Equal(t, "schedule", jobs[0].Kind)
	assert.Equal(t, "succeeded", jobs[0].State, jobs[0].Error)
	status, b, _ := h.call("GET", "/v1/tenants/acme/schedule-events", bearer("acme-wfm-read"))
	require.Equal(t, http.StatusOK, status, b)
	assert.Contains(t, b, `"start": "2026-06-01T13:00:00Z"`, "09:00 in the tenant's America/New_York")
}
