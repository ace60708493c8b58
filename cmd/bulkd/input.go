package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/objects"
)

// input is one file given to validate or import: where it is, the name it
// is imported under, and its kind.
type input struct {
	path string
	name string
	kind bulkd.Kind
	// object is the type --object names, for an objects file.
	object *objects.Type
	params map[string]string
}

// usageErr is a command line that names files wrongly: the verb says so
// with its help hint, and exits 2.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

// inputsOf decides each file's kind: kind (--kind), else objects when
// object (--object) names a type, else the kind whose file name patterns
// its name matches, as in a tenant folder. A file no kind takes is a
// usageErr saying why; with media set, such a file is returned among the
// media instead (the recordings of a contacts upload), when it is not a
// CSV, JSON or ZIP file. The inputs come in the order the daemon takes
// files dropped together: the kinds others depend on first.
func inputsOf(k *pipeline.Kinds, paths []string, kind, object string, media bool) (ins []input, others []string, err error) {
	if kind != "" {
		if _, ok := k.Spec(bulkd.Kind(kind)); !ok {
			return nil, nil, usageErr{fmt.Sprintf("no kind %q: the kinds are %s", kind, strings.Join(k.Names(), ", "))}
		}
	}
	var t *objects.Type
	if object != "" {
		if kind != "" && kind != string(bulkd.KindObjects) {
			return nil, nil, usageErr{fmt.Sprintf("--object names the type of an objects file, not of a %s file", kind)}
		}
		if t, err = objectType(object); err != nil {
			return nil, nil, err
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, nil, fmt.Errorf("%s is not a file", p)
		}
		in := input{path: p, name: filepath.Base(p), kind: bulkd.Kind(kind), object: t}
		if in.kind == "" && t != nil {
			in.kind = bulkd.KindObjects
		}
		if in.kind == "" {
			var ok bool
			if in.kind, ok = k.Match(in.name); !ok {
				ext := strings.ToLower(filepath.Ext(in.name))
				if !media || ext == ".csv" || ext == ".json" || ext == ".zip" {
					return nil, nil, usageErr{noKind(k, p)}
				}
				others = append(others, p)
				continue
			}
		}
		ins = append(ins, in)
	}
	slices.SortStableFunc(ins, func(a, b input) int { return cmp.Compare(k.Rank(a.kind), k.Rank(b.kind)) })
	return ins, others, nil
}

// noKind says why no kind takes the file at path, and what to do.
func noKind(k *pipeline.Kinds, path string) string {
	name := filepath.Base(path)
	reason, near := k.Explain(name)
	if !near {
		var patterns []string
		for _, kind := range k.Names() {
			patterns = append(patterns, k.Routes(bulkd.Kind(kind))...)
		}
		reason = "the patterns are " + strings.Join(patterns, ", ")
	}
	return fmt.Sprintf("%s: no kind takes the name %s (%s); name its kind with --kind (%s)", path, name, reason, strings.Join(k.Names(), ", "))
}

// objectType resolves --object as the objects door resolves its object
// field: a type's name (any case), or what objects.Lookup takes (a slug,
// the name without its spaces), but no file name.
func objectType(s string) (*objects.Type, error) {
	for _, t := range objects.Types {
		if strings.EqualFold(s, t.Name) {
			return t, nil
		}
	}
	if t, ok := objects.Lookup(s); ok && !strings.Contains(s, ".") {
		return t, nil
	}
	slugs := make([]string, len(objects.Types))
	for i, t := range objects.Types {
		slugs[i] = t.Slug
	}
	return nil, usageErr{fmt.Sprintf("no object type %q: the types are %s", s, strings.Join(slugs, ", "))}
}

// asFolderDrop names an objects file of the type --object gives as the
// objects door does (a CSV OBJECTS.<slug>.<name>.csv, the name the
// importer reads its type from; a ZIP keeps its name, its CSVs naming
// their types, the type the job's default).
func (in *input) asFolderDrop() {
	if in.kind != bulkd.KindObjects || in.object == nil {
		return
	}
	base := strings.TrimSuffix(in.name, filepath.Ext(in.name))
	if objects.IsZip(in.name) {
		in.params = withParam(in.params, objects.ParamObject, in.object.Slug)
		return
	}
	in.name = "OBJECTS." + in.object.Slug + "." + base + ".csv"
}
