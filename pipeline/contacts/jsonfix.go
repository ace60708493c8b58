package contacts

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// jsonFixer reads JSON text and mends, as it streams, the two liberties
// the seed's own examples take, so that encoding/json can read them:
//
//   - A backslash inside a string that starts no JSON escape is doubled, so
//     that the short example's "acme\smithj" reads as acme\smithj. (\b, \n…
//     stay escapes.)
//   - An object written with brackets, as the full example's
//     "Screen":[ "Location":"25.webm", "StartTimeMs":1447075075000 ], is
//     read as an object. The rule: a '[' whose first element is a string
//     followed (after white space) by ':' opens an object, so that '[' is
//     read as '{' and its matching ']' as '}'. This is unambiguous: in an
//     array a string can only be followed by ',' or ']', so a ':' there is
//     never valid JSON, and reading the list as members is its only
//     meaning. Only the first element decides: ["a", "b": 1] stays an array
//     and fails at the ':'; a bracketed list whose later elements are not
//     members fails at them; [] stays an array. A '}' closing a rewritten
//     '[' is read as ']', so mismatched brackets still fail.
//
// Deciding needs the '[' held back until the byte after its first string:
// at most maxLookahead bytes, past which the list is taken as an array (no
// contact field name is that long). Nothing else is held, so a file of any
// size streams in bounded memory. Rewriting keeps every byte where it was
// except the inserted backslashes; text keeps the last bytes as written,
// so that where can tell a decoder offset as a line and column of the file.
type jsonFixer struct {
	r   *bufio.Reader
	err error // the reader's, once it has one

	inString, afterSlash bool

	// out[head:] is produced but not yet returned, orig its bytes as
	// written (origInserted for an inserted backslash). While a '[' is
	// undecided, hold is its index in out and out[hold:] is held back.
	out, orig []byte
	head      int
	hold      int
	look      lookState

	// open has, for each '[' or '{' not yet closed, whether it is a '['
	// read as '{'. Past maxDepth (encoding/json's own limit, so the
	// decoder fails there anyway) brackets are only counted, in deeper.
	open   []bool
	deeper int

	text textPos
}

// lookState is how far a jsonFixer is in an undecided '['.
type lookState uint8

const (
	lookNone  lookState = iota
	lookFirst           // after the '[': its first element is next
	lookKey             // inside the first element, a string
	lookColon           // after that string: a ':' makes the list an object
)

// maxLookahead is how many bytes a jsonFixer holds to decide a '['.
const maxLookahead = 4 << 10

// maxDepth is how deep a jsonFixer tracks brackets (encoding/json fails
// past 10000 levels).
const maxDepth = 10000

// origInserted stands in textPos for a byte the fixer inserted: a UTF-8
// continuation byte, which starts no character, so it takes no column.
const origInserted = 0x80

func newJSONFixer(r *bufio.Reader) *jsonFixer {
	return &jsonFixer{r: r, hold: -1, text: newTextPos(textWindow)}
}

func (f *jsonFixer) Read(p []byte) (int, error) {
	if f.head > 0 { // what was returned goes; what is held stays
		k := copy(f.out, f.out[f.head:])
		copy(f.orig, f.orig[f.head:])
		f.out, f.orig = f.out[:k], f.orig[:k]
		if f.hold >= 0 {
			f.hold -= f.head
		}
		f.head = 0
	}
	// Take in what the reader has buffered until there is enough for p.
	for f.ready() < len(p) && f.err == nil {
		chunk, err := f.r.Peek(max(1, f.r.Buffered()))
		for _, c := range chunk {
			f.step(c)
		}
		_, _ = f.r.Discard(len(chunk))
		if len(chunk) == 0 {
			f.err = err
		}
	}
	if f.err != nil && f.hold >= 0 { // the file ends inside the first element
		f.decide(false)
	}
	n := copy(p, f.out[f.head:f.head+f.ready()])
	f.text.add(f.orig[f.head : f.head+n])
	f.head += n
	if n == 0 && f.err != nil {
		return 0, f.err
	}
	return n, nil
}

// ready is how many bytes f may return now.
func (f *jsonFixer) ready() int {
	if f.hold >= 0 {
		return f.hold - f.head
	}
	return len(f.out) - f.head
}

// step takes in one byte of the text.
func (f *jsonFixer) step(c byte) {
	switch {
	case f.afterSlash:
		f.afterSlash = false
		if !strings.ContainsRune(`"\/bfnrtu`, rune(c)) {
			f.emit('\\', origInserted) // make the lone backslash literal
		}
		f.emit(c, c)
	case f.inString:
		switch c {
		case '\\':
			f.afterSlash = true
		case '"':
			f.inString = false
			if f.look == lookKey {
				f.look = lookColon
			}
		}
		f.emit(c, c)
	default:
		f.structural(c)
	}
	if f.hold >= 0 && len(f.out)-f.hold > maxLookahead {
		f.decide(false)
	}
}

// structural takes in a byte outside strings.
func (f *jsonFixer) structural(c byte) {
	written := c
	switch c {
	case ' ', '\t', '\r', '\n':
	case '"':
		f.inString = true
		if f.look == lookFirst {
			f.look = lookKey
		} else if f.look != lookNone {
			f.decide(false)
		}
	case ':':
		if f.look != lookNone {
			f.decide(f.look == lookColon)
		}
	case '[':
		if f.look != lookNone {
			f.decide(false)
		}
		f.hold, f.look = len(f.out), lookFirst
	case '{':
		if f.look != lookNone {
			f.decide(false)
		}
		f.push(false)
	case ']', '}':
		if f.look != lookNone {
			f.decide(false)
		}
		if f.pop() { // closing a '[' read as '{': swap, so a mismatch stays one
			if c == ']' {
				c = '}'
			} else {
				c = ']'
			}
		}
	default:
		if f.look != lookNone {
			f.decide(false)
		}
	}
	f.emit(c, written)
}

// decide settles the held '[': an object's or an array's.
func (f *jsonFixer) decide(object bool) {
	if object {
		f.out[f.hold] = '{'
	}
	f.push(object)
	f.hold, f.look = -1, lookNone
}

func (f *jsonFixer) push(rewritten bool) {
	if len(f.open) >= maxDepth {
		f.deeper++
		return
	}
	f.open = append(f.open, rewritten)
}

// pop closes the innermost bracket and reports whether it was a '[' read
// as '{'.
func (f *jsonFixer) pop() bool {
	switch {
	case f.deeper > 0:
		f.deeper--
		return false
	case len(f.open) == 0: // a stray close: the decoder says so
		return false
	}
	rewritten := f.open[len(f.open)-1]
	f.open = f.open[:len(f.open)-1]
	return rewritten
}

func (f *jsonFixer) emit(c, written byte) {
	f.out = append(f.out, c)
	f.orig = append(f.orig, written)
}

// where returns "line L, column C" for an offset in what f produced.
func (f *jsonFixer) where(off int64) string {
	line, col, ok := f.text.at(off)
	if !ok {
		return fmt.Sprintf("byte %d", off)
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

// asWritten words a decoder's message about the byte at off with that
// byte as written: the decoder saw a rewritten bracket ('{' for a '[' that
// opens members, '}' for its ']') and would otherwise quote a character
// the file does not have there.
func (f *jsonFixer) asWritten(off int64, msg string) string {
	seen := map[byte]byte{'[': '{', ']': '}', '}': ']'}
	c, ok := f.text.byteAt(off)
	if s, rewritable := seen[c]; ok && rewritable {
		return strings.Replace(msg, "'"+string(s)+"'", "'"+string(c)+"'", 1)
	}
	return msg
}

// textWindow is how much of what a jsonFixer produced it keeps to find
// lines and columns: more than the decoder can have read past the byte an
// error is about (one read of valueLimit's, maxRead, plus what it holds
// from the read before) and the bufio.Reader between them (64 KiB).
const textWindow = 256 << 10

// textPos tells the line and column (1-based, in characters) of an offset
// among the last bytes it was given: it keeps those in a ring, and the
// line and column of the ring's oldest byte.
type textPos struct {
	ring      []byte
	n         int64 // bytes given
	line, col int   // of the ring's oldest byte (col 0-based)
}

func newTextPos(size int) textPos { return textPos{ring: make([]byte, size), line: 1} }

func (t *textPos) add(b []byte) {
	size := int64(len(t.ring))
	for len(b) > 0 {
		i := t.n % size
		k := min(int64(len(b)), size-i)
		if t.n >= size { // the ring is full: its oldest bytes leave it
			t.line, t.col = advanceAll(t.line, t.col, t.ring[i:i+k])
		}
		copy(t.ring[i:], b[:k])
		t.n += k
		b = b[k:]
	}
}

// advanceAll is advance over each byte of b.
func advanceAll(line, col int, b []byte) (int, int) {
	if j := bytes.LastIndexByte(b, '\n'); j >= 0 {
		line += bytes.Count(b[:j+1], []byte{'\n'})
		col, b = 0, b[j+1:]
	}
	for _, c := range b {
		if c&0xC0 != 0x80 {
			col++
		}
	}
	return line, col
}

// at returns the line and column of offset off, false when it has left
// the ring.
func (t *textPos) at(off int64) (line, col int, ok bool) {
	size := int64(len(t.ring))
	start := max(0, t.n-size)
	if off < start {
		return 0, 0, false
	}
	line, col = t.line, t.col
	for o := start; o < min(off, t.n); o++ {
		line, col = advance(line, col, t.ring[o%size])
	}
	return line, col + 1, true
}

// byteAt returns the byte at offset off as written, false when it has left
// the ring or not come yet.
func (t *textPos) byteAt(off int64) (byte, bool) {
	if off < max(0, t.n-int64(len(t.ring))) || off >= t.n {
		return 0, false
	}
	return t.ring[off%int64(len(t.ring))], true
}

// advance moves a line and 0-based column past byte c: a character starts
// at each byte that is not a UTF-8 continuation byte.
func advance(line, col int, c byte) (int, int) {
	switch {
	case c == '\n':
		return line + 1, 0
	case c&0xC0 == 0x80:
		return line, col
	}
	return line, col + 1
}
