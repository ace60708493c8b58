package objects_test

import (
	"testing"

	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rowsOf numbers rows from 1, laid out in typ's template order.
func rowsOf(typ *objects.Type, rows ...map[string]string) []csvio.Row {
	out := make([]csvio.Row, len(rows))
	for i, r := range rows {
		out[i] = csvio.Row{Num: i + 1, Line: i + 2, Cells: cells(typ, r)}
	}
	return out
}

func group(t *testing.T, slug string, rows ...map[string]string) (*objects.Type, []objects.Object) {
	t.Helper()
	typ := mustType(t, slug)
	h, err := objects.NewHeader(typ, typ.Header())
	require.NoError(t, err)
	return typ, h.Group(rowsOf(typ, rows...))
}

// problems returns "row:column" for each of o's problems.
func problems(o objects.Object) []string {
	var s []string
	for _, p := range o.Problems {
		s = append(s, p.Error())
	}
	return s
}

func TestHeader_Group_Queue(t *testing.T) {
	q := goodRows["queue"]
	group2 := map[string]string{"Name": "Support", "Distribution Group": "Overflow", "Distribution Group Seq": "2",
		"Group Fallback Time": "120", "Group Teams": "Backup"}
	typ, objs := group(t, "queue", q, group2, with(goodRows["queue"], "Name", "Sales"))
	require.Len(t, objs, 2)
	o := objs[0]
	require.True(t, o.OK(), problems(o))
	assert.Equal(t, "Support", o.Key)
	assert.Equal(t, []int{1, 2}, o.Rows)
	assert.Equal(t, "TELEPHONY", o.Own.Text("Channel Type"))
	assert.False(t, o.Own.Has("Distribution Group"), "child columns are not own values")
	require.Len(t, o.Children, 2)
	assert.Equal(t, "First", o.Children[0].Text("Distribution Group"))
	assert.Equal(t, 2, o.Children[1]["Distribution Group Seq"].Int)
	assert.Equal(t, 120, o.Children[1]["Group Fallback Time"].Int)
	assert.Nil(t, o.Messages(typ))
	assert.Equal(t, []int{3}, objs[1].Rows)

	tests := []struct {
		name string
		rows []map[string]string
		want []string // the first object's problems
	}{
		{"repeating own columns is fine", []map[string]string{q, with(q, "Distribution Group", "Overflow", "Distribution Group Seq", "2",
			"Group Fallback Time", "60", "Channel Type", "telephony", "Permit Monitoring", "on")}, nil},
		{"own column differs", []map[string]string{q, with(group2, "Routing Type", "LINEAR")},
			[]string{`column "Routing Type": "LINEAR" differs from the first row of Queue "Support" (row 1: "SKILLS_BASED"); leave it empty on later rows`}},
		{"group 2 needs a fallback time", []map[string]string{q, with(group2, "Group Fallback Time", "")},
			[]string{`column "Group Fallback Time": is required when Distribution Group Seq is not 1`}},
		{"seq skips", []map[string]string{q, with(group2, "Distribution Group Seq", "3")},
			[]string{`column "Distribution Group Seq": is 3, but this is row 2 of Queue "Support": its rows are numbered 1, 2, … in order`}},
		{"seq starts at 2", []map[string]string{with(q, "Distribution Group Seq", "2", "Group Fallback Time", "5")},
			[]string{`column "Distribution Group Seq": is 2, but this is row 1 of Queue "Support"`}},
		{"group named twice", []map[string]string{q, with(group2, "Distribution Group", "First")},
			[]string{`column "Distribution Group": "First" is already on row 1 of Queue "Support"`}},
		{"a child column is required on every row", []map[string]string{q, with(group2, "Group Teams", "")},
			[]string{`column "Group Teams": is required`}},
		{"a bad value in a later row", []map[string]string{q, with(group2, "Group Teams", "a||b")},
			[]string{`column "Group Teams": "a||b": item 2 of the list is empty`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, objs := group(t, "queue", tc.rows...)
			require.Len(t, objs, 1)
			o := objs[0]
			assert.Len(t, o.Rows, len(tc.rows), "one object")
			if tc.want == nil {
				assert.True(t, o.OK(), problems(o))
				return
			}
			require.Len(t, o.Problems, len(tc.want), problems(o))
			for i, w := range tc.want {
				assert.Contains(t, o.Problems[i].Error(), w)
			}
		})
	}
}

func TestHeader_Group_BrokenGroupFailsTheObject(t *testing.T) {
	sp := goodRows["skill-profile"]
	typ, objs := group(t, "skill-profile",
		sp,
		map[string]string{"Name": "Sales", "Skill Name": "Tenure", "Skill Values": "7"},
		map[string]string{"Name": "Sales", "Skill Name": "Chat", "Skill Values": ""},
		with(sp, "Name", "Support"))
	require.Len(t, objs, 2)
	o := objs[0]
	assert.False(t, o.OK())
	assert.Equal(t, []int{1, 2, 3}, o.Rows)
	m := o.Messages(typ)
	require.Len(t, m, 3, "every row of a failed object is reported")
	assert.Equal(t, `column "Skill Values": is required`, m[3])
	assert.Equal(t, `not imported: Skill Profile "Sales" is imported as a whole and its row(s) 3 failed`, m[1])
	assert.Equal(t, m[1], m[2])
	assert.True(t, objs[1].OK(), "the next object is not touched")
}

func TestHeader_Group_Entries(t *testing.T) {
	t.Run("skill profile skills", func(t *testing.T) {
		_, objs := group(t, "skill-profile", goodRows["skill-profile"],
			map[string]string{"Name": "Sales", "Skill Name": "Tenure", "Skill Values": "7", "Delete": "Yes"})
		require.Len(t, objs, 1)
		require.True(t, objs[0].OK(), problems(objs[0]))
		require.Len(t, objs[0].Children, 2)
		assert.Equal(t, []objects.Reference{{Type: "Skill Definition", Key: "Tenure"}}, objs[0].Children[1]["Skill Name"].Refs)
		assert.True(t, objs[0].Children[1]["Delete"].Bool)
	})
	t.Run("skill named twice", func(t *testing.T) {
		_, objs := group(t, "skill-profile", goodRows["skill-profile"],
			map[string]string{"Name": "Sales", "Skill Name": "Language", "Skill Values": "French"})
		require.Len(t, objs, 1)
		assert.Equal(t, []string{`column "Skill Name": "Language" is already on row 1 of Skill Profile "Sales"`}, problems(objs[0]))
	})
	t.Run("address book entries", func(t *testing.T) {
		_, objs := group(t, "address-book", goodRows["address-book"],
			map[string]string{"Name": "Partners", "Entry Name": "Globex", "Phone Number": "(020)7946-0000"},
			map[string]string{"Name": "Partners", "Site": "London", "Entry Name": "Initech", "Phone Number": "555"})
		require.Len(t, objs, 1)
		require.True(t, objs[0].OK(), problems(objs[0]))
		assert.Len(t, objs[0].Children, 3)
		assert.Equal(t, "London", objs[0].Own.Text("Site"))
	})
	t.Run("address book entry without a number", func(t *testing.T) {
		_, objs := group(t, "address-book", goodRows["address-book"],
			map[string]string{"Name": "Partners", "Entry Name": "Globex"})
		require.Len(t, objs, 1)
		assert.Equal(t, []string{`column "Phone Number": is required`}, problems(objs[0]))
	})
	t.Run("outdial ANI entries", func(t *testing.T) {
		_, objs := group(t, "outdial-ani", goodRows["outdial-ani"],
			map[string]string{"Name": "ANIs", "Entry Name": "Billing", "Entry Number": "+1-800-555-0100"},
			map[string]string{"Name": "ANIs", "Entry Name": "Bad", "Entry Number": "call us"})
		require.Len(t, objs, 1)
		assert.Equal(t, []int{1, 2, 3}, objs[0].Rows)
		assert.Equal(t, []string{`column "Entry Number": "call us" is not a phone number (digits, (, ), +, -) or a SIP URI (sip:user@host)`}, problems(objs[0]))
		assert.Equal(t, 3, objs[0].Problems[0].Row)
	})
}

func TestHeader_Group_Rules(t *testing.T) {
	t.Run("rows of a key not consecutive", func(t *testing.T) {
		ani := goodRows["outdial-ani"]
		_, objs := group(t, "outdial-ani", ani, with(ani, "Name", "Other"), with(ani, "Entry Name", "Second"))
		require.Len(t, objs, 3)
		want := `column "Name": the rows of Outdial ANI "ANIs" are not consecutive (rows 1 and 3): put them together`
		assert.Equal(t, []string{want}, problems(objs[0]))
		assert.True(t, objs[1].OK())
		assert.Equal(t, []string{want}, problems(objs[2]))
	})
	t.Run("keys are trimmed", func(t *testing.T) {
		ani := goodRows["outdial-ani"]
		_, objs := group(t, "outdial-ani", ani, with(ani, "Name", " ANIs ", "Entry Name", "Second"))
		require.Len(t, objs, 1)
		assert.True(t, objs[0].OK(), problems(objs[0]))
	})
	t.Run("a row with no key stands alone", func(t *testing.T) {
		ani := goodRows["outdial-ani"]
		_, objs := group(t, "outdial-ani", ani, with(ani, "Name", "", "Entry Name", "Second"))
		require.Len(t, objs, 2)
		assert.True(t, objs[0].OK())
		assert.Equal(t, []string{`column "Name": is required`}, problems(objs[1]))
	})
	t.Run("a malformed row fails its object", func(t *testing.T) {
		typ := mustType(t, "outdial-ani")
		h, err := objects.NewHeader(typ, typ.Header())
		require.NoError(t, err)
		rows := rowsOf(typ, goodRows["outdial-ani"])
		rows = append(rows,
			csvio.Row{Num: 2, Cells: []string{"ANIs", "", "x", "1", "extra"}, Err: "the row has 5 columns, the header 4"},
			csvio.Row{Num: 3, Err: "line 4: the record is over the limit"})
		objs := h.Group(rows)
		require.Len(t, objs, 2)
		assert.Equal(t, []int{1, 2}, objs[0].Rows)
		assert.Equal(t, []string{"the row has 5 columns, the header 4"}, problems(objs[0]))
		assert.Equal(t, []string{"line 4: the record is over the limit"}, problems(objs[1]))
	})
	t.Run("single-row types: one object a row", func(t *testing.T) {
		site := goodRows["site"]
		typ, objs := group(t, "site", site, site, with(site, "Multimedia Profile", ""))
		require.Len(t, objs, 3, "duplicate keys of a single-row type are left to the importer")
		assert.True(t, objs[0].OK())
		assert.Equal(t, "Blended", objs[1].Own.Text("Multimedia Profile"))
		assert.Nil(t, objs[0].Children)
		assert.Equal(t, map[int]string{3: `column "Multimedia Profile": is required`}, objs[2].Messages(typ))
	})
}

func TestHeader_Group_OwnColumnOnlyOnALaterRow(t *testing.T) {
	ani := goodRows["outdial-ani"]
	_, objs := group(t, "outdial-ani", ani, with(ani, "Entry Name", "Second", "Description", "Outbound numbers"))
	require.Len(t, objs, 1)
	assert.Equal(t, []string{`column "Description": "Outbound numbers" is empty on the first row of Outdial ANI "ANIs" (row 1): give the object's own columns on its first row`},
		problems(objs[0]))
}
