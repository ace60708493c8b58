package bulkd

import (
	"regexp"
	"time"
)

// TenantSettings are what importers and doors read of a tenant's
// configuration; the config package produces them, so no domain package
// depends on the config's file format.
type TenantSettings struct {
	Name string
	// Location, DateFormat and EventTypes: how a schedule file dropped in
	// the tenant folder is read.
	Location   *time.Location
	DateFormat string
	EventTypes []string
	// RequestsPerMinute caps the tenant's schedule import requests.
	RequestsPerMinute int
	// Encoding is the text encoding of the tenant's files ("": UTF-8).
	Encoding string
}

// tenantNameRE is what a tenant name (and so a tenant folder) may be.
var tenantNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ValidTenant reports whether name is a safe tenant name: letters, digits,
// '.', '_' and '-', and not "." or "..".
func ValidTenant(name string) bool {
	return tenantNameRE.MatchString(name) && name != "." && name != ".."
}
