package assist

import (
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const header = "firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\n"

func TestRead_FileFails(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no newline", strings.Repeat("x", 3<<20), "header: line 1: the record is over 1048576 bytes (the limit is limits.max_record_bytes)"},
		{"too many columns", strings.TrimSuffix(header, "\n") + strings.Repeat(",x", 2000) + "\n", "2006 columns, over the limit of 2000 (limits.max_columns)"},
		{"a long unknown column", strings.TrimSuffix(header, "\n") + "," + strings.Repeat("q", 10000) + "\n", `header: unknown column "` + strings.Repeat("q", 64) + `…"`},
		{"a header not UTF-8", "first\xf1ame\n", `header: line 1: the text is not valid UTF-8 (byte 0xF1 after "first"); it looks like Windows-1252`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := read(strings.NewReader(tc.src), csvio.Options{})
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 400)
		})
	}
}

func TestRead_RowsFailAlone(t *testing.T) {
	src := header +
		"Ann,Lee,Ms,98765 43210,+91,\n" +
		"Jos\xe9,M\xfcller,Mr,98765 43211,+91,\n" +
		"Bob,Ray,Mr," + strings.Repeat("9", 2<<20) + ",+91,\n" +
		"Cy,Dee,Mr," + strings.Repeat("8", 500) + ",+91,\n" +
		"Dee,Fox,Ms,98765 43212,+91,\n"
	_, rows, pos, err := read(strings.NewReader(src), csvio.Options{})
	require.NoError(t, err)
	require.Len(t, rows, 5)
	var msgs []string
	for _, r := range rows {
		_, msg := contact(&bulkd.Job{ID: 1, Tenant: "acme"}, r, pos, time.Unix(0, 0))
		msgs = append(msgs, msg)
	}
	assert.Equal(t, []string{
		"",
		`line 3: the text is not valid UTF-8 (byte 0xE9 after "Jos"); it looks like Windows-1252: set encoding = "windows-1252" for this tenant`,
		"line 4: the record is over 1048576 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?",
		`column "cellPhoneNumber": "` + strings.Repeat("8", 64) + `…" is not a valid phone number for +91`,
		"",
	}, msgs)
}

func TestRead_Windows1252(t *testing.T) {
	_, rows, pos, err := read(strings.NewReader(header+"Jos\xe9,M\xfcller,Mr,98765 43211,+91,\n"), csvio.Options{Encoding: "windows-1252"})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	c, msg := contact(&bulkd.Job{ID: 1, Tenant: "acme"}, rows[0], pos, time.Unix(0, 0))
	require.Empty(t, msg)
	assert.Equal(t, "José Müller", c.FullName)
}
