// Package csvio is the CSV reading and error-report writing that every
// import kind shares: text encodings and byte order marks, bounded records
// and headers, CRLF, quoted fields, per-row column-count and UTF-8 checks,
// 1-based data row numbers, and clipping user data quoted in messages.
package csvio

import (
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

// bom is UTF-8's byte order mark.
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
// stray quote, text that is not UTF-8); a row over the record limit has no
// cells. The rest of the file is still read.
type Row struct {
	Num   int // 1-based data row number
	Line  int // 1-based line in the file where the row starts
	Cells []string
	Err   string
}

// NewReader reads the header from r, a UTF-8 file, with the default
// limits; see NewReaderOptions.
func NewReader(r io.Reader) (*Reader, error) { return NewReaderOptions(r, Options{}) }

// NewReaderOptions reads the header from r, decoded as o says. A file with
// no header, a header over o's limits or not valid UTF-8, an empty column
// name or a column named twice is an error; the caller fails the file.
//
// Later records over o.MaxRecordBytes, or not valid UTF-8, fail alone: the
// reader skips such a record to its end without keeping its bytes (it
// follows quotes, so a newline inside a quoted field does not end it) and
// goes on with the next, so one runaway row does not cost the file.
func NewReaderOptions(r io.Reader, o Options) (*Reader, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.WithDefaults()
	br, err := Decode(r, o.Encoding)
	if err != nil {
		return nil, err
	}
	// The column count is checked per row, so one bad row fails alone.
	cr := &records{br: br, max: o.MaxRecordBytes, validate: true}
	header, line, err := cr.read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty: it needs a header row")
	}
	if _, ok := err.(*recordError); ok {
		return nil, fmt.Errorf("header: line %d: %w", line, err)
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if len(header) > o.MaxColumns {
		return nil, fmt.Errorf("header: line %d: %d columns, over the limit of %d (limits.max_columns)", line, len(header), o.MaxColumns)
	}
	rd := &Reader{r: cr, width: len(header), index: make(map[string]int, len(header))}
	if n := len(header); n >= 2 && header[n-2] == ColRow && header[n-1] == ColErrorMessage {
		header = header[:n-2]
	}
	for i, name := range header {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("header: column %d has no name", i+1)
		}
		if strings.IndexByte(name, 0) >= 0 {
			return nil, fmt.Errorf("header: line %d: column %d holds NUL bytes; %s", line, i+1, guessEncoding([]byte{0}))
		}
		if j, dup := rd.index[name]; dup {
			return nil, fmt.Errorf("header: column %q appears twice (columns %d and %d)", Clip(name), j+1, i+1)
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
	if err != nil { // checked first: errors.As's target escapes, an allocation a row
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{Num: r.row, Line: pe.StartLine, Cells: rec, Err: fmt.Sprintf("line %d: %v", pe.Line, pe.Err)}, nil
		}
		if re, ok := err.(*recordError); ok {
			return Row{Num: r.row, Line: line, Cells: rec, Err: fmt.Sprintf("line %d: %v", line, re)}, nil
		}
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
