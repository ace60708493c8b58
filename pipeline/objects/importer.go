package objects

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// MaxRows and MaxBytes bound one CSV (OBJECTS.md): a larger file fails as
// a whole, since importing its first part would leave a tenant half
// configured without anyone having chosen where to cut.
const (
	MaxRows  = 5000
	MaxBytes = 10 << 20
)

// DefaultBatch is about how many rows a transaction commits; a multi-row
// object's rows always commit together, so a batch may be a little larger.
const DefaultBatch = 500

// Importer imports one type's CSV (OBJECTS.<type>.….csv): it checks every
// row against the type's declaration, forms the objects (Group), resolves
// their references against the tenant's stored objects, and creates or
// updates them in batches.
type Importer struct {
	store  bulkd.ObjectStore
	agents bulkd.AgentStore
	batch  int
}

// NewImporter returns an objects importer that commits about batch rows a
// transaction (DefaultBatch when batch <= 0). agents is asked whether a
// User's email is an agent of the tenant.
func NewImporter(store bulkd.ObjectStore, agents bulkd.AgentStore, batch int) *Importer {
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Importer{store: store, agents: agents, batch: batch}
}

// Kind returns bulkd.KindObjects.
func (im *Importer) Kind() bulkd.Kind { return bulkd.KindObjects }

// FileType returns the type a file name names ("OBJECTS.site.march.csv":
// Site), or an EINVALID error listing the types a CSV may hold.
func FileType(name string) (*Type, error) {
	t, ok := Lookup(name)
	if !ok {
		return nil, pipeline.Invalid("the file name does not name an object type: name it OBJECTS.<type>.<anything>.csv, where <type> is one of %s", strings.Join(csvSlugs(), ", "))
	}
	if t.Media {
		return nil, pipeline.Invalid("%s objects are .wav files in a ZIP, not rows of a CSV; ZIPs of objects are not imported yet", t.Name)
	}
	return t, nil
}

// csvSlugs are the slugs of the types a CSV holds.
func csvSlugs() []string {
	var out []string
	for _, t := range Types {
		if !t.Media {
			out = append(out, t.Slug)
		}
	}
	return out
}

// Import reads the whole file (it is bounded by MaxRows and MaxBytes),
// then commits its objects in batches from the job's checkpoint on.
func (im *Importer) Import(ctx context.Context, run *pipeline.Run) error {
	t, err := FileType(run.Job.File)
	if err != nil {
		return err
	}
	f, err := fsx.Open(run.Path())
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return fmt.Errorf("stat: %w", err)
	} else if fi.Size() > MaxBytes {
		return pipeline.Invalid("the file is %d bytes, over the limit of 10 MB a CSV: split it into several CSVs, in a ZIP", fi.Size())
	}
	rd, err := csvio.NewReaderOptions(f, run.CSVOptions())
	if err != nil {
		return pipeline.Invalid("%v", err)
	}
	h, err := NewHeader(t, rd.Header())
	if err != nil {
		return pipeline.Invalid("%v", err)
	}
	rows, err := rd.All(MaxRows)
	if errors.Is(err, csvio.ErrTooManyRows) {
		return pipeline.Invalid("more than %d data rows: a %s CSV holds at most %d; split it into several CSVs, in a ZIP", MaxRows, t.Name, MaxRows)
	}
	if err != nil {
		return err
	}
	if err := run.Begin(ctx, rd.Header(), len(rows)); err != nil {
		return err
	}
	cells := make(map[int][]string, len(rows))
	for _, r := range rows {
		cells[r.Num] = r.Cells
	}
	objs := h.Group(rows)
	onceAFile(t, objs)
	res := newResolver(im.store, im.agents, run.Job.Tenant)
	words := Words(t)

	var batch []bulkd.ConfigObject
	var p bulkd.Progress
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		if _, err := im.store.ApplyObjects(ctx, run.Job.ID, run.Job.Tenant, batch, p, words); err != nil {
			return err
		}
		for i := range batch {
			res.add(batch[i])
		}
		batch, p, n = nil, bulkd.Progress{}, 0
		return nil
	}
	for i := range objs {
		o := &objs[i]
		last := o.Rows[len(o.Rows)-1]
		if last <= run.Job.RowsDone {
			continue // committed before a restart
		}
		if o.OK() {
			if err := res.resolve(ctx, t, o); err != nil {
				return err
			}
		}
		if o.OK() {
			batch = append(batch, configObject(t, o, cells))
		} else {
			for row, msg := range o.Messages(t) {
				p.Failures = append(p.Failures, bulkd.RowFailure{Row: row, Cells: cells[row], Message: msg})
			}
		}
		// Objects never split across batches: a multi-row object is
		// imported or failed whole, and the checkpoint is always at an
		// object's end.
		p.Done, n = last, n+len(o.Rows)
		if n >= im.batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// onceAFile fails a single-row object whose key (within its scope) an
// earlier row of the file has: the later row would silently win. A
// multi-row type's repeated keys are Group's (rows not consecutive).
func onceAFile(t *Type, objs []Object) {
	if t.MultiRow {
		return
	}
	first := map[string]int{}
	for i := range objs {
		o := &objs[i]
		if !o.OK() || o.Key == "" {
			continue
		}
		id := strings.ToLower(o.Key)
		if t.KeyWithin != "" {
			id += "\x00" + strings.ToLower(o.Own.Text(t.KeyWithin))
		}
		if row, dup := first[id]; dup {
			what := fmt.Sprintf("%s %q", t.Name, csvio.Clip(o.Key))
			if t.KeyWithin != "" {
				what += fmt.Sprintf(" (%s %q)", t.KeyWithin, csvio.Clip(o.Own.Text(t.KeyWithin)))
			}
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: t.Key, Message: fmt.Sprintf(
				"%s is also on row %d: an object may appear once a file", what, row)}})
			continue
		}
		first[id] = o.Rows[0]
	}
}

// configObject turns a valid object into what the store keeps: its own and
// child columns' canonical text in declared order, and its rows.
func configObject(t *Type, o *Object, cells map[int][]string) bulkd.ConfigObject {
	c := bulkd.ConfigObject{Type: t.Slug, Key: o.Key, Rows: o.Rows}
	if t.KeyWithin != "" {
		c.Within = o.Own.Text(t.KeyWithin)
	}
	for _, col := range t.Columns {
		if col.Child {
			continue
		}
		if v, ok := o.Own[col.Name]; ok {
			c.Fields = append(c.Fields, bulkd.ObjectField{Name: col.Name, Value: v.Text})
		}
		if col.Fixed {
			c.Fixed = append(c.Fixed, col.Name)
		}
	}
	for _, ch := range o.Children {
		var fs []bulkd.ObjectField
		for _, col := range t.Columns {
			if v, ok := ch[col.Name]; ok && col.Child {
				fs = append(fs, bulkd.ObjectField{Name: col.Name, Value: v.Text})
			}
		}
		c.Children = append(c.Children, fs)
	}
	for _, r := range o.Rows {
		c.Cells = append(c.Cells, cells[r])
	}
	return c
}

// Words returns how the store's verdicts on t's objects read in the error
// report, naming the column.
func Words(t *Type) bulkd.Words {
	return func(c bulkd.Conflict) string {
		switch c.Reason {
		case bulkd.ConflictFixed:
			return fmt.Sprintf("column %q: %q would change %s %q from %q, which is fixed once created; keep %q, or create the %s under another name",
				c.Field, csvio.Clip(c.Value), t.Name, csvio.Clip(c.HolderName), csvio.Clip(c.Holder), csvio.Clip(c.Holder), t.Name)
		}
		return fmt.Sprintf("column %q: %q: %s", c.Field, csvio.Clip(c.Value), c.Reason)
	}
}
