package objects_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/objects/types.md from the declarations")

// typesTable is the generated table the README includes.
var typesTable = filepath.Join("..", "..", "testdata", "objects", "types.md")

func TestTypesTable(t *testing.T) {
	got := objects.MarkdownTable()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(typesTable), 0o755))
		require.NoError(t, os.WriteFile(typesTable, []byte(got), 0o644))
	}
	want, err := os.ReadFile(typesTable)
	require.NoError(t, err)
	if string(want) != got {
		t.Fatalf("%s is stale: the declarations changed; regenerate it with\n\tgo test ./pipeline/objects -run TestTypesTable -update", typesTable)
	}
}

func TestMarkdownTable_Words(t *testing.T) {
	got := objects.MarkdownTable()
	for _, s := range []string{
		"| Entry Point | `entry-point` | Name |",
		"Channel Type (TELEPHONY, CHAT, EMAIL, SOCIAL CHANNEL)",
		"Asset Name (when Channel Type is CHAT, EMAIL or SOCIAL CHANNEL)",
		"Timezone (IANA time zone; opt)",
		"| Team | `team` | Name (within Site) |",
		"| Queue (multi-row) | `queue` |",
		"Group Fallback Time (integer ≥ 0; per row; when Distribution Group Seq is not 1)",
	} {
		assert.Contains(t, got, s)
	}
}

func TestWriteTemplate(t *testing.T) {
	for _, typ := range objects.Types {
		t.Run(typ.Slug, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, objects.WriteTemplate(&b, typ))
			rows, err := csv.NewReader(&b).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 1)
			assert.Equal(t, typ.Header(), rows[0])
			h, err := objects.NewHeader(typ, rows[0])
			require.NoError(t, err, "the template's header is the one the validator accepts")
			assert.NotNil(t, h)
			got, ok := objects.Lookup(objects.TemplateName(typ))
			require.True(t, ok)
			assert.Same(t, typ, got)
		})
	}
}
