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
