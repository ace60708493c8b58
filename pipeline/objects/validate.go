package objects

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones resolve the same on every machine, Windows included
	"unicode/utf8"

	"github.com/bulkd/bulkd/pipeline/csvio"
)

// Problem is one thing wrong with a header or a row, about Column ("" for
// the row or header as a whole).
type Problem struct {
	Column  string
	Message string
}

// Error returns the message as the error report shows it:
// `column "Channel Type": "PHONE" is not one of …`.
func (p Problem) Error() string {
	if p.Column == "" {
		return p.Message
	}
	return fmt.Sprintf("column %q: %s", csvio.Clip(p.Column), p.Message)
}

// Problems are all the problems of a header or a row, in column order.
type Problems []Problem

// Error joins the problems with "; ", so one report cell tells them all.
func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Error()
	}
	return strings.Join(s, "; ")
}

// Reference is a reference to an object by its type and key, resolved later
// against the store and the objects created earlier in the same import.
// Within is the key's scope, when the reference gave one ("Sales: London").
type Reference struct {
	Type, Key, Within string
}

// Value is a parsed cell.
type Value struct {
	Kind ValueKind
	// Text is the canonical form, which conditions and multi-row
	// comparisons use: the trimmed text (Raw: the cell as given), an
	// Enum's declared spelling, ON or OFF, an Int's digits, the time zone
	// name, a List's items joined by "|", a Ref's key (and ": Within").
	Text  string
	Int   int
	Bool  bool
	Items []string    // a List of Text or Enum
	Refs  []Reference // a Ref (one) or a List of Ref
}

// Record holds a row's parsed values by column name; empty cells are absent.
type Record map[string]Value

// Has reports whether column col had a value.
func (r Record) Has(col string) bool { _, ok := r[col]; return ok }

// Text returns column col's canonical text ("" when empty).
func (r Record) Text(col string) string { return r[col].Text }

// Header is a type's columns matched to a file's header, checked once and
// then used for every row.
type Header struct {
	Type  *Type
	width int
	pos   []int // per declared column, its index in the file (-1: absent)
}

// NewHeader checks a file's header against t: every column must be one of
// t's (named exactly; a near miss gets a did-you-mean), named once, and
// every column required on every row must be there. Optional and
// conditional columns may be left out; a row that needs one fails. Names
// are matched exactly but for surrounding spaces. The error is Problems.
func NewHeader(t *Type, header []string) (*Header, error) {
	h := &Header{Type: t, width: len(header), pos: make([]int, len(t.Columns))}
	for i := range h.pos {
		h.pos[i] = -1
	}
	var ps Problems
	for i, name := range header {
		j := colIndex(t, strings.TrimSpace(name)) // a stray space is no reason to fail a file
		switch {
		case j < 0:
			ps = append(ps, Problem{Message: fmt.Sprintf("header: unknown column %q%s; the %s columns are %s",
				csvio.Clip(name), csvio.Suggest(name, t.Header()), t.Name, strings.Join(t.Header(), ", "))})
		case h.pos[j] >= 0:
			ps = append(ps, Problem{Message: fmt.Sprintf("header: column %q appears twice (columns %d and %d)", csvio.Clip(name), h.pos[j]+1, i+1)})
		default:
			h.pos[j] = i
		}
	}
	var missing []string
	for j, c := range t.Columns {
		if h.pos[j] < 0 && c.Required() {
			missing = append(missing, fmt.Sprintf("%q", c.Name))
		}
	}
	if len(missing) > 0 {
		ps = append(ps, Problem{Message: fmt.Sprintf("header: %s needs the column(s) %s", t.Name, strings.Join(missing, ", "))})
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return h, nil
}

func colIndex(t *Type, name string) int {
	for j, c := range t.Columns {
		if c.Name == name {
			return j
		}
	}
	return -1
}

// Validate checks one row of a type against header and returns its
// values, or the problems (an error of type Problems).
func Validate(t *Type, header, cells []string) (Record, error) {
	h, err := NewHeader(t, header)
	if err != nil {
		return nil, err
	}
	rec, ps := h.Parse(cells)
	if len(ps) > 0 {
		return nil, ps
	}
	return rec, nil
}

// Parse checks one row: every cell's value, then which columns are
// required or must be empty. For a multi-row type this is the first row of
// an object; Group checks the rows after it.
func (h *Header) Parse(cells []string) (Record, Problems) {
	rec, failed, ps := h.values(cells)
	ps = append(ps, h.presence(rec, failed, func(*Column) bool { return true })...)
	return rec, ps
}

// values parses every non-empty cell; failed holds the columns whose cell
// did not parse, whose conditions on other columns are then not judged.
func (h *Header) values(cells []string) (Record, map[string]bool, Problems) {
	var ps Problems
	if len(cells) != h.width {
		ps = append(ps, Problem{Message: fmt.Sprintf("the row has %d cells, the header %d", len(cells), h.width)})
	}
	rec := Record{}
	failed := map[string]bool{}
	for j := range h.Type.Columns {
		c := &h.Type.Columns[j]
		i := h.pos[j]
		if i < 0 || i >= len(cells) || strings.TrimSpace(cells[i]) == "" {
			continue
		}
		v, msg := parse(c, cells[i])
		if msg != "" {
			ps = append(ps, Problem{Column: c.Name, Message: msg})
			failed[c.Name] = true
			continue
		}
		rec[c.Name] = v
	}
	return rec, failed, ps
}

// presence checks required and conditional columns of those cols selects.
func (h *Header) presence(rec Record, failed map[string]bool, cols func(*Column) bool) Problems {
	var ps Problems
	for j := range h.Type.Columns {
		c := &h.Type.Columns[j]
		if !cols(c) || failed[c.Name] {
			continue
		}
		holds, known := true, true
		if c.When != nil {
			holds, known = c.When.eval(rec, failed)
		}
		if !known {
			continue
		}
		switch set := rec.Has(c.Name); {
		case !set && holds && !c.Optional:
			msg := "is required"
			if c.When != nil {
				msg += " when " + c.When.String()
			}
			if h.pos[j] < 0 {
				msg += " (the file has no such column)"
			}
			ps = append(ps, Problem{Column: c.Name, Message: msg})
		case set && !holds:
			is := "empty"
			if v := rec.Text(c.When.Column); v != "" {
				is = strconv.Quote(csvio.Clip(v))
			}
			ps = append(ps, Problem{Column: c.Name, Message: fmt.Sprintf("must be empty unless %s (%s is %s)",
				c.When.String(), c.When.Column, is)})
		}
	}
	return ps
}

// eval says whether w holds for rec; known is false when the column it
// looks at failed to parse, so a row gets one message, not a cascade.
func (w *When) eval(rec Record, failed map[string]bool) (holds, known bool) {
	if failed[w.Column] {
		return false, false
	}
	v, set := rec[w.Column]
	if !set {
		return false, true
	}
	in := false
	for _, s := range w.In {
		if v.Text == s {
			in = true
		}
	}
	return in != w.Not, true
}

// String says the condition in words: "Channel Type is CHAT, EMAIL or
// SOCIAL CHANNEL", "Distribution Group Seq is not 1".
func (w *When) String() string {
	verb := " is "
	if w.Not {
		verb = " is not "
	}
	return w.Column + verb + orList(w.In)
}

func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// parse reads one non-empty cell of column c; msg says what is wrong.
func parse(c *Column, cell string) (v Value, msg string) {
	if c.Kind == Raw {
		return Value{Kind: Raw, Text: cell}, ""
	}
	s := strings.TrimSpace(cell)
	v.Kind = c.Kind
	switch c.Kind {
	case List:
		parts := strings.Split(s, "|")
		texts := make([]string, 0, len(parts))
		seen := map[string]bool{}
		for n, p := range parts {
			p = strings.TrimSpace(p)
			if p == "" {
				return v, fmt.Sprintf("%q: item %d of the list is empty (items are separated by |)", csvio.Clip(s), n+1)
			}
			item, msg := parseOne(c, c.Item, p)
			if msg != "" {
				return v, fmt.Sprintf("item %d: %s", n+1, msg)
			}
			if seen[item.Text] {
				return v, fmt.Sprintf("%q is listed twice", csvio.Clip(item.Text))
			}
			seen[item.Text] = true
			texts = append(texts, item.Text)
			v.Refs = append(v.Refs, item.Refs...)
		}
		if c.Item != Ref {
			v.Items = texts
		}
		v.Text = strings.Join(texts, "|")
		return v, ""
	default:
		return parseOne(c, c.Kind, s)
	}
}

func refText(r Reference) string {
	if r.Within == "" {
		return r.Key
	}
	return r.Key + ": " + r.Within
}

// parseOne reads a trimmed, non-empty value s of kind k for column c.
func parseOne(c *Column, k ValueKind, s string) (Value, string) {
	v := Value{Kind: k, Text: s}
	switch k {
	case Text:
		return v, checkText(s, c.maxLen(), c.Pattern, "")
	case Phone:
		return v, checkPhone(s, c.maxLen())
	case Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return v, fmt.Sprintf("%q is not a whole number", csvio.Clip(s))
		}
		if n < c.Min || n > c.Max {
			return v, fmt.Sprintf("%d is out of range (%s)", n, intRange(c))
		}
		v.Int, v.Text = n, strconv.Itoa(n)
	case Bool:
		switch strings.ToLower(s) {
		case "on", "true", "yes":
			v.Bool, v.Text = true, "ON"
		case "off", "false", "no":
			v.Bool, v.Text = false, "OFF"
		default:
			return v, fmt.Sprintf("%q is not ON or OFF (also true/false, yes/no)", csvio.Clip(s))
		}
	case Enum:
		for _, e := range c.Values {
			if strings.EqualFold(s, e) {
				v.Text = e
				return v, ""
			}
		}
		return v, fmt.Sprintf("%q is not one of %s", csvio.Clip(s), strings.Join(c.Values, ", "))
	case TimeZone:
		if _, err := time.LoadLocation(s); err != nil || s == "Local" || !utf8.ValidString(s) {
			return v, fmt.Sprintf("%q is not an IANA time zone name (like America/New_York)", csvio.Clip(s))
		}
	case Ref:
		return parseRef(c, s)
	}
	return v, ""
}

// parseRef checks a key by the rule of its type's key column, so a
// reference that can never resolve (an Audio File not ending .wav) fails
// here, naming the rule.
func parseRef(c *Column, s string) (Value, string) {
	v := Value{Kind: Ref, Text: s}
	r := Reference{Type: c.Ref, Key: s}
	if c.Scoped() {
		if k, w, ok := strings.Cut(s, ":"); ok {
			r.Key, r.Within = strings.TrimSpace(k), strings.TrimSpace(w)
			if r.Key == "" || r.Within == "" {
				return v, fmt.Sprintf("%q: a %s with its scope is written as \"Name: Scope\"", csvio.Clip(s), c.Ref)
			}
			v.Text = refText(r)
		}
	}
	t, ok := ByName(c.Ref)
	if !ok {
		return v, fmt.Sprintf("refers to an undeclared type %q", c.Ref)
	}
	key, _ := t.Column(t.Key)
	if msg := checkText(r.Key, key.maxLen(), key.Pattern, t.Name+" "+strings.ToLower(t.Key)); msg != "" {
		return v, msg
	}
	if r.Within != "" && utf8.RuneCountInString(r.Within) > DefaultMaxLen {
		return v, fmt.Sprintf("%q: the scope is longer than %d characters", csvio.Clip(r.Within), DefaultMaxLen)
	}
	v.Refs = []Reference{r}
	return v, ""
}

// checkText checks length and pattern; what names the value in a message
// ("Audio File name"), "" for a plain cell.
func checkText(s string, maxLen int, p *Pattern, what string) string {
	reason := ""
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		reason = "not valid UTF-8"
	case n > maxLen:
		reason = fmt.Sprintf("%d characters, over the limit of %d", n, maxLen)
	case p != nil && !p.Match(s):
		reason = "not " + p.Says
	default:
		return ""
	}
	if what != "" {
		return fmt.Sprintf("%q is not a possible %s: it is %s", csvio.Clip(s), what, reason)
	}
	return fmt.Sprintf("%q is %s", csvio.Clip(s), reason)
}

func checkPhone(s string, maxLen int) string {
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Sprintf("%q is %d characters, over the limit of %d", csvio.Clip(s), n, maxLen)
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '(' || r == ')' || r == '+' || r == '-':
		default:
			return fmt.Sprintf("%q is not a phone number (digits, (, ), + and - only)", csvio.Clip(s))
		}
	}
	if digits == 0 {
		return fmt.Sprintf("%q is not a phone number: it has no digits", csvio.Clip(s))
	}
	return ""
}

// intRange says an Int column's bounds in words.
func intRange(c *Column) string {
	if c.Max == Unbounded {
		return fmt.Sprintf("≥ %d", c.Min)
	}
	return fmt.Sprintf("%d–%d", c.Min, c.Max)
}
