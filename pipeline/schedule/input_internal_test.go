package schedule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const scheduleHeader = "Agent Name,Agent Email,Start Time,End Time,Event Type Name\n"

func TestReadRows_FileFails(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no newline", strings.Repeat("x", 3<<20), "the CSV template is incorrect: header: line 1: the record is over 1048576 bytes (the limit is limits.max_record_bytes)"},
		{"a header not UTF-8", "Agent N\xe4me,Agent Email,Start Time,End Time,Event Type Name\n", `header: line 1: the text is not valid UTF-8 (byte 0xE4 after "Agent N")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readRows(strings.NewReader(tc.src), csvio.Options{})
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 400)
			path := filepath.Join(t.TempDir(), "s.csv")
			require.NoError(t, os.WriteFile(path, []byte(tc.src), 0o644))
			assert.Error(t, check(path, nil), "the claim-time check refuses it too")
		})
	}
}

func TestSettings_Event_Input(t *testing.T) {
	st := &settings{loc: time.UTC, dateFormat: "HH:mm yyyy-MM-dd", eventTypes: []string{"Break"},
		agents: map[string]*bulkd.Agent{"jose@acme.com": {ID: 7, Email: "jose@acme.com", Active: true}}}
	src := scheduleHeader +
		"José Müller,jose@acme.com,09:00 2026-06-01,10:00 2026-06-01,Break\n" +
		"Jos\xe9,jose@acme.com,09:00 2026-06-01,10:00 2026-06-01,Break\n" +
		"Jo," + strings.Repeat("e", 2<<20) + ",09:00 2026-06-01,10:00 2026-06-01,Break\n" +
		"Jo,jose@acme.com," + strings.Repeat("1", 300) + ",10:00 2026-06-01,Break\n" +
		"Jo,jose@acme.com,09:00 2026-06-01,10:00 2026-06-01," + strings.Repeat("B", 300) + "\n" +
		"Jo," + strings.Repeat("f", 300) + "@acme.com,09:00 2026-06-01,10:00 2026-06-01,Break\n"
	rows, err := readRows(strings.NewReader(src), csvio.Options{})
	require.NoError(t, err)
	var msgs []string
	for _, r := range rows {
		_, msg := st.event(&bulkd.Job{ID: 1}, r)
		msgs = append(msgs, msg)
	}
	assert.Equal(t, []string{
		"",
		`line 3: the text is not valid UTF-8 (byte 0xE9 after "Jos"); it looks like Windows-1252: set encoding = "windows-1252" for this tenant`,
		"line 4: the record is over 1048576 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?",
		`column "Start Time": "` + strings.Repeat("1", 64) + `…" is not a time in the format HH:mm yyyy-MM-dd`,
		`column "Event Type Name": "` + strings.Repeat("B", 64) + `…" is not an event type of this tenant`,
		`column "Agent Email": no agent of this tenant has the email ` + strings.Repeat("f", 64) + `…`,
	}, msgs)

	rows, err = readRows(strings.NewReader(scheduleHeader+"Jos\xe9 M\xfcller,jose@acme.com,09:00 2026-06-01,10:00 2026-06-01,Break\n"), csvio.Options{Encoding: "windows-1252"})
	require.NoError(t, err)
	ev, msg := st.event(&bulkd.Job{ID: 1}, rows[0])
	require.Empty(t, msg)
	assert.Equal(t, "José Müller", ev.AgentName)
}
