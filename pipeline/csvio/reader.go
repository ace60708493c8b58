// Package csvio is the CSV reading and error-report writing that every
// import kind shares: header mapping, a UTF-8 BOM, CRLF, quoted fields,
// per-row column-count checks and 1-based data row numbers.
package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Report columns. An error report is the original columns plus these two;
// a reader drops them when they end a header, so that an admin can fix an
// error report in place and drop it again.
const (
	ColRow          = "Row"
	ColErrorMessage = "Error Message"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Reader reads a CSV file with a header row.
type Reader struct {
	r      *records
	header []string
	index  map[string]int
	width  int // cells a row must have: the header's, report columns included
	row    int
}

// Row is one data row. Err is set, and Cells are the raw cells, when the
// row itself is malformed (a column count that differs from the header's, a
// stray quote); the rest of the file is still read.
type Row struct {
	Num   int // 1-based data row number
	Line  int // 1-based line in the file where the row starts
	Cells []string
	Err   string
}

// NewReader reads the header from r. A file with no header, an empty column
// name or a column named twice is an error; the caller fails the file.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	cr := &records{br: br} // the column count is checked per row, so one bad row fails alone
	header, _, err := cr.read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty: it needs a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	rd := &Reader{r: cr, width: len(header), index: make(map[string]int, len(header))}
	if n := len(header); n >= 2 && header[n-2] == ColRow && header[n-1] == ColErrorMessage {
		header = header[:n-2]
	}
	for i, name := range header {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("header: column %d has no name", i+1)
		}
		if j, dup := rd.index[name]; dup {
			return nil, fmt.Errorf("header: column %q appears twice (columns %d and %d)", name, j+1, i+1)
		}
		rd.index[name] = i
	}
	rd.header = header
	return rd, nil
}

// ReuseRecord makes Next reuse one cells slice between rows; for a caller
// that keeps no row past the next call.
func (r *Reader) ReuseRecord() { r.r.reuse = true }

// Volatile makes Next return cells that are valid only until the next call
// (no copy at all), and implies ReuseRecord; for a pass that keeps no cell,
// not even as a map key, without cloning it.
func (r *Reader) Volatile() { r.r.reuse, r.r.volatile = true, true }

// Header returns the header's column names, report columns dropped.
func (r *Reader) Header() []string { return r.header }

// Index returns the position of the named column.
func (r *Reader) Index(name string) (int, bool) {
	i, ok := r.index[name]
	return i, ok
}

// Next returns the next data row, or io.EOF after the last.
func (r *Reader) Next() (Row, error) {
	rec, line, err := r.r.read()
	if errors.Is(err, io.EOF) {
		return Row{}, io.EOF
	}
	r.row++
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Row{Num: r.row, Line: pe.StartLine, Cells: rec, Err: fmt.Sprintf("line %d: %v", pe.Line, pe.Err)}, nil
	}
	if err != nil {
		return Row{}, fmt.Errorf("row %d: %w", r.row, err)
	}
	row := Row{Num: r.row, Line: line, Cells: rec}
	switch {
	case len(rec) != r.width:
		row.Err = fmt.Sprintf("the row has %d columns, the header has %d", len(rec), r.width)
	case r.width > len(r.header):
		row.Cells = rec[:len(r.header):len(r.header)] // drop a report's Row and Error Message
	}
	return row, nil
}

// ErrTooManyRows is returned by All for a file over its limit.
var ErrTooManyRows = errors.New("too many rows")

// All reads every remaining row, for a file small enough to hold whole;
// more than max rows (max > 0) is ErrTooManyRows. A caller reading rows it
// keeps must not have called ReuseRecord or Volatile.
func (r *Reader) All(max int) ([]Row, error) {
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if max > 0 && len(rows) == max {
			return nil, ErrTooManyRows
		}
		rows = append(rows, row)
	}
}
