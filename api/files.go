package api

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/bulkd/bulkd"
)

// FolderFile is a file waiting in a tenant folder: one the watcher will
// take once it is complete, or one it leaves alone although its name looks
// like an import. The api package declares it, as it does Pipeline, so
// that it needs nothing of the watcher; the daemon fills it in.
type FolderFile struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	// State is settling, held_open, waiting_for_marker, retrying or
	// not_an_import.
	State string `json:"state"`
	// Reason says why, for every state but settling.
	Reason string `json:"reason"`
}

// listFiles answers GET /v1/tenants/{tenant}/files: the files waiting in
// the tenant's folder, by name. A tenant without a folder, or with nothing
// in it, has none; guard has hidden other tenants already.
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	files := []FolderFile{}
	if s.Files != nil {
		files = append(files, s.Files(r.PathValue("tenant"))...)
	}
	slices.SortFunc(files, func(a, b FolderFile) int { return cmp.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, map[string]any{"files": files})
}

// listTenants is GET /v1/tenants: the tenants the principal sees, by name:
// every known one when open, else its own.
func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	names := []string{}
	if !p.AllTenants() {
		names = append(names, p.Tenant)
	} else if s.Tenants != nil {
		names = append(names, s.Tenants()...)
		slices.Sort(names)
		names = slices.Compact(names)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": names})
}

// getOutbox is GET /v1/outbox[?tenant=]: what waits to be forwarded, of
// the token's tenant (open: of every tenant, or the one asked for).
func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request) {
	if s.Outbox == nil {
		s.Error(w, r, bulkd.Errorf(bulkd.ENOTFOUND, "this bulkd does not forward: it has no forward block"))
		return
	}
	tenant := r.URL.Query().Get("tenant")
	if p := principal(r); !p.AllTenants() {
		tenant = p.Tenant
	}
	v, err := s.Outbox(r.Context(), tenant)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
