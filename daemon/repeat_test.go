package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRepeats_AnswerAsTheFirstTime: a repeated request gets the first
// one's answer, in each door's own shape, marked with duplicate_of; a
// failed or repeated import says why in its door's answer.
func TestRepeats_AnswerAsTheFirstTime(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	h.withAgents("abc")

	t.Run("real-time contact", func(t *testing.T) {
		meta := `{"AgentId":"abc\\bunkowm","ContactStartTimeMs":1447075073000,"Audio":{"Location":"rt.wav"}}`
		var first, again map[string]any
		require.Equal(t, http.StatusOK, h.post("/api/rest/wfo/contact/import", "application/json", bytes.NewBufferString(meta), &first))
		require.Equal(t, http.StatusOK, h.post("/api/rest/wfo/contact/import", "application/json", bytes.NewBufferString(meta), &again),
			"an object, not [], for an object request")
		dup := again["duplicate_of"]
		require.NotNil(t, dup)
		delete(again, "duplicate_of")
		assert.Equal(t, first, again, "the same contact, id and statuses")
	})

	t.Run("assist contacts", func(t *testing.T) {
		csv := []byte("firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\n" +
			"ann,lee,Ms,(415) 555-2671,1,\nbo,lee,Mr,415 555 2671,+1,\n")
		path := "/agentassist/api/v1/public/bot1/contacts/import-contacts"
		status, b1, _ := h.postFormAs("abc", path, "result_file", "c.csv", csv)
		require.Equal(t, http.StatusOK, status, string(b1))
		status, b2, _ := h.postFormAs("abc", path, "result_file", "c.csv", csv)
		require.Equal(t, http.StatusOK, status, string(b2))
		var first, again []map[string]any
		require.NoError(t, json.Unmarshal(b1, &first))
		require.NoError(t, json.Unmarshal(b2, &again))
		require.Len(t, again, 2, "not []")
		for i := range again {
			assert.NotNil(t, again[i]["duplicate_of"])
			delete(again[i], "duplicate_of")
		}
		assert.Equal(t, first, again)
	})

	t.Run("contacts upload", func(t *testing.T) {
		csv := []byte("AgentId,CallId,Recording1\nmark.bunkowske@abc.com,up-1,up.wav\n")
		wav := readFixture(t, "media", "call1.wav")
		upload := func(wav []byte) map[string]any {
			body, ct := multipartBody(t, [][2]string{{"file", "CONTACT.up.csv"}, {"file", "up.wav"}},
				map[string][]byte{"CONTACT.up.csv": csv, "up.wav": wav})
			var out map[string]any
			require.Equal(t, http.StatusOK, h.post("/api/upload/contacts", ct, body, &out))
			return out
		}
		first := upload(wav)
		assert.Equal(t, "succeeded", first["state"])
		again := upload(wav)
		assert.Equal(t, "skipped", again["state"])
		assert.Equal(t, first["job_id"], again["duplicate_of"])
		assert.Equal(t, first["contacts"], again["contacts"], "the same contacts, not []")
		assert.Contains(t, again["error"], "identical")
		other := upload(append(slices.Clone(wav), 0, 0)) // another recording of the same name
		assert.Equal(t, "succeeded", other["state"], "other recordings with the same CSV are another import")
		assert.Nil(t, other["duplicate_of"])
	})

	t.Run("agents bulk import", func(t *testing.T) {
		var csv strings.Builder
		csv.WriteString("Email,Full Name\n")
		for i := range 1001 {
			fmt.Fprintf(&csv, "u%d@abc.com,U %d\n", i, i)
		}
		status, b, _ := h.postFormAs("abc", "/bulk-imports/users", "file", "big.csv", []byte(csv.String()))
		require.Equal(t, http.StatusAccepted, status, string(b))
		var created bulkImportJSON
		require.NoError(t, json.Unmarshal(b, &created))
		assert.Equal(t, "api", created.CreatedBy, "an upload in open mode without X-User is not a folder drop")
		var v map[string]any
		h.poll(func() (bool, string) {
			require.Equal(t, http.StatusOK, h.getAs("abc", fmt.Sprintf("/bulk-imports/users/%d", created.ID), &v))
			return v["status"] == "FAILED", fmt.Sprint(v)
		})
		e, _ := v["error"].(map[string]any)
		require.NotNil(t, e, "a failed import says why: %v", v)
		assert.Equal(t, "IMPORT_FAILED", e["code"])
		assert.Contains(t, e["description"], "more than 1000 data rows")

		good := []byte("Email,Full Name\nrep@abc.com,Rep\nbad,Bad\n")
		var ids []uint64
		for range 2 {
			status, b, _ := h.postFormAs("abc", "/bulk-imports/users", "file", "good.csv", good)
			require.Equal(t, http.StatusAccepted, status, string(b))
			var c bulkImportJSON
			require.NoError(t, json.Unmarshal(b, &c))
			ids = append(ids, c.ID)
			h.poll(func() (bool, string) {
				require.Equal(t, http.StatusOK, h.getAs("abc", fmt.Sprintf("/bulk-imports/users/%d", c.ID), &v))
				return v["status"] != "QUEUED" && v["status"] != "IN_PROGRESS", fmt.Sprint(v)
			})
		}
		var repeat map[string]any
		require.Equal(t, http.StatusOK, h.getAs("abc", fmt.Sprintf("/bulk-imports/users/%d", ids[1]), &repeat))
		assert.Equal(t, float64(ids[0]), repeat["duplicate_of"])
		assert.Equal(t, float64(2), repeat["total_records"], "the counts of the import it repeats")
		assert.Equal(t, float64(1), repeat["failed_records"])
		var records struct {
			Count int `json:"count"`
		}
		require.Equal(t, http.StatusOK, h.getAs("abc", fmt.Sprintf("/bulk-imports/users/%d/records", ids[1]), &records))
		assert.Equal(t, 2, records.Count, "its records are those of the import it repeats")
	})
}

// postFormAs posts one file as a multipart form acting for tenant (open
// mode's X-Tenant).
func (h *harness) postFormAs(tenant, path, field, name string, content []byte) (int, []byte, http.Header) {
	h.t.Helper()
	body, ct := multipartBody(h.t, [][2]string{{field, name}}, map[string][]byte{name: content})
	req, err := http.NewRequest(http.MethodPost, h.url+path, body)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Tenant", tenant)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, buf.Bytes(), resp.Header
}

// getAs GETs path acting for tenant (open mode's X-Tenant) and decodes the
// JSON answer into v, returning the status.
func (h *harness) getAs(tenant, path string, v any) int {
	h.t.Helper()
	status, body, _ := h.call(http.MethodGet, path, map[string]string{"X-Tenant": tenant})
	require.NoError(h.t, json.Unmarshal([]byte(body), v), body)
	return status
}

// TestRepeats_ScheduleImport: a repeated schedule import answers with the
// status (and report) of the import it repeats, not ERROR.
func TestRepeats_ScheduleImport(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withWFM(t))
	drop(t, h.root, "acme", "good", "AGENTS.a.csv")
	h.waitAuthedJobs("acme-reader", 1)
	csv := []byte(scheduleHeader + "Ann Archer,ann@acme.com,09:00 06/01/2026,17:00 06/01/2026,Break\n" +
		"Cy Jr,nobody@acme.com,12:00 06/01/2026,12:30 06/01/2026,Break\n")
	var locs []string
	var answers []map[string]string
	for range 2 {
		status, body, hdr := h.upload("acme-wfm", form("schedule.csv", "America/New_York", "HH:mm MM/dd/yyyy"), csv)
		require.Equal(t, http.StatusAccepted, status, body)
		locs = append(locs, hdr.Get("Location"))
		answers = append(answers, h.importStatus("acme-wfm-read", hdr.Get("Location")))
	}
	assert.Equal(t, "IMPORTED_WITH_ERRORS", answers[0]["status"])
	assert.Equal(t, "IMPORTED_WITH_ERRORS", answers[1]["status"], "as the first time, not ERROR")
	assert.Equal(t, strings.TrimPrefix(locs[0], "/wfm/aion/v1/schedules/event-imports/"), answers[1]["duplicate_of"])
	require.NotEmpty(t, answers[1]["error_report_url"])
	status, report, _ := h.call("GET", strings.TrimPrefix(answers[1]["error_report_url"], h.url), nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, report, "nobody@acme.com", "the report of the import it repeats")
}
