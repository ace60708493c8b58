package agents_test

import (
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse_BoundedInput: a file that is not CSV text fails with a short
// message naming the limit; a huge cell or column name is quoted clipped.
func TestParse_BoundedInput(t *testing.T) {
	huge := strings.Repeat("x", 3<<20)
	for _, tc := range []struct{ name, src, want string }{
		{"no newline", huge, "header: line 1: the record is over 1048576 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?"},
		{"too many columns", "Email" + strings.Repeat(",Team", 2000) + "\n", "header: line 1: 2001 columns, over the limit of 2000 (limits.max_columns)"},
		{"a long unknown column", "Email," + strings.Repeat("y", 100<<10) + "\n", `header: unknown column "` + strings.Repeat("y", 64) + `…"; the columns are`},
		{"a header not UTF-8", "Email,Full Name,T\xe9am\n", `header: line 1: the text is not valid UTF-8 (byte 0xE9 after "T"); it looks like Windows-1252: set encoding = "windows-1252" for this tenant`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := agents.Parse(strings.NewReader(tc.src), csvio.Options{})
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 400)
		})
	}
}

func TestParse_RowsFailAlone(t *testing.T) {
	src := "Email,Full Name,Agent Activation\n" +
		"ann@acme.com,Ann,true\n" +
		"jose@acme.com,Jos\xe9 M\xfcller,true\n" + // Windows-1252
		"bob@acme.com,Bob," + strings.Repeat("z", 2<<20) + "\n" + // over the record limit
		"cy@acme.com,Cy," + strings.Repeat("w", 1000) + "\n" + // a long bad value
		"dee@acme.com,Dee,false\n"
	_, changes, failures, err := agents.Parse(strings.NewReader(src), csvio.Options{})
	require.NoError(t, err)
	require.Len(t, changes, 2)
	assert.Equal(t, []int{1, 5}, []int{changes[0].Row, changes[1].Row})
	require.Len(t, failures, 3)
	assert.Equal(t, 2, failures[0].Row)
	assert.Equal(t, `line 3: the text is not valid UTF-8 (byte 0xE9 after "Jos"); it looks like Windows-1252: set encoding = "windows-1252" for this tenant`, failures[0].Message)
	assert.Equal(t, 3, failures[1].Row)
	assert.Equal(t, "line 4: the record is over 1048576 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?", failures[1].Message)
	assert.Equal(t, 4, failures[2].Row)
	assert.Equal(t, `column "Agent Activation": "`+strings.Repeat("w", 64)+`…" is not true or false`, failures[2].Message)
}

func TestParse_Encodings(t *testing.T) {
	for _, tc := range []struct{ name, src, enc string }{
		{"windows-1252", "Email,Full Name\njose@acme.com,Jos\xe9 M\xfcller\n", "windows-1252"},
		{"iso-8859-1", "Email,Full Name\njose@acme.com,Jos\xe9 M\xfcller\n", "iso-8859-1"},
		{"utf-16 by its BOM", "\xff\xfeE\x00m\x00a\x00i\x00l\x00,\x00F\x00u\x00l\x00l\x00 \x00N\x00a\x00m\x00e\x00\n\x00" +
			"j\x00o\x00s\x00e\x00@\x00a\x00c\x00m\x00e\x00.\x00c\x00o\x00m\x00,\x00J\x00o\x00s\x00\xe9\x00 \x00M\x00\xfc\x00l\x00l\x00e\x00r\x00\n\x00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, changes, failures, err := agents.Parse(strings.NewReader(tc.src), csvio.Options{Encoding: tc.enc})
			require.NoError(t, err)
			require.Empty(t, failures)
			require.Len(t, changes, 1)
			assert.Equal(t, "José Müller", *changes[0].FullName)
		})
	}
}
