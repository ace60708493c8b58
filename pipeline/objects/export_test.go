package objects_test

import (
	"bytes"
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
