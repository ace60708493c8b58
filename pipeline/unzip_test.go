package pipeline_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zipEntry is one file (or, with a name ending in "/", folder) of a test ZIP.
type zipEntry struct {
	name string
	data []byte
}

// writeZip writes entries, deflated, to a ZIP in dir and returns its path.
func writeZip(t *testing.T, dir string, entries ...zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		require.NoError(t, err)
		_, err = w.Write(e.data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	path := filepath.Join(dir, "CONTACT.z.zip")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

func TestUnzip(t *testing.T) {
	csv := []byte("CallId,AgentId\n1,a\n")
	wav := []byte("RIFF....WAVEfmt ")
	wavB, wavC := []byte("RIFF b"), []byte("RIFF c")
	zeros := func(n int) []byte { return make([]byte, n) }
	for _, tc := range []struct {
		name    string
		entries []zipEntry
		taken   []string
		lim     pipeline.ZipLimits
		written int64 // bytes already unpacked from the job's other ZIPs
		want    []string
		data    map[string][]byte // what some of want hold
		wantErr string            // an EINVALID message, when not empty
	}{
		{name: "flattened", entries: []zipEntry{
			{"batch/", nil}, {"batch/CONTACT.b.csv", csv}, {"batch/audio/a.wav", wav}, {`win\b.wav`, wavB}, {"c.wav", wavC},
		}, want: []string{"CONTACT.b.csv", "a.wav", "b.wav", "c.wav"},
			data: map[string][]byte{"CONTACT.b.csv": csv, "a.wav": wav, "b.wav": wavB, "c.wav": wavC}},
		{name: "dot files and __MACOSX skipped", entries: []zipEntry{
			{".DS_Store", wavB}, {"batch/.hidden.wav", wavB}, {"__MACOSX/._a.wav", wavB}, {"__MACOSX/batch/a.wav", wavB}, {"a.wav", wav},
		}, want: []string{"a.wav"}, data: map[string][]byte{"a.wav": wav}},
		{name: "small files compress freely", entries: []zipEntry{
			{"a.wav", zeros(pipeline.RatioFloor)},
		}, want: []string{"a.wav"}},
		{name: "duplicate", entries: []zipEntry{
			{"one/a.wav", wav}, {"two/a.wav", wav},
		}, wantErr: "CONTACT.z.zip holds two files named a.wav (folders are flattened)"},
		{name: "a name the job already holds", entries: []zipEntry{
			{"a.wav", wav},
		}, taken: []string{"CONTACT.z.zip", "a.wav"}, wantErr: "CONTACT.z.zip holds two files named a.wav (folders are flattened)"},
		{name: "entries", entries: []zipEntry{
			{"a.wav", wav}, {"b.wav", wav}, {"c.wav", wav},
		}, lim: pipeline.ZipLimits{MaxEntries: 2},
			wantErr: "CONTACT.z.zip holds 3 entries, more than the 2 a ZIP may hold (limits.zip_max_entries)"},
		{name: "bytes", entries: []zipEntry{
			{"a.wav", bytes.Repeat([]byte("0123456789abcdef"), 1<<12)},
		}, lim: pipeline.ZipLimits{MaxBytes: 16 << 10},
			wantErr: "a.wav: the ZIP unpacks to more than 16384 bytes (limits.zip_max_bytes)"},
		{name: "bytes across a job's ZIPs", entries: []zipEntry{
			{"a.wav", wav},
		}, lim: pipeline.ZipLimits{MaxBytes: 16 << 10}, written: 16<<10 - 1,
			wantErr: "a.wav: the ZIP unpacks to more than 16384 bytes (limits.zip_max_bytes)"},
		{name: "ratio", entries: []zipEntry{
			{"a.wav", zeros(2 * pipeline.RatioFloor)},
		}, wantErr: "a.wav: the entry unpacks to more than 200 times its packed size of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeZip(t, dir, tc.entries...)
			taken := tc.taken
			if taken == nil {
				taken = []string{"CONTACT.z.zip"}
			}
			written := tc.written
			names, err := pipeline.Unzip(path, dir, taken, tc.lim.WithDefaults(), &written)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, names)
			got, err := os.ReadDir(dir)
			require.NoError(t, err)
			files := []string{}
			for _, e := range got {
				files = append(files, e.Name())
			}
			assert.ElementsMatch(t, append([]string{"CONTACT.z.zip"}, tc.want...), files, "nothing else is written")
			for n, want := range tc.data {
				data, err := os.ReadFile(filepath.Join(dir, n))
				require.NoError(t, err)
				assert.Equal(t, want, data, n)
			}
		})
	}
}

// TestUnzip_Replay: a job that resumes unpacks its ZIP again, over what the
// first run wrote, and gets the same names and files.
func TestUnzip_Replay(t *testing.T) {
	dir := t.TempDir()
	path := writeZip(t, dir, zipEntry{"x/CONTACT.b.csv", []byte("CallId\n1\n")}, zipEntry{"x/a.wav", []byte("RIFF")})
	lim := pipeline.ZipLimits{}.WithDefaults()
	var first, second int64
	names1, err := pipeline.Unzip(path, dir, []string{"CONTACT.z.zip"}, lim, &first)
	require.NoError(t, err)
	names2, err := pipeline.Unzip(path, dir, []string{"CONTACT.z.zip"}, lim, &second)
	require.NoError(t, err)
	assert.Equal(t, []string{"CONTACT.b.csv", "a.wav"}, names1)
	assert.Equal(t, names1, names2)
	assert.Equal(t, first, second)
	data, err := os.ReadFile(filepath.Join(dir, "a.wav"))
	require.NoError(t, err)
	assert.Equal(t, []byte("RIFF"), data)
}

// TestUnzip_Errors: a file that is not a ZIP fails the job's file; a fault
// of the disk is not the file's fault, and is wrapped.
func TestUnzip_Errors(t *testing.T) {
	dir := t.TempDir()
	lim := pipeline.ZipLimits{}.WithDefaults()
	var written int64

	notZip := filepath.Join(dir, "CONTACT.n.zip")
	require.NoError(t, os.WriteFile(notZip, []byte("not a zip"), 0o644))
	_, err := pipeline.Unzip(notZip, dir, nil, lim, &written)
	require.Error(t, err)
	assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
	assert.Contains(t, err.Error(), "CONTACT.n.zip is not a readable ZIP")

	path := writeZip(t, dir, zipEntry{"a.wav", []byte("RIFF")})
	_, err = pipeline.Unzip(path, filepath.Join(dir, "gone"), nil, lim, &written)
	require.Error(t, err)
	assert.Equal(t, bulkd.EINTERNAL, bulkd.ErrorCode(err))
	assert.Contains(t, err.Error(), "unzip a.wav from CONTACT.z.zip: ")
	assert.ErrorIs(t, err, os.ErrNotExist)
}
