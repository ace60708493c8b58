package csvio

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// ReportWriter writes an error report: the original columns, then Row (the
// 1-based data row) and Error Message. Cells that a spreadsheet would run as
// a formula are neutralised with a leading apostrophe.
type ReportWriter struct {
	w     *csv.Writer
	width int
	buf   []string
}

// NewReportWriter writes the report's header to w.
func NewReportWriter(w io.Writer, header []string) (*ReportWriter, error) {
	rw := &ReportWriter{w: csv.NewWriter(w), width: len(header)}
	cols := append(append([]string{}, header...), ColRow, ColErrorMessage)
	for i := range cols {
		cols[i] = Neutralise(cols[i])
	}
	if err := rw.w.Write(cols); err != nil {
		return nil, fmt.Errorf("write report header: %w", err)
	}
	return rw, nil
}

// Write adds one failed row. A row shorter than the header is padded; one
// longer is cut to the header's width (the archived original keeps it whole,
// and the message says how many columns it had).
func (rw *ReportWriter) Write(row int, cells []string, message string) error {
	rw.buf = rw.buf[:0]
	for i := 0; i < rw.width; i++ {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		rw.buf = append(rw.buf, Neutralise(c))
	}
	rw.buf = append(rw.buf, strconv.Itoa(row), Neutralise(message))
	if err := rw.w.Write(rw.buf); err != nil {
		return fmt.Errorf("write report row %d: %w", row, err)
	}
	return nil
}

// Close flushes the report.
func (rw *ReportWriter) Close() error {
	rw.w.Flush()
	if err := rw.w.Error(); err != nil {
		return fmt.Errorf("flush report: %w", err)
	}
	return nil
}

// Neutralise prefixes an apostrophe to a cell that a spreadsheet would
// execute: one starting with =, +, -, @, a tab or a carriage return.
func Neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
