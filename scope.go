package bulkd

import "slices"

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
	ScopeJobsRead        = "jobs:read"
	ScopeAdmin           = "admin"
)

// Scopes lists every scope.
var Scopes = []string{ScopeWFMRead, ScopeWFMWrite, ScopeContactsImport, ScopeContactsCapture, ScopeContactsRead,
	ScopeAgentsRead, ScopeAgentsWrite, ScopeAssistWrite, ScopeJobsRead, ScopeAdmin}

// KnownScope reports whether s is one of Scopes.
func KnownScope(s string) bool { return slices.Contains(Scopes, s) }
