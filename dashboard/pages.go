package dashboard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
)

// jobsLimit is how many jobs the jobs page lists, newest first.
const jobsLimit = 200

// jobFilter is the jobs page's filter, from its query.
type jobFilter struct{ Kind, State, Tenant string }

func filterOf(r *http.Request) jobFilter {
	q := r.URL.Query()
	return jobFilter{Kind: q.Get("kind"), State: q.Get("state"), Tenant: q.Get("tenant")}
}

func (f jobFilter) query() string {
	q := url.Values{"limit": {fmt.Sprint(jobsLimit)}}
	for k, v := range map[string]string{"kind": f.Kind, "state": f.State, "tenant": f.Tenant} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// jobs asks the API for the filtered jobs.
func (d *Dashboard) jobs(r *http.Request, s *session, f jobFilter) ([]api.JobView, error) {
	var out struct{ Jobs []api.JobView }
	err := d.fetch(r, s, "/v1/jobs?"+f.query(), &out)
	return out.Jobs, err
}

// tenants asks the API which tenants the session sees.
func (d *Dashboard) tenants(r *http.Request, s *session) ([]string, error) {
	var out struct{ Tenants []string }
	err := d.fetch(r, s, "/v1/tenants", &out)
	return out.Tenants, err
}

// outbox asks the API for the outbox of the session's tenants: nil when
// this bulkd does not forward (404).
func (d *Dashboard) outbox(r *http.Request, s *session) (*api.OutboxView, error) {
	var v api.OutboxView
	err := d.fetch(r, s, "/v1/outbox", &v)
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// jobsPage is /: every job the session sees, newest first, filtered by
// kind, state and tenant. Its rows alone (?fragment=) are what the page's
// script asks for every second.
func (d *Dashboard) jobsPage(w http.ResponseWriter, r *http.Request, s *session) {
	f := filterOf(r)
	jobs, err := d.jobs(r, s, f)
	var tenants []string
	if err == nil && r.URL.Query().Get("fragment") == "" {
		tenants, err = d.tenants(r, s)
	}
	var outbox *api.OutboxView
	if err == nil && r.URL.Query().Get("fragment") == "" {
		outbox, err = d.outbox(r, s)
	}
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	states := make([]string, len(bulkd.JobStates))
	for i, st := range bulkd.JobStates {
		states[i] = string(st)
	}
	d.renderOrFragment(w, r, s, "jobs", "rows", map[string]any{"Jobs": jobs, "Filter": f, "Kinds": d.Kinds, "States": states,
		"Tenants": tenants, "Limit": jobsLimit, "Query": f.query(), "Outbox": outbox})
}

// renderOrFragment renders page, or with ?fragment= only its part
// fragment, which the page's script refreshes or shows in a dialog.
func (d *Dashboard) renderOrFragment(w http.ResponseWriter, r *http.Request, s *session, page, fragment string, data map[string]any) {
	if r.URL.Query().Get("fragment") != "" {
		d.renderFragment(w, r, s, page, fragment, data)
		return
	}
	d.render(w, r, s, page, data)
}

// renderFragment writes one named template of page alone.
func (d *Dashboard) renderFragment(w http.ResponseWriter, r *http.Request, s *session, page, name string, data map[string]any) {
	data["Session"] = s
	var buf bytes.Buffer
	if err := d.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		d.fail(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// failedRowsShown is how many failed rows a job's page shows; the report
// has them all.
const failedRowsShown = 20

// reportTable is the first failed rows of a job, read from its report.
type reportTable struct {
	Header []string
	Rows   [][]string
	More   bool
	Zip    bool // a ZIP of reports: only the download
}

// jobPage is /jobs/{id}: a job's timings, counts and error, its first
// failed rows, and its report to download.
func (d *Dashboard) jobPage(w http.ResponseWriter, r *http.Request, s *session) {
	var j api.JobView
	if err := d.fetch(r, s, "/v1/jobs/"+url.PathEscape(r.PathValue("id")), &j); err != nil {
		d.fail(w, r, s, err)
		return
	}
	data := map[string]any{"Job": j}
	if j.ErrorReport != "" {
		rep, err := d.report(r, s, j.ErrorReport)
		if err != nil {
			d.fail(w, r, s, err)
			return
		}
		data["Report"] = rep
	}
	d.renderOrFragment(w, r, s, "job", "summary", data)
}

// report reads the first failed rows of the report at path (an API path).
func (d *Dashboard) report(r *http.Request, s *session, p string) (*reportTable, error) {
	if path.Ext(p) == ".zip" {
		return &reportTable{Zip: true}, nil
	}
	body, _, err := d.fetchRaw(r, s, p)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1
	t := &reportTable{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read report %s: %w", p, err)
		}
		switch {
		case t.Header == nil:
			t.Header = rec
		case len(t.Rows) == failedRowsShown:
			t.More = true
			return t, nil
		default:
			t.Rows = append(t.Rows, rec)
		}
	}
	return t, nil
}

// operations reads the tenant's bulk operations, newest first.
func (d *Dashboard) operations(r *http.Request, s *session) ([]api.BulkOperation, error) {
	var out struct{ Operations []api.BulkOperation }
	err := d.fetch(r, s, "/v1/bulk-operations?per_page=100", &out)
	return out.Operations, err
}

// active returns the operation that is New or In Progress, if any: the
// seed allows one at a time.
func active(ops []api.BulkOperation) *api.BulkOperation {
	for i := range ops {
		if ops[i].Status == "New" || ops[i].Status == "In Progress" {
			return &ops[i]
		}
	}
	return nil
}

// operationsPage is /operations: the seed's Bulk Operations screen, for
// the session's tenant (chosen when open). Its table and New Bulk
// Operation button alone (?fragment=) are what the page's script refreshes.
func (d *Dashboard) operationsPage(w http.ResponseWriter, r *http.Request, s *session) {
	if !d.tenantChosen(w, r, s, "Bulk Operations") {
		return
	}
	ops, err := d.operations(r, s)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.renderOrFragment(w, r, s, "operations", "rows", map[string]any{"Operations": ops, "Active": active(ops), "Types": d.ObjectTypes,
		"Error": r.URL.Query().Get("error"), "CanWrite": s.Has(bulkd.ScopeObjectsWrite)})
}

// operationPage is /operations/{id}: one operation's details (the seed's
// details dialog; the page's script shows the same fragment in a dialog).
func (d *Dashboard) operationPage(w http.ResponseWriter, r *http.Request, s *session) {
	if !d.tenantChosen(w, r, s, "Bulk Operations") {
		return
	}
	var op api.BulkOperation
	if err := d.fetch(r, s, "/v1/bulk-operations/"+url.PathEscape(r.PathValue("id")), &op); err != nil {
		d.fail(w, r, s, err)
		return
	}
	data := map[string]any{"Op": op}
	d.renderOrFragment(w, r, s, "operation", "details", data)
}

// newOperationPage is New Bulk Operation: choose an object, export its
// template or records, import a file. The page's script shows it in a
// dialog over the Bulk Operations screen.
func (d *Dashboard) newOperationPage(w http.ResponseWriter, r *http.Request, s *session) {
	if !d.tenantChosen(w, r, s, "New Bulk Operation") {
		return
	}
	ops, err := d.operations(r, s)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	data := map[string]any{"Types": d.ObjectTypes, "Active": active(ops), "CanWrite": s.Has(bulkd.ScopeObjectsWrite)}
	d.renderOrFragment(w, r, s, "new", "form", data)
}

// exportObjects is Export: the chosen object's blank template, or its
// existing records, downloaded from the API.
func (d *Dashboard) exportObjects(w http.ResponseWriter, r *http.Request, s *session) {
	if !d.tenantChosen(w, r, s, "Export") {
		return
	}
	q := r.URL.Query()
	target := "/ui/v1/objects/" + url.PathEscape(q.Get("object"))
	if q.Get("what") == "records" {
		target += "/export"
	} else {
		target += "/template.csv"
	}
	if s.open {
		target += "?tenant=" + url.QueryEscape(s.Tenant)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// importOperation is the Import form posted without the page's script: the
// file goes to POST /v1/bulk-operations as it is, and the person comes
// back to the Bulk Operations screen, with the API's refusal if any.
func (d *Dashboard) importOperation(w http.ResponseWriter, r *http.Request, s *session) {
	if !d.tenantChosen(w, r, s, "Import") {
		return
	}
	req := r.Clone(r.Context())
	req.URL.Path, req.URL.RawPath, req.RequestURI = "/v1/bulk-operations", "", ""
	req.Header.Del("Authorization")
	s.authorize(req)
	rec := &capture{header: http.Header{}}
	d.API.ServeHTTP(rec, req)
	back := url.Values{}
	if s.open {
		back.Set("tenant", s.Tenant)
	}
	if rec.status != http.StatusAccepted {
		back.Set("error", apiMessage(rec.body.Bytes()))
	}
	http.Redirect(w, r, "/operations?"+back.Encode(), http.StatusSeeOther)
}

// tenantChosen reports whether a tenant's page knows its tenant; when open
// and none is chosen it asks which (a form posted without one goes back to
// the question, acting on no tenant).
func (d *Dashboard) tenantChosen(w http.ResponseWriter, r *http.Request, s *session, title string) bool {
	if !s.open || s.Tenant != "" {
		return true
	}
	if r.Method != http.MethodGet {
		http.Redirect(w, r, "/operations", http.StatusSeeOther)
		return false
	}
	d.chooseTenant(w, r, s, title)
	return false
}

// chooseTenant asks, when open, which tenant a tenant's page is about.
func (d *Dashboard) chooseTenant(w http.ResponseWriter, r *http.Request, s *session, title string) {
	tenants, err := d.tenants(r, s)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, "tenant", map[string]any{"Title": title, "Tenants": tenants})
}

// folderTenant is one tenant folder's waiting files.
type folderTenant struct {
	Tenant string
	Files  []api.FolderFile
}

// folderPage is /folder: the files waiting in each tenant folder the
// session sees, and why they wait.
func (d *Dashboard) folderPage(w http.ResponseWriter, r *http.Request, s *session) {
	tenants, err := d.tenants(r, s)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	var out []folderTenant
	for _, t := range tenants {
		var files struct{ Files []api.FolderFile }
		if err := d.fetch(r, s, "/v1/tenants/"+url.PathEscape(t)+"/files", &files); err != nil {
			d.fail(w, r, s, err)
			return
		}
		out = append(out, folderTenant{Tenant: t, Files: files.Files})
	}
	d.render(w, r, s, "folder", map[string]any{"Folders": out})
}

// contactsPage is /contacts: a tenant's contacts, a page at a time.
func (d *Dashboard) contactsPage(w http.ResponseWriter, r *http.Request, s *session) {
	if !d.tenantChosen(w, r, s, "Contacts") {
		return
	}
	q := url.Values{"limit": {"50"}}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	var page struct {
		Contacts   []bulkd.Contact
		NextCursor string `json:"next_cursor"`
	}
	if err := d.fetch(r, s, "/v1/tenants/"+url.PathEscape(s.Tenant)+"/contacts?"+q.Encode(), &page); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, "contacts", map[string]any{"Contacts": page.Contacts, "Next": page.NextCursor})
}

// contactPage is /contacts/{tenant}/{id}: one contact's fields and
// metadata, and its recordings playing from the API's Range-capable
// endpoint.
func (d *Dashboard) contactPage(w http.ResponseWriter, r *http.Request, s *session) {
	tenant := r.PathValue("tenant")
	var c bulkd.Contact
	if err := d.fetch(r, s, "/v1/tenants/"+url.PathEscape(tenant)+"/contacts/"+url.PathEscape(r.PathValue("id")), &c); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, "contact", map[string]any{"Contact": c, "Tenant": tenant})
}
