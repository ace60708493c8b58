package csvio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Defaults for Options' zero values. Both are far beyond a real file and
// far below what hurts: the widest real row (a contact with a few hundred
// metadata cells) is a few KiB, and the widest real header is the
// contacts kind's 18 columns plus custom metadata, at most a few dozen in
// practice. A MiB a record keeps the reader's memory at a few MiB whatever
// the file; 2,000 columns stays under what a spreadsheet user can write by
// hand while keeping a header's map and cells small.
const (
	DefaultMaxRecordBytes = 1 << 20
	DefaultMaxColumns     = 2000
	// MinRecordBytes is the smallest record limit: below it, the limit
	// would be meaningless (and would count a blank line's "\r\n").
	MinRecordBytes = 16
)

// The encodings a file may be read in (Options.Encoding).
const (
	EncodingUTF8        = "utf-8"
	EncodingWindows1252 = "windows-1252"
	EncodingISO88591    = "iso-8859-1"
	EncodingUTF16       = "utf-16"
)

// Encodings lists the values Options.Encoding accepts.
var Encodings = []string{EncodingUTF8, EncodingWindows1252, EncodingISO88591, EncodingUTF16}

// Options bound what a reader takes from one file and say how its text is
// encoded. The zero value is the defaults: UTF-8, DefaultMaxRecordBytes,
// DefaultMaxColumns.
type Options struct {
	// MaxRecordBytes bounds one record: all its lines, for a quoted field
	// running over several (config: limits.max_record_bytes).
	MaxRecordBytes int
	// MaxColumns bounds a header's columns (config: limits.max_columns).
	MaxColumns int
	// Encoding is the text's encoding, one of Encodings ("" is UTF-8).
	// A file starting with a UTF-16 or UTF-8 byte order mark is read in
	// that encoding whatever this says: a BOM is unambiguous (FF FE and
	// FE FF are not UTF-8, and "ÿþ" or "ï»¿" do not start a real header).
	Encoding string
}

// Validate says whether o's values are usable.
func (o Options) Validate() error {
	if o.MaxRecordBytes < 0 || (o.MaxRecordBytes > 0 && o.MaxRecordBytes < MinRecordBytes) {
		return fmt.Errorf("limits.max_record_bytes is %d: it must be at least %d (0 means %d)", o.MaxRecordBytes, MinRecordBytes, DefaultMaxRecordBytes)
	}
	if o.MaxColumns < 0 {
		return fmt.Errorf("limits.max_columns is %d: it must be positive (0 means %d)", o.MaxColumns, DefaultMaxColumns)
	}
	_, err := lookupEncoding(o.Encoding)
	return err
}

// WithDefaults returns o with the defaults in place of its zero values.
func (o Options) WithDefaults() Options {
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	return o
}

// lookupEncoding returns the decoder's encoding for name: nil for UTF-8
// (read as is) and for UTF-16 (decided by the BOM).
func lookupEncoding(name string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", EncodingUTF8, "utf8":
		return nil, nil
	case EncodingWindows1252, "cp1252":
		return charmap.Windows1252, nil
	case EncodingISO88591, "latin1", "latin-1":
		return charmap.ISO8859_1, nil
	case EncodingUTF16, "utf16":
		return nil, nil
	}
	return nil, fmt.Errorf("encoding %q is not one of %s", Clip(name), strings.Join(Encodings, ", "))
}

func isUTF16(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	return n == EncodingUTF16 || n == "utf16"
}

var (
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// bufSize is the read buffer of a decoded file.
const bufSize = 64 << 10

// Decode returns r's text as UTF-8, its byte order mark dropped. A file
// with a UTF-16 BOM is decoded as UTF-16 whatever enc says (see Options);
// "utf-16" without a BOM is an error. For UTF-8, the default, the bytes are
// passed through untouched and unchecked: readers check each record with
// utf8.Valid, which costs far less than a decoder.
func Decode(r io.Reader, enc string) (*bufio.Reader, error) {
	e, err := lookupEncoding(enc)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, bufSize)
	head, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, bom):
		_, _ = br.Discard(len(bom))
		return br, nil
	case bytes.HasPrefix(head, bomUTF16LE):
		return decoded(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)), nil
	case bytes.HasPrefix(head, bomUTF16BE):
		return decoded(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)), nil
	case isUTF16(enc):
		return nil, errors.New("the file has no UTF-16 byte order mark (FF FE or FE FF): save it as UTF-16 with a BOM, or as UTF-8")
	case e == nil:
		return br, nil
	}
	return decoded(br, e), nil
}

func decoded(r io.Reader, e encoding.Encoding) *bufio.Reader {
	return bufio.NewReaderSize(transform.NewReader(r, e.NewDecoder()), bufSize)
}
