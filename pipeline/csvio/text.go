package csvio

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// clipRunes is how much of a user's value a message quotes.
const clipRunes = 64

// Clip returns s for quoting in a message: at most its first 64 characters,
// then "…" when there were more, as valid UTF-8. A message never copies a
// whole cell, column name or file: those may be megabytes.
func Clip(s string) string {
	if len(s) <= clipRunes && utf8.ValidString(s) {
		return s
	}
	n := 0
	for i := range s {
		if n == clipRunes {
			return strings.ToValidUTF8(s[:i], "\uFFFD") + "…"
		}
		n++
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// contextRunes is how much text before a bad byte a message quotes.
const contextRunes = 20

// InvalidUTF8 describes the first invalid UTF-8 in b, which must hold
// some: the byte, the text of its field before it, and the encoding the
// file most likely has, e.g.
//
//	the text is not valid UTF-8 (byte 0xE9 after "Jos"); it looks like Windows-1252: set encoding = "windows-1252" for this tenant
func InvalidUTF8(b []byte) string {
	i := 0
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	if i == len(b) {
		return "the text is not valid UTF-8"
	}
	// The text of the field before the byte: a cell's or a JSON string's.
	before := b[bytes.LastIndexAny(b[:i], ",\"\n")+1 : i]
	if n := utf8.RuneCount(before); n > contextRunes {
		for ; n > contextRunes; n-- {
			_, size := utf8.DecodeRune(before)
			before = before[size:]
		}
		before = append([]byte("…"), before...)
	}
	return fmt.Sprintf("the text is not valid UTF-8 (byte 0x%02X after %q); %s", b[i], before, guessEncoding(b))
}

// guessEncoding names the likely encoding of text that is not UTF-8. NUL
// bytes mean UTF-16 without a BOM; otherwise Windows-1252, by far the most
// common legacy encoding of Western text (a superset of ISO-8859-1's
// printable characters, so also right for most Latin-1 files).
func guessEncoding(b []byte) string {
	if bytes.IndexByte(b, 0) >= 0 {
		return "it looks like UTF-16 without a byte order mark: save it as UTF-8, or as UTF-16 with a BOM"
	}
	return fmt.Sprintf("it looks like Windows-1252: set encoding = %q for this tenant", EncodingWindows1252)
}
