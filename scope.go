package bulkd

// Scopes a token may carry. ScopeAdmin grants every other scope (within the
// token's tenant: no scope reaches another tenant's data).
const (
	ScopeWFMRead         = "wfm-public:read"
	ScopeWFMWrite        = "wfm-public:write"
	ScopeContactsImport  = "contacts:import"
	ScopeContactsCapture = "contacts:capture"
	ScopeContactsRead    = "contacts:read"
	ScopeAgentsRead      = "agents:read"
	ScopeAgentsWrite     = "agents:write"
	ScopeAssistWrite     = "assist:write"
	ScopeObjectsRead     = "objects:read"
	ScopeObjectsWrite    = "objects:write"
	ScopeJobsRead        = "jobs:read"
	ScopeAdmin           = "admin"
)

// CoreScopes are the scopes of bulkd's own endpoints; each kind declares
// the scopes of its doors in its pipeline.Spec.
var CoreScopes = []string{ScopeJobsRead, ScopeAdmin}
