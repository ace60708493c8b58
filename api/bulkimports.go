package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
)

// The agents' settings bulk-imports API, shaped like the hosted product's:
// the agents importer behind /bulk-imports/users.
const bulkImports = agents.DoorPath

// bulkImportsKept is how far back the list goes (uploads are kept 20 days).
const bulkImportsKept = 20 * 24 * time.Hour

// maxAgentsFile bounds an uploaded agents file: 1000 rows are far less.
const maxAgentsFile = 16 << 20

// defaultImportType is the type of an import that neither only creates nor
// only updates.
const defaultImportType = "CREATE_OR_UPDATE_USERS"

type link struct {
	Href string `json:"href"`
}

// bulkImport is an agents import as the API shows it.
type bulkImport struct {
	ID               uint64    `json:"id"`
	Filename         string    `json:"filename"`
	Type             string    `json:"type"`
	Status           string    `json:"status"`
	TotalRecords     int       `json:"total_records"`
	CompletedRecords int       `json:"completed_records"`
	FailedRecords    int       `json:"failed_records"`
	CreatedBy        string    `json:"created_by"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	// DuplicateOf is the import this one repeats (an identical file), whose
	// counts it shows; Error says why an import failed, was canceled or
	// was not imported again, in this API's error shape.
	DuplicateOf uint64       `json:"duplicate_of,omitempty"`
	Error       *importError `json:"error,omitempty"`
	Links       struct {
		Self    link `json:"self"`
		Records link `json:"records"`
	} `json:"_links"`
}

// importError is an import's reason, shaped as this API's errors are.
type importError struct {
	Code        string              `json:"code"`
	Message     string              `json:"message"`
	Description string              `json:"description"`
	Fields      []map[string]string `json:"fields"`
}

// importErrors are the codes and messages of an import's reasons.
var importErrors = map[bulkd.JobState]importError{
	bulkd.StateFailed:   {Code: "IMPORT_FAILED", Message: "The import failed"},
	bulkd.StateCanceled: {Code: "CANCELED", Message: "The import was canceled"},
	bulkd.StateSkipped:  {Code: "DUPLICATE", Message: "An identical file was imported already"},
}

func viewImport(j *bulkd.Job) bulkImport {
	v := bulkImport{ID: j.ID, Filename: j.File, Type: j.Params[agents.ParamType], CreatedBy: j.User, CreatedAt: j.CreatedAt,
		UpdatedAt: j.CreatedAt, TotalRecords: j.RowsTotal, CompletedRecords: j.RowsDone - j.RowsFailed, FailedRecords: j.RowsFailed}
	if v.Type == "" {
		v.Type = defaultImportType
	}
	if v.CreatedBy == "" {
		v.CreatedBy = string(j.Source) // "folder" for a dropped file; "api" when open, without X-User
	}
	if e, ok := importErrors[j.State]; ok && j.Error != "" {
		e.Description, e.Fields = j.Error, []map[string]string{}
		v.Error = &e
	}
	for _, t := range []*time.Time{j.StartedAt, j.FinishedAt} {
		if t != nil {
			v.UpdatedAt = *t
		}
	}
	v.Status = map[bulkd.JobState]string{
		bulkd.StateQueued: "QUEUED", bulkd.StateRunning: "IN_PROGRESS", bulkd.StatePaused: "IN_PROGRESS", bulkd.StateSucceeded: "COMPLETED",
		bulkd.StatePartial: "COMPLETED_WITH_ERRORS", bulkd.StateFailed: "FAILED",
		bulkd.StateSkipped:  "COMPLETED", // an identical file was imported already: nothing left to do
		bulkd.StateCanceled: "CANCELED",
	}[j.State]
	self := fmt.Sprintf("%s/%d", bulkImports, j.ID)
	v.Links.Self.Href, v.Links.Records.Href = self, self+"/records"
	return v
}

// bulkImportError renders err as {code, message, description, fields}.
func (s *Server) bulkImportError(w http.ResponseWriter, r *http.Request, err error) {
	err = asStorage(err)
	status := errorStatus(w, err)
	if status == 0 {
		s.Error(w, r, err)
		return
	}
	fields := []map[string]string{}
	var fe *fieldError
	if errors.As(err, &fe) {
		fields = append(fields, map[string]string{"name": fe.name, "description": fe.Error()})
	}
	writeJSON(w, status, map[string]any{
		"code": strings.ToUpper(bulkd.ErrorCode(err)), "message": http.StatusText(status), "description": err.Error(), "fields": fields,
	})
}

// createBulkImport is POST /bulk-imports/users: multipart file (a CSV) and
// an optional type; the agents import is queued and answered 202.
func (s *Server) createBulkImport(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	rc, err := s.receive(w, r, smallDoor(maxAgentsFile), func(field, file string) (string, error) {
		if field != "file" {
			return "", nil
		}
		name, ok := safeName(file)
		if !ok || !strings.EqualFold(filepath.Ext(name), ".csv") {
			return "", bulkd.Errorf(bulkd.EINVALID, "file %s is not a .csv file", clip(file))
		}
		return name, nil
	})
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	dir := rc.dir
	defer os.RemoveAll(dir) // empty once claimed
	name, err := rc.onlyFile("the agents CSV")
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	typ := rc.fields["type"]
	switch bulkd.AgentMode(typ) {
	case bulkd.AgentCreateOnly, bulkd.AgentUpdateOnly:
	case defaultImportType, "":
		typ = ""
	default:
		s.bulkImportError(w, r, &fieldError{"type", bulkd.Errorf(bulkd.EINVALID, "type %q is not CREATE_USERS, UPDATE_USERS or %s", typ, defaultImportType)})
		return
	}
	j, err := s.claim(w, r, pipeline.Claim{
		Tenant: p.Tenant, Kind: bulkd.KindAgents, Source: bulkd.SourceAPI, Origin: dir, Files: []string{name},
		User: p.Subject, Params: map[string]string{agents.ParamType: typ},
	})
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	v := viewImport(j)
	w.Header().Set("Location", v.Links.Self.Href)
	writeJSON(w, http.StatusAccepted, v)
}

// agentsImport loads the tenant's agents import named by {id}.
func (s *Server) agentsImport(r *http.Request) (*bulkd.Job, error) {
	j, err := s.job(r)
	if err == nil && (j.Kind != bulkd.KindAgents || j.Tenant != principal(r).Tenant) {
		err = bulkd.Errorf(bulkd.ENOTFOUND, "bulk import %d not found", j.ID)
	}
	return j, err
}

// pagination reads a listing's page (from 1) and per_page (1 to 100,
// default 20); a bad one is a fieldError naming it.
func pagination(r *http.Request) (page, perPage int, err error) {
	page, perPage = 1, 20
	for _, q := range []struct {
		name string
		dst  *int
		max  int
	}{{"page", &page, 1 << 30}, {"per_page", &perPage, 100}} {
		if v := r.URL.Query().Get(q.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > q.max {
				return 0, 0, &fieldError{q.name, bulkd.Errorf(bulkd.EINVALID, "%s %s is not a number from 1 to %d", q.name, clip(v), q.max)}
			}
			*q.dst = n
		}
	}
	return page, perPage, nil
}

// pageOf is page (from 1) of all, perPage items a page; empty past the end.
func pageOf[T any](all []T, page, perPage int) []T {
	from := (page - 1) * perPage
	if from >= len(all) {
		return nil
	}
	return all[from:min(from+perPage, len(all))]
}

// listBulkImports is GET /bulk-imports/users?page=&per_page=.
func (s *Server) listBulkImports(w http.ResponseWriter, r *http.Request) {
	page, perPage, err := pagination(r)
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	jobs, err := s.Jobs.Jobs(r.Context(), bulkd.JobFilter{Tenant: principal(r).Tenant, Kind: bulkd.KindAgents, Limit: 1 << 20, Brief: true})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	since := s.now().Add(-bulkImportsKept)
	var all []bulkImport
	for _, j := range jobs { // newest first
		if j.CreatedAt.After(since) {
			all = append(all, viewImport(j))
		}
	}
	items := append([]bulkImport{}, pageOf(all, page, perPage)...)
	writeJSON(w, http.StatusOK, map[string]any{
		"count": len(items), "total": len(all), "page": page, "per_page": perPage,
		"_embedded": map[string]any{"imports": items},
	})
}

// importView is j as the API shows it; a repeat shows the counts of the
// import it repeats, as that one answered.
func (s *Server) importView(r *http.Request, j *bulkd.Job) (bulkImport, error) {
	v := viewImport(j)
	src, err := s.source(r.Context(), j)
	if err != nil {
		return v, err
	}
	if src != j {
		v.DuplicateOf, v.TotalRecords, v.CompletedRecords, v.FailedRecords = src.ID, src.RowsTotal, src.RowsDone-src.RowsFailed, src.RowsFailed
	}
	return v, nil
}

// getBulkImport is GET /bulk-imports/users/{id}.
func (s *Server) getBulkImport(w http.ResponseWriter, r *http.Request) {
	j, err := s.agentsImport(r)
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	v, err := s.importView(r, j)
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// bulkImportRecord is one row's outcome.
type bulkImportRecord struct {
	Row    int               `json:"row"`
	Status string            `json:"status"` // SUCCESS or FAILED
	Error  string            `json:"error,omitempty"`
	Data   map[string]string `json:"data,omitempty"` // a failed row's cells, by column
}

// getBulkImportRecords is GET /bulk-imports/users/{id}/records: every row
// committed so far, in order, with the failed ones' errors.
func (s *Server) getBulkImportRecords(w http.ResponseWriter, r *http.Request) {
	j, err := s.agentsImport(r)
	if err == nil {
		j, err = s.source(r.Context(), j) // a repeat's records are those of the import it repeats
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	failed, err := s.failedRows(r, j.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	records := make([]bulkImportRecord, 0, j.RowsDone)
	for row := 1; row <= j.RowsDone; row++ {
		f, bad := failed[row]
		if !bad {
			records = append(records, bulkImportRecord{Row: row, Status: "SUCCESS"})
			continue
		}
		rec := bulkImportRecord{Row: row, Status: "FAILED", Error: f.Message, Data: map[string]string{}}
		for i, c := range f.Cells {
			if i < len(j.Header) {
				rec.Data[j.Header[i]] = c
			}
		}
		records = append(records, rec)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(records), "_embedded": map[string]any{"records": records}})
}

// cancelBulkImport is DELETE /bulk-imports/users/{id}: a queued import is
// canceled (its file is archived untouched); any other is a conflict.
func (s *Server) cancelBulkImport(w http.ResponseWriter, r *http.Request) {
	j, err := s.agentsImport(r)
	if err == nil {
		j, err = s.Pipeline.Cancel(r.Context(), j.ID, principal(r).Subject)
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	v, err := s.importView(r, j)
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
