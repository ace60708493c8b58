package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// records splits CSV text into records exactly as encoding/csv does with
// FieldsPerRecord = -1 and no comments, lazy quotes or space trimming: the
// same cells, the same *csv.ParseError values, the same line numbers (a
// differential fuzz test holds it to that). It is faster in two ways that
// matter for a million-row file read twice:
//   - a line with no quote, by far the common case, is cut at its commas
//     with no per-field copying;
//   - cells are carved from a shared, append-only arena instead of one
//     string allocation per record.
type records struct {
	br      *bufio.Reader
	raw     []byte // a line longer than br's buffer
	buf     []byte // the slow path's unquoted record
	ends    []int  // the slow path's field ends in buf
	arena   []byte
	numLine int
	reuse   bool
	last    []string
	// volatile: cells point into the read buffer, valid until the next
	// read. For a pass that keeps nothing.
	volatile bool
	// max bounds a record's bytes, its lines together (0: no bound). A
	// record over it is skipped without keeping its bytes, so memory stays
	// at max plus one buffer whatever the input.
	max      int
	recBytes int // bytes of the record being read
	// validate checks every line with utf8.Valid; badUTF8 describes the
	// record's first invalid line.
	validate bool
	badUTF8  string
}

// recordError fails one record alone: the reader can go on with the next.
type recordError struct{ msg string }

func (e *recordError) Error() string { return e.msg }

func tooLong(max int) *recordError {
	return &recordError{fmt.Sprintf("the record is over %d bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?", max)}
}

// arenaSize is the size of each cell arena. A cell pins its arena, so a
// kept cell (a failed row's report) holds at most this much.
const arenaSize = 64 << 10

// str returns b as a string in the arena. Arena bytes are never written
// again once handed out, which is what makes the unsafe.String sound.
func (r *records) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if r.volatile {
		return unsafe.String(&b[0], len(b))
	}
	if len(b) > arenaSize/4 {
		return string(b)
	}
	if cap(r.arena)-len(r.arena) < len(b) {
		r.arena = make([]byte, 0, arenaSize)
	}
	start := len(r.arena)
	r.arena = append(r.arena, b...)
	return unsafe.String(&r.arena[start], len(b))
}

// readLine is encoding/csv's: one line with "\r\n" normalised to "\n", a
// trailing "\r" before EOF dropped. A line that takes the record over
// r.max is not read whole: the rest of the record is skipped (inQuotes: the
// line starts inside a quoted field) and the error is a *recordError.
func (r *records) readLine(inQuotes bool) ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.raw = append(r.raw[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) && !r.over(len(r.raw)) {
			line, err = r.br.ReadSlice('\n')
			r.raw = append(r.raw, line...)
		}
		line = r.raw
	}
	if r.over(len(line)) {
		r.numLine++
		return nil, r.skip(line, err, inQuotes)
	}
	r.recBytes += len(line)
	if r.validate && r.badUTF8 == "" && !utf8.Valid(line) {
		r.badUTF8 = InvalidUTF8(line)
	}
	n := len(line)
	if n > 0 && err == io.EOF {
		err = nil
		if line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	r.numLine++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

func (r *records) over(n int) bool { return r.max > 0 && r.recBytes+n > r.max }

// States of skip's scan, the parser's view of a record's bytes.
const (
	skipFieldStart = iota // a quote here opens a quoted field
	skipUnquoted
	skipQuoted
	skipQuote   // a quote in a quoted field: it closes it unless doubled
	skipQuoteCR // a closing quote then "\r": the line must end here
	skipBad     // a parse error: the parser drops the rest of the line
	skipEnd     // a newline ended the record
)

// skip reads on to the end of a record over the limit, keeping none of its
// bytes; seen is what was read of it so far (err: ReadSlice's error for
// it). The end is where the parser would end the record: the next newline
// outside quotes, or the end of a line holding a parse error, so the next
// record is read exactly as without the limit. A file ending inside the
// record ends the record. An error other than io.EOF is returned as is.
func (r *records) skip(seen []byte, err error, inQuotes bool) error {
	st := skipFieldStart
	if inQuotes {
		st = skipQuoted
	}
	st = r.scan(st, seen)
	for st != skipEnd && (err == nil || errors.Is(err, bufio.ErrBufferFull)) {
		seen, err = r.br.ReadSlice('\n')
		st = r.scan(st, seen)
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	return tooLong(r.max)
}

// scan runs skip's state machine over b, which holds at most one newline,
// at its end. A newline inside quotes starts a line of the same record.
func (r *records) scan(st int, b []byte) int {
	for _, c := range b {
		switch st {
		case skipFieldStart, skipUnquoted:
			switch {
			case c == ',':
				st = skipFieldStart
			case c == '\n':
				return skipEnd
			case c == '"' && st == skipFieldStart:
				st = skipQuoted
			case c == '"':
				st = skipBad
			default:
				st = skipUnquoted
			}
		case skipQuoted:
			switch c {
			case '"':
				st = skipQuote
			case '\n':
				r.numLine++
			}
		case skipQuote:
			switch c {
			case '"':
				st = skipQuoted
			case ',':
				st = skipFieldStart
			case '\n':
				return skipEnd
			case '\r':
				st = skipQuoteCR
			default:
				st = skipBad
			}
		case skipQuoteCR:
			if c == '\n' {
				return skipEnd
			}
			st = skipBad
		case skipBad:
			if c == '\n' {
				return skipEnd
			}
		}
	}
	return st
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// cells returns the slice to fill with n cells: a new one unless reuse is
// set, and never one handed out before reuse was set (the header).
func (r *records) cells(n int) []string {
	if !r.reuse {
		if n == 0 {
			return nil // as encoding/csv
		}
		return make([]string, n)
	}
	if cap(r.last) < n {
		r.last = make([]string, n)
	}
	r.last = r.last[:n]
	return r.last
}

// read returns the next record and the line it starts on, or io.EOF. On a
// *csv.ParseError it also returns the cells read before the error.
func (r *records) read() ([]string, int, error) {
	var line []byte
	var errRead error
	var start int
	r.badUTF8 = ""
	for errRead == nil {
		r.recBytes = 0        // blank lines do not count
		start = r.numLine + 1 // a skipped record moves numLine past its lines
		line, errRead = r.readLine(false)
		if errRead == nil && len(line) == lengthNL(line) {
			continue // blank lines are not records
		}
		break
	}
	if errRead == io.EOF {
		return nil, 0, errRead
	}
	if _, over := errRead.(*recordError); over {
		return nil, start, errRead
	}
	var cells []string
	var err error
	if bytes.IndexByte(line, '"') < 0 {
		cells, err = r.plain(line[:len(line)-lengthNL(line)]), errRead
	} else {
		cells, err = r.quoted(line, errRead)
	}
	if _, over := err.(*recordError); over {
		return nil, start, err
	}
	if err == nil && r.badUTF8 != "" {
		err = &recordError{r.badUTF8}
	}
	return cells, start, err
}

// plain cuts a quote-free line at its commas.
func (r *records) plain(line []byte) []string {
	s := r.str(line)
	cells := r.cells(bytes.Count(line, []byte{','}) + 1)
	for i := range len(cells) - 1 {
		j := strings.IndexByte(s, ',')
		cells[i], s = s[:j], s[j+1:]
	}
	cells[len(cells)-1] = s
	return cells
}

// quoted is encoding/csv's readRecord for a record with quotes, which may
// run over several lines.
func (r *records) quoted(line []byte, errRead error) ([]string, error) {
	var err error
	recLine := r.numLine
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	posLine, col := r.numLine, 1
parseField:
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, ',')
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				err = &csv.ParseError{StartLine: recLine, Line: r.numLine, Column: col + j, Err: csv.ErrBareQuote}
				break parseField
			}
			r.buf = append(r.buf, field...)
			r.ends = append(r.ends, len(r.buf))
			if i >= 0 {
				line = line[i+1:]
				col += i + 1
				continue parseField
			}
			break parseField
		}
		line = line[1:]
		col++
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				r.buf = append(r.buf, line[:i]...)
				line = line[i+1:]
				col += i + 1
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					r.buf = append(r.buf, '"')
					line = line[1:]
					col++
				case len(line) > 0 && line[0] == ',': // end of field
					line = line[1:]
					col++
					r.ends = append(r.ends, len(r.buf))
					continue parseField
				case lengthNL(line) == len(line): // end of record
					r.ends = append(r.ends, len(r.buf))
					break parseField
				default:
					err = &csv.ParseError{StartLine: recLine, Line: r.numLine, Column: col - 1, Err: csv.ErrQuote}
					break parseField
				}
			case len(line) > 0: // the field goes on to the next line
				r.buf = append(r.buf, line...)
				if errRead != nil {
					break parseField
				}
				col += len(line)
				line, errRead = r.readLine(true)
				if _, over := errRead.(*recordError); over {
					return nil, errRead
				}
				if len(line) > 0 {
					posLine++
					col = 1
				}
				if errRead == io.EOF {
					errRead = nil
				}
			default: // the file ends inside quotes
				if errRead == nil {
					err = &csv.ParseError{StartLine: recLine, Line: posLine, Column: col, Err: csv.ErrQuote}
					break parseField
				}
				r.ends = append(r.ends, len(r.buf))
				break parseField
			}
		}
	}
	if err == nil {
		err = errRead
	}
	s := r.str(r.buf)
	cells := r.cells(len(r.ends))
	prev := 0
	for i, end := range r.ends {
		cells[i] = s[prev:end]
		prev = end
	}
	return cells, err
}
