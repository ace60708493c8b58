package csvio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var errBroken = errors.New("broken pipe")

// brokenReader returns errBroken instead of io.EOF at the end.
type brokenReader struct{ r io.Reader }

func (b brokenReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if errors.Is(err, io.EOF) {
		err = errBroken
	}
	return n, err
}

// sameAsEncodingCSV reads src with records and with encoding/csv (both on a
// bufio.Reader of size bufSize, a reused record) and fails on the first
// record, error or line number that differs.
func sameAsEncodingCSV(t *testing.T, src string, bufSize int, broken, volatile bool) {
	t.Helper()
	open := func() *bufio.Reader {
		var r io.Reader = strings.NewReader(src)
		if broken {
			r = brokenReader{r}
		}
		return bufio.NewReaderSize(r, bufSize)
	}
	want := csv.NewReader(open())
	want.FieldsPerRecord = -1
	got := &records{br: open()}
	var first, firstCopy []string // read as csvio reads a header: not reused, not volatile
	defer func() { require.Equal(t, firstCopy, first, "later records leave the first alone") }()
	for n := 1; ; n++ {
		if n == 2 {
			want.ReuseRecord, got.reuse, got.volatile = true, true, volatile
		}
		wantCells, wantErr := want.Read()
		gotCells, gotLine, gotErr := got.read()
		require.Equal(t, wantErr, gotErr, "record %d: error", n)
		if wantErr != nil && errors.Is(wantErr, io.EOF) {
			return
		}
		require.Equal(t, wantCells, gotCells, "record %d: cells", n)
		if n == 1 {
			first, firstCopy = gotCells, slices.Clone(gotCells)
		}
		var pe *csv.ParseError
		switch {
		case wantErr == nil: // a ParseError carries its own start line
			line, _ := want.FieldPos(0)
			require.Equal(t, line, gotLine, "record %d: line", n)
		case !errors.As(wantErr, &pe):
			return // a read error ends both
		}
	}
}

func TestRecords_SameAsEncodingCSV(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, src := range []string{
		"", "\n", "\r\n", "a", "a\r", "a\n", "a,b\r\nc,d\r\n", ",,\n,\n", "\n\na\n\n",
		`"a","b"` + "\n", `"a""b",c` + "\n", `"multi` + "\n" + `line",x` + "\n", `"a` + "\r\n" + `b"` + "\n",
		`a"b,c` + "\n", `"a"b,c` + "\n", `"open` + "\n", `"open`, `"a" ,b` + "\n", `x,"a"` + "\r", `"",""` + "\n",
		"a\rb,c\n", long + "," + long + "\n" + `"` + long + `"` + "\n", "a,\"" + long + "\n\n" + long + "\"\n",
		"é,\"ü\"\"\",\xff\n",
	} {
		for _, size := range []int{16, 4096} {
			for _, broken := range []bool{false, true} {
				sameAsEncodingCSV(t, src, size, broken, false)
				sameAsEncodingCSV(t, src, size, broken, true)
			}
		}
	}
}

// FuzzRecords holds the fast reader to encoding/csv on any input, with a
// small buffer (long lines) or a read error at the end.
func FuzzRecords(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"x\"\"\"\r\n\"y\nz\",\n", "a\"b\n\"c\"d\n\"open", "\n\r\n,\r"} {
		f.Add(s, uint8(0), false)
	}
	f.Fuzz(func(t *testing.T, src string, size uint8, broken bool) {
		sameAsEncodingCSV(t, src, 16+int(size), broken, size%2 == 1) // odd sizes: volatile cells
	})
}

// sameUnderLimit reads src with a record limit and without, and fails
// unless every record under the limit is read the same, with the same
// line, and every record over it is the limit's error alone: the skip
// resynchronises exactly where the parser would.
func sameUnderLimit(t *testing.T, src string, bufSize, max int) {
	t.Helper()
	open := func(max int) *records {
		return &records{br: bufio.NewReaderSize(strings.NewReader(src), bufSize), max: max}
	}
	want, got := open(0), open(max)
	for n := 1; ; n++ {
		wantCells, wantLine, wantErr := want.read()
		gotCells, gotLine, gotErr := got.read()
		var re *recordError
		if errors.As(gotErr, &re) {
			require.Equal(t, tooLong(max), re, "record %d", n)
			require.Nil(t, gotCells, "record %d: no cells kept", n)
			require.NotErrorIs(t, wantErr, io.EOF, "record %d: over the limit where there is none", n)
			require.Equal(t, wantLine, gotLine, "record %d: line", n)
			continue
		}
		require.Equal(t, wantErr, gotErr, "record %d: error", n)
		if errors.Is(wantErr, io.EOF) {
			return
		}
		require.Equal(t, wantCells, gotCells, "record %d: cells", n)
		require.Equal(t, wantLine, gotLine, "record %d: line", n)
	}
}

func TestRecords_SkipOverLimit(t *testing.T) {
	long := strings.Repeat("x", 40)
	for _, src := range []string{
		long + "\na,b\n",                                   // a plain line
		long + "," + long + "\r\na\r\n",                    // CRLF
		`"` + long + "\n" + long + "\n" + `",b` + "\nc\n",  // a quoted field over several lines
		`a,"` + long + `""` + long + `"` + "\nc\n",         // a doubled quote inside
		`a,` + long + `"x` + "\n" + `"c"` + "\n",           // a bare quote: the line ends it
		`"` + long + `"x` + "\n" + `"c` + "\nd\"\n",        // text after a closing quote
		`"` + long + `"` + "\r\n" + "c\n",                  // closing quote, CRLF
		`"` + long + `"` + "\rz\nc\n",                      // closing quote, lone CR
		`"` + long + "\n\n" + long,                         // the file ends inside quotes
		"a\n" + long,                                       // the file ends inside the record
		"a\n\n\n" + long + "\n\n\nb\n",                     // blank lines around
		"\"ab\"\n\"" + strings.Repeat("x\n", 20) + "\"\nc", // many short lines in one record
	} {
		for _, size := range []int{16, 4096} {
			sameUnderLimit(t, src, size, MinRecordBytes)
			sameUnderLimit(t, src, size, 30)
		}
	}
}

// FuzzRecordsLimit holds the record limit's skip to the parser: records
// under the limit are read as without one, and reading goes on after one
// over it exactly where the parser would.
func FuzzRecordsLimit(f *testing.F) {
	for _, s := range []string{"xxxxxxxxxxxxxxxxxxxx\na\n", "\"xxxxxxxxxxxxxxxx\n\"\"\",\nb\n", "a,b\"xxxxxxxxxxxxxxxxxxx\n\"c\"\n"} {
		f.Add(s, uint8(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, src string, size, max uint8) {
		sameUnderLimit(t, src, 16+int(size), MinRecordBytes+int(max))
	})
}
