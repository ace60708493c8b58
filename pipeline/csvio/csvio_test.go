package csvio_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAll(t *testing.T, src string) ([]string, []csvio.Row, error) {
	t.Helper()
	rd, err := csvio.NewReader(strings.NewReader(src))
	if err != nil {
		return nil, nil, err
	}
	var rows []csvio.Row
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rd.Header(), rows, nil
		}
		require.NoError(t, err)
		rows = append(rows, row)
	}
}

func TestReader_Next(t *testing.T) {
	for _, tc := range []struct {
		name   string
		src    string
		header []string
		rows   []csvio.Row
	}{
		{name: "plain", src: "a,b\n1,2\n3,4\n", header: []string{"a", "b"},
			rows: []csvio.Row{{Num: 1, Line: 2, Cells: []string{"1", "2"}}, {Num: 2, Line: 3, Cells: []string{"3", "4"}}}},
		{name: "bom and crlf", src: "\xef\xbb\xbfa,b\r\n1,2\r\n", header: []string{"a", "b"},
			rows: []csvio.Row{{Num: 1, Line: 2, Cells: []string{"1", "2"}}}},
		{name: "quoted comma, quote and newline", src: "a,b\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n5,6\n", header: []string{"a", "b"},
			rows: []csvio.Row{{Num: 1, Line: 2, Cells: []string{"x, y", "say \"hi\"\nthere"}}, {Num: 2, Line: 4, Cells: []string{"5", "6"}}}},
		{name: "column count mismatch fails the row only", src: "a,b\n1\n1,2,3\n4,5\n", header: []string{"a", "b"},
			rows: []csvio.Row{
				{Num: 1, Line: 2, Cells: []string{"1"}, Err: "the row has 1 columns, the header has 2"},
				{Num: 2, Line: 3, Cells: []string{"1", "2", "3"}, Err: "the row has 3 columns, the header has 2"},
				{Num: 3, Line: 4, Cells: []string{"4", "5"}}}},
		{name: "stray quote fails the row only", src: "a,b\n1,x\"y\n3,4\n", header: []string{"a", "b"},
			rows: []csvio.Row{
				{Num: 1, Line: 2, Cells: []string{"1"}, Err: `line 2: bare " in non-quoted-field`},
				{Num: 2, Line: 3, Cells: []string{"3", "4"}}}},
		{name: "blank lines are not rows", src: "a\n\n1\n\n2\n", header: []string{"a"},
			rows: []csvio.Row{{Num: 1, Line: 3, Cells: []string{"1"}}, {Num: 2, Line: 5, Cells: []string{"2"}}}},
		{name: "an error report's own columns are dropped", src: "a,b,Row,Error Message\n1,2,7,bad\n", header: []string{"a", "b"},
			rows: []csvio.Row{{Num: 1, Line: 2, Cells: []string{"1", "2"}}}},
		{name: "header only", src: "a,b\n", header: []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header, rows, err := readAll(t, tc.src)
			require.NoError(t, err)
			assert.Equal(t, tc.header, header)
			assert.Equal(t, tc.rows, rows)
		})
	}
}

func TestReader_ReuseRecordKeepsHeader(t *testing.T) {
	rd, err := csvio.NewReader(strings.NewReader("a,b,Row,Error Message\n1,2,3,x\n\"4\",5,6,y\n"))
	require.NoError(t, err)
	rd.ReuseRecord()
	var cells [][]string
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		cells = append(cells, slices.Clone(row.Cells))
	}
	assert.Equal(t, []string{"a", "b"}, rd.Header(), "rows do not overwrite the header")
	assert.Equal(t, [][]string{{"1", "2"}, {"4", "5"}}, cells)
}

func TestNewReader_Errors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", "the file is empty: it needs a header row"},
		{"bom only", "\xef\xbb\xbf", "the file is empty"},
		{"duplicate column", "a,b,a\n", `header: column "a" appears twice (columns 1 and 3)`},
		{"blank column", "a,,b\n", "header: column 2 has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csvio.NewReader(strings.NewReader(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestReportWriter_Write(t *testing.T) {
	var buf bytes.Buffer
	rw, err := csvio.NewReportWriter(&buf, []string{"Email", "Note"})
	require.NoError(t, err)
	require.NoError(t, rw.Write(2, []string{"=HYPERLINK(\"x\")", "a, b"}, "column \"Email\": bad"))
	require.NoError(t, rw.Write(5, []string{"+1", "-2", "@3"}, "the row has 3 columns"))
	require.NoError(t, rw.Write(7, []string{"short"}, "-starts with minus"))
	require.NoError(t, rw.Close())

	recs, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"Email", "Note", "Row", "Error Message"},
		{"'=HYPERLINK(\"x\")", "a, b", "2", "column \"Email\": bad"},
		{"'+1", "'-2", "5", "the row has 3 columns"},
		{"short", "", "7", "'-starts with minus"},
	}, recs)
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "plain": "plain", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM": "'@SUM",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b",
	} {
		assert.Equal(t, want, csvio.Neutralise(in), "%q", in)
	}
}

// FuzzReader checks that no input makes the reader panic, that rows are
// numbered 1, 2, 3… and that a row without an error has the header's width.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\xef\xbb\xbfa\r\n\"x\"\"\"\r\n", "a,b\n1\n\"open\n", "a,Row,Error Message\n1,2,3\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		rd, err := csvio.NewReader(strings.NewReader(src))
		if err != nil {
			return
		}
		for n := 1; ; n++ {
			row, err := rd.Next()
			if err != nil {
				return
			}
			if row.Num != n {
				t.Fatalf("row %d numbered %d", n, row.Num)
			}
			if row.Err == "" && len(row.Cells) != len(rd.Header()) {
				t.Fatalf("row %d has %d cells, header %d", n, len(row.Cells), len(rd.Header()))
			}
		}
	})
}

func TestReader_All(t *testing.T) {
	rd, err := csvio.NewReader(strings.NewReader("a\n1\n2\n3\n"))
	require.NoError(t, err)
	rows, err := rd.All(3)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"3"}, rows[2].Cells, "rows are not overwritten by later ones")

	rd, err = csvio.NewReader(strings.NewReader("a\n1\n2\n3\n"))
	require.NoError(t, err)
	_, err = rd.All(2)
	assert.ErrorIs(t, err, csvio.ErrTooManyRows)
}
