package csvio_test

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readOpts reads src with o: the header, every row, or the header's error.
func readOpts(t *testing.T, src string, o csvio.Options) ([]string, []csvio.Row, error) {
	t.Helper()
	rd, err := csvio.NewReaderOptions(strings.NewReader(src), o)
	if err != nil {
		return nil, nil, err
	}
	rows, err := rd.All(0)
	require.NoError(t, err)
	return rd.Header(), rows, nil
}

const overLimit = "the record is over 1048576 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?"

func TestNewReaderOptions_HeaderFailsTheFile(t *testing.T) {
	wide := strings.Repeat("c,", 2000) + "c\n"
	for _, tc := range []struct {
		name, src string
		o         csvio.Options
		want      string
	}{
		{"no newline", strings.Repeat("x", 3<<20), csvio.Options{}, "header: line 1: " + overLimit},
		{"a quoted header running on", "\"a\n" + strings.Repeat("b\n", 600<<10), csvio.Options{}, "header: line 1: " + overLimit},
		{"after blank lines", "\n\n" + strings.Repeat("x", 2<<20) + "\n", csvio.Options{}, "header: line 3: " + overLimit},
		{"a smaller limit", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n1\n", csvio.Options{MaxRecordBytes: 20},
			"header: line 1: the record is over 20 bytes (the limit is limits.max_record_bytes)"},
		{"too many columns", wide, csvio.Options{}, "header: line 1: 2001 columns, over the limit of 2000 (limits.max_columns)"},
		{"a smaller column limit", "a,b,c\n", csvio.Options{MaxColumns: 2}, "header: line 1: 3 columns, over the limit of 2"},
		{"not UTF-8", "Name,Stra\xdfe\n", csvio.Options{},
			`header: line 1: the text is not valid UTF-8 (byte 0xDF after "Stra"); it looks like Windows-1252: set encoding = "windows-1252" for this tenant`},
		{"UTF-16 without a BOM", "\x00a\x00,\x00b\x00\n", csvio.Options{}, "header: line 1: column 1 holds NUL bytes; it looks like UTF-16 without a byte order mark"},
		{"utf-16 set, no BOM", "a,b\n", csvio.Options{Encoding: "utf-16"}, "the file has no UTF-16 byte order mark"},
		{"unknown encoding", "a\n", csvio.Options{Encoding: "ebcdic"}, `encoding "ebcdic" is not one of utf-8, windows-1252, iso-8859-1, utf-16`},
		{"negative limit", "a\n", csvio.Options{MaxRecordBytes: -1}, "limits.max_record_bytes is -1: it must be at least 16"},
		{"a long duplicate column is clipped", strings.Repeat("d", 500) + "," + strings.Repeat("d", 500) + "\n", csvio.Options{},
			`header: column "` + strings.Repeat("d", 64) + `…" appears twice (columns 1 and 2)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readOpts(t, tc.src, tc.o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 300, "the message quotes no more than a prefix")
		})
	}
}

func TestReader_RowOverLimitFailsAlone(t *testing.T) {
	o := csvio.Options{MaxRecordBytes: 64}
	long := strings.Repeat("x", 100)
	tooLong := "the record is over 64 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?"
	for _, tc := range []struct {
		name, src string
		rows      []csvio.Row
	}{
		{name: "a long line", src: "a,b\n1,2\n" + long + "\n3,4\n", rows: []csvio.Row{
			{Num: 1, Line: 2, Cells: []string{"1", "2"}},
			{Num: 2, Line: 3, Err: "line 3: " + tooLong},
			{Num: 3, Line: 4, Cells: []string{"3", "4"}}}},
		{name: "no newline to the end", src: "a,b\n1,2\n" + long, rows: []csvio.Row{
			{Num: 1, Line: 2, Cells: []string{"1", "2"}},
			{Num: 2, Line: 3, Err: "line 3: " + tooLong}}},
		{name: "a quoted field over lines, skipped whole", src: "a,b\n\"" + long + "\n" + long + "\n3,4\n\",x\n5,6\n", rows: []csvio.Row{
			{Num: 1, Line: 2, Err: "line 2: " + tooLong},
			{Num: 2, Line: 6, Cells: []string{"5", "6"}}}},
		{name: "lines of a quoted field add up", src: "a,b\n\"" + strings.Repeat("12\n", 30) + "\",x\n5,6\n", rows: []csvio.Row{
			{Num: 1, Line: 2, Err: "line 2: " + tooLong},
			{Num: 2, Line: 33, Cells: []string{"5", "6"}}}},
		{name: "a bare quote ends at the line", src: "a,b\n1," + long + "\"\"\n3,4\n", rows: []csvio.Row{
			{Num: 1, Line: 2, Err: "line 2: " + tooLong},
			{Num: 2, Line: 3, Cells: []string{"3", "4"}}}},
		{name: "under the limit", src: "a,b\n" + strings.Repeat("y", 61) + ",z\n", rows: []csvio.Row{
			{Num: 1, Line: 2, Cells: []string{strings.Repeat("y", 61), "z"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rows, err := readOpts(t, tc.src, o)
			require.NoError(t, err)
			assert.Equal(t, tc.rows, rows)
		})
	}
}

func TestReader_Encodings(t *testing.T) {
	utf16le := func(s string) string {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	utf16be := func(s string) string {
		b := []byte{0xFE, 0xFF}
		for _, r := range s {
			b = append(b, byte(r>>8), byte(r))
		}
		return string(b)
	}
	const text = "Name,City\nJosé Müller,Köln\n"
	want := []csvio.Row{{Num: 1, Line: 2, Cells: []string{"José Müller", "Köln"}}}
	for _, tc := range []struct{ name, src, enc string }{
		{"utf-8", text, ""},
		{"utf-8 with a BOM, windows-1252 set", "\xef\xbb\xbf" + text, "windows-1252"},
		{"windows-1252", "Name,City\nJos\xe9 M\xfcller,K\xf6ln\n", "windows-1252"},
		{"windows-1252, any case", "Name,City\nJos\xe9 M\xfcller,K\xf6ln\n", "Windows-1252"},
		{"iso-8859-1", "Name,City\nJos\xe9 M\xfcller,K\xf6ln\n", "iso-8859-1"},
		{"utf-16", utf16le(text), "utf-16"},
		{"utf-16 LE found by its BOM", utf16le(text), ""},
		{"utf-16 BE found by its BOM", utf16be(text), "windows-1252"},
		{"utf-16 CRLF", utf16le(strings.ReplaceAll(text, "\n", "\r\n")), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header, rows, err := readOpts(t, tc.src, csvio.Options{Encoding: tc.enc})
			require.NoError(t, err)
			assert.Equal(t, []string{"Name", "City"}, header)
			assert.Equal(t, want, rows)
		})
	}
}

func TestReader_InvalidUTF8FailsTheRow(t *testing.T) {
	src := "Name,City\nAnn,Oslo\n\"Jos\xe9\nM\xfcller\",K\xf6ln\nBob,Rome\n1,\xff\n"
	_, rows, err := readOpts(t, src, csvio.Options{})
	require.NoError(t, err)
	hint := `; it looks like Windows-1252: set encoding = "windows-1252" for this tenant`
	assert.Equal(t, []csvio.Row{
		{Num: 1, Line: 2, Cells: []string{"Ann", "Oslo"}},
		{Num: 2, Line: 3, Cells: []string{"Jos\xe9\nM\xfcller", "K\xf6ln"}, Err: `line 3: the text is not valid UTF-8 (byte 0xE9 after "Jos")` + hint},
		{Num: 3, Line: 5, Cells: []string{"Bob", "Rome"}},
		{Num: 4, Line: 6, Cells: []string{"1", "\xff"}, Err: `line 6: the text is not valid UTF-8 (byte 0xFF after "")` + hint},
	}, rows)
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 100)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Full Nmae", "Full Nmae"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), strings.Repeat("a", 64) + "…"},
		{long, strings.Repeat("é", 64) + "…"},
		{"Jos\xe9", "Jos\uFFFD"},
		{strings.Repeat("a", 63) + "\xe9\xe9xyz", strings.Repeat("a", 63) + "\uFFFD…"},
	} {
		got := csvio.Clip(tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
		assert.True(t, utf8.ValidString(got))
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1,Jos\xe9 M\xfcller", `byte 0xE9 after "Jos"`},
		{`{"AgentId":"M` + "\xfc" + `ller"}`, `byte 0xFC after "M"`},
		{strings.Repeat("é", 30) + "\x80", `byte 0x80 after "…` + strings.Repeat("é", 20) + `"`},
		{"a\x00b\xff", "it looks like UTF-16 without a byte order mark"},
	} {
		assert.Contains(t, csvio.InvalidUTF8([]byte(tc.in)), tc.want)
	}
}

func TestSuggest_LongName(t *testing.T) {
	assert.Equal(t, ` (did you mean "Full Name"?)`, csvio.Suggest("full nmae", []string{"Email", "Full Name"}))
	assert.Empty(t, csvio.Suggest(strings.Repeat("x", 1<<20), []string{"Email", "Full Name"}), "a huge name is near nothing, and costs no quadratic distance")
}

// endless is an input of n bytes of 'x' and no newline, made as read.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), e.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	e.n -= k
	return k, nil
}

// peakHeap samples the heap in use while it reads from r.
type peakHeap struct {
	r     io.Reader
	reads int
	peak  uint64
}

func (p *peakHeap) Read(b []byte) (int, error) {
	if p.reads++; p.reads%16 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		p.peak = max(p.peak, ms.HeapInuse)
	}
	return p.r.Read(b)
}

// TestReader_BoundedMemory feeds 200 MB with no newline, as a header and
// as a data row, and checks that the heap stays within a few MiB: the
// reader skips what is over the limit without keeping it.
func TestReader_BoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 400 MB")
	}
	const size = 200 << 20
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse

	header := &peakHeap{r: &endless{n: size}}
	_, err := csvio.NewReaderOptions(header, csvio.Options{})
	require.ErrorContains(t, err, "header: line 1: "+overLimit)

	row := &peakHeap{r: io.MultiReader(strings.NewReader("a\n"), &endless{n: size}, strings.NewReader("\nb\n"))}
	rd, err := csvio.NewReaderOptions(row, csvio.Options{})
	require.NoError(t, err)
	rows, err := rd.All(0)
	require.NoError(t, err)
	assert.Equal(t, []csvio.Row{{Num: 1, Line: 2, Err: "line 2: " + overLimit}, {Num: 2, Line: 3, Cells: []string{"b"}}}, rows)

	for _, p := range []*peakHeap{header, row} {
		grew := int64(p.peak) - int64(base)
		t.Logf("peak heap in use over the baseline: %.1f MiB", float64(grew)/(1<<20))
		assert.Less(t, grew, int64(8<<20), "the reader holds a few MiB at most")
	}
}

func TestOptions_Validate(t *testing.T) {
	require.NoError(t, csvio.Options{}.Validate())
	for _, e := range csvio.Encodings {
		require.NoError(t, csvio.Options{Encoding: e}.Validate())
	}
	assert.Error(t, csvio.Options{MaxRecordBytes: 8}.Validate())
	assert.Error(t, csvio.Options{MaxColumns: -1}.Validate())
	assert.Error(t, csvio.Options{Encoding: "utf-32"}.Validate())
	assert.Equal(t, csvio.Options{MaxRecordBytes: csvio.DefaultMaxRecordBytes, MaxColumns: csvio.DefaultMaxColumns}, csvio.Options{}.WithDefaults())
}
