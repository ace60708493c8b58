package daemon_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unzipText reads every entry of a ZIP by name.
func unzipText(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		out[f.Name] = string(data)
	}
	return out
}

// zipText makes a ZIP of the entries, by name.
func zipText(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = io.WriteString(w, data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// tenantObjects is how many objects testdata/objects/tenant.zip creates.
const tenantObjects = 78

// TestObjects_ZipFolderDrop: the complete tenant set-up ZIP dropped in the
// folder imports whole; a ZIP with a bad row goes to archives/ with its
// error report, a ZIP of one CSV a file; the audio files are served.
func TestObjects_ZipFolderDrop(t *testing.T) {
	h, _ := startObjectsDaemon(t)
	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.tenant.csv"), readFixture(t, "objects", "tenant", "agents.csv"), 0o644))
	require.Equal(t, "succeeded", h.waitJobs("acme", 1)[0].State)

	j, _ := h.dropObjects("OBJECTS.tenant.zip", string(readFixture(t, "objects", "tenant.zip")), 2)
	require.Equal(t, "succeeded", j.State, j.Error)
	assert.Equal(t, map[string]int{"created": tenantObjects}, j.Counts)
	assert.FileExists(t, filepath.Join(dir, "archives", today(), "OBJECTS.tenant.zip"))

	status, body, header := h.call("GET", "/v1/objects/audio-file/welcome.wav/audio", map[string]string{"X-Tenant": "acme"})
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "audio/wav", header.Get("Content-Type"))
	assert.Equal(t, string(readFixture(t, "objects", "tenant", "welcome.wav")), body)

	// A team in a site that does not exist, and a queue naming it: both
	// rows are in the report, each in its own CSV under its own row.
	bad := zipText(t, map[string]string{
		"Team.csv":  "Name,Site,Type\nNight,London,AGENT\nLate,Lndon,AGENT\n",
		"Queue.csv": "Name,Channel Type,Max Time In Queue,Service Level Threshold,Routing Type,Distribution Group,Distribution Group Seq,Group Fallback Time,Group Teams\nLate Queue,CHAT,600,30,LINEAR,G1,1,,Late\n",
	})
	j, report := h.dropObjects("OBJECTS.fix.zip", string(bad), 3)
	assert.Equal(t, "partial", j.State, j.Error)
	assert.Equal(t, map[string]int{"created": 1}, j.Counts)
	require.Equal(t, fmt.Sprintf("/v1/jobs/%d/errors.zip", j.ID), j.ErrorReport)
	rep := unzipText(t, []byte(report))
	assert.Contains(t, rep["Team.csv"], `Late,Lndon,AGENT,2,"column ""Site"": no Site ""Lndon"" exists (did you mean ""London""?)`)
	assert.Contains(t, rep["Queue.csv"], `Team ""Late"" is not imported: its own row failed (row 2 of Team.csv)`)
	onDisk, err := os.ReadFile(filepath.Join(dir, "archives", today(), "OBJECTS.fix.zip.errors.zip"))
	require.NoError(t, err)
	assert.Equal(t, report, string(onDisk), "the report is delivered beside the ZIP")
	status, body, _ = h.call("GET", fmt.Sprintf("/v1/jobs/%d/errors.csv", j.ID), nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "errors.zip")
}

// TestObjectsHTTP_ZipAndExportRoundTrip: the set-up ZIP through POST
// /v1/bulk-operations; then every type's export, sent back as one ZIP,
// changes nothing and reports every object unchanged.
func TestObjectsHTTP_ZipAndExportRoundTrip(t *testing.T) {
	h := startDaemon(t, t.TempDir(), withObjectsAPI(t))
	tok := bearer("acme-objects")
	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AGENTS.tenant.csv"), readFixture(t, "objects", "tenant", "agents.csv"), 0o644))
	require.Equal(t, "succeeded", h.waitAuthedJobs("acme-reader", 1)[0].State)

	op := h.operate("", "tenant.zip", string(readFixture(t, "objects", "tenant.zip")))
	require.Equal(t, "Completed", op.Status, op)
	assert.Equal(t, map[string]int{"created": tenantObjects}, op.Counts)
	assert.Equal(t, "tenant.zip", op.FileName)

	exports := map[string]string{}
	for _, typ := range objects.Types {
		status, body, header := h.call("GET", "/v1/objects/"+typ.Slug+"/export", tok)
		require.Equal(t, http.StatusOK, status, body)
		if header.Get("Content-Type") == "application/zip" {
			for name, data := range unzipText(t, []byte(body)) {
				exports[name] = data
			}
			continue
		}
		exports["OBJECTS."+typ.Slug+".export.csv"] = body
	}
	assert.Contains(t, exports, "welcome.wav", "the audio export holds the files")
	op = h.operate("", "export.zip", string(zipText(t, exports)))
	assert.Equal(t, "Completed", op.Status, op)
	assert.Equal(t, map[string]int{"unchanged": tenantObjects}, op.Counts, "an export imports back unchanged")

	// A ZIP whose CSV names no type takes the upload's object.
	op = h.operate("site", "more.zip", string(zipText(t, map[string]string{"march.csv": "Name,Multimedia Profile\nOslo,Realtime Chat\n"})))
	assert.Equal(t, "Site", op.Object)
	if !assert.Equal(t, "Completed", op.Status) {
		status, body, _ := h.call("GET", op.ErrorReport, tok)
		t.Log(status, strings.TrimSpace(body))
	}
}
