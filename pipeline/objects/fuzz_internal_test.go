package objects

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParsePart feeds arbitrary bytes to the objects CSV reader (parsePart:
// the CSV reader, the header check, Group) as a CSV of every type: it never
// panics, a file it refuses is EINVALID with a valid UTF-8 message, and
// every data row it reads is in exactly one object. The seed corpus is in
// testdata/fuzz/FuzzParsePart.
func FuzzParsePart(f *testing.F) {
	f.Add(uint8(0), []byte("Name,Description,Type\nBreaks,,IDLE_CODE\n"))
	f.Fuzz(func(t *testing.T, ti uint8, data []byte) {
		typ := Types[int(ti)%len(Types)]
		p, err := parsePart(bytes.NewReader(data), "fuzz.csv", typ, csvio.Options{})
		if err != nil {
			require.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err), err)
			assert.True(t, utf8.ValidString(err.Error()))
			return
		}
		seen := map[int]int{}
		for _, o := range p.objs {
			for _, r := range o.Rows {
				seen[r]++
			}
		}
		for _, r := range p.rows {
			assert.Equal(t, 1, seen[r.Num], "row %d", r.Num)
		}
	})
}

// FuzzZipParts feeds arbitrary bytes to the ZIP door: unpacking within
// limits, then sorting the entries into parts. It never panics and refuses
// what it cannot read with EINVALID; the parts it makes are in dependency
// order. The seed corpus is in testdata/fuzz/FuzzZipParts.
func FuzzZipParts(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string]string{
		"Team.csv": "Name,Site,Type\nSales,London,AGENT\n", "Site.csv": "Name,Multimedia Profile\nLondon,Gold\n",
		"a.wav": "RIFF", "AudioFiles.csv": "Name,Description\na.wav,x\n", "notes.txt": "",
	} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte(data))
	}
	_ = zw.Close()
	f.Add(buf.Bytes(), "")
	f.Fuzz(func(t *testing.T, data []byte, fallback string) {
		dir := t.TempDir()
		zipPath := filepath.Join(dir, "in.zip")
		require.NoError(t, os.WriteFile(zipPath, data, 0o644))
		out := filepath.Join(dir, "out")
		require.NoError(t, os.Mkdir(out, 0o755))
		var written int64
		lim := pipeline.ZipLimits{MaxBytes: 1 << 20, MaxEntries: 50, MaxRatio: 200}
		names, err := pipeline.Unzip(zipPath, out, nil, lim, &written)
		if err == nil {
			var parts []*part
			parts, _, err = zipParts(out, names, fallback, csvio.Options{})
			for i := 1; i < len(parts); i++ {
				assert.LessOrEqual(t, rank(parts[i-1].t), rank(parts[i].t))
			}
		}
		if err != nil {
			require.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err), err)
		}
	})
}
