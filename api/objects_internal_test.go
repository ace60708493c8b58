package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/bulkd/bulkd/store"
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

// storeObjects stores objs for tenant as a finished objects job would.
func storeObjects(t *testing.T, st *store.Store, tenant string, objs ...bulkd.ConfigObject) {
	t.Helper()
	ctx := context.Background()
	j := &bulkd.Job{Tenant: tenant, Kind: bulkd.KindObjects, State: bulkd.StateSucceeded, File: "OBJECTS.test.csv", Files: []string{"OBJECTS.test.csv"}}
	require.NoError(t, st.CreateJob(ctx, j))
	_, err := st.ApplyObjects(ctx, j.ID, tenant, objs, bulkd.Progress{Done: len(objs)}, objects.Words(mustType(t, objs[0].Type)))
	require.NoError(t, err)
}

func mustType(t *testing.T, slug string) *objects.Type {
	t.Helper()
	typ, ok := objects.Lookup(slug)
	require.True(t, ok, slug)
	return typ
}

func object(slug, key string, kv ...string) bulkd.ConfigObject {
	o := bulkd.ConfigObject{Type: slug, Key: key}
	for i := 0; i+1 < len(kv); i += 2 {
		o.Fields = append(o.Fields, bulkd.ObjectField{Name: kv[i], Value: kv[i+1]})
	}
	return o
}

// get sends GET path for tenant.
func get(s *Server, tenant, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("X-Tenant", tenant)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// unzip returns a ZIP's entries in order, and their bytes by name.
func unzip(t *testing.T, b []byte) ([]*zip.File, map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	data := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		d, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		data[f.Name] = string(d)
	}
	return zr.File, data
}

// TestExportObjects_Split: up to 5,000 rows the export is one CSV; more
// are a ZIP of CSVs named for the type, of at most 5,000 rows each.
func TestExportObjects_Split(t *testing.T) {
	s, st := newTestServer(t)
	for tenant, n := range map[string]int{"acme": objects.MaxRows + 1, "globex": objects.MaxRows} {
		sites := make([]bulkd.ConfigObject, n)
		for i := range sites {
			name := fmt.Sprintf("Site %05d", i)
			sites[i] = object("site", name, "Name", name, "Multimedia Profile", "Gold")
		}
		storeObjects(t, st, tenant, sites...)
	}
	for _, tc := range []struct {
		tenant, contentType, file string
		parts                     map[string]int // rows per CSV of a ZIP
	}{
		{"globex", "text/csv; charset=utf-8", "OBJECTS.site.export.csv", nil},
		{"acme", "application/zip", "OBJECTS.site.export.zip", map[string]int{"OBJECTS.site.export-1.csv": 5000, "OBJECTS.site.export-2.csv": 1}},
	} {
		t.Run(tc.tenant, func(t *testing.T) {
			rec := get(s, tc.tenant, objectsPath+"/site/export")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, tc.contentType, rec.Header().Get("Content-Type"))
			assert.Equal(t, "attachment; filename="+tc.file, rec.Header().Get("Content-Disposition"))
			if tc.parts == nil {
				assert.Equal(t, objects.MaxRows+1, bytes.Count(rec.Body.Bytes(), []byte("\n")), "the header and every row")
				return
			}
			files, data := unzip(t, rec.Body.Bytes())
			require.Len(t, files, len(tc.parts))
			for name, rows := range tc.parts {
				assert.Equal(t, rows+1, bytes.Count([]byte(data[name]), []byte("\n")), name)
				assert.Contains(t, data[name], "Name,Multimedia Profile\n", name)
			}
			assert.Contains(t, data["OBJECTS.site.export-2.csv"], "Site 05000,Gold\n")
		})
	}
}

// promptWAV is a small G.711 μ-law, 8 kHz, 8-bit mono WAV: a RIFF/WAVE
// header, a fmt chunk (format tag 7) and a data chunk.
func promptWAV(samples int) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(4 + 8 + 16 + 8 + samples))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(7))    // μ-law
	le(uint16(1))    // mono
	le(uint32(8000)) // samples a second
	le(uint32(8000)) // bytes a second
	le(uint16(1))    // block align
	le(uint16(8))    // bits a sample
	b.WriteString("data")
	le(uint32(samples))
	b.Write(bytes.Repeat([]byte{0xFF}, samples)) // μ-law silence
	return b.Bytes()
}

// storeAudio puts wav in s's media store as the importer does and returns
// its digest.
func storeAudio(t *testing.T, s *Server, wav []byte) media.Blob {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prompt.wav")
	require.NoError(t, os.WriteFile(path, wav, 0o644))
	blob, err := s.Media.Ingest(context.Background(), path, "prompt.wav")
	require.NoError(t, err)
	require.NoError(t, s.Media.Sync())
	return blob
}

// audioServer is a test server whose acme tenant has a Site, an Audio File
// with bytes, one stored without, and one with a digest that is not one.
func audioServer(t *testing.T) (*Server, []byte) {
	t.Helper()
	s, st := newTestServer(t)
	wav := promptWAV(800)
	blob := storeAudio(t, s, wav)
	storeObjects(t, st, "acme",
		object("audio-file", "hold music.wav", "Name", "hold music.wav", "Description", "Hold, please",
			objects.FieldSHA256, blob.SHA256, objects.FieldBytes, strconv.FormatInt(blob.Size, 10)),
		object("audio-file", "silent.wav", "Name", "silent.wav"),
		object("audio-file", "tampered.wav", "Name", "tampered.wav", objects.FieldSHA256, "../../etc/passwd"))
	storeObjects(t, st, "acme", object("site", "London", "Name", "London", "Multimedia Profile", "Gold"))
	return s, wav
}

// TestGetObjectAudio: an Audio File's bytes, inline under its name, with
// Range support; anything else is 404 in the bulk-imports shape.
func TestGetObjectAudio(t *testing.T) {
	s, wav := audioServer(t)
	for _, tc := range []struct {
		name, path   string
		header       []string
		status       int
		body, says   string
		disposition  string
		contentRange string
	}{
		{name: "by slug", path: "/audio-file/hold%20music.wav/audio", status: http.StatusOK, body: string(wav),
			disposition: `inline; filename="hold music.wav"`},
		{name: "by type name, any case", path: "/AudioFile/HOLD%20MUSIC.WAV/audio", status: http.StatusOK, body: string(wav),
			disposition: `inline; filename="hold music.wav"`},
		{name: "a range", path: "/audio-file/hold%20music.wav/audio", header: []string{"Range", "bytes=0-3"},
			status: http.StatusPartialContent, body: "RIFF", contentRange: fmt.Sprintf("bytes 0-3/%d", len(wav))},
		{name: "no such audio file", path: "/audio-file/nope.wav/audio", status: http.StatusNotFound, says: `"nope.wav"`},
		{name: "stored without bytes", path: "/audio-file/silent.wav/audio", status: http.StatusNotFound, says: `Audio File "silent.wav" has no audio stored`},
		{name: "not an audio file", path: "/site/London/audio", status: http.StatusNotFound, says: "Site objects have no audio"},
		{name: "unknown type", path: "/planet/mars/audio", status: http.StatusNotFound, says: "no object type"},
		{name: "a digest that is no digest", path: "/audio-file/tampered.wav/audio", status: http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(s, "acme", objectsPath+tc.path, tc.header...)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.says != "" {
				var body map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				assert.Equal(t, "NOT_FOUND", body["code"])
				assert.Contains(t, body["description"], tc.says)
				assert.Equal(t, []any{}, body["fields"])
				return
			}
			if tc.status >= 300 {
				return
			}
			assert.Equal(t, "audio/wav", rec.Header().Get("Content-Type"))
			assert.Equal(t, tc.body, rec.Body.String())
			if tc.disposition != "" {
				assert.Equal(t, tc.disposition, rec.Header().Get("Content-Disposition"))
			}
			assert.Equal(t, tc.contentRange, rec.Header().Get("Content-Range"))
		})
	}
	t.Run("another tenant", func(t *testing.T) {
		rec := get(s, "globex", objectsPath+"/audio-file/hold%20music.wav/audio")
		assert.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	})
}

// TestExportObjects_AudioFiles: Audio Files export in their import
// format, a ZIP of AudioFiles.csv (the declared columns only) and the
// WAVs, stored uncompressed; one stored without bytes has its row only.
func TestExportObjects_AudioFiles(t *testing.T) {
	s, wav := audioServer(t)
	// s's tampered digest fails its export: good has good ones only.
	good, st := newTestServer(t)
	blob := storeAudio(t, good, wav)
	storeObjects(t, st, "acme",
		object("audio-file", "hold music.wav", "Name", "hold music.wav", "Description", "Hold, please",
			objects.FieldSHA256, blob.SHA256, objects.FieldBytes, strconv.FormatInt(blob.Size, 10)),
		object("audio-file", "silent.wav", "Name", "silent.wav"))

	rec := get(good, "acme", objectsPath+"/audio-file/export")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "application/zip", rec.Header().Get("Content-Type"))
	assert.Equal(t, "attachment; filename=OBJECTS.audio-file.export.zip", rec.Header().Get("Content-Disposition"))
	files, data := unzip(t, rec.Body.Bytes())
	require.Len(t, files, 2)
	assert.Equal(t, "AudioFiles.csv", files[0].Name)
	assert.Equal(t, "Name,Description\nhold music.wav,\"Hold, please\"\nsilent.wav,\n", data["AudioFiles.csv"])
	assert.Equal(t, "hold music.wav", files[1].Name)
	assert.Equal(t, zip.Store, files[1].Method)
	assert.Equal(t, string(wav), data["hold music.wav"])

	t.Run("a digest that is no digest", func(t *testing.T) {
		rec := get(s, "acme", objectsPath+"/audio-file/export")
		assert.Equal(t, http.StatusInternalServerError, rec.Code, "refused before the answer began")
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	})
	t.Run("bytes gone from the media store", func(t *testing.T) {
		require.NoError(t, os.Remove(good.Media.Path(blob.SHA256)))
		rec := get(good, "acme", objectsPath+"/audio-file/export")
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
	})
}
