package objects_test

import (
	"testing"

	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypes_Declarations checks that the declarations are coherent, so a
// new type's mistakes show here rather than as a confusing row message.
func TestTypes_Declarations(t *testing.T) {
	order := []string{"Worktype", "Multimedia Profile", "Site", "Skill Definition", "Skill Profile",
		"Auxiliary Code", "Team", "Audio File", "Outdial Queue", "Queue", "Outdial Entry Point",
		"Entry Point", "DN to EP Mapping", "Address Book", "Outdial ANI", "Agent Profile",
		"User Profile", "User"}
	var names []string
	before := map[string]bool{}
	slugs := map[string]bool{}
	for _, typ := range objects.Types {
		names = append(names, typ.Name)
		t.Run(typ.Slug, func(t *testing.T) {
			assert.Equal(t, objects.Slugify(typ.Name), typ.Slug)
			assert.False(t, slugs[typ.Slug], "slug used twice")
			key, ok := typ.Column(typ.Key)
			require.True(t, ok, "key column %q", typ.Key)
			assert.True(t, key.Required(), "the key is required")
			assert.False(t, key.Child, "the key is an own column")
			if typ.KeyWithin != "" {
				_, ok := typ.Column(typ.KeyWithin)
				assert.True(t, ok, "KeyWithin column %q", typ.KeyWithin)
			}
			seen := map[string]bool{}
			children := 0
			for _, c := range typ.Columns {
				assert.False(t, seen[c.Name], "column %q twice", c.Name)
				seen[c.Name] = true
				assert.NotZero(t, c.Kind, c.Name)
				if c.Child {
					children++
					assert.True(t, typ.MultiRow, "%q: child column of a single-row type", c.Name)
				}
				assert.False(t, (c.Seq || c.Unique) && !c.Child, "%q: Seq and Unique are for child columns", c.Name)
				if c.Kind == objects.Enum || (c.Kind == objects.List && c.Item == objects.Enum) {
					assert.NotEmpty(t, c.Values, c.Name)
				}
				if c.Kind == objects.List {
					assert.Contains(t, []objects.ValueKind{objects.Text, objects.Enum, objects.Ref}, c.Item, c.Name)
				}
				if c.Kind == objects.Int {
					assert.LessOrEqual(t, c.Min, c.Max, c.Name)
				}
				if c.Kind == objects.Ref || (c.Kind == objects.List && c.Item == objects.Ref) {
					assert.True(t, before[c.Ref], "%q refers to %q, which must be declared before %s", c.Name, c.Ref, typ.Name)
				}
				if c.When != nil {
					w, ok := typ.Column(c.When.Column)
					require.True(t, ok, "%q: condition on unknown column %q", c.Name, c.When.Column)
					assert.Equal(t, w.Child, c.Child || w.Child, "%q: an own column's condition cannot look at a child column", c.Name)
					for _, v := range c.When.In {
						switch w.Kind {
						case objects.Enum:
							assert.Contains(t, w.Values, v, "%q: condition value", c.Name)
						case objects.Bool:
							assert.Contains(t, []string{"ON", "OFF"}, v, "%q: condition value", c.Name)
						}
					}
				}
			}
			assert.Equal(t, typ.MultiRow, children > 0, "a multi-row type has child columns")
		})
		slugs[typ.Slug] = true
		before[typ.Name] = true
	}
	assert.Equal(t, order, names, "dependency order as OBJECTS.md lists it")
}

func TestLookup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"entry-point", "Entry Point"},
		{"ENTRY-POINT", "Entry Point"},
		{"OBJECTS.entry-point.march.csv", "Entry Point"},
		{"objects.Entry-Point.CSV", "Entry Point"},
		{"EntryPoint.csv", "Entry Point"},
		{"entrypoint", "Entry Point"},
		{"in/2026/OBJECTS.Site.csv", "Site"},
		{`C:\drop\Team.csv`, "Team"},
		{"Teams.csv", "Team"},
		{"dn-to-ep-mapping", "DN to EP Mapping"},
		{"DNtoEPMapping.csv", "DN to EP Mapping"},
		{"AudioFiles.csv", "Audio File"},
		{"audio-file", "Audio File"},
		{"OutdialANI.csv", "Outdial ANI"},
		{"multimedia-profile", "Multimedia Profile"},
		{"User.csv", "User"},
		{"UserProfile.csv", "User Profile"},
		{"Queue.2026-11.csv", "Queue"},
		{"OBJECTS.csv", ""},
		{"Entry Point.csv", ""}, // the name with its spaces is not a file name form
		{"sites-old.csv", ""},
		{"", ""},
		{".csv", ""},
		{"OBJECTS..csv", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := objects.Lookup(tc.in)
			if tc.want == "" {
				assert.False(t, ok, "resolved to %v", got)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, got.Name)
		})
	}
	for _, typ := range objects.Types {
		got, ok := objects.Lookup(typ.Slug)
		require.True(t, ok, typ.Slug)
		assert.Same(t, typ, got)
	}
}

func TestByName(t *testing.T) {
	typ, ok := objects.ByName("Skill Profile")
	require.True(t, ok)
	assert.True(t, typ.MultiRow)
	_, ok = objects.ByName("skill profile")
	assert.False(t, ok, "ByName is exact; Lookup is for people")
}
