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
// contacts one after another, calling fn for each in order. Backslashes
// that start no JSON escape (acme\smithj, as in the seed's own example) are
// read as themselves. The text is decoded as o.Encoding says, and one
// contact may not be over o.MaxRecordBytes: a file that is not contacts
// (one 200 MB string) fails without being held whole. A contact that is not
// valid UTF-8 fails alone.
func readJSONWith(rd io.Reader, o csvio.Options, fn func(*row) error) error {
	o = o.WithDefaults()
	text, err := csvio.Decode(rd, o.Encoding)
	if err != nil {
		return pipeline.Invalid("%v", err)
	}
	br := bufio.NewReaderSize(&escapeFixer{r: text}, 64<<10)
	first, err := peekNonSpace(br)
	if err != nil {
		return pipeline.Invalid("the file is empty: it needs a contact object or an array of them")
	}
	lim := &valueLimit{r: br, max: int64(o.MaxRecordBytes)}
	dec := json.NewDecoder(lim)
	num := 1
	syntax := func(err error) error {
		if errors.Is(err, errValueTooLong) {
			return pipeline.Invalid("contact %d, from byte %d: the contact is over %d bytes (the limit is limits.max_record_bytes)", num, lim.start, lim.max)
		}
		return pipeline.Invalid("JSON syntax error near byte %d: %v", dec.InputOffset(), err)
	}
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return syntax(err)
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
			return syntax(err)
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
			return syntax(err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if errors.Is(err, errValueTooLong) {
			return syntax(err)
		}
		return pipeline.Invalid("JSON syntax error near byte %d: unexpected data after the contacts", dec.InputOffset())
	}
	return nil
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

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
		case 0xEF: // a UTF-8 BOM
			if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
				_, _ = br.Discard(3)
				continue
			}
			return b[0], nil
		default:
			return b[0], nil
		}
	}
}

// escapeFixer doubles a backslash inside a JSON string when it does not
// start a valid escape, so that `"acme\smithj"` reads as acme\smithj.
type escapeFixer struct {
	r          *bufio.Reader
	inString   bool
	afterSlash bool
	pending    []byte
}

func (f *escapeFixer) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(f.pending) > 0 {
			p[n] = f.pending[0]
			f.pending = f.pending[1:]
			n++
			continue
		}
		c, err := f.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		switch {
		case f.afterSlash:
			f.afterSlash = false
			if !strings.ContainsRune(`"\/bfnrtu`, rune(c)) {
				f.pending = append(f.pending, '\\') // make the lone backslash literal
			}
			f.pending = append(f.pending, c)
			continue
		case f.inString && c == '\\':
			f.afterSlash = true
		case c == '"':
			f.inString = !f.inString
		}
		p[n] = c
		n++
	}
	return n, nil
}
