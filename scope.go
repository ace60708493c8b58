package bulkd

// Scopes a token may carry. ScopeAdmin grants every other scope (within the
// token's tenant: no scope reaches another tenant's data), except
// ScopeMetricsRead, which must be granted by name.
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
	// ScopeMetricsRead reads GET /metrics: counts of the whole daemon, every
	// tenant's (their names among the labels), so ScopeAdmin, which stays in
	// its tenant, does not grant it.
	ScopeMetricsRead = "metrics:read"
	ScopeAdmin       = "admin"
)

// CoreScopes are the scopes of bulkd's own endpoints; each kind declares
// the scopes of its doors in its pipeline.Spec.
var CoreScopes = []string{ScopeJobsRead, ScopeMetricsRead, ScopeAdmin}

// ScopeCrossesTenants reports whether scope reads beyond the token's
// tenant, so that only a token naming it holds it (ScopeAdmin does not).
func ScopeCrossesTenants(scope string) bool { return scope == ScopeMetricsRead }
