// Package kinds registers bulkd's import kinds: one line a kind. Adding a
// kind is a package under pipeline/ whose Spec declares it, a line here,
// its store file, and its HTTP door if it has one.
package kinds

import (
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/assist"
	"github.com/bulkd/bulkd/pipeline/contacts"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/bulkd/bulkd/pipeline/schedule"
)

// All returns every kind bulkd imports. The order is the order of
// listings and of routes tried.
func All() []pipeline.Spec {
	return []pipeline.Spec{
		agents.Spec(),
		contacts.Spec(),
		schedule.Spec(),
		assist.Spec(),
		objects.Spec(),
	}
}
