package objects

import (
	"io"
	"regexp"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// Spec declares the objects kind: one type's CSV a file, the type named by
// the file name. It depends on agents (a User is an agent first) and is
// exclusive: one bulk operation active per tenant at a time (the seed).
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:      bulkd.KindObjects,
		Routes:    []string{"OBJECTS.?*.csv", "OBJECTS.?*.zip"},
		DependsOn: []bulkd.Kind{bulkd.KindAgents},
		Exclusive: true,
		Scopes:    []string{bulkd.ScopeObjectsRead, bulkd.ScopeObjectsWrite},
		Limits:    "5,000 rows or 10 MB a CSV; a ZIP of several by the ZIP limits",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[bulkd.ObjectStore](d, bulkd.KindObjects)
			if err != nil {
				return nil, err
			}
			agents, err := pipeline.StoreAs[bulkd.AgentStore](d, bulkd.KindObjects)
			return NewImporter(st, agents, d.Media, d.Batch), err
		},
		Template:   template,
		Door:       door,
		Unresolved: unresolved,
	}
}

// DoorPath is the objects kind's upload door (the bulk operations API).
const DoorPath = "/v1/bulk-operations"

// ParamFileName is the job parameter holding the name a file was uploaded
// under (its claim renames it for its type).
const ParamFileName = "file_name"

// door sends a job as a bulk operation: the file under the name it came
// with (a dropped CSV's OBJECTS.<type>. taken off, which the object field
// says instead), and its type.
func door(in pipeline.DoorInput) (pipeline.Door, error) {
	j := in.Job
	d := pipeline.OneFileDoor(DoorPath, "file", in)
	if obj := j.Params[ParamObject]; obj != "" {
		d.Fields["object"] = obj
	}
	if IsZip(j.File) {
		return d, nil
	}
	t, ok := Lookup(j.File)
	if !ok {
		return d, pipeline.Invalid("%s names no object type", j.File)
	}
	d.Fields["object"] = t.Slug
	name := j.Params[ParamFileName]
	if name == "" {
		name = j.File
		if pre := "OBJECTS." + t.Slug + "."; len(name) > len(pre) && strings.EqualFold(name[:len(pre)], pre) {
			name = name[len(pre):]
		}
	}
	d.Files[0].Name = name
	return d, nil
}

// template writes the blank template of the type of: its name (any case)
// or what Lookup takes (a slug, the name without its spaces).
func template(w io.Writer, of string) error {
	for _, t := range Types {
		if strings.EqualFold(of, t.Name) {
			return WriteTemplate(w, t)
		}
	}
	if t, ok := Lookup(of); ok && !strings.Contains(of, ".") {
		return WriteTemplate(w, t)
	}
	slugs := make([]string, len(Types))
	for i, t := range Types {
		slugs[i] = t.Slug
	}
	if of == "" {
		return bulkd.Errorf(bulkd.EINVALID, "the objects kind has a template for each type: name one of %s", strings.Join(slugs, ", "))
	}
	return bulkd.Errorf(bulkd.EINVALID, "no object type %q: the types are %s", of, strings.Join(slugs, ", "))
}

// missingRE matches a problem (Problem.Error) that is only a reference
// to an object or an agent the tenant lacks (resolver.check, resolver.agent).
var missingRE = func() *regexp.Regexp {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = regexp.QuoteMeta(t.Name)
	}
	return regexp.MustCompile(`^(column "[^"]*": )?no (agent of the tenant has the email "|(` + strings.Join(names, "|") + `) ")`)
}()

// unresolved tells a row failure all of whose problems (joined by
// Problems.Error) are references the tenant may have.
func unresolved(msg string) bool {
	for _, p := range strings.Split(msg, "; ") {
		if !missingRE.MatchString(p) {
			return false
		}
	}
	return msg != ""
}
