package contacts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// DoorPath is the contacts kind's upload door (the Bulk Contact Import API).
const DoorPath = "/api/upload/contacts"

// Spec declares the contacts kind: rows name agents.
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:      bulkd.KindContacts,
		Routes:    []string{"CONTACT.?*.csv", "CONTACT.?*.json", "CONTACT.?*.zip"},
		DependsOn: []bulkd.Kind{bulkd.KindAgents},
		// A contact is keyed by its job and row, and a recording is stored
		// by its content: two files never write the same record.
		Overlap: true,
		Scopes:  []string{bulkd.ScopeContactsImport, bulkd.ScopeContactsCapture, bulkd.ScopeContactsRead},
		Limits:  "16,777,215 rows a file; uploads and ZIPs as the limits block says",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[Store](d, bulkd.KindContacts)
			return New(st, d.Media, d.Batch), err
		},
		// TimeZone and ClientTimeZone are one field: a header has one.
		Template:   pipeline.OneTemplate(bulkd.KindContacts, slices.DeleteFunc(slices.Clone(Columns), func(c string) bool { return c == ColClientTimeZone })),
		Unresolved: unresolved,
		// Every file in one request, recordings under the names rows give:
		// those the import took, so relay mode imports contacts too.
		ImportToForward: true,
		Door: func(in pipeline.DoorInput) (pipeline.Door, error) {
			d := pipeline.Door{Path: DoorPath}
			for _, f := range in.Files {
				d.Files = append(d.Files, pipeline.DoorFile{Field: "file", Name: f, File: f})
			}
			return d, nil
		},
	}
}

// unresolved tells the failures that depend on the tenant's agents: an
// AgentId no agent has (directory.resolve).
func unresolved(msg string) bool {
	agent := fmt.Sprintf("column %q: ", ColAgentID)
	return strings.HasPrefix(msg, agent+"no agent has the ") ||
		strings.HasPrefix(msg, agent+"missing, and the authenticated user ")
}
