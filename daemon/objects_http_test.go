package daemon_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withObjectsAPI adds an acme token that may read and write objects.
func withObjectsAPI(t *testing.T) func(*config.Config) {
	base := withAuth(t)
	t.Setenv("TEST_ACME_OBJECTS", "acme-objects")
	return func(c *config.Config) {
		base(c)
		c.Tenants[0].Tokens = append(c.Tenants[0].Tokens,
			&config.Token{SecretEnv: "TEST_ACME_OBJECTS", Scopes: []string{bulkd.ScopeObjectsRead, bulkd.ScopeObjectsWrite}})
	}
}

type operationJSON struct {
	ID          uint64         `json:"id"`
	FileName    string         `json:"file_name"`
	Object      string         `json:"object"`
	Status      string         `json:"status"`
	SubmittedBy string         `json:"submitted_by"`
	RowsTotal   int            `json:"rows_total"`
	RowsFailed  int            `json:"rows_failed"`
	Counts      map[string]int `json:"counts"`
	ErrorReport string         `json:"error_report"`
}

type objectJSON struct {
	Key      string              `json:"key"`
	Fields   map[string]string   `json:"fields"`
	Children []map[string]string `json:"children"`
}

// bulkErrorJSON is the bulk-imports API's error shape.
type bulkErrorJSON struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Fields      []struct{ Name string }
}

// operate posts an objects CSV to /v1/bulk-operations, requires 202 and
// polls the operation until it is neither New nor In Progress.
func (h *harness) operate(object, fileName, csv string) operationJSON {
	h.t.Helper()
	status, body, header := h.postForm("/v1/bulk-operations", "acme-objects", "file", fileName, []byte(csv), map[string]string{"object": object})
	require.Equal(h.t, http.StatusAccepted, status, string(body))
	var op operationJSON
	require.NoError(h.t, json.Unmarshal(body, &op))
	assert.Equal(h.t, fmt.Sprintf("/v1/bulk-operations/%d", op.ID), header.Get("Location"))
	h.poll(func() (bool, string) {
		h.fetch("acme-objects", fmt.Sprintf("/v1/bulk-operations/%d", op.ID), &op)
		return op.Status != "New" && op.Status != "In Progress", "operation still " + op.Status
	})
	return op
}

func TestObjectsHTTP_BulkOperations(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withObjectsAPI(t))
	tok := bearer("acme-objects")

	status, body, header := h.call("GET", "/v1/objects/multimedia-profile/template.csv", tok)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "Name,Description,Type,Voice,Chat,Email,Social\n", body)
	assert.Equal(t, `attachment; filename=OBJECTS.multimedia-profile.csv`, header.Get("Content-Disposition"))

	op := h.operate("Multimedia Profile", "profiles.csv", "Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,2,2,2\nSilver,,EXCLUSIVE,0,1,0,0\n")
	assert.Equal(t, operationJSON{ID: op.ID, FileName: "profiles.csv", Object: "Multimedia Profile", Status: "Completed",
		SubmittedBy: "token", RowsTotal: 2, Counts: map[string]int{"created": 2}}, op)

	var list struct{ Objects []objectJSON }
	h.fetch("acme-objects", "/v1/objects/multimedia-profile", &list)
	require.Len(t, list.Objects, 2)
	assert.Equal(t, "Gold", list.Objects[0].Key)
	assert.Equal(t, "BLENDED", list.Objects[0].Fields["Type"])
	var one objectJSON
	h.fetch("acme-objects", "/v1/objects/MultimediaProfile/silver", &one)
	assert.Equal(t, "EXCLUSIVE", one.Fields["Type"])

	// A bad row: the others are stored, the report says why in its Error
	// Message column.
	sites := h.operate("site", "sites.csv", "Name,Multimedia Profile\nLondon,Gold\nParis,Golld\n")
	assert.Equal(t, "Complete With Errors", sites.Status)
	assert.Equal(t, 1, sites.RowsFailed)
	require.Equal(t, fmt.Sprintf("/v1/bulk-operations/%d/errors.csv", sites.ID), sites.ErrorReport)
	status, body, _ = h.call("GET", sites.ErrorReport, tok)
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "Error Message")
	assert.Contains(t, body, `(did you mean ""Gold""?)`)

	op = h.operate("team", "teams.csv", "Name,Site,Type\nSales,London,AGENT\n")
	assert.Equal(t, "Completed", op.Status)
	h.fetch("acme-objects", "/v1/objects/team/sales?site=london", &one)
	assert.Equal(t, "London", one.Fields["Site"])
	h.fetch("acme-objects", "/v1/objects/team/SALES", &one) // in one site only: no ?site= needed
	assert.Equal(t, "Sales", one.Key)

	// The export reads back as an import: the queue's groups one a row.
	op = h.operate("queue", "queues.csv", "Name,Channel Type,Max Time In Queue,Service Level Threshold,Routing Type,Distribution Group,Distribution Group Seq,Group Fallback Time,Group Teams\n"+
		"Support,CHAT,600,30,LONGEST_AVAILABLE_AGENT,G1,1,,Sales\n"+
		"Support,,,,,G2,2,60,Sales: London\n")
	require.Equal(t, "Completed", op.Status)
	status, body, header = h.call("GET", "/v1/objects/queue/export", tok)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `attachment; filename=OBJECTS.queue.export.csv`, header.Get("Content-Disposition"))
	lines := strings.Split(strings.TrimSpace(body), "\n")
	require.Len(t, lines, 3, body)
	assert.True(t, strings.HasPrefix(lines[1], "Support,,CHAT,600,30,"), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "Support,,,,,"), lines[2])
	op = h.operate("queue", "queues-again.csv", body)
	assert.Equal(t, map[string]int{"unchanged": 1}, op.Counts, "an export imports as it is")

	var ops struct {
		Total      int
		Operations []operationJSON
	}
	h.fetch("acme-objects", "/v1/bulk-operations?per_page=2", &ops)
	assert.Equal(t, 5, ops.Total)
	require.Len(t, ops.Operations, 2)
	assert.Equal(t, []string{"queues-again.csv", "queues.csv"}, []string{ops.Operations[0].FileName, ops.Operations[1].FileName}, "newest first")

	for _, tc := range []struct {
		name, method, path, token string
		status                    int
		code, says, field         string
	}{
		{"unknown type", "GET", "/v1/objects/planet/template.csv", "acme-objects", http.StatusNotFound, "NOT_FOUND", "multimedia-profile, site", ""},
		{"no such object", "GET", "/v1/objects/site/rome", "acme-objects", http.StatusNotFound, "NOT_FOUND", `"rome"`, ""},
		{"another tenant's operation", "GET", fmt.Sprintf("/v1/bulk-operations/%d", op.ID), "globex-admin", http.StatusNotFound, "NOT_FOUND", "not found", ""},
		{"another tenant's report", "GET", fmt.Sprintf("/v1/bulk-operations/%d/errors.csv", sites.ID), "globex-admin", http.StatusNotFound, "NOT_FOUND", "not found", ""},
		{"no report", "GET", fmt.Sprintf("/v1/bulk-operations/%d/errors.csv", op.ID), "acme-objects", http.StatusNotFound, "NOT_FOUND", "no error report", ""},
		{"without the scope", "GET", "/v1/bulk-operations", "acme-reader", http.StatusForbidden, "FORBIDDEN", "objects:read", ""},
		{"bad page", "GET", "/v1/bulk-operations?page=0", "acme-objects", http.StatusBadRequest, "INVALID", "page", "page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := h.call(tc.method, tc.path, bearer(tc.token))
			require.Equal(t, tc.status, status, body)
			var e bulkErrorJSON
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			assert.Equal(t, tc.code, e.Code)
			assert.Contains(t, e.Description, tc.says)
			if tc.field != "" {
				require.Len(t, e.Fields, 1)
				assert.Equal(t, tc.field, e.Fields[0].Name)
			}
		})
	}

	for _, tc := range []struct {
		name, object, file string
		status             int
		says, field        string
	}{
		{"not a CSV", "site", "sites.txt", http.StatusBadRequest, "not a .csv or .zip file", "file"},
		{"a ZIP of an unknown type", "planet", "all.zip", http.StatusBadRequest, "the types are", "object"},
		{"unknown type", "planet", "planets.csv", http.StatusBadRequest, "the types are", "object"},
		{"no type", "", "sites.csv", http.StatusBadRequest, "the types are", "object"},
		{"audio files", "audio-file", "audio.csv", http.StatusBadRequest, "Audio File objects are .wav files, sent in a ZIP", "object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := h.postForm("/v1/bulk-operations", "acme-objects", "file", tc.file, []byte("Name\n"), map[string]string{"object": tc.object})
			require.Equal(t, tc.status, status, string(body))
			var e bulkErrorJSON
			require.NoError(t, json.Unmarshal(body, &e), string(body))
			assert.Contains(t, e.Description, tc.says)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, tc.field, e.Fields[0].Name)
		})
	}
	h.fetch("acme-objects", "/v1/bulk-operations", &ops)
	assert.Equal(t, 5, ops.Total, "a refused upload is no operation")
}
