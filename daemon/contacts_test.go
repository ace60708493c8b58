package daemon_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "testdata"}, parts...)...))
	require.NoError(t, err)
	return b
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// withAgents imports the agents the contact fixtures name into tenant.
func (h *harness) withAgents(tenant string) {
	h.t.Helper()
	dir := filepath.Join(h.root, tenant)
	require.NoError(h.t, os.MkdirAll(dir, 0o755))
	require.NoError(h.t, os.WriteFile(filepath.Join(dir, "AGENTS.seed.csv"), readFixture(h.t, "contacts", "seed-full", "AGENTS.seed.csv"), 0o644))
	require.Equal(h.t, "succeeded", h.waitJobs(tenant, 1)[0].State)
}

type contactsPage struct {
	Contacts   []bulkd.Contact `json:"contacts"`
	NextCursor string          `json:"next_cursor"`
}

func TestContacts_FolderDrop(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	h.withAgents("abc")
	dir := filepath.Join(h.root, "abc")
	wav := readFixture(t, "media", "call1.wav")
	webm := readFixture(t, "media", "call1.webm")
	for name, b := range map[string][]byte{
		"call1.wav": wav, "call2.wav": wav, "call1.webmv": webm, "extra.opus": readFixture(t, "media", "call1.opus"),
		"contact.lower.csv": []byte("AgentId,Recording1\n1,call1.wav\n"),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.seed-full.csv"), readFixture(t, "contacts", "seed-full", "CONTACT.seed-full.csv"), 0o644))

	jobs := h.waitJobs("abc", 2)
	j := jobs[0]
	assert.Equal(t, "contacts", j.Kind)
	assert.Equal(t, "succeeded", j.State, j.Error)
	assert.Equal(t, 2, j.RowsTotal)

	day := filepath.Join(dir, "archives", today())
	assert.FileExists(t, filepath.Join(day, "CONTACT.seed-full.csv"))
	for _, gone := range []string{"call1.wav", "call2.wav", "call1.webmv"} {
		assert.NoFileExists(t, filepath.Join(dir, gone), "referenced media move into the media store")
		assert.NoFileExists(t, filepath.Join(day, gone), "media are not archived")
	}
	assert.FileExists(t, filepath.Join(dir, "extra.opus"), "unreferenced media stay for a later file")
	assert.FileExists(t, filepath.Join(dir, "contact.lower.csv"), "the prefix is case-sensitive")

	var page contactsPage
	require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts", &page))
	require.Len(t, page.Contacts, 2)
	c := page.Contacts[0]
	assert.Equal(t, bulkd.RowID(j.ID, 1), c.ID)
	assert.Equal(t, uint64(1), c.AgentID, "abc/bunkowm resolved by ACD login")
	assert.Equal(t, "America/Chicago", c.TimeZone)
	assert.Equal(t, bulkd.Metadata{{Name: "accountNumber", Value: "1234567890"}}, c.Metadata)
	assert.True(t, c.Complete)
	assert.Equal(t, []bulkd.Recording{
		{Location: "call1.webmv", Media: bulkd.MediaScreen, Size: int64(len(webm)), SHA256: sha(webm)},
		{Location: "call1.wav", Media: bulkd.MediaAudio, OffsetMs: 5000, Size: int64(len(wav)), SHA256: sha(wav)},
	}, c.Recordings)
	assert.Equal(t, uint64(1), page.Contacts[1].AgentID, "mark.bunkowske@abc.com resolved by email")

	resp, err := http.Get(fmt.Sprintf("%s/v1/tenants/abc/contacts/%d/recordings/call1.wav", h.url, c.ID))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "audio/wav", resp.Header.Get("Content-Type"))
	assert.Equal(t, wav, body)

	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/tenants/abc/contacts/%d/recordings/call1.wav", h.url, c.ID), nil)
	req.Header.Set("Range", "bytes=0-11")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, wav[:12], body)

	var one bulkd.Contact
	require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/tenants/abc/contacts/%d", c.ID), &one))
	assert.Equal(t, c, one)
	var e bulkd.Error
	assert.Equal(t, http.StatusNotFound, h.get(fmt.Sprintf("/v1/tenants/other/contacts/%d", c.ID), &e), "another tenant's contact is not found")

	require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts?limit=1", &page))
	require.Len(t, page.Contacts, 1)
	require.NotEmpty(t, page.NextCursor)
	require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts?limit=1&cursor="+page.NextCursor, &page))
	require.Len(t, page.Contacts, 1)
	assert.Equal(t, 2, page.Contacts[0].Row)
	assert.Empty(t, page.NextCursor)
}

func TestContacts_FolderWaitsForMedia(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) { c.Watch.MediaWaitDur = 1500 * time.Millisecond })
	h.withAgents("abc")
	dir := filepath.Join(h.root, "abc")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.late.csv"),
		[]byte("AgentId,Recording1\n1,late.wav\n1,never.wav\n"), 0o644))
	// The recording arrives only once the job is already waiting for it.
	h.poll(func() (bool, string) {
		jobs := h.jobs("tenant=abc&kind=contacts")
		return len(jobs) == 1 && jobs[0].State == "running", "the contacts job never started"
	})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "late.wav"), readFixture(t, "media", "call1.wav"), 0o644))

	j := h.waitJobs("abc", 2)[0]
	assert.Equal(t, "partial", j.State)
	resp, err := http.Get(h.url + j.ErrorReport)
	require.NoError(t, err)
	report, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "AgentId,Recording1,Row,Error Message\n"+
		`1,never.wav,2,"column ""Recording1"": recording never.wav is missing: it was not uploaded with the contact, or did not appear in the folder in time"`+"\n", string(report))
	var page contactsPage
	require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts", &page))
	require.Len(t, page.Contacts, 1)
	assert.Equal(t, "late.wav", page.Contacts[0].Recordings[0].Location)
}

func TestContacts_ZipDrop(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	h.withAgents("abc")
	require.NoError(t, os.WriteFile(filepath.Join(h.root, "abc", "CONTACT.batch.zip"), readFixture(t, "contacts", "zip-flattened", "CONTACT.batch.zip"), 0o644))
	j := h.waitJobs("abc", 2)[0]
	assert.Equal(t, "succeeded", j.State, j.Error)
	assert.Equal(t, 2, j.RowsTotal)
	assert.FileExists(t, filepath.Join(h.root, "abc", "archives", today(), "CONTACT.batch.zip"))
	var page contactsPage
	require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts", &page))
	require.Len(t, page.Contacts, 2)
	assert.Equal(t, "call2.wav", page.Contacts[1].Recordings[0].Location)
}

// multipartBody builds a multipart/form-data body of named files.
func multipartBody(t testing.TB, files [][2]string, contents map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile(f[0], f[1])
		require.NoError(t, err)
		_, err = w.Write(contents[f[1]])
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return &buf, mw.FormDataContentType()
}

func (h *harness) post(path, contentType string, body io.Reader, v any) int {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url+path, body)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Tenant", "abc")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	require.NoError(h.t, json.Unmarshal(b, v), string(b))
	return resp.StatusCode
}

func TestContacts_Upload(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	h.withAgents("abc")
	contents := map[string][]byte{
		"batch.csv":   []byte("AgentId,ContactStartTimeMs,Recording1,Recording2\n1,1447100000000,call1.wav,call1.webmv\n1,,call2.wav,\nabc\\nobody,,call1.wav,\n"),
		"call1.wav":   readFixture(t, "media", "call1.wav"),
		"call1.webmv": readFixture(t, "media", "call1.webm"),
		"call2.wav":   readFixture(t, "media", "fake.wav"),
		"extra.opus":  readFixture(t, "media", "call1.opus"),
	}
	body, ct := multipartBody(t, [][2]string{{"a", "call1.wav"}, {"b", "batch.csv"}, {"c", "call2.wav"}, {"d", "call1.webmv"}, {"e", "extra.opus"}}, contents)
	var got struct {
		JobID    uint64 `json:"job_id"`
		State    string `json:"state"`
		Contacts []struct {
			Row        int    `json:"row"`
			Status     string `json:"status"`
			ContactID  uint64 `json:"contact_id"`
			Error      string `json:"error"`
			Recordings []struct {
				Location, Status string
				Media            bulkd.MediaType
			} `json:"recordings"`
		} `json:"contacts"`
		Ignored []string `json:"ignored"`
	}
	require.Equal(t, http.StatusOK, h.post("/api/upload/contacts", ct, body, &got))
	assert.Equal(t, "partial", got.State)
	assert.Equal(t, []string{"extra.opus"}, got.Ignored)
	require.Len(t, got.Contacts, 3)
	assert.Equal(t, "inserted", got.Contacts[0].Status)
	assert.Equal(t, bulkd.RowID(got.JobID, 1), got.Contacts[0].ContactID)
	require.Len(t, got.Contacts[0].Recordings, 2)
	assert.Equal(t, "stored", got.Contacts[0].Recordings[0].Status)
	assert.Equal(t, bulkd.MediaScreen, got.Contacts[0].Recordings[1].Media)
	assert.Equal(t, "failed", got.Contacts[1].Status)
	assert.Contains(t, got.Contacts[1].Error, `column "Recording1": call2.wav is not a WAV file`)
	assert.Equal(t, "failed", got.Contacts[2].Status)
	assert.Contains(t, got.Contacts[2].Error, `column "AgentId": no agent has the ACD login abc\nobody`)

	var c bulkd.Contact
	require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/tenants/abc/contacts/%d", got.Contacts[0].ContactID), &c))
	var apiJob jobJSON
	require.Equal(t, http.StatusOK, h.get(fmt.Sprintf("/v1/jobs/%d", got.JobID), &apiJob))
	assert.Equal(t, "api", apiJob.Source)
	assert.Equal(t, "batch.csv", apiJob.File)
	assert.Equal(t, 2, apiJob.RowsFailed)

	// A file that fails as a whole is a 400 that says why.
	body, ct = multipartBody(t, [][2]string{{"a", "bad.csv"}}, map[string][]byte{"bad.csv": []byte("AgentID,Recording1\n")})
	var e map[string]any
	require.Equal(t, http.StatusBadRequest, h.post("/api/upload/contacts", ct, body, &e))
	assert.Contains(t, e["message"], `bad.csv: header: unknown column "AgentID" (did you mean "AgentId"?)`)
	require.Equal(t, http.StatusUnsupportedMediaType, h.post("/api/upload/contacts", "text/csv", bytes.NewReader(nil), &e))
}

func TestContacts_Realtime(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	h.withAgents("abc")
	var got struct {
		Row        int    `json:"row"`
		Status     string `json:"status"`
		ContactID  uint64 `json:"contact_id"`
		Complete   *bool  `json:"complete"`
		Recordings []struct {
			Location, Status string
			UploadURL        string `json:"upload_url"`
		} `json:"recordings"`
	}
	meta := `{"AgentId":"abc\\bunkowm","ContactStartTimeMs":1447075073000,"ClientTimeZone":"-06:00",
		"Audio":[{"Location":"25.wav","StartTimeMs":1447075080000}],"Screen":{"Location":"25.webmv"}}`
	require.Equal(t, http.StatusOK, h.post("/api/rest/wfo/contact/import", "application/json", bytes.NewBufferString(meta), &got))
	assert.Equal(t, "inserted", got.Status)
	require.NotNil(t, got.Complete)
	assert.False(t, *got.Complete)
	require.Len(t, got.Recordings, 2)
	assert.Equal(t, "pending", got.Recordings[0].Status)
	assert.Equal(t, fmt.Sprintf("/api/rest/wfo/contact/%d/recordings/25.wav", got.ContactID), got.Recordings[0].UploadURL)

	var c bulkd.Contact
	path := fmt.Sprintf("/v1/tenants/abc/contacts/%d", got.ContactID)
	require.Equal(t, http.StatusOK, h.get(path, &c))
	assert.False(t, c.Complete, "visible, and incomplete, before its recordings arrive")
	assert.Equal(t, "Etc/GMT+6", c.TimeZone)
	assert.Equal(t, int64(7000), c.Recordings[0].OffsetMs)

	put := func(url string, b []byte) int {
		req, err := http.NewRequest(http.MethodPut, h.url+url, bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("X-Tenant", "abc")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusBadRequest, put(got.Recordings[1].UploadURL, readFixture(t, "media", "fake.wav")), "bytes must match the extension")
	assert.Equal(t, http.StatusOK, put(got.Recordings[0].UploadURL, readFixture(t, "media", "call1.wav")))
	require.Equal(t, http.StatusOK, h.get(path, &c))
	assert.False(t, c.Complete)
	assert.Equal(t, http.StatusOK, put(got.Recordings[1].UploadURL, readFixture(t, "media", "call1.webm")))
	require.Equal(t, http.StatusOK, h.get(path, &c))
	assert.True(t, c.Complete, "complete once every recording arrived")
	assert.Equal(t, http.StatusNotFound, put(fmt.Sprintf("/api/rest/wfo/contact/%d/recordings/other.wav", got.ContactID), readFixture(t, "media", "call1.wav")))

	var list []map[string]any
	require.Equal(t, http.StatusOK, h.post("/api/rest/wfo/contact/import", "application/json",
		bytes.NewBufferString(`[{"Audio":{"Location":"a.wav"}},{"AgentId":"1","Audio":{"Location":"b.wav"}}]`), &list))
	require.Len(t, list, 2, "an array in, an array out")
	assert.Equal(t, "failed", list[0]["status"])
	assert.Contains(t, list[0]["error"], "no authenticated user")
	assert.Equal(t, "inserted", list[1]["status"])
}

func TestContacts_NamesOutsideTheFolderAreNeverTaken(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) { c.Watch.MediaWaitDur = 200 * time.Millisecond })
	h.withAgents("abc")
	h.withAgents("victim")
	wav := readFixture(t, "media", "call1.wav")
	secret := filepath.Join(h.root, "victim", "secret.wav")
	require.NoError(t, os.WriteFile(secret, wav, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(h.root, "abc", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(h.root, "abc", "sub", "x.wav"), wav, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(h.root, "abc", "CONTACT.evil.csv"),
		[]byte("AgentId,Recording1\n1,../victim/secret.wav\n1,sub/x.wav\n1,..\\victim\\secret.wav\n"), 0o644))

	j := h.waitJobs("abc", 2)[0]
	assert.Equal(t, "failed", j.State)
	assert.Equal(t, 3, j.RowsFailed)
	assert.FileExists(t, secret, "another tenant's file stays where it is")
	assert.FileExists(t, filepath.Join(h.root, "abc", "sub", "x.wav"))
}

func TestContacts_AgentsDroppedTogetherAreImportedFirst(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(data, "gis", "abc")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	// Both present at start-up: the agents file is claimed first (it sorts
	// first), and the contacts job must not run before it is done.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.seed.csv"), readFixture(t, "contacts", "seed-full", "AGENTS.seed.csv"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.now.csv"), []byte("AgentId,Recording1\nabc\\bunkowm,call1.wav\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call1.wav"), readFixture(t, "media", "call1.wav"), 0o644))
	h := startDaemon(t, data)
	jobs := h.waitJobs("abc", 2)
	require.Equal(t, "contacts", jobs[0].Kind)
	assert.Equal(t, "succeeded", jobs[0].State, jobs[0].Error)
}
