package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs bulkd with args as main does, its output captured, and
// returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain(&out, &errOut)
	m.pollEvery = 20 * time.Millisecond
	if err := m.Run(context.Background(), args); err != nil {
		code = m.exit(err)
	}
	return out.String(), errOut.String(), code
}

// fixture is a file of the repository's testdata.
func fixture(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata"}, parts...)...)
}

// copyAs copies src into dir under name and returns its path.
func copyAs(t *testing.T, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	return writeAs(t, dir, name, string(b))
}

// writeAs writes content into dir under name and returns its path.
func writeAs(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// rowLines are the failed-row lines of validate's output.
var rowLines = regexp.MustCompile(`(?m)^  row (\d+)( \([^)]*\))?: `)

func TestMain_Validate(t *testing.T) {
	dir := t.TempDir()
	agentsCSV := copyAs(t, fixture("contacts", "seed-full", "AGENTS.seed.csv"), dir, "AGENTS.seed.csv")
	contactsCSV := copyAs(t, fixture("contacts", "seed-full", "CONTACT.seed-full.csv"), dir, "CONTACT.seed-full.csv")
	schedule := writeAs(t, dir, "SCHEDULE.week.csv", "Agent Name,Agent Email,Start Time,End Time,Event Type Name\n"+
		"Mark,mark.bunkowske@abc.com,09:00 2026-03-02,10:00 2026-03-02,Break\n"+
		"Mark,mark.bunkowske@abc.com,11:00 2026-03-02,10:00 2026-03-02,Lunch\n"+
		"Mark,mark.bunkowske@abc.com,12:00 2026-03-02,13:00 2026-03-02,Nap\n")
	noPattern := copyAs(t, fixture("agents", "good", "AGENTS.good.csv"), dir, "people.csv")
	site := writeAs(t, dir, "sites.csv", "Name,Multimedia Profile\nLondon,Gold\nBad/Name,Gold\n")
	profile := writeAs(t, dir, "OBJECTS.multimedia-profile.x.csv", "Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,3,2,1\n")
	tenantAgents := copyAs(t, fixture("objects", "tenant", "agents.csv"), dir, "AGENTS.tenant.csv")
	tenantZip := copyAs(t, fixture("objects", "tenant.zip"), dir, "OBJECTS.tenant.zip")

	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		rows      []string // the failed rows listed, in order
		unchecked int      // of them, marked [not checked offline]
		want      []string // in stdout
		wantErr   string   // in stderr
	}{
		{name: "row errors", args: []string{fixture("agents", "row-errors", "AGENTS.row-errors.csv")}, code: 1,
			rows: []string{"2", "3", "4", "5", "6", "7"}, unchecked: 1,
			want: []string{"AGENTS.row-errors.csv (agents): 6 of 8 rows failed",
				`  row 2: column "Email": "not-an-email" is not an email address`,
				`  row 4: column "Full Name": required to create the agent ok3@acme.com [not checked offline]`,
				`  row 7: the row has 2 columns, the header has 4`,
				"[not checked offline]: the failure depends on the tenant's agents or objects"}},
		{name: "good", args: []string{fixture("agents", "good", "AGENTS.good.csv")}, want: []string{"AGENTS.good.csv (agents): ok, 3 rows"}},
		{name: "BOM and CRLF", args: []string{fixture("agents", "bom-crlf", "AGENTS.bom-crlf.csv")}, want: []string{"(agents): ok"}},
		{name: "unknown column", args: []string{fixture("agents", "unknown-column", "AGENTS.unknown-column.csv")}, code: 1,
			want: []string{`(agents): invalid: AGENTS.unknown-column.csv: header: unknown column "Full Nmae" (did you mean "Full Name"?)`}},
		{name: "too many rows", args: []string{fixture("agents", "too-many-rows", "AGENTS.too-many-rows.csv")}, code: 1,
			want: []string{"invalid: AGENTS.too-many-rows.csv: more than 1000 data rows"}},
		{name: "kind from the flag", args: []string{noPattern, "--kind", "agents"}, want: []string{"people.csv (agents): ok, 3 rows"}},
		{name: "contacts offline: agents not checked", args: []string{contactsCSV}, code: 1, rows: []string{"1", "2"}, unchecked: 2,
			want: []string{`row 1: column "AgentId": no agent has the ACD login abc\bunkowm [not checked offline]`,
				"the rows are checked, not the recordings they name"}},
		{name: "contacts with their agents file", args: []string{contactsCSV, agentsCSV}, // agents are taken first
			want: []string{"AGENTS.seed.csv (agents): ok, 1 row\n", "CONTACT.seed-full.csv (contacts): ok, 2 rows"}},
		{name: "schedule offline: the agent first", args: []string{schedule, "--time-zone", "America/Chicago"}, code: 1,
			rows: []string{"1", "2", "3"}, unchecked: 3},
		{name: "schedule with its agents", args: []string{schedule, agentsCSV, "--time-zone", "America/Chicago"}, code: 1,
			rows: []string{"2", "3"}, want: []string{
				`row 2: column "End Time": 10:00 2026-03-02 is not after the start, 11:00 2026-03-02`,
				`row 3: column "Event Type Name": "Nap" is not an event type of this tenant`}},
		{name: "objects type from --object", args: []string{site, "--object", "Site"}, code: 1, rows: []string{"1", "2"}, unchecked: 1,
			want: []string{`row 1: column "Multimedia Profile": no Multimedia Profile "Gold" exists: import it first (OBJECTS.multimedia-profile.csv) [not checked offline]`,
				`row 2: column "Name": "Bad/Name" is not`}},
		{name: "objects with the file they name", args: []string{profile, site, "--kind", "objects"}, code: 1, rows: []string{"2"}},
		{name: "a tenant's ZIP with its agents", args: []string{tenantZip, tenantAgents}, want: []string{"OBJECTS.tenant.zip (objects): ok, "}},
		{name: "no kind takes the name", args: []string{writeAs(t, dir, "agents.march.csv", "Email\n")}, code: 2,
			wantErr: "agents.march.csv: no kind takes the name agents.march.csv (the prefix is case-sensitive: did you mean AGENTS.march.csv?); name its kind with --kind"},
		{name: "unknown kind", args: []string{noPattern, "--kind", "agent"}, code: 2, wantErr: `bulkd validate: no kind "agent": the kinds are agents, contacts`},
		{name: "missing file", args: []string{filepath.Join(dir, "AGENTS.none.csv")}, code: 2, wantErr: "bulkd: validate: stat "},
		{name: "no file", code: 2, wantErr: "bulkd validate: name the FILE(s) to check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"validate"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			var rows []string
			for _, m := range rowLines.FindAllStringSubmatch(out, -1) {
				rows = append(rows, m[1])
			}
			assert.Equal(t, tc.rows, rows, out)
			assert.Equal(t, tc.unchecked, strings.Count(out, "[not checked offline]\n"), out)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			assert.Contains(t, errOut, tc.wantErr)
			if tc.wantErr == "" {
				assert.Empty(t, errOut)
			}
		})
	}
}

// TestMain_ValidateReport: --report writes the report the import would
// write: the failed rows' cells, Row and Error Message; a file's when
// there are several; none for a file without failures.
func TestMain_ValidateReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	out, _, code := runCLI(t, "validate", fixture("agents", "row-errors", "AGENTS.row-errors.csv"), "--report", report)
	require.Equal(t, 1, code, out)
	assert.Contains(t, out, "  error report: "+report+"\n")
	f, err := os.Open(report)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 7)
	assert.Equal(t, []string{"Email", "Full Name", "Agent Activation", "External Phone", "Row", "Error Message"}, recs[0])
	assert.Equal(t, []string{"not-an-email", "Bad Email", "true", "", "2", `column "Email": "not-an-email" is not an email address`}, recs[1])
	assert.Equal(t, "7", recs[6][4])

	folder := filepath.Join(dir, "reports")
	out, _, code = runCLI(t, "validate", fixture("agents", "good", "AGENTS.good.csv"),
		fixture("agents", "unknown-column", "AGENTS.unknown-column.csv"), "--report", folder)
	require.Equal(t, 1, code, out)
	b, err := os.ReadFile(filepath.Join(folder, "AGENTS.unknown-column.csv.errors.csv"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "Row,Error Message\n0,"), string(b))
	assert.NoFileExists(t, filepath.Join(folder, "AGENTS.good.csv.errors.csv"))
}

// TestMain_ValidateLeavesNothing: validate imports into a store of its
// own, in a temp folder it removes: the working folder gets no data dir,
// and the temp folder nothing of it.
func TestMain_ValidateLeavesNothing(t *testing.T) {
	file, err := filepath.Abs(fixture("agents", "row-errors", "AGENTS.row-errors.csv"))
	require.NoError(t, err)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("TMP", tmp) // Windows
	t.Chdir(t.TempDir())
	_, _, code := runCLI(t, "validate", file)
	require.Equal(t, 1, code)
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.NoDirExists(t, "bulkd-data")
}

// TestMain_Template: every kind's and every object type's template is the
// header its own importer accepts: validated (imported into the scratch
// store) as a file of its kind, it is an empty file without errors. An
// Audio File template is the AudioFiles.csv of a ZIP.
func TestMain_Template(t *testing.T) {
	cases := map[string][]string{
		"AGENTS.template.csv":   {"agents"},
		"CONTACT.template.csv":  {"contacts"},
		"SCHEDULE.template.csv": {"schedule"},
		"ASSIST.template.csv":   {"assist"},
	}
	for _, typ := range objects.Types {
		cases["OBJECTS."+typ.Slug+".template.csv"] = []string{"objects", typ.Slug}
	}
	for name, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			stdout, stderr, code := runCLI(t, append([]string{"template"}, args...)...)
			require.Equal(t, 0, code, stderr)
			path := filepath.Join(dir, name)
			_, _, code = runCLI(t, append(append([]string{"template"}, args...), "--out", path)...)
			require.Equal(t, 0, code)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, stdout, string(b), "--out writes what stdout gets")
			header, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			require.NoError(t, err)
			require.Len(t, header, 1, "a header row only")
			if len(args) == 2 && args[1] == "audio-file" {
				assert.Contains(t, stderr, "in a ZIP")
				path = filepath.Join(dir, "OBJECTS.prompts.zip")
				zipOf(t, path, map[string][]byte{"AudioFiles.csv": b})
			}
			out, errOut, code := runCLI(t, "validate", path)
			assert.Equal(t, 0, code, "%s%s", out, errOut)
			assert.Contains(t, out, "ok, 0 rows")
		})
	}
}

// TestMain_TemplateErrors: a wrong kind or type is a usage error naming
// the choices.
func TestMain_TemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "want KIND [TYPE], KIND one of agents, contacts, schedule, assist, objects"},
		{[]string{"agent"}, `no kind "agent": the kinds are agents, contacts, schedule, assist, objects`},
		{[]string{"objects"}, "the objects kind has a template for each type: name one of worktype, multimedia-profile, site,"},
		{[]string{"objects", "sight"}, `no object type "sight": the types are worktype,`},
		{[]string{"agents", "site"}, `agents has one template: there is no "site" of it`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"template"}, tc.args...)...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, "bulkd template: "+tc.want)
		})
	}
}

// zipOf writes a ZIP of files to path.
func zipOf(t *testing.T, path string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}
