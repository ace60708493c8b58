// Package objects owns the declarations of the contact-center configuration
// objects (Site, Queue, Entry Point, …): their columns, value kinds,
// conditions, keys and multi-row shape, as data. The one validator, the one
// template writer and the README's table of types all read these
// declarations, so a template can never disagree with the importer; adding
// a type is adding a declaration and its test cases. The validator resolves
// nothing against a store: references come back as (type, key) pairs,
// which the importer (importer.go, the "objects" kind: one type's CSV a
// file, OBJECTS.<type>.….csv) resolves against the tenant's stored objects
// (resolve.go) before creating or updating them.
package objects

import (
	"path"
	"regexp"
	"strings"
)

// ValueKind is what a column's cells hold.
type ValueKind int

// The value kinds. Each has one parser in validate.go and one short
// description in table.go.
const (
	Text     ValueKind = iota + 1 // free text, bounded by MaxLen, optionally matching Pattern
	Int                           // a whole number in [Min, Max]
	Bool                          // ON/OFF, true/false, yes/no, any case
	Enum                          // one of Values, any case; the declared spelling is kept
	TimeZone                      // an IANA time zone name
	List                          // items separated by "|", each of kind Item
	Ref                           // the key of an object of type Ref
	Phone                         // digits, "(", ")", "+", "-"
	Raw                           // kept as given, unchecked (names of things bulkd does not import)
)

// Unbounded is an Int column's Max when it has none worth stating; it keeps
// values inside 32 bits, which every store and API takes.
const Unbounded = 1<<31 - 1

// DefaultMaxLen bounds a text cell whose column says no other bound
// (OBJECTS.md: names at most 80 characters unless said otherwise).
const DefaultMaxLen = 80

// DescriptionMaxLen bounds Description cells.
const DescriptionMaxLen = 255

// Type declares one configuration object type.
type Type struct {
	// Name is the type's name as OBJECTS.md and the product spell it.
	Name string
	// Slug names the type in URLs and file names ("entry-point").
	Slug string
	// Key is the column whose value picks create or update.
	Key string
	// KeyWithin, if set, is a column that scopes the key: the key is
	// unique only among objects with the same value there (a Team's name
	// within its Site).
	KeyWithin string
	// Columns are the type's columns in template order.
	Columns []Column
	// MultiRow: consecutive rows with the same key form one object, each
	// row one child (see Group).
	MultiRow bool
	// Media: the objects are files in the ZIP, not CSV rows; a CSV of the
	// type only describes them (AudioFiles.csv). Declared so references
	// to the type are checked by the same name rule.
	Media bool
	// Notes are rules that need other rows or the store, which the
	// declarations do not check; they are shown in the README.
	Notes string
}

// Column declares one column of a type.
type Column struct {
	Name string
	Kind ValueKind
	// Optional columns may be empty. A column neither Optional nor with
	// a When is required on every row (every child row when Child).
	Optional bool
	// When limits the column to rows meeting the condition: it is
	// required there (unless Optional) and must be empty elsewhere.
	When *When
	// MaxLen bounds a Text, Phone or Raw cell and each Text item of a
	// List, in characters (0: DefaultMaxLen).
	MaxLen int
	// Pattern, if set, is a rule Text cells (and Text list items) match.
	Pattern *Pattern
	// Min and Max bound an Int column.
	Min, Max int
	// Values are an Enum column's values (or a List's, when Item is Enum).
	Values []string
	// Ref is the type a Ref column (or a List of Ref) names by key.
	Ref string
	// Item is the kind of a List's items: Text, Enum or Ref.
	Item ValueKind
	// Child marks a column of the child rows of a MultiRow type; the
	// others are the object's own columns.
	Child bool
	// Unique: children of one object must differ in this column.
	Unique bool
	// Seq: the children number themselves 1, 2, … in row order here.
	Seq bool
	// Fixed: the value cannot change once the object is created (checked
	// by the importer against the stored object).
	Fixed bool
}

// When is a declarative condition on another column of the same row: it
// holds when that column's value is one of In (or, with Not, is set and is
// none of In). Values compare in their canonical form: an Enum's declared
// spelling, a Bool's ON or OFF, an Int's decimal digits.
type When struct {
	Column string
	In     []string
	Not    bool
}

// Pattern is a rule a text value must match, with the words a message and
// the README use for it.
type Pattern struct {
	re   *regexp.Regexp
	Says string
}

// NewPattern compiles expr, which must be valid (declarations are static).
func NewPattern(expr, says string) *Pattern {
	return &Pattern{re: regexp.MustCompile(expr), Says: says}
}

// Match reports whether s follows the pattern.
func (p *Pattern) Match(s string) bool { return p.re.MatchString(s) }

// Column returns t's column called name.
func (t *Type) Column(name string) (*Column, bool) {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i], true
		}
	}
	return nil, false
}

// Header returns t's column names in declared order: the template's header.
func (t *Type) Header() []string {
	h := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		h[i] = c.Name
	}
	return h
}

// Scoped reports whether c's references may give the scope of a key that
// is unique only within another object, as "Key: Scope" ("Sales: London"
// for the Team Sales of Site London): every reference to such a type may,
// since a name in several scopes needs it.
func (c *Column) Scoped() bool {
	t, ok := ByName(c.Ref)
	return ok && t.KeyWithin != ""
}

// Required reports whether a header must hold column c: it must when c is
// required on every row. Optional and conditional columns may be left out
// of a file that never needs them.
func (c *Column) Required() bool { return !c.Optional && c.When == nil }

// maxLen is the bound on c's text.
func (c *Column) maxLen() int {
	if c.MaxLen > 0 {
		return c.MaxLen
	}
	return DefaultMaxLen
}

// ByName returns the type called name (exactly, as declared).
func ByName(name string) (*Type, bool) {
	for _, t := range Types {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Lookup resolves a slug, a type name or a file name to a type. A file
// name loses its folder, a ".csv" extension and an "OBJECTS." prefix (any
// case), then the part before the first dot is the type:
// "OBJECTS.entry-point.march.csv", "EntryPoint.csv" and "entry-point" all
// name Entry Point. A part matches a slug, or a type's name without its
// spaces, in any case, optionally plural ("Teams.csv", "AudioFiles.csv").
func Lookup(s string) (*Type, bool) {
	s = path.Base(strings.ReplaceAll(s, `\`, "/"))
	if ext := path.Ext(s); strings.EqualFold(ext, ".csv") {
		s = s[:len(s)-len(ext)]
	}
	if len(s) > len("OBJECTS.") && strings.EqualFold(s[:len("OBJECTS.")], "OBJECTS.") {
		s = s[len("OBJECTS."):]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return nil, false
	}
	for _, t := range Types {
		if strings.EqualFold(s, t.Slug) {
			return t, true
		}
		bare := strings.ReplaceAll(t.Name, " ", "")
		if strings.EqualFold(s, bare) || strings.EqualFold(s, bare+"s") {
			return t, true
		}
	}
	return nil, false
}

// Slugify derives a slug from a type name: lower case, spaces as "-".
func Slugify(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}
