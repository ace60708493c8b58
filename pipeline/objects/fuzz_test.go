package objects_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzValidate feeds arbitrary cells to every type's validator: it never
// panics, every problem names a declared column (or none) in a short,
// valid UTF-8 message, and a valid row's canonical values are themselves
// a valid row with the same values (what an exporter writes, the importer
// reads back). The seed corpus is in testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	for i, typ := range objects.Types {
		f.Add(uint8(i), strings.Join(cells(typ, goodRows[typ.Slug]), ","))
	}
	f.Fuzz(func(t *testing.T, ti uint8, row string) {
		typ := objects.Types[int(ti)%len(objects.Types)]
		c := strings.Split(row, ",")
		n := len(typ.Columns)
		for len(c) < n {
			c = append(c, "")
		}
		c = c[:n]
		h, err := objects.NewHeader(typ, typ.Header())
		require.NoError(t, err)
		rec, ps := h.Parse(c)
		for _, p := range ps {
			if p.Column != "" {
				_, ok := typ.Column(p.Column)
				assert.True(t, ok, "problem names an undeclared column %q", p.Column)
			}
			msg := p.Error()
			assert.True(t, utf8.ValidString(msg), msg)
			assert.Less(t, len(msg), 1500, "a message quotes clipped values only")
		}
		for col := range rec {
			_, ok := typ.Column(col)
			assert.True(t, ok, col)
		}
		if len(ps) == 0 {
			again := make([]string, n)
			for i, col := range typ.Columns {
				again[i] = rec.Text(col.Name)
			}
			rec2, ps2 := h.Parse(again)
			require.Empty(t, ps2, "canonical values of a valid row are valid: %q", again)
			assert.Equal(t, rec, rec2)
		}
		// Grouping the row with itself exercises the multi-row rules.
		objs := h.Group([]csvio.Row{{Num: 1, Cells: c}, {Num: 2, Cells: c}})
		for _, o := range objs {
			for _, p := range o.Problems {
				assert.True(t, utf8.ValidString(p.Error()))
			}
		}
	})
}
