package pipeline_test

import (
	"testing"

	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKinds_Explain: a name that matches no route but is near one gets a
// reason naming what would have been taken; media, markers' neighbours,
// hidden files, reports and names that do match get none.
func TestKinds_Explain(t *testing.T) {
	defaults, err := pipeline.NewKinds(kinds.All(), nil)
	require.NoError(t, err)
	site, err := pipeline.NewKinds(kinds.All(), []pipeline.RouteOverride{
		{Kind: "contacts", Patterns: []string{"contact_*.csv", "LATEST.json"}},
		{Kind: "agents", Patterns: []string{"*.note"}},
	})
	require.NoError(t, err)
	const all = "AGENTS.?*.csv, CONTACT.?*.csv, CONTACT.?*.json, CONTACT.?*.zip, SCHEDULE.?*.csv, ASSIST.?*.csv, OBJECTS.?*.csv, OBJECTS.?*.zip"
	for _, tc := range []struct {
		name   string
		kinds  *pipeline.Kinds
		file   string
		reason string // "" when it is no near miss
	}{
		{"lower-case prefix", defaults, "contact.lower.csv", "the prefix is case-sensitive: did you mean CONTACT.lower.csv?"},
		{"mixed-case prefix", defaults, "Agents.march.csv", "the prefix is case-sensitive: did you mean AGENTS.march.csv?"},
		{"upper-case extension", defaults, "CONTACT.x.CSV", "the extension is case-sensitive: did you mean CONTACT.x.csv?"},
		{"no extension", defaults, "CONTACT.noext", "CONTACT. files end in .csv, .json or .zip"},
		{"another extension", defaults, "CONTACT.x.txt", "CONTACT. files end in .csv, .json or .zip"},
		{"a copy's temp suffix", defaults, "AGENTS.x.csv.part", "AGENTS. files end in .csv"},
		{"media named as an import", defaults, "CONTACT.call.wav", "CONTACT. files end in .csv, .json or .zip"},
		{"lower-case prefix, another extension", defaults, "contact.x.txt", "CONTACT. files end in .csv, .json or .zip (and the prefix is case-sensitive)"},
		{"nothing between prefix and extension", defaults, "AGENTS.csv", "AGENTS. files are named AGENTS.?*.csv"},
		{"empty middle", defaults, "CONTACT..json", "CONTACT. files are named CONTACT.?*.csv, CONTACT.?*.json or CONTACT.?*.zip"},
		{"unknown prefix, csv", defaults, "FOO.x.csv", "no kind takes FOO.*: the patterns are " + all},
		{"unknown prefix, zip in capitals", defaults, "export.ZIP", "no kind takes export.*: the patterns are " + all},
		{"config route, case", site, "Contact_7.csv", "the prefix is case-sensitive: did you mean contact_7.csv?"},
		{"config route without prefix, case", site, "site7.NOTE", "the extension is case-sensitive: did you mean site7.note?"},
		{"config route naming one file", site, "latest.json", "file names are case-sensitive: did you mean LATEST.json?"},
		{"config route extension", site, "minutes.txt.note.bak", ""},
		{"config patterns listed", site, "x.json", "no kind takes x.*: the patterns are contact_*.csv, LATEST.json, *.note, AGENTS.?*.csv, CONTACT.?*.csv, CONTACT.?*.json, CONTACT.?*.zip, SCHEDULE.?*.csv, ASSIST.?*.csv, OBJECTS.?*.csv, OBJECTS.?*.zip"},

		{"a match", defaults, "CONTACT.x.csv", ""},
		{"a config match", site, "contact_1.csv", ""},
		{"media", defaults, "call1.wav", ""},
		{"no extension at all", defaults, "README", ""},
		{"another extension, unknown prefix", defaults, "notes.txt", ""},
		{"hidden", defaults, ".CONTACT.x.csv.Ab12Cd", ""},
		{"hidden csv", defaults, ".~lock.FOO.csv#", ""},
		{"office lock file", defaults, "~$FOO.x.csv", ""},
		{"an error report", defaults, "FOO.x.csv.errors.csv", ""},
		{"empty", defaults, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason, near := tc.kinds.Explain(tc.file)
			assert.Equal(t, tc.reason, reason)
			assert.Equal(t, tc.reason != "", near)
		})
	}
}
