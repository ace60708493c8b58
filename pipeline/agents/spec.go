package agents

import (
	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// Spec declares the agents kind.
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:   bulkd.KindAgents,
		Routes: []string{"AGENTS.?*.csv"},
		Scopes: []string{bulkd.ScopeAgentsRead, bulkd.ScopeAgentsWrite},
		Limits: "1 header line + 1,000 rows; 16 MiB over HTTP",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[bulkd.AgentStore](d, bulkd.KindAgents)
			return New(st, d.Batch), err
		},
	}
}
