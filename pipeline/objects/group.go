package objects

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bulkd/bulkd/pipeline/csvio"
)

// Object is one object of a file: one row, or for a MultiRow type the
// consecutive rows sharing a key. An object with Problems is imported or
// failed as a whole: all its rows go to the error report (see Messages).
type Object struct {
	Key string
	// Rows are the object's data row numbers (csvio.Row.Num), in order.
	Rows []int
	// Own holds the object's own columns, from its first row (every
	// column, for a type that is not MultiRow).
	Own Record
	// Children hold the child columns of each row (MultiRow only).
	Children []Record
	// Problems are every row's problems; empty when the object is valid.
	Problems []RowProblem
}

// RowProblem is a problem on one data row.
type RowProblem struct {
	Row int
	Problem
}

// OK reports whether the object has no problems.
func (o *Object) OK() bool { return len(o.Problems) == 0 }

// Messages returns the error report's message for each of a failed
// object's rows: its own problems, or, for a row with none, which rows of
// the object failed it, so every row of the object is reported.
func (o *Object) Messages(t *Type) map[int]string {
	if o.OK() {
		return nil
	}
	byRow := map[int]Problems{}
	var bad []string
	for _, p := range o.Problems {
		if len(byRow[p.Row]) == 0 {
			bad = append(bad, strconv.Itoa(p.Row))
		}
		byRow[p.Row] = append(byRow[p.Row], p.Problem)
	}
	m := make(map[int]string, len(o.Rows))
	for _, r := range o.Rows {
		if ps := byRow[r]; len(ps) > 0 {
			m[r] = ps.Error()
		} else {
			m[r] = fmt.Sprintf("not imported: %s %q is imported as a whole and its row(s) %s failed",
				t.Name, csvio.Clip(o.Key), strings.Join(bad, ", "))
		}
	}
	return m
}

// Group checks rows and forms the file's objects, in file order.
//
// For a MultiRow type, consecutive rows with the same key (trimmed, exact
// case) form one object; every row is one child. The rules:
//   - the first row carries the object's own columns and is checked as
//     Parse checks any row;
//   - a later row leaves an own column empty or repeats the first row's
//     value (canonically: "on" repeats "ON"); a different value fails,
//     since one of the two would be silently dropped;
//   - child columns are checked on every row, their conditions seeing the
//     first row's own values, so every row must hold a whole child;
//   - a Seq column numbers the children 1, 2, … in row order; a Unique
//     column differs between children;
//   - a key whose rows are not consecutive fails all its objects: which
//     run is the object is a guess;
//   - a malformed row (Row.Err) fails the object whose key its cells
//     carry, or stands alone when they carry none.
//
// Any problem fails the whole object.
func (h *Header) Group(rows []csvio.Row) []Object {
	t := h.Type
	keyPos := h.pos[colIndex(t, t.Key)]
	var objs []Object
	for _, row := range rows {
		key := ""
		if keyPos >= 0 && keyPos < len(row.Cells) {
			key = strings.TrimSpace(row.Cells[keyPos])
		}
		if n := len(objs); t.MultiRow && n > 0 && key != "" && objs[n-1].Key == key {
			h.addChild(&objs[n-1], row)
			continue
		}
		objs = append(objs, h.first(row, key))
	}
	if t.MultiRow {
		h.finish(objs)
	}
	return objs
}

// first starts an object at its first row.
func (h *Header) first(row csvio.Row, key string) Object {
	o := Object{Key: key, Rows: []int{row.Num}, Own: Record{}}
	if row.Err != "" {
		o.Problems = append(o.Problems, RowProblem{row.Num, Problem{Message: row.Err}})
		if h.Type.MultiRow {
			o.Children = append(o.Children, Record{})
		}
		return o
	}
	rec, ps := h.Parse(row.Cells)
	o.addProblems(row.Num, ps)
	if !h.Type.MultiRow {
		o.Own = rec
		return o
	}
	child := Record{}
	for _, c := range h.Type.Columns {
		if v, ok := rec[c.Name]; ok {
			if c.Child {
				child[c.Name] = v
			} else {
				o.Own[c.Name] = v
			}
		}
	}
	o.Children = append(o.Children, child)
	return o
}

// addChild checks a later row of o.
func (h *Header) addChild(o *Object, row csvio.Row) {
	o.Rows = append(o.Rows, row.Num)
	child := Record{}
	o.Children = append(o.Children, child)
	if row.Err != "" {
		o.Problems = append(o.Problems, RowProblem{row.Num, Problem{Message: row.Err}})
		return
	}
	rec, failed, ps := h.values(row.Cells)
	seen := Record{}
	for k, v := range o.Own {
		seen[k] = v
	}
	for _, c := range h.Type.Columns {
		v, set := rec[c.Name]
		switch {
		case !set:
		case c.Child:
			child[c.Name] = v
			seen[c.Name] = v
		case o.failedOwn(c.Name) || v.Text == o.Own.Text(c.Name):
		case !o.Own.Has(c.Name):
			ps = append(ps, Problem{Column: c.Name, Message: fmt.Sprintf(
				"%q is empty on the first row of %s %q (row %d): give the object's own columns on its first row",
				csvio.Clip(v.Text), h.Type.Name, csvio.Clip(o.Key), o.Rows[0])})
		default:
			ps = append(ps, Problem{Column: c.Name, Message: fmt.Sprintf(
				"%q differs from the first row of %s %q (row %d: %q); leave it empty on later rows",
				csvio.Clip(v.Text), h.Type.Name, csvio.Clip(o.Key), o.Rows[0], csvio.Clip(o.Own.Text(c.Name)))})
		}
	}
	ps = append(ps, h.presence(seen, failed, func(c *Column) bool { return c.Child })...)
	o.addProblems(row.Num, ps)
}

// failedOwn reports whether o's first row had a problem in column col, so
// a later row is not blamed for differing from a value that failed.
func (o *Object) failedOwn(col string) bool {
	for _, p := range o.Problems {
		if p.Row == o.Rows[0] && (p.Column == col || p.Column == "") {
			return true
		}
	}
	return false
}

func (o *Object) addProblems(row int, ps Problems) {
	for _, p := range ps {
		o.Problems = append(o.Problems, RowProblem{row, p})
	}
}

// finish applies the rules that span an object's rows or the file.
func (h *Header) finish(objs []Object) {
	first := map[string]int{} // key → index of its first object
	for i := range objs {
		o := &objs[i]
		h.childRules(o)
		if o.Key == "" {
			continue
		}
		j, dup := first[o.Key]
		if !dup {
			first[o.Key] = i
			continue
		}
		msg := fmt.Sprintf("the rows of %s %q are not consecutive (rows %s and %s): put them together",
			h.Type.Name, csvio.Clip(o.Key), span(objs[j].Rows), span(o.Rows))
		for _, x := range []*Object{&objs[j], o} {
			x.Problems = append(x.Problems, RowProblem{x.Rows[0], Problem{Column: h.Type.Key, Message: msg}})
		}
	}
}

func span(rows []int) string {
	if len(rows) == 1 {
		return strconv.Itoa(rows[0])
	}
	return fmt.Sprintf("%d–%d", rows[0], rows[len(rows)-1])
}

// childRules checks Seq and Unique columns across o's children.
func (h *Header) childRules(o *Object) {
	for _, c := range h.Type.Columns {
		if !c.Child || (!c.Seq && !c.Unique) {
			continue
		}
		seen := map[string]int{}
		for i, ch := range o.Children {
			v, set := ch[c.Name]
			if !set {
				continue
			}
			if c.Seq && v.Int != i+1 {
				o.Problems = append(o.Problems, RowProblem{o.Rows[i], Problem{Column: c.Name, Message: fmt.Sprintf(
					"is %d, but this is row %d of %s %q: its rows are numbered 1, 2, … in order", v.Int, i+1, h.Type.Name, csvio.Clip(o.Key))}})
			}
			if c.Unique {
				if r, dup := seen[v.Text]; dup {
					o.Problems = append(o.Problems, RowProblem{o.Rows[i], Problem{Column: c.Name, Message: fmt.Sprintf(
						"%q is already on row %d of %s %q", csvio.Clip(v.Text), r, h.Type.Name, csvio.Clip(o.Key))}})
				} else {
					seen[v.Text] = o.Rows[i]
				}
			}
		}
	}
}
