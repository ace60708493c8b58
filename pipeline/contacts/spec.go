package contacts

import (
	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// Spec declares the contacts kind: rows name agents.
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:      bulkd.KindContacts,
		Routes:    []string{"CONTACT.?*.csv", "CONTACT.?*.json", "CONTACT.?*.zip"},
		DependsOn: []bulkd.Kind{bulkd.KindAgents},
		Scopes:    []string{bulkd.ScopeContactsImport, bulkd.ScopeContactsCapture, bulkd.ScopeContactsRead},
		Limits:    "16,777,215 rows a file; uploads and ZIPs as the limits block says",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[Store](d, bulkd.KindContacts)
			return New(st, d.Media, d.Batch), err
		},
	}
}
