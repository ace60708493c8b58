package objects

import (
	"archive/zip"
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
	n := exportRowCount(o)
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

// exportRowCount is how many rows ExportRows writes for o.
func exportRowCount(o *Object) int { return max(1, len(o.Children)) }

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

// OpenMedia opens the bytes of a media object by the digest its
// FieldSHA256 holds; the media store is the caller's.
type OpenMedia func(sha256 string) (io.ReadCloser, error)

// Export is one type's objects in the import format, planned before a
// byte is written so that a server can name the file and its content type
// first:
//   - one CSV, when all the rows fit in one (MaxRows);
//   - else a ZIP of CSVs of at most MaxRows rows each, since the importer
//     takes no more a CSV. An object is never split across two CSVs (the
//     importer imports it whole from one): one whose rows would cross the
//     limit starts the next CSV;
//   - for a Media type (Audio File), a ZIP of AudioFiles.csv and each
//     object's bytes under its Name, which is how audio files are imported.
type Export struct {
	t     *Type
	parts [][]Object // the CSVs' objects; a Media type's are all in one
	open  OpenMedia
}

// NewExport plans the export of t's objects, in the order given. open
// reads a Media type's bytes; no other type calls it.
func NewExport(t *Type, objs []Object, open OpenMedia) *Export {
	e := &Export{t: t, open: open}
	if t.Media {
		e.parts = [][]Object{objs}
	} else {
		e.parts = splitRows(objs, MaxRows)
	}
	return e
}

// splitRows cuts objs into runs of whole objects of at most limit rows
// each; always one run at least, so that no objects still export a
// header. An object of more rows than limit has a run of its own: no CSV
// could hold it, and the importer says so when it comes back.
func splitRows(objs []Object, limit int) [][]Object {
	var parts [][]Object
	start, n := 0, 0
	for i := range objs {
		k := exportRowCount(&objs[i])
		if n > 0 && n+k > limit {
			parts = append(parts, objs[start:i])
			start, n = i, 0
		}
		n += k
	}
	return append(parts, objs[start:])
}

// Zip reports whether the export is a ZIP rather than one CSV.
func (e *Export) Zip() bool { return e.t.Media || len(e.parts) > 1 }

// Name is the file name the export is offered under,
// OBJECTS.<slug>.export.csv or .zip; Lookup resolves either to the type.
func (e *Export) Name() string {
	if e.Zip() {
		return "OBJECTS." + e.t.Slug + ".export.zip"
	}
	return "OBJECTS." + e.t.Slug + ".export.csv"
}

// partName is the name of the i-th CSV (from 0) in a ZIP export,
// OBJECTS.<slug>.export-<i+1>.csv: a name Lookup resolves to t, so the
// ZIP can be imported again as it is.
func partName(t *Type, i int) string { return fmt.Sprintf("OBJECTS.%s.export-%d.csv", t.Slug, i+1) }

// Write writes the export to w.
func (e *Export) Write(w io.Writer) error {
	switch {
	case e.t.Media:
		return e.writeMedia(w)
	case !e.Zip():
		return WriteObjects(w, e.t, e.parts[0])
	}
	zw := zip.NewWriter(w)
	for i, objs := range e.parts {
		f, err := zw.Create(partName(e.t, i))
		if err != nil {
			return fmt.Errorf("write %s export: %w", e.t.Name, err)
		}
		if err := WriteObjects(f, e.t, objs); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write %s export: %w", e.t.Name, err)
	}
	return nil
}

// writeMedia writes AudioFiles.csv, then each object's bytes, stored
// rather than deflated: WAV audio hardly compresses. An object stored
// without bytes has its row only.
func (e *Export) writeMedia(w io.Writer) error {
	zw := zip.NewWriter(w)
	f, err := zw.Create(AudioCSV)
	if err != nil {
		return fmt.Errorf("write %s export: %w", e.t.Name, err)
	}
	objs := e.parts[0]
	if err := WriteObjects(f, e.t, objs); err != nil {
		return err
	}
	for i := range objs {
		if sha := objs[i].Own.Text(FieldSHA256); sha != "" {
			if err := e.addMedia(zw, objs[i].Key, sha); err != nil {
				return fmt.Errorf("write %s export: %w", e.t.Name, err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write %s export: %w", e.t.Name, err)
	}
	return nil
}

func (e *Export) addMedia(zw *zip.Writer, name, sha string) error {
	if e.open == nil {
		return fmt.Errorf("add %s: no media store to read its bytes from", name)
	}
	src, err := e.open(sha)
	if err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	defer src.Close()
	dst, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	return nil
}
