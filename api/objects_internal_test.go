package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBulkOperation_OneActivePerTenant: the pipeline refuses the claim (the
// kind is Exclusive) and the door answers 409 in the bulk-imports shape;
// another tenant is not held up.
func TestBulkOperation_OneActivePerTenant(t *testing.T) {
	s, st := newTestServer(t)
	require.NoError(t, st.CreateJob(context.Background(), &bulkd.Job{Tenant: "acme", Kind: bulkd.KindObjects, State: bulkd.StateRunning,
		File: "OBJECTS.site.a.csv", Files: []string{"OBJECTS.site.a.csv"}}))

	post := func(tenant string) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, err := mw.CreateFormFile("file", "b.csv")
		require.NoError(t, err)
		_, _ = w.Write([]byte("Name,Multimedia Profile\n"))
		require.NoError(t, mw.WriteField("object", "site"))
		require.NoError(t, mw.Close())
		req := httptest.NewRequest(http.MethodPost, bulkOperations, &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-Tenant", tenant)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	for _, tc := range []struct {
		tenant string
		status int
		code   string
	}{
		{"acme", http.StatusConflict, "CONFLICT"},
		{"globex", http.StatusAccepted, ""},
	} {
		t.Run(tc.tenant, func(t *testing.T) {
			rec := post(tc.tenant)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			var body map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			if tc.code != "" {
				assert.Equal(t, tc.code, body["code"])
				assert.Contains(t, body["description"], "bulk operation 1 (OBJECTS.site.a.csv) is still In Progress: only one bulk operation can be active at a time")
			}
		})
	}
}
