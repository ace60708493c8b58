package objects

import (
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
	}
}
