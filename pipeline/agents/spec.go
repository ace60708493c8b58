package agents

import (
	"fmt"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// DoorPath is the agents kind's upload door (the bulk-imports API).
const DoorPath = "/bulk-imports/users"

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
		Template: pipeline.OneTemplate(bulkd.KindAgents, Columns),
		Door: func(in pipeline.DoorInput) (pipeline.Door, error) {
			d := pipeline.OneFileDoor(DoorPath, "file", in)
			if t := in.Job.Params[ParamType]; t != "" {
				d.Fields["type"] = t
			}
			return d, nil
		},
		Unresolved: unresolved,
	}
}

// unresolved tells the failures (Words) that depend on which agents the
// tenant has: a Current Email, or when only updating an Email, that no
// agent has; a Full Name missing where the row creates the agent, which
// is no failure when the tenant has it (the row updates it).
func unresolved(msg string) bool {
	return strings.Contains(msg, ": no agent has the email ") ||
		strings.HasPrefix(msg, fmt.Sprintf("column %q: required to create the agent ", ColFullName))
}
