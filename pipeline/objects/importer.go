package objects

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
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

// Importer imports objects: one type's CSV (OBJECTS.<type>.….csv), or a
// ZIP of CSVs of several types and .wav audio files (OBJECTS.….zip, see
// zip.go). It checks every row against its type's declaration, forms the
// objects (Group), resolves their references against the tenant's stored
// objects and those imported before them (resolve.go), and creates or
// updates them in batches.
type Importer struct {
	store  bulkd.ObjectStore
	agents bulkd.AgentStore
	media  *media.Store
	batch  int
}

// NewImporter returns an objects importer that commits about batch rows a
// transaction (DefaultBatch when batch <= 0). agents is asked whether a
// User's email is an agent of the tenant; audio files' bytes go to ms.
func NewImporter(store bulkd.ObjectStore, agents bulkd.AgentStore, ms *media.Store, batch int) *Importer {
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Importer{store: store, agents: agents, media: ms, batch: batch}
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
		return nil, pipeline.Invalid("%s objects are .wav files, sent in a ZIP (OBJECTS.<anything>.zip), not rows of a CSV", t.Name)
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

// IsZip reports whether a file name is a ZIP's.
func IsZip(name string) bool { return strings.EqualFold(filepath.Ext(name), ".zip") }

// Import reads the whole file (it is bounded by MaxRows and MaxBytes a
// CSV), then commits its objects in batches from the job's checkpoint on.
func (im *Importer) Import(ctx context.Context, run *pipeline.Run) error {
	if IsZip(run.Job.File) {
		return im.importZip(ctx, run)
	}
	t, err := FileType(run.Job.File)
	if err != nil {
		return err
	}
	p, err := readPart(run.Path(), run.Job.File, t, run.CSVOptions())
	if err != nil {
		return err
	}
	if err := run.Begin(ctx, p.header, len(p.rows)); err != nil {
		return err
	}
	return im.commit(ctx, run, []*part{p})
}

// part is one CSV of a job, read and grouped into objects.
type part struct {
	file   string // its name, as messages and the report give it
	t      *Type
	header []string
	rows   []csvio.Row
	objs   []Object
	cells  map[int][]string // by data row number
	// offset is how many rows of the job come before this part's.
	offset int
	// wavs are an audio part's .wav files by lower-case name: their paths.
	wavs map[string]string
}

// readPart reads the CSV at path, of type t, within MaxBytes and MaxRows,
// checks its header and groups its rows into objects. A CSV that breaks a
// limit or has a bad header fails as a whole (EINVALID).
func readPart(path, name string, t *Type, opts csvio.Options) (*part, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("stat %s: %w", name, err)
	} else if fi.Size() > MaxBytes {
		return nil, pipeline.Invalid("the file is %d bytes, over the limit of 10 MB a CSV: split it into several CSVs, in a ZIP", fi.Size())
	}
	return parsePart(f, name, t, opts)
}

// parsePart reads a CSV from r (see readPart).
func parsePart(r io.Reader, name string, t *Type, opts csvio.Options) (*part, error) {
	rd, err := csvio.NewReaderOptions(r, opts)
	if err != nil {
		return nil, pipeline.Invalid("%v", err)
	}
	h, err := NewHeader(t, rd.Header())
	if err != nil {
		return nil, pipeline.Invalid("%v", err)
	}
	rows, err := rd.All(MaxRows)
	if errors.Is(err, csvio.ErrTooManyRows) {
		return nil, pipeline.Invalid("more than %d data rows: a %s CSV holds at most %d; split it into several CSVs, in a ZIP", MaxRows, t.Name, MaxRows)
	}
	if err != nil {
		return nil, err
	}
	return newPart(name, h, rd.Header(), rows), nil
}

func newPart(name string, h *Header, header []string, rows []csvio.Row) *part {
	p := &part{file: name, t: h.Type, header: header, rows: rows, cells: make(map[int][]string, len(rows))}
	for _, r := range rows {
		p.cells[r.Num] = r.Cells
	}
	p.objs = h.Group(rows)
	return p
}

// commit resolves and stores the objects of parts, in order, from the
// job's checkpoint on. A part's rows are the job's rows after the parts
// before it (bulkd.Part), so the checkpoint orders them all; a batch never
// spans two parts, each having its own words for the store's verdicts.
func (im *Importer) commit(ctx context.Context, run *pipeline.Run, parts []*part) error {
	offset := 0
	for _, p := range parts {
		p.offset = offset
		offset += len(p.rows)
	}
	onceAJob(parts)
	res := newResolver(im.store, im.agents, run.Job.Tenant)
	for _, p := range parts {
		if err := im.commitPart(ctx, run, res, p, parts); err != nil {
			return err
		}
	}
	return nil
}

func (im *Importer) commitPart(ctx context.Context, run *pipeline.Run, res *resolver, pt *part, parts []*part) error {
	t := pt.t
	if _, err := res.load(ctx, t.Name); err != nil { // the rules that compare an object with its peers read them
		return err
	}
	if err := res.prepare(ctx, t, parts); err != nil {
		return err
	}
	words := Words(t)
	var batch []bulkd.ConfigObject
	var p bulkd.Progress
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		if t.Media && len(batch) > 0 {
			if err := im.media.Sync(); err != nil { // the blobs are durable before the objects that name them
				return fmt.Errorf("sync audio files: %w", err)
			}
		}
		if _, err := im.store.ApplyObjects(ctx, run.Job.ID, run.Job.Tenant, batch, p, words); err != nil {
			return err
		}
		batch, p, n = nil, bulkd.Progress{}, 0
		return nil
	}
	for i := range pt.objs {
		o := &pt.objs[i]
		last := pt.offset + o.Rows[len(o.Rows)-1]
		if last <= run.Job.RowsDone {
			continue // committed before a restart
		}
		if o.OK() {
			if err := res.resolve(ctx, t, o); err != nil {
				return err
			}
		}
		var extra []bulkd.ObjectField
		if o.OK() && t.Media {
			var err error
			if extra, err = im.audio(ctx, res, pt, o); err != nil {
				return err
			}
		}
		if o.OK() {
			c := configObject(t, o, pt.cells, pt.offset)
			c.Fields = append(c.Fields, extra...)
			batch = append(batch, c)
			res.add(c) // later rows see it, as the store will once the batch commits
		} else {
			for row, msg := range o.Messages(t) {
				p.Failures = append(p.Failures, bulkd.RowFailure{Row: pt.offset + row, Cells: pt.cells[row], Message: msg})
			}
			res.failed(t, o, pt)
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

// onceAJob fails a single-row object whose key (within its scope) an
// earlier row of the job has, in the same CSV or another of the same type:
// the later row would silently win. A multi-row type's repeated keys
// within a CSV are Group's (rows not consecutive); across CSVs they fail
// here too.
func onceAJob(parts []*part) {
	type seen struct {
		p   *part
		row int
	}
	first := map[string]seen{}
	for _, p := range parts {
		t := p.t
		local := map[string]bool{}
		for i := range p.objs {
			o := &p.objs[i]
			if o.Key == "" {
				continue
			}
			id := t.Slug + "\x00" + strings.ToLower(o.Key)
			if t.KeyWithin != "" {
				id += "\x00" + strings.ToLower(o.Own.Text(t.KeyWithin))
			}
			s, dup := first[id]
			switch {
			case !dup:
				first[id] = seen{p, o.Rows[0]}
				local[id] = true
				continue
			case t.MultiRow && local[id]:
				continue // Group's
			case !o.OK():
				continue
			}
			what := fmt.Sprintf("%s %q", t.Name, csvio.Clip(o.Key))
			if t.KeyWithin != "" {
				what += fmt.Sprintf(" (%s %q)", t.KeyWithin, csvio.Clip(o.Own.Text(t.KeyWithin)))
			}
			where := fmt.Sprintf("row %d", s.row)
			if s.p != p {
				where += " of " + s.p.file
			}
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: t.Key, Message: fmt.Sprintf(
				"%s is also on %s: an object may appear once an import", what, where)}})
		}
	}
}

// configObject turns a valid object into what the store keeps: its own and
// child columns' canonical text in declared order, and its rows (the job's
// numbers: offset added).
func configObject(t *Type, o *Object, cells map[int][]string, offset int) bulkd.ConfigObject {
	c := bulkd.ConfigObject{Type: t.Slug, Key: o.Key}
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
		c.Rows = append(c.Rows, offset+r)
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
			return fixedMessage(t, c.Field, c.Value, c.HolderName, c.Holder)
		}
		return fmt.Sprintf("column %q: %q: %s", c.Field, csvio.Clip(c.Value), c.Reason)
	}
}

// fixedMessage says that value would change the fixed column col of the
// object key from was.
func fixedMessage(t *Type, col, value, key, was string) string {
	return fmt.Sprintf("column %q: %q would change %s %q from %q, which is fixed once created; keep %q, or create the %s under another name",
		col, csvio.Clip(value), t.Name, csvio.Clip(key), csvio.Clip(was), csvio.Clip(was), t.Name)
}
