package daemon_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedJSON reads a file of the seed-json case: the contacts seed's full
// JSON example, verbatim, with the agent and the recordings it names.
func seedJSON(t *testing.T, name string) []byte { return readFixture(t, "contacts", "seed-json", name) }

// TestSeedExamples_ContactsFullJSON imports the contacts seed's full JSON
// example as the seed prints it, through the folder and through the
// multipart upload: its Screen is written [ "Location":…, "StartTimeMs":… ]
// and names a combined 25.webm, which is the contact's screen recording
// beside its audio recording 25.wav.
func TestSeedExamples_ContactsFullJSON(t *testing.T) {
	wav, webm := seedJSON(t, "25.wav"), seedJSON(t, "25.webm")
	for _, door := range []string{"folder", "upload"} {
		t.Run(door, func(t *testing.T) {
			h := startDaemon(t, t.TempDir())
			dir := filepath.Join(h.root, "abc")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.seed.csv"), seedJSON(t, "AGENTS.seed.csv"), 0o644))
			require.Equal(t, "succeeded", h.waitJobs("abc", 1)[0].State)
			agents := h.agents("abc")
			require.Len(t, agents, 1)

			files := map[string][]byte{"25.wav": wav, "25.webm": webm, "CONTACT.seed.json": seedJSON(t, "CONTACT.seed.json")}
			if door == "folder" {
				for _, name := range []string{"25.wav", "25.webm", "CONTACT.seed.json"} {
					require.NoError(t, os.WriteFile(filepath.Join(dir, name), files[name], 0o644))
				}
			} else {
				body, ct := multipartBody(t, [][2]string{{"a", "CONTACT.seed.json"}, {"b", "25.wav"}, {"c", "25.webm"}}, files)
				var got struct {
					State    string `json:"state"`
					Contacts []struct {
						Status     string `json:"status"`
						Error      string `json:"error"`
						Recordings []struct {
							Location, Status string
							Media            bulkd.MediaType
						} `json:"recordings"`
					} `json:"contacts"`
				}
				require.Equal(t, http.StatusOK, h.post("/api/upload/contacts", ct, body, &got))
				assert.Equal(t, "succeeded", got.State)
				require.Len(t, got.Contacts, 1)
				assert.Equal(t, "inserted", got.Contacts[0].Status, got.Contacts[0].Error)
				require.Len(t, got.Contacts[0].Recordings, 2)
				assert.Equal(t, bulkd.MediaAudio, got.Contacts[0].Recordings[0].Media)
				assert.Equal(t, bulkd.MediaScreen, got.Contacts[0].Recordings[1].Media)
			}

			j := h.waitJobs("abc", 2)[0]
			assert.Equal(t, "contacts", j.Kind)
			assert.Equal(t, "succeeded", j.State, j.Error)
			assert.Equal(t, 1, j.RowsTotal)
			assert.Zero(t, j.RowsFailed)

			var page contactsPage
			require.Equal(t, http.StatusOK, h.get("/v1/tenants/abc/contacts", &page))
			require.Len(t, page.Contacts, 1)
			c := page.Contacts[0]
			assert.Equal(t, agents[0].ID, c.AgentID, "john.smith@acme.com")
			assert.Equal(t, "103585664793254280", c.AssocCallID)
			assert.Equal(t, "30611848", c.CallID)
			assert.Equal(t, "1801", c.CalledAddress)
			assert.Equal(t, "1800", c.CallingAddress)
			assert.Equal(t, "America/Chicago", c.TimeZone, "Central Standard Time")
			assert.Equal(t, int64(1447075073000), c.StartTimeMs)
			assert.Equal(t, 1, c.Direction)
			assert.Equal(t, bulkd.Metadata{{Name: "accountNumber", Value: "123456"}, {Name: "department", Value: "sales"}}, c.Metadata)
			assert.True(t, c.Complete)
			assert.Equal(t, []bulkd.Recording{
				{Location: "25.wav", Media: bulkd.MediaAudio, OffsetMs: 7000, Size: int64(len(wav)), SHA256: sha(wav)},
				{Location: "25.webm", Media: bulkd.MediaScreen, OffsetMs: 2000, Size: int64(len(webm)), SHA256: sha(webm)},
			}, c.Recordings)
		})
	}
}

// TestSeedExamples_WFMErrorCodes: the WFM seed gives 403 and 429 no code;
// bulkd sends its own, and a 429 says when to come back.
func TestSeedExamples_WFMErrorCodes(t *testing.T) {
	bad := []byte("not the template\n")
	for _, tc := range []struct {
		rpm           int
		retryAtLeast  int // seconds: the next request is one minute / rpm after the burst
		retryAtMost   int
		requestsSpent int
	}{
		{rpm: 1, retryAtLeast: 50, retryAtMost: 60, requestsSpent: 1},
		{rpm: 2, retryAtLeast: 20, retryAtMost: 30, requestsSpent: 2},
	} {
		t.Run(fmt.Sprintf("%d a minute", tc.rpm), func(t *testing.T) {
			h := startDaemon(t, t.TempDir(), withWFM(t, func(t *config.Tenant) { t.RequestsPerMinute = tc.rpm }))

			// 403: a token without the scope, for either endpoint.
			status, body, _ := h.upload("acme-wfm-read", form("a.csv", "UTC", ""), bad)
			assert.Equal(t, http.StatusForbidden, status, body)
			assert.Equal(t, "forbidden", body["code"])
			assert.Equal(t, "Insufficient permissions to perform this operation.", body["message"])
			status, b, _ := h.call("GET", "/wfm/aion/v1/schedules/event-imports/00000000-0000-0000-0000-000000000000", bearer("acme-reader"))
			assert.Equal(t, http.StatusForbidden, status, b)
			assert.Contains(t, b, `"code": "forbidden"`)

			// 429 once the burst is spent, with Retry-After.
			for range tc.requestsSpent {
				status, body, _ := h.upload("acme-wfm", form("a.csv", "UTC", ""), bad)
				require.Equal(t, http.StatusBadRequest, status, body)
			}
			status, body, hdr := h.upload("acme-wfm", form("a.csv", "UTC", ""), bad)
			require.Equal(t, http.StatusTooManyRequests, status, body)
			assert.Equal(t, "rate_limited", body["code"])
			assert.Equal(t, "Rate limit exceeded. Please retry later.", body["message"])
			assert.Contains(t, body["description"], "retry in")
			retry, err := strconv.Atoi(hdr.Get("Retry-After"))
			require.NoError(t, err, "Retry-After %q", hdr.Get("Retry-After"))
			assert.GreaterOrEqual(t, retry, tc.retryAtLeast)
			assert.LessOrEqual(t, retry, tc.retryAtMost)
		})
	}
}
