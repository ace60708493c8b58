package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withAgentsAPI adds an acme token that may read and write agents.
func withAgentsAPI(t *testing.T) func(*config.Config) {
	base := withAuth(t)
	t.Setenv("TEST_ACME_AGENTS", "acme-agents")
	return func(c *config.Config) {
		base(c)
		c.Tenants[0].Tokens = append(c.Tenants[0].Tokens,
			&config.Token{SecretEnv: "TEST_ACME_AGENTS", Scopes: []string{bulkd.ScopeAgentsRead, bulkd.ScopeAgentsWrite}})
	}
}

type bulkImportJSON struct {
	ID               uint64 `json:"id"`
	Filename         string `json:"filename"`
	Type             string `json:"type"`
	Status           string `json:"status"`
	TotalRecords     int    `json:"total_records"`
	CompletedRecords int    `json:"completed_records"`
	FailedRecords    int    `json:"failed_records"`
	CreatedBy        string `json:"created_by"`
	Links            struct {
		Self, Records struct{ Href string }
	} `json:"_links"`
}

// bulkUpload posts an agents CSV to /bulk-imports/users.
func (h *harness) bulkUpload(token, fileName string, csv []byte, typ string) (int, []byte) {
	h.t.Helper()
	fields := map[string]string{}
	if typ != "" {
		fields["type"] = typ
	}
	status, b, _ := h.postForm("/bulk-imports/users", token, "file", fileName, csv, fields)
	return status, b
}

// finalImport polls an import until it has left QUEUED and IN_PROGRESS.
func (h *harness) finalImport(token string, id uint64) bulkImportJSON {
	h.t.Helper()
	var v bulkImportJSON
	h.poll(func() (bool, string) {
		h.fetch(token, fmt.Sprintf("/bulk-imports/users/%d", id), &v)
		return v.Status != "QUEUED" && v.Status != "IN_PROGRESS", "import still " + v.Status
	})
	return v
}

func TestBulkImports_Users(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withAgentsAPI(t))
	csv, err := os.ReadFile(filepath.Join("..", "testdata", "agents", "row-errors", "AGENTS.row-errors.csv"))
	require.NoError(t, err)

	status, body := h.bulkUpload("acme-agents", "march.csv", csv, "")
	require.Equal(t, http.StatusAccepted, status, string(body))
	var created bulkImportJSON
	require.NoError(t, json.Unmarshal(body, &created))
	assert.Equal(t, "march.csv", created.Filename)
	assert.Equal(t, "CREATE_OR_UPDATE_USERS", created.Type)
	assert.Equal(t, "token", created.CreatedBy)
	assert.Equal(t, fmt.Sprintf("/bulk-imports/users/%d/records", created.ID), created.Links.Records.Href)

	got := h.finalImport("acme-agents", created.ID)
	assert.Equal(t, "COMPLETED_WITH_ERRORS", got.Status)
	require.Positive(t, got.FailedRecords)
	assert.Equal(t, got.TotalRecords, got.CompletedRecords+got.FailedRecords)

	status, rb, _ := h.call("GET", got.Links.Records.Href, bearer("acme-agents"))
	require.Equal(t, http.StatusOK, status, rb)
	var recs struct {
		Count    int
		Embedded struct {
			Records []struct {
				Row    int
				Status string
				Error  string
				Data   map[string]string
			}
		} `json:"_embedded"`
	}
	require.NoError(t, json.Unmarshal([]byte(rb), &recs))
	require.Len(t, recs.Embedded.Records, got.TotalRecords)
	failed := 0
	for i, r := range recs.Embedded.Records {
		assert.Equal(t, i+1, r.Row)
		if r.Status == "FAILED" {
			failed++
			assert.NotEmpty(t, r.Error)
			assert.Contains(t, r.Data, "Email", "a failed row's cells, by column")
		}
	}
	assert.Equal(t, got.FailedRecords, failed)

	// Modes: only create fails on an existing agent; only update on a new one.
	one := []byte("Email,Full Name\nok1@acme.com,Ok Renamed\nnew@acme.com,New Person\n")
	for _, tc := range [][2]string{ // in this order: the update must not find new@ yet
		{"UPDATE_USERS", "no agent has the email new@acme.com, and this import only updates agents"},
		{"CREATE_USERS", "the agent ok1@acme.com already exists, and this import only creates agents"},
	} {
		typ, want := tc[0], tc[1]
		status, body := h.bulkUpload("acme-agents", "mode.csv", one, typ)
		require.Equal(t, http.StatusAccepted, status, string(body))
		var v bulkImportJSON
		require.NoError(t, json.Unmarshal(body, &v))
		done := h.finalImport("acme-agents", v.ID)
		assert.Equal(t, typ, done.Type)
		assert.Equal(t, [2]int{1, 1}, [2]int{done.CompletedRecords, done.FailedRecords}, typ)
		_, rb, _ := h.call("GET", done.Links.Records.Href, bearer("acme-agents"))
		assert.Contains(t, rb, want)
	}

	status, lb, _ := h.call("GET", "/bulk-imports/users?page=1&per_page=2", bearer("acme-agents"))
	require.Equal(t, http.StatusOK, status, lb)
	var page struct {
		Count    int                                `json:"count"`
		Total    int                                `json:"total"`
		Page     int                                `json:"page"`
		PerPage  int                                `json:"per_page"`
		Embedded struct{ Imports []bulkImportJSON } `json:"_embedded"`
	}
	require.NoError(t, json.Unmarshal([]byte(lb), &page))
	assert.Equal(t, [4]int{2, 3, 1, 2}, [4]int{page.Count, page.Total, page.Page, page.PerPage})
	assert.Greater(t, page.Embedded.Imports[0].ID, page.Embedded.Imports[1].ID, "newest first")

	status, cb, _ := h.call("DELETE", fmt.Sprintf("/bulk-imports/users/%d", created.ID), bearer("acme-agents"))
	assert.Equal(t, http.StatusConflict, status, "a finished import cannot be canceled")
	assert.Contains(t, cb, "only a queued import can be canceled")
}

func TestBulkImports_Errors(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withAgentsAPI(t))
	status, body := h.bulkUpload("acme-agents", "a.csv", []byte("Email,Full Name\n"), "DELETE_USERS")
	assert.Equal(t, http.StatusBadRequest, status)
	var e struct {
		Code, Message, Description string
		Fields                     []struct{ Name, Description string }
	}
	require.NoError(t, json.Unmarshal(body, &e))
	assert.Equal(t, "INVALID", e.Code)
	require.Len(t, e.Fields, 1)
	assert.Equal(t, "type", e.Fields[0].Name)

	status, body = h.bulkUpload("acme-agents", "a.xlsx", []byte("x"), "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), `"name": "file"`)
	status, body = h.bulkUpload("acme-agents", "", nil, "")
	assert.Equal(t, http.StatusBadRequest, status, string(body))
	status, _ = h.bulkUpload("acme-reader", "a.csv", []byte("Email,Full Name\n"), "")
	assert.Equal(t, http.StatusForbidden, status, "agents:write is needed")

	status, body = h.bulkUpload("globex-admin", "g.csv", []byte("Email,Full Name\nx@globex.com,X\n"), "")
	require.Equal(t, http.StatusAccepted, status, string(body))
	var g bulkImportJSON
	require.NoError(t, json.Unmarshal(body, &g))
	for _, m := range []string{"GET", "DELETE"} {
		status, _, _ := h.call(m, fmt.Sprintf("/bulk-imports/users/%d", g.ID), bearer("acme-agents"))
		assert.Equal(t, http.StatusNotFound, status, "%s of another tenant's import", m)
	}
	status, _, _ = h.call("GET", "/bulk-imports/users?per_page=500", bearer("acme-agents"))
	assert.Equal(t, http.StatusBadRequest, status)

	big := append([]byte("Email,Full Name\n"), bytes.Repeat([]byte("x"), 16<<20)...)
	status, body = h.bulkUpload("acme-agents", "big.csv", big, "")
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, "a file over the limit is refused, not cut short")
	assert.Contains(t, string(body), `"name": "file"`)
}
