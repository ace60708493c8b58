package packaging_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/packaging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfig: the installed configs are the sample with its data_dir
// replaced, and nothing else.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, dir, wantDataDir string
	}{
		{"linux packages", "/var/lib/bulkd", "/var/lib/bulkd"},
		{"windows service", "./data", "data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := packaging.Config(tc.dir, "why")
			assert.Contains(t, string(src), "\ndata_dir   = \""+tc.dir+"\"   # why\n")
			assert.Equal(t, bytes.Count(packaging.Sample, []byte("\n")), bytes.Count(src, []byte("\n")), "one line changed, none added")

			folder := t.TempDir()
			path := filepath.Join(folder, "bulkd.hcl")
			require.NoError(t, os.WriteFile(path, src, 0o644))
			got, diags, _ := config.Load(path)
			require.False(t, diags.HasErrors(), diags.Error())
			want := filepath.Join(folder, tc.wantDataDir)
			if filepath.IsAbs(tc.wantDataDir) {
				want = tc.wantDataDir
			}
			assert.Equal(t, want, got.DataDir)
			assert.Equal(t, filepath.Join(want, "gis"), got.Watch.Root, "the tenant folders are in the data dir")

			// Everything else is the sample's, byte for byte.
			assert.Equal(t, withoutDataDir(t, packaging.Sample), withoutDataDir(t, src))
			assert.Empty(t, got.Tenants, "no example tenant")
		})
	}
}

// withoutDataDir is src without its one data_dir line.
func withoutDataDir(t *testing.T, src []byte) []byte {
	t.Helper()
	var out [][]byte
	n := 0
	for _, line := range bytes.Split(src, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("data_dir ")) {
			n++
			continue
		}
		out = append(out, line)
	}
	require.Equal(t, 1, n, "one data_dir line")
	return bytes.Join(out, []byte("\n"))
}
