package assist

import (
	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// Spec declares the assist contacts kind.
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:   bulkd.KindAssist,
		Routes: []string{"ASSIST.?*.csv"},
		Scopes: []string{bulkd.ScopeAssistWrite},
		Limits: "10,000 rows; 16 MiB over HTTP",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[bulkd.AssistStore](d, bulkd.KindAssist)
			return New(st, d.Batch), err
		},
		// No Unresolved: a row names no other record. (Offline, a phone
		// number is checked against the file's own rows only.)
		Template: pipeline.OneTemplate(bulkd.KindAssist, Columns),
	}
}
