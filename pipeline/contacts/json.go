package contacts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// jsonHeader is the error report's header for a JSON file: one column that
// holds each failed contact object as written.
var jsonHeader = []string{"Contact"}

// flexString accepts a JSON string, number or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		*f = flexString(b)
		return nil
	}
	return fmt.Errorf("%s is not a string or a number", csvio.Clip(string(b)))
}

type jsonRecording struct {
	Location    flexString `json:"Location"`
	StartTimeMs flexString `json:"StartTimeMs"`
}

// recList accepts one recording object or an array of them.
type recList []jsonRecording

func (l *recList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one jsonRecording
		if err := strictUnmarshal(b, &one); err != nil {
			return err
		}
		*l = recList{one}
		return nil
	}
	var many []jsonRecording
	if err := strictUnmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// jsonContact is the seed's JSON contact. The CSV names of the address
// fields are accepted as well as the JSON ones (the seed's own example uses
// them).
type jsonContact struct {
	AgentID            *flexString           `json:"AgentId"`
	AssocCallID        flexString            `json:"AssocCallId"`
	CallID             flexString            `json:"CallId"`
	Called             flexString            `json:"Called"`
	CalledAddress      flexString            `json:"CalledAddress"`
	Calling            flexString            `json:"Calling"`
	CallingAddress     flexString            `json:"CallingAddress"`
	ClientTimeZone     flexString            `json:"ClientTimeZone"`
	TimeZone           flexString            `json:"TimeZone"`
	ContactStartTimeMs flexString            `json:"ContactStartTimeMs"`
	Direction          flexString            `json:"Direction"`
	Line               flexString            `json:"Line"`
	Audio              recList               `json:"Audio"`
	Screen             recList               `json:"Screen"`
	CustomMetadata     map[string]flexString `json:"CustomMetadata"`
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// parseJSON turns one JSON contact into a row.
func parseJSON(zones zoneCache, num int, raw []byte) *row {
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		compact.Write(raw)
	}
	r := &row{num: num, cells: []string{compact.String()}}
	if !utf8.Valid(raw) { // encoding/json would store U+FFFD in its place
		r.fail("", "%s", csvio.InvalidUTF8(raw))
		return r
	}
	var c jsonContact
	if err := strictUnmarshal(raw, &c); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			if name, err := strconv.Unquote(f); err == nil {
				f = strconv.Quote(csvio.Clip(name))
			}
			msg = fmt.Sprintf("field %s is not a contact field", f)
		}
		r.fail("", "%s", strings.TrimPrefix(msg, "json: "))
		return r
	}
	if c.AgentID != nil {
		r.setAgent("AgentId", string(*c.AgentID))
	}
	r.setStart("ContactStartTimeMs", string(c.ContactStartTimeMs))
	tzField, tz := "ClientTimeZone", c.ClientTimeZone
	if tz == "" {
		tzField, tz = "TimeZone", c.TimeZone
	}
	r.setTimeZone(zones, tzField, string(tz))
	r.assocCallID = r.text("AssocCallId", string(c.AssocCallID), maxAssocCallID)
	r.callID = r.text("CallId", string(c.CallID), maxCallID)
	r.called = r.text("Called", string(firstOf(c.Called, c.CalledAddress)), maxAddress)
	r.calling = r.text("Calling", string(firstOf(c.Calling, c.CallingAddress)), maxAddress)
	r.line = r.text("Line", string(c.Line), maxAddress)
	r.setDirection("Direction", string(c.Direction))
	for _, name := range slices.Sorted(maps.Keys(c.CustomMetadata)) {
		if n := len([]rune(name)); n == 0 || n > maxMetaName {
			r.fail("CustomMetadata", "field name %q must have 1 to %d characters", csvio.Clip(name), maxMetaName)
		}
		r.setMetadata(name, string(c.CustomMetadata[name]))
	}
	for _, g := range []struct {
		field string
		list  recList
	}{{"Audio.Location", c.Audio}, {"Screen.Location", c.Screen}} {
		for _, rec := range g.list {
			r.addRecording(g.field, string(rec.Location), r.offset(strings.Replace(g.field, "Location", "StartTimeMs", 1), string(rec.StartTimeMs)))
		}
	}
	r.checkRecordings()
	return r
}

func firstOf(a, b flexString) flexString {
	if a != "" {
		return a
	}
	return b
}

// readJSON is readJSONWith with the default csvio.Options.
func readJSON(rd io.Reader, fn func(*row) error) error {
	return readJSONWith(rd, csvio.Options{}, fn)
}

// readJSONWith reads a JSON file of one contact, an array of contacts, or
// contacts one after another, calling fn for each in order. The text is
// read through a jsonFixer, which mends the two liberties the seed's own
// examples take (a lone backslash, an object written with brackets). It is
// decoded as o.Encoding says, and one contact may not be over
// o.MaxRecordBytes: a file that is not contacts (one 200 MB string) fails
// without being held whole. A contact that is not valid UTF-8 fails alone.
// A syntax error fails the file, naming the line and column where it is.
func readJSONWith(rd io.Reader, o csvio.Options, fn func(*row) error) error {
	o = o.WithDefaults()
	text, err := csvio.Decode(rd, o.Encoding)
	if err != nil {
		return pipeline.Invalid("%v", err)
	}
	fx := newJSONFixer(text)
	br := bufio.NewReaderSize(fx, 64<<10)
	first, skipped, err := peekNonSpace(br)
	if err != nil {
		return pipeline.Invalid("the file is empty: it needs a contact object or an array of them")
	}
	lim := &valueLimit{r: br, max: int64(o.MaxRecordBytes)}
	dec := json.NewDecoder(lim)
	num := 1
	// at words a decoder offset as where it is in the text as written.
	at := func(off int64) string { return fx.where(skipped + off) }
	syntax := func(err error, decoding bool) error {
		if errors.Is(err, errValueTooLong) {
			return pipeline.Invalid("contact %d, from byte %d: the contact is over %d bytes (the limit is limits.max_record_bytes)", num, lim.start, lim.max)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return pipeline.Invalid("JSON syntax error at %s: the file ends inside a contact or the array", at(lim.n))
		}
		off := errorOffset(dec, err, decoding)
		return pipeline.Invalid("JSON syntax error at %s: %s", at(off), fx.asWritten(skipped+off, err.Error()))
	}
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return syntax(err, false)
		}
	} else if first != '{' {
		return pipeline.Invalid("the file is not JSON contacts: it must start with { or [")
	}
	zones := zoneCache{}
	for ; ; num++ {
		lim.start = dec.InputOffset()
		if !dec.More() {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return syntax(err, true)
		}
		if num > maxRows {
			return pipeline.Invalid("more than %d contacts in one file", maxRows)
		}
		if err := fn(parseJSON(zones, num, raw)); err != nil {
			return err
		}
	}
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return syntax(err, false)
		}
	}
	dec.More() // moves the decoder to what follows, if anything does, so that the error can say where it is
	trailing := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if errors.Is(err, errValueTooLong) {
			return syntax(err, false)
		}
		return pipeline.Invalid("JSON syntax error at %s: unexpected data after the contacts", at(trailing))
	}
	return nil
}

// errorOffset returns the decoder offset of the byte a syntax error is
// about. A json.SyntaxError's Offset is that byte's offset when the error
// comes from the decoder's token state (a missing comma, Token's errors),
// but when Decode's scanner finds it, Offset counts only the bytes the
// scanner saw, over all values so far and without the commas between
// them: no position at all. Decode leaves the value it failed on in
// dec.Buffered(), from dec.InputOffset() on, so a fresh decoder scanning
// that finds the same error with an Offset relative to the value's start.
// When it does not find the same error (the error was the token state's,
// about the byte at InputOffset), InputOffset is the place.
func errorOffset(dec *json.Decoder, err error, decoding bool) int64 {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return dec.InputOffset()
	}
	if !decoding {
		return se.Offset
	}
	var again *json.SyntaxError
	if errors.As(json.NewDecoder(dec.Buffered()).Decode(new(json.RawMessage)), &again) && again.Error() == se.Error() {
		return dec.InputOffset() + again.Offset - 1 // Offset counts the byte at fault
	}
	return dec.InputOffset()
}

// errValueTooLong is valueLimit's: a JSON value is over the limit.
var errValueTooLong = errors.New("a JSON value is over the limit")

// valueLimit bounds how far a json.Decoder reads past the start of the
// value it decodes. The decoder buffers a whole value before decoding it
// and reads only while the value is incomplete, so refusing to read once
// max bytes have come since start bounds its buffer at max plus one read.
type valueLimit struct {
	r     io.Reader
	max   int64
	start int64 // the decoder's offset where the current value begins
	n     int64 // bytes read
}

// maxRead bounds one read, and so what a decoder holds past a value's end.
const maxRead = 64 << 10

func (l *valueLimit) Read(p []byte) (int, error) {
	if l.n-l.start >= l.max {
		return 0, errValueTooLong
	}
	n, err := l.r.Read(p[:min(len(p), maxRead)])
	l.n += int64(n)
	return n, err
}

// peekNonSpace returns the first byte of br that is not white space or a
// byte order mark, and how many bytes it discarded to reach it.
func peekNonSpace(br *bufio.Reader) (byte, int64, error) {
	var skipped int64
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, skipped, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
			skipped++
		case 0xEF: // a UTF-8 BOM
			if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
				_, _ = br.Discard(3)
				skipped += 3
				continue
			}
			return b[0], skipped, nil
		default:
			return b[0], skipped, nil
		}
	}
}
