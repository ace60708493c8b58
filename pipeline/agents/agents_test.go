package agents_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseFixture(t *testing.T, name string) ([]string, []bulkd.AgentChange, []bulkd.RowFailure, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "agents", name, "AGENTS."+name+".csv"))
	require.NoError(t, err)
	defer f.Close()
	return agents.Parse(f, csvio.Options{})
}

func ptr[T any](v T) *T { return &v }

func TestParse_Good(t *testing.T) {
	header, changes, failures, err := parseFixture(t, "good")
	require.NoError(t, err)
	assert.Empty(t, failures)
	assert.Equal(t, agents.Columns[1:], header)
	require.Len(t, changes, 3)
	assert.Equal(t, bulkd.AgentChange{
		Row: 1, Cells: changes[0].Cells, Email: "ann@acme.com", FullName: ptr("Ann Archer"),
		InternalExtension: ptr("101"), ExternalPhone: ptr("+14155552671"), ACDLogin: ptr(`acme\ann`),
		Team: ptr("Blue"), RingGroups: []string{"sales", "support"}, Roles: []string{"agent"}, Active: ptr(true),
	}, changes[0])
	assert.Equal(t, ptr(false), changes[1].Active)
	assert.Equal(t, []string{"agent", "supervisor"}, changes[1].Roles)
	assert.Nil(t, changes[1].ExternalPhone, "an empty cell leaves the field alone")
	assert.Equal(t, ptr("Cy, Jr."), changes[2].FullName)
	assert.Nil(t, changes[2].Active)
	assert.Nil(t, changes[2].RingGroups)
}

func TestParse_BOMAndCRLF(t *testing.T) {
	header, changes, failures, err := parseFixture(t, "bom-crlf")
	require.NoError(t, err)
	assert.Equal(t, []string{"Email", "Full Name"}, header)
	assert.Empty(t, failures)
	require.Len(t, changes, 2)
	assert.Equal(t, ptr(`Ann "The Admin" Archer`), changes[0].FullName)
}

func TestParse_RowErrors(t *testing.T) {
	_, changes, failures, err := parseFixture(t, "row-errors")
	require.NoError(t, err)
	var rows []int
	for _, c := range changes {
		rows = append(rows, c.Row)
	}
	assert.Equal(t, []int{1, 4, 8}, rows, "good rows survive their bad neighbours; row 4 has no name, which only matters on create")
	got := map[int]string{}
	for _, f := range failures {
		got[f.Row] = f.Message
	}
	assert.Equal(t, map[int]string{
		2: `column "Email": "not-an-email" is not an email address`,
		3: `column "Agent Activation": "maybe" is not true or false`,
		5: `column "Email": ok1@acme.com is also in row 1; an agent may appear once a file`,
		6: `column "External Phone": "12345" is not a valid phone number in international format (+ and country code)`,
		7: `the row has 2 columns, the header has 4`,
	}, got)
	assert.Equal(t, []string{"ok5@acme.com", "Short"}, failures[4].Cells, "a failure keeps the original cells for the report")
}

func TestParse_FileErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown column", "", `header: unknown column "Full Nmae" (did you mean "Full Name"?)`},
		{"too many rows", "", "more than 1000 data rows: an agents file holds at most 1 header line and 1000 agents"},
		{"wrong case", "email,Full Name\n", `header: unknown column "email" (did you mean "Email"?)`},
		{"no email column", "Full Name,Team\nAnn,Blue\n", `header: needs an "Email" or a "Current Email" column`},
		{"empty", "", "the file is empty"},
		{"far from anything", "Email,Zzzzzzzzzz\n", `header: unknown column "Zzzzzzzzzz"; the columns are Current Email, Email`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if fixture := strings.ReplaceAll(tc.name, " ", "-"); tc.src == "" && tc.name != "empty" {
				_, _, _, err = parseFixture(t, fixture)
			} else {
				_, _, _, err = agents.Parse(strings.NewReader(tc.src), csvio.Options{})
			}
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParse_ExactlyMaxRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("Email,Full Name\n")
	for i := range agents.MaxRows {
		b.WriteString("a" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@acme.com,N\n")
	}
	_, _, _, err := agents.Parse(strings.NewReader(b.String()), csvio.Options{})
	require.NoError(t, err, "1 header + 1000 rows is within the limit")
}

func TestParse_CurrentEmailRename(t *testing.T) {
	_, changes, failures, err := agents.Parse(strings.NewReader("Current Email,Email\nold@acme.com,new@acme.com\nnew@acme.com,\n"), csvio.Options{})
	require.NoError(t, err)
	require.Len(t, changes, 1)
	assert.Equal(t, "old@acme.com", changes[0].CurrentEmail)
	assert.Equal(t, "new@acme.com", changes[0].Email)
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0].Message, `column "Current Email": new@acme.com is also in row 1`)
}

// FuzzParse checks that no input panics Parse and that every data row ends
// as exactly one change or one failure, in row order.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"good", "row-errors", "bom-crlf", "unknown-column"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "agents", name, "AGENTS."+name+".csv"))
		require.NoError(f, err)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, changes, failures, err := agents.Parse(strings.NewReader(src), csvio.Options{})
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for _, c := range changes {
			seen[c.Row] = true
		}
		for _, fl := range failures {
			if seen[fl.Row] || fl.Message == "" {
				t.Fatalf("row %d is both imported and failed, or failed without a message", fl.Row)
			}
			seen[fl.Row] = true
		}
		for i := 1; i <= len(seen); i++ {
			if !seen[i] {
				t.Fatalf("row %d has no outcome", i)
			}
		}
	})
}
