package objects

import (
	"encoding/csv"
	"fmt"
	"io"
)

// ExportRows returns the rows that write o in t's template order, from
// its values' canonical text: one row, or for a MultiRow type one row a
// child, the first with the own columns and the later ones with only the
// key besides their child's columns. Group reads them back as the same
// object, so an export can be edited and imported again.
func ExportRows(t *Type, o *Object) [][]string {
	n := max(1, len(o.Children))
	rows := make([][]string, n)
	for i := range rows {
		row := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			switch {
			case c.Child:
				row[j] = o.Children[i].Text(c.Name)
			case i == 0:
				row[j] = o.Own.Text(c.Name)
			case c.Name == t.Key:
				row[j] = o.Key
			}
		}
		rows[i] = row
	}
	return rows
}

// WriteObjects writes a CSV of t's objects: the template's header, then
// each object's rows (see ExportRows).
func WriteObjects(w io.Writer, t *Type, objs []Object) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header()); err != nil {
		return fmt.Errorf("write %s export: %w", t.Name, err)
	}
	for i := range objs {
		if err := cw.WriteAll(ExportRows(t, &objs[i])); err != nil {
			return fmt.Errorf("write %s export: %w", t.Name, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s export: %w", t.Name, err)
	}
	return nil
}
