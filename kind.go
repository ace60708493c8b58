package bulkd

import "fmt"

// Kind names an importer: what a file holds and which code imports it.
type Kind string

// The import kinds. Only those with an importer registered in the pipeline
// are taken from tenant folders.
const (
	KindContacts Kind = "contacts"
	KindAgents   Kind = "agents"
	KindSchedule Kind = "schedule"
	KindObjects  Kind = "objects"
	KindAssist   Kind = "assist"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{KindContacts, KindAgents, KindSchedule, KindObjects, KindAssist}

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind %q", s)
}
