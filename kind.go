package bulkd

// Kind names an import kind: what a file holds and which importer imports
// it. Each importer package declares its kind (pipeline.Spec); the
// pipeline's registry, not this package, knows which kinds exist.
type Kind string

// The kinds bulkd ships, named here because records and doors of several
// packages refer to them.
const (
	KindContacts Kind = "contacts"
	KindAgents   Kind = "agents"
	KindSchedule Kind = "schedule"
	KindAssist   Kind = "assist"
	KindObjects  Kind = "objects"
)
