package objects

import (
	"fmt"
	"strings"
)

// MarkdownTable returns the README's table of types and columns, generated
// from the declarations so that it cannot disagree with the importer:
// one line per type in dependency order, each column with its kind and
// condition in short words.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| type | slug | key | columns |\n|---|---|---|---|\n")
	for _, t := range Types {
		key := t.Key
		if t.KeyWithin != "" {
			key += " (within " + t.KeyWithin + ")"
		}
		cols := make([]string, len(t.Columns))
		for i := range t.Columns {
			cols[i] = describe(&t.Columns[i])
		}
		name := t.Name
		if t.MultiRow {
			name += " (multi-row)"
		}
		all := strings.Join(cols, " · ")
		if t.Notes != "" {
			all += ". " + upperFirst(t.Notes) + "."
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", name, t.Slug, key, cell(all))
	}
	return b.String()
}

// describe says a column in short words: "Asset Name (when Channel Type is
// CHAT, EMAIL or SOCIAL CHANNEL)", "Timezone (time zone; opt)".
func describe(c *Column) string {
	var words []string
	if k := kindWords(c); k != "" {
		words = append(words, k)
	}
	if c.Child {
		words = append(words, "per row")
	}
	if c.Seq {
		words = append(words, "1, 2, … in row order")
	}
	if c.Unique {
		words = append(words, "unique in the object")
	}
	switch {
	case c.When != nil && c.Optional:
		words = append(words, "opt, only when "+c.When.String())
	case c.When != nil:
		words = append(words, "when "+c.When.String())
	case c.Optional:
		words = append(words, "opt")
	}
	if c.Fixed {
		words = append(words, "fixed once created")
	}
	if len(words) == 0 {
		return c.Name
	}
	return c.Name + " (" + strings.Join(words, "; ") + ")"
}

// kindWords says what a column holds; "" for plain text of the default
// length, the most common column.
func kindWords(c *Column) string {
	switch c.Kind {
	case Text:
		return textWords(c)
	case Int:
		return "integer " + intRange(c)
	case Bool:
		return "ON/OFF"
	case Enum:
		return strings.Join(c.Values, ", ")
	case TimeZone:
		return "IANA time zone"
	case Phone:
		return "phone number"
	case Raw:
		return "kept as given"
	case Ref:
		s := "→ " + c.Ref
		if c.Scoped() {
			s += ", or Name: Scope"
		}
		return s
	case List:
		switch c.Item {
		case Ref:
			s := "list of → " + c.Ref
			if c.Scoped() {
				s += ", or Name: Scope"
			}
			return s
		case Enum:
			return "list of " + strings.Join(c.Values, ", ")
		default:
			if w := textWords(c); w != "" {
				return "list, each " + w
			}
			return "list"
		}
	}
	return ""
}

func textWords(c *Column) string {
	var w []string
	if c.MaxLen > 0 && c.MaxLen != DefaultMaxLen {
		w = append(w, fmt.Sprintf("≤ %d", c.MaxLen))
	}
	if c.Pattern != nil {
		w = append(w, c.Pattern.Says)
	}
	return strings.Join(w, ", ")
}

// cell escapes what would break a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
