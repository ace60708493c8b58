package pipeline

import (
	"path"
	"strings"

	"github.com/bulkd/bulkd"
)

// Route sends files whose names start with Prefix (case-sensitive) and end
// with one of Exts to the importer of Kind.
type Route struct {
	Prefix string
	Exts   []string
	Kind   bulkd.Kind
}

// DefaultRoutes are the Data Server's file name conventions (DESIGN.md).
var DefaultRoutes = []Route{
	{Prefix: "CONTACT.", Exts: []string{".csv", ".json", ".zip"}, Kind: bulkd.KindContacts},
	{Prefix: "AGENTS.", Exts: []string{".csv"}, Kind: bulkd.KindAgents},
	{Prefix: "SCHEDULE.", Exts: []string{".csv"}, Kind: bulkd.KindSchedule},
	{Prefix: "OBJECTS.", Exts: []string{".csv", ".zip"}, Kind: bulkd.KindObjects},
	{Prefix: "ASSIST.", Exts: []string{".csv"}, Kind: bulkd.KindAssist},
}

// Match returns the kind of the first route that name matches.
func Match(routes []Route, name string) (bulkd.Kind, bool) {
	ext := path.Ext(name)
	for _, r := range routes {
		if !strings.HasPrefix(name, r.Prefix) || len(name) <= len(r.Prefix)+len(ext) {
			continue
		}
		for _, e := range r.Exts {
			if ext == e {
				return r.Kind, true
			}
		}
	}
	return "", false
}
