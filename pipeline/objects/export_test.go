package objects_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteObjects exports every type's good objects and reads the file
// back with csvio and Group: the same objects come back.
func TestWriteObjects(t *testing.T) {
	for _, typ := range objects.Types {
		t.Run(typ.Slug, func(t *testing.T) {
			good := goodRows[typ.Slug]
			rows := []map[string]string{good}
			if typ.MultiRow {
				second := map[string]string{typ.Key: good[typ.Key]}
				for _, c := range typ.Columns {
					if c.Child {
						second[c.Name] = good[c.Name]
					}
				}
				for k, v := range map[string]string{"Skill Name": "Tenure", "Distribution Group": "Overflow",
					"Distribution Group Seq": "2", "Group Fallback Time": "30", "Entry Name": "Second"} {
					if _, ok := typ.Column(k); ok {
						second[k] = v
					}
				}
				rows = append(rows, second)
			}
			_, objs := group(t, typ.Slug, rows...)
			require.Len(t, objs, 1)
			require.True(t, objs[0].OK(), problems(objs[0]))

			var b bytes.Buffer
			require.NoError(t, objects.WriteObjects(&b, typ, objs))
			r, err := csvio.NewReader(&b)
			require.NoError(t, err)
			back, err := r.All(0)
			require.NoError(t, err)
			h, err := objects.NewHeader(typ, r.Header())
			require.NoError(t, err)
			again := h.Group(back)
			require.Len(t, again, 1)
			require.True(t, again[0].OK(), problems(again[0]))
			assert.Equal(t, objs[0].Own, again[0].Own)
			assert.Equal(t, objs[0].Children, again[0].Children)
			assert.Equal(t, objs[0].Rows, again[0].Rows)
		})
	}
}

// queueRows are the rows of a queue called name with n distribution
// groups, one a row.
func queueRows(name string, n int) []map[string]string {
	rows := []map[string]string{with(goodRows["queue"], "Name", name)}
	for seq := 2; seq <= n; seq++ {
		rows = append(rows, map[string]string{"Name": name, "Distribution Group": fmt.Sprintf("G%d", seq),
			"Distribution Group Seq": fmt.Sprint(seq), "Group Fallback Time": "30", "Group Teams": "Sales"})
	}
	return rows
}

// sites are n valid Sites' rows.
func sites(n int) []map[string]string {
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = map[string]string{"Name": fmt.Sprintf("Site %05d", i), "Multimedia Profile": "Blended"}
	}
	return rows
}

// queues are queues of the given numbers of rows each.
func queues(sizes ...int) []map[string]string {
	var rows []map[string]string
	for i, n := range sizes {
		rows = append(rows, queueRows(fmt.Sprintf("Queue %05d", i), n)...)
	}
	return rows
}

// repeat returns n copies of k.
func repeat(k, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = k
	}
	return s
}

// readCSV reads an exported CSV back as the importer would, with its row
// limit: the objects it holds, all valid, and its number of rows.
func readCSV(t *testing.T, typ *objects.Type, r io.Reader) ([]objects.Object, int) {
	t.Helper()
	rd, err := csvio.NewReader(r)
	require.NoError(t, err)
	rows, err := rd.All(objects.MaxRows)
	require.NoError(t, err)
	h, err := objects.NewHeader(typ, rd.Header())
	require.NoError(t, err)
	objs := h.Group(rows)
	for _, o := range objs {
		require.True(t, o.OK(), problems(o))
	}
	return objs, len(rows)
}

// TestExport_Split: an export is one CSV while its rows fit in one, else
// a ZIP of CSVs of at most MaxRows rows, each object whole in one of
// them; every CSV is named so that Lookup finds the type, and reads back
// as the importer reads it to the same objects.
func TestExport_Split(t *testing.T) {
	tests := []struct {
		name     string
		slug     string
		rows     []map[string]string
		wantRows []int // per CSV
	}{
		{"no objects", "site", nil, []int{0}},
		{"5,000 rows", "site", sites(5000), []int{5000}},
		{"5,001 rows", "site", sites(5001), []int{5000, 1}},
		{"multi-row objects that fill a CSV", "queue", queues(repeat(2, 2500)...), []int{5000}},
		{"a multi-row object straddling the limit moves whole", "queue", queues(append(repeat(2, 2499), 3, 1)...), []int{4998, 4}},
		{"three CSVs", "site", sites(10001), []int{5000, 5000, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, objs := group(t, tc.slug, tc.rows...)
			for _, o := range objs {
				require.True(t, o.OK(), problems(o))
			}
			e := objects.NewExport(typ, objs, nil)
			var b bytes.Buffer
			require.NoError(t, e.Write(&b))

			var back []objects.Object
			var gotRows []int
			if len(tc.wantRows) == 1 {
				assert.False(t, e.Zip())
				assert.Equal(t, "OBJECTS."+typ.Slug+".export.csv", e.Name())
				got, n := readCSV(t, typ, &b)
				back, gotRows = got, []int{n}
			} else {
				assert.True(t, e.Zip())
				assert.Equal(t, "OBJECTS."+typ.Slug+".export.zip", e.Name())
				zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
				require.NoError(t, err)
				require.Len(t, zr.File, len(tc.wantRows))
				for i, f := range zr.File {
					assert.Equal(t, fmt.Sprintf("OBJECTS.%s.export-%d.csv", typ.Slug, i+1), f.Name)
					got, ok := objects.Lookup(f.Name)
					require.True(t, ok, f.Name)
					require.Same(t, typ, got)
					rc, err := f.Open()
					require.NoError(t, err)
					part, n := readCSV(t, typ, rc)
					require.NoError(t, rc.Close())
					back, gotRows = append(back, part...), append(gotRows, n)
				}
			}
			assert.Equal(t, tc.wantRows, gotRows)
			require.Len(t, back, len(objs))
			for i := range objs {
				assert.Equal(t, objs[i].Key, back[i].Key)
				assert.Equal(t, objs[i].Own, back[i].Own)
				assert.Equal(t, objs[i].Children, back[i].Children)
			}
		})
	}
}

// TestExport_ObjectOverTheLimit: an object of more rows than a CSV holds
// has a CSV of its own (the importer refuses it, saying why) and its
// neighbours stay whole in theirs.
func TestExport_ObjectOverTheLimit(t *testing.T) {
	typ, objs := group(t, "queue", queues(1, objects.MaxRows+1, 1)...)
	e := objects.NewExport(typ, objs, nil)
	require.True(t, e.Zip())
	var b bytes.Buffer
	require.NoError(t, e.Write(&b))
	names, data := unzipAll(t, b.Bytes())
	var lines []int
	for _, name := range names {
		lines = append(lines, strings.Count(data[name], "\n")-1) // less the header
	}
	assert.Equal(t, []int{1, objects.MaxRows + 1, 1}, lines)
}

// audioFile is an Audio File as the API hands it to NewExport: its stored
// fields by name, the digest and size among them when it has bytes.
func audioFile(name, description, sha string) objects.Object {
	own := objects.Record{"Name": {Text: name}}
	if description != "" {
		own["Description"] = objects.Value{Text: description}
	}
	if sha != "" {
		own[objects.FieldSHA256] = objects.Value{Text: sha}
		own[objects.FieldBytes] = objects.Value{Text: "4"}
	}
	return objects.Object{Key: name, Own: own}
}

// TestExport_AudioFiles: Audio Files export as they are imported, a ZIP
// of AudioFiles.csv (declared columns only) and each file's bytes, stored
// uncompressed; a file stored without bytes has its row only.
func TestExport_AudioFiles(t *testing.T) {
	typ := mustType(t, "audio-file")
	blobs := map[string]string{"abc": "RIFF"}
	open := func(sha string) (io.ReadCloser, error) {
		b, ok := blobs[sha]
		if !ok {
			return nil, fmt.Errorf("no blob %s", sha)
		}
		return io.NopCloser(strings.NewReader(b)), nil
	}
	objs := []objects.Object{audioFile("hold music.wav", "Hold, please", "abc"), audioFile("silent.wav", "", "")}
	e := objects.NewExport(typ, objs, open)
	assert.True(t, e.Zip())
	assert.Equal(t, "OBJECTS.audio-file.export.zip", e.Name())
	var b bytes.Buffer
	require.NoError(t, e.Write(&b))

	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".wav") {
			assert.Equal(t, zip.Store, f.Method, f.Name)
		}
	}
	names, got := unzipAll(t, b.Bytes())
	assert.Equal(t, []string{"AudioFiles.csv", "hold music.wav"}, names)
	assert.Equal(t, "Name,Description\nhold music.wav,\"Hold, please\"\nsilent.wav,\n", got["AudioFiles.csv"])
	assert.Equal(t, "RIFF", got["hold music.wav"])
	back, ok := objects.Lookup("AudioFiles.csv")
	require.True(t, ok)
	assert.Same(t, typ, back, "the folder door takes the CSV for the type")

	t.Run("bytes missing from the store", func(t *testing.T) {
		e := objects.NewExport(typ, []objects.Object{audioFile("gone.wav", "", "def")}, open)
		err := e.Write(io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "add gone.wav: no blob def")
	})
	t.Run("no media store", func(t *testing.T) {
		err := objects.NewExport(typ, objs, nil).Write(io.Discard)
		assert.ErrorContains(t, err, "no media store")
	})
}
