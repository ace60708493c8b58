package objects

import (
	"encoding/csv"
	"fmt"
	"io"
)

// WriteTemplate writes t's blank template to w: the header row, the
// column names in declared order, which is exactly the header NewHeader
// accepts with every column present.
func WriteTemplate(w io.Writer, t *Type) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header()); err != nil {
		return fmt.Errorf("write %s template: %w", t.Name, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s template: %w", t.Name, err)
	}
	return nil
}

// TemplateName is the file name a template of t is offered under; Lookup
// resolves it back to t.
func TemplateName(t *Type) string { return "OBJECTS." + t.Slug + ".csv" }
