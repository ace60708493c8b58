package objects

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// ParamObject is the job parameter naming the type (its slug) of a ZIP's
// CSVs whose names name none: an upload's object field.
const ParamObject = "object"

// AudioCSV is the name of the audio part of a ZIP's report, and of the
// CSV a ZIP may hold to describe its .wav files (any name Lookup reads as
// Audio File does: "AudioFile.csv", "OBJECTS.audio-file.csv").
const AudioCSV = "AudioFiles.csv"

// importZip imports a ZIP of objects. Its CSVs (folders flattened) each
// hold one type, named by the CSV's name, and are imported in dependency
// order (Types), whatever their order in the ZIP, so a CSV may name
// objects of another CSV of the same ZIP. Its .wav files become Audio File
// objects, described by an optional AudioFiles.csv. Other files are listed
// as ignored.
//
// Every CSV is read and checked as a file (name, size, rows, header)
// before anything is stored: one that fails fails the ZIP, naming the CSV,
// so a tenant is never configured from half a ZIP. Row problems fail only
// their objects, reported in one CSV a part (pipeline.WriteReport).
func (im *Importer) importZip(ctx context.Context, run *pipeline.Run) error {
	dir := filepath.Join(run.Dir, "unzipped")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unzip: %w", err)
	}
	var written int64
	names, err := pipeline.Unzip(run.Path(), dir, nil, run.ZipLimits(), &written)
	if err != nil {
		return err
	}
	parts, ignored, err := zipParts(dir, names, run.Job.Params[ParamObject], run.CSVOptions())
	if err != nil {
		return err
	}
	if len(ignored) > 0 {
		if err := run.SetIgnored(ctx, ignored); err != nil {
			return err
		}
	}
	bp := make([]bulkd.Part, len(parts))
	for i, p := range parts {
		bp[i] = bulkd.Part{File: p.file, Type: p.t.Slug, Rows: len(p.rows), Header: p.header}
	}
	if err := run.BeginParts(ctx, bp); err != nil {
		return err
	}
	return im.commit(ctx, run, parts)
}

// zipParts reads the unpacked files of a ZIP into parts in import order,
// and returns the names of the files it does not import. fallback is the
// slug of the type of a CSV whose name names none ("" for none).
func zipParts(dir string, names []string, fallback string, opts csvio.Options) ([]*part, []string, error) {
	var parts []*part
	var ignored, audioCSVs []string
	wavs := map[string]string{}
	for _, name := range names {
		path := filepath.Join(dir, name)
		switch strings.ToLower(filepath.Ext(name)) {
		case ".wav":
			wavs[strings.ToLower(name)] = path
		case ".csv":
			t, ok := Lookup(name)
			if !ok && fallback != "" {
				t, ok = Lookup(fallback)
			}
			switch {
			case !ok:
				return nil, nil, pipeline.Invalid("%s in the ZIP does not name an object type: name each CSV after its type (<type>.csv, or OBJECTS.<type>.<anything>.csv), where <type> is one of %s",
					csvio.Clip(name), strings.Join(csvSlugs(), ", "))
			case t.Media:
				audioCSVs = append(audioCSVs, name)
				continue
			}
			p, err := readPart(path, name, t, opts)
			if err != nil {
				return nil, nil, inZip(name, err)
			}
			parts = append(parts, p)
		default:
			ignored = append(ignored, name)
		}
	}
	if len(audioCSVs) > 1 {
		return nil, nil, pipeline.Invalid("the ZIP holds %d CSVs of Audio File (%s): describe its .wav files in one", len(audioCSVs), strings.Join(audioCSVs, ", "))
	}
	if len(wavs) > 0 || len(audioCSVs) > 0 {
		csvPath, name := "", AudioCSV
		if len(audioCSVs) == 1 {
			csvPath, name = filepath.Join(dir, audioCSVs[0]), audioCSVs[0]
		}
		p, err := audioPart(csvPath, wavs, opts)
		if err != nil {
			return nil, nil, inZip(name, err)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil, nil, pipeline.Invalid("the ZIP holds no CSV and no .wav file to import")
	}
	// Dependency order; CSVs of one type keep the ZIP's order.
	slices.SortStableFunc(parts, func(a, b *part) int { return rank(a.t) - rank(b.t) })
	return parts, ignored, nil
}

// inZip names the CSV of the ZIP that err, a whole file's failure, is about.
func inZip(name string, err error) error {
	if bulkd.ErrorCode(err) == bulkd.EINVALID {
		return pipeline.Invalid("%s: %v; nothing of the ZIP is imported", csvio.Clip(name), err)
	}
	return err
}

// rank is t's place in dependency order.
func rank(t *Type) int { return slices.Index(Types, t) }

// audioPart makes the ZIP's audio files one part: the rows of its
// AudioFiles.csv (csvPath; "" when it has none), then a row for each .wav
// file it does not list, in name order. Its report is an AudioFiles.csv,
// and a row naming a .wav not in the ZIP updates the description of a
// stored Audio File.
func audioPart(csvPath string, wavs map[string]string, opts csvio.Options) (*part, error) {
	t, _ := ByName("Audio File")
	name, header := AudioCSV, t.Header()
	var rows []csvio.Row
	if csvPath != "" {
		name = filepath.Base(csvPath)
		f, err := fsx.Open(csvPath)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		defer f.Close()
		p, err := parsePart(f, name, t, opts)
		if err != nil {
			return nil, err
		}
		header, rows = p.header, p.rows
	}
	at := slices.IndexFunc(header, func(h string) bool { return strings.TrimSpace(h) == t.Key })
	listed := map[string]bool{}
	for _, r := range rows {
		if at < len(r.Cells) {
			listed[strings.ToLower(strings.TrimSpace(r.Cells[at]))] = true
		}
	}
	var unlisted []string
	for lower, path := range wavs {
		if !listed[lower] {
			unlisted = append(unlisted, filepath.Base(path))
		}
	}
	slices.Sort(unlisted)
	for _, w := range unlisted {
		cells := make([]string, len(header))
		cells[at] = w
		rows = append(rows, csvio.Row{Num: len(rows) + 1, Cells: cells})
	}
	if len(rows) > MaxRows {
		return nil, pipeline.Invalid("%d audio files: a ZIP holds at most %d; send them in several ZIPs", len(rows), MaxRows)
	}
	h, err := NewHeader(t, header)
	if err != nil {
		return nil, pipeline.Invalid("%v", err)
	}
	p := newPart(name, h, header, rows)
	p.wavs = wavs
	return p, nil
}

// audio checks and stores the .wav file of the Audio File object o and
// returns the fields that say where its bytes are. A row naming no .wav of
// the ZIP keeps the stored object's bytes (it changes the description), and
// fails when there is no stored object. A file that is no prompt (not
// G.711 μ-law 8 kHz 8-bit mono, or no WAV at all) fails its row.
func (im *Importer) audio(ctx context.Context, res *resolver, pt *part, o *Object) ([]bulkd.ObjectField, error) {
	path, ok := pt.wavs[strings.ToLower(o.Key)]
	if !ok {
		was := res.stored(pt.t, o)
		if was == nil || was.Value(FieldSHA256) == "" {
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: pt.t.Key, Message: fmt.Sprintf(
				"the ZIP holds no %s, and no Audio File of that name exists: add the .wav file to the ZIP", csvio.Clip(o.Key))}})
			return nil, nil
		}
		return []bulkd.ObjectField{{Name: FieldSHA256, Value: was.Value(FieldSHA256)}, {Name: FieldBytes, Value: was.Value(FieldBytes)}}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := fsx.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", o.Key, err)
	}
	err = media.CheckPrompt(f)
	f.Close()
	if err != nil {
		o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: pt.t.Key, Message: fmt.Sprintf("%s: %v", csvio.Clip(o.Key), err)}})
		return nil, nil
	}
	if im.media == nil {
		return nil, errors.New("audio files need a media store")
	}
	b, err := im.media.Ingest(ctx, path, o.Key)
	if errors.Is(err, media.ErrMismatch) {
		o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: pt.t.Key, Message: err.Error()}})
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store audio file: %w", err)
	}
	return []bulkd.ObjectField{{Name: FieldSHA256, Value: b.SHA256}, {Name: FieldBytes, Value: fmt.Sprint(b.Size)}}, nil
}
