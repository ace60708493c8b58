package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/objects"
)

// The objects kind's doors, shaped like the seed's Bulk Operations page:
// templates and stored objects under /v1/objects, uploads and their
// dashboard under /v1/bulk-operations. Errors are the bulk-imports API's
// {code, message, description, fields}.
const (
	bulkOperations = objects.DoorPath
	objectsPath    = "/v1/objects"
)

// maxObjectsFile bounds an uploaded objects file: a ZIP may hold a tenant's
// whole set-up with its audio files. A CSV over the importer's 10 MB is let
// in and refused there, in its words, naming the limit.
const maxObjectsFile = 256 << 20

// paramFileName keeps an uploaded CSV's own name: the job's file is
// renamed so that its name carries the type.
const paramFileName = objects.ParamFileName

// ObjectReader is what the objects doors read of the store.
type ObjectReader interface {
	Objects(ctx context.Context, tenant, slug string) ([]bulkd.ConfigObject, error)
	Object(ctx context.Context, tenant, slug, key, within string) (*bulkd.ConfigObject, error)
}

// objectType resolves a slug or a type's name, with or without its spaces,
// any case (the seed's drop-down shows names); an unknown one is not found,
// naming the types. A dot is refused: Lookup would read a file name.
func objectType(s string) (*objects.Type, error) {
	for _, t := range objects.Types {
		if strings.EqualFold(s, t.Name) {
			return t, nil
		}
	}
	if t, ok := objects.Lookup(s); ok && !strings.Contains(s, ".") {
		return t, nil
	}
	slugs := make([]string, 0, len(objects.Types))
	for _, t := range objects.Types {
		slugs = append(slugs, t.Slug)
	}
	return nil, bulkd.Errorf(bulkd.ENOTFOUND, "no object type %s: the types are %s", clip(s), strings.Join(slugs, ", "))
}

// getObjectTemplate is GET /v1/objects/{type}/template.csv: the blank
// template, its header only, under the name the folder door takes.
func (s *Server) getObjectTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := objectType(r.PathValue("type"))
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": objects.TemplateName(t)}))
	if err := objects.WriteTemplate(w, t); err != nil {
		s.log.Error("write object template", "type", t.Slug, "error", err)
	}
}

// objectView is a stored object as the API shows it: its values by column.
type objectView struct {
	Type      string              `json:"type"`
	Key       string              `json:"key"`
	Fields    map[string]string   `json:"fields"`
	Children  []map[string]string `json:"children,omitempty"`
	JobID     uint64              `json:"job_id"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`
}

func byColumn(fields []bulkd.ObjectField) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		m[f.Name] = f.Value
	}
	return m
}

func viewObject(o *bulkd.ConfigObject) objectView {
	v := objectView{Type: o.Type, Key: o.Key, Fields: byColumn(o.Fields), JobID: o.JobID, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	for _, c := range o.Children {
		v.Children = append(v.Children, byColumn(c))
	}
	return v
}

// listObjects is GET /v1/objects/{type}: the tenant's objects of the type,
// in key order.
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request) {
	t, err := objectType(r.PathValue("type"))
	var objs []bulkd.ConfigObject
	if err == nil {
		objs, err = s.Objects.Objects(r.Context(), principal(r).Tenant, t.Slug)
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	out := make([]objectView, 0, len(objs))
	for i := range objs {
		out = append(out, viewObject(&objs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"objects": out})
}

// getObject is GET /v1/objects/{type}/{key}, with ?site= for a Team (its
// name is unique only within its site); a Team name in one site only needs
// none.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request) {
	o, err := s.object(r)
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewObject(o))
}

func (s *Server) object(r *http.Request) (*bulkd.ConfigObject, error) {
	t, err := objectType(r.PathValue("type"))
	if err != nil {
		return nil, err
	}
	tenant, key, within := principal(r).Tenant, r.PathValue("key"), r.URL.Query().Get(strings.ToLower(t.KeyWithin))
	if t.KeyWithin == "" || within != "" {
		return s.Objects.Object(r.Context(), tenant, t.Slug, key, within)
	}
	all, err := s.Objects.Objects(r.Context(), tenant, t.Slug)
	if err != nil {
		return nil, err
	}
	var found []bulkd.ConfigObject
	for _, o := range all {
		if strings.EqualFold(o.Key, key) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "no %s %q", t.Name, key)
	case 1:
		return &found[0], nil
	}
	return nil, &fieldError{strings.ToLower(t.KeyWithin), bulkd.Errorf(bulkd.EINVALID,
		"%d %ss are called %q: name one with ?%s=", len(found), t.Name, key, strings.ToLower(t.KeyWithin))}
}

// BulkOperation is an objects job as the seed's Bulk Operations screen shows it.
type BulkOperation struct {
	ID          uint64         `json:"id"`
	FileName    string         `json:"file_name"`
	Object      string         `json:"object"`
	Status      string         `json:"status"`
	SubmittedBy string         `json:"submitted_by"`
	SubmittedAt time.Time      `json:"submitted_at"`
	StartedAt   *time.Time     `json:"started_at,omitempty"`
	FinishedAt  *time.Time     `json:"finished_at,omitempty"`
	RowsTotal   int            `json:"rows_total"`
	RowsDone    int            `json:"rows_done"`
	RowsFailed  int            `json:"rows_failed"`
	Counts      map[string]int `json:"counts,omitempty"`
	// DuplicateOf is the operation this one repeats (an identical file),
	// whose counts it shows.
	DuplicateOf uint64       `json:"duplicate_of,omitempty"`
	Error       *importError `json:"error,omitempty"`
	ErrorReport string       `json:"error_report,omitempty"`
}

// operationStatus is each state in the seed's words. A repeat completed
// (nothing left to do); a canceled operation did not.
var operationStatus = map[bulkd.JobState]string{
	bulkd.StateQueued: "New", bulkd.StateRunning: "In Progress", bulkd.StatePaused: "In Progress",
	bulkd.StateSucceeded: "Completed", bulkd.StatePartial: "Complete With Errors", bulkd.StateFailed: "Failed",
	bulkd.StateSkipped: "Completed", bulkd.StateCanceled: "Failed",
}

func viewOperation(j *bulkd.Job) BulkOperation {
	v := BulkOperation{ID: j.ID, FileName: j.Params[paramFileName], Status: operationStatus[j.State], SubmittedBy: j.User,
		SubmittedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		RowsTotal: j.RowsTotal, RowsDone: j.RowsDone, RowsFailed: j.RowsFailed, Counts: j.Counts, DuplicateOf: j.DuplicateOf}
	if v.FileName == "" {
		v.FileName = j.File // a dropped file keeps its name
	}
	if t, ok := objects.Lookup(j.File); ok && !objects.IsZip(j.File) {
		v.Object = t.Name
	} else if t, ok := objects.Lookup(j.Params[objects.ParamObject]); ok {
		v.Object = t.Name
	}
	if v.SubmittedBy == "" {
		v.SubmittedBy = string(j.Source) // "folder" for a dropped file; "api" when open, without X-User
	}
	if e, ok := importErrors[j.State]; ok && j.Error != "" {
		e.Description, e.Fields = j.Error, []map[string]string{}
		v.Error = &e
	}
	if j.State.Final() && pipeline.HasReport(j) {
		v.ErrorReport = reportURL(bulkOperations, j.ID, j)
	}
	return v
}

// reportURL is where the error report of the job id (whose report src
// writes: a repeat's is its original's) is served under prefix.
func reportURL(prefix string, id uint64, src *bulkd.Job) string {
	return fmt.Sprintf("%s/%d/errors%s", prefix, id, filepath.Ext(pipeline.ReportSuffixOf(src)))
}

// createBulkOperation is POST /v1/bulk-operations: multipart object (a
// type's slug or name) and file (its CSV, or a ZIP of CSVs and .wav audio
// files). A CSV is claimed under OBJECTS.<slug>.<name>.csv, the name the
// importer reads the type from; a ZIP under OBJECTS.<name>.zip, its CSVs
// naming their types, with object (optional for a ZIP) the type of those
// whose names name none.
func (s *Server) createBulkOperation(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	rc, err := s.receive(w, r, smallDoor(maxObjectsFile), func(field, file string) (string, error) {
		if field != "file" {
			return "", nil
		}
		name, ok := safeName(file)
		if ext := filepath.Ext(name); !ok || !strings.EqualFold(ext, ".csv") && !objects.IsZip(name) {
			return "", &fieldError{"file", bulkd.Errorf(bulkd.EINVALID, "file %s is not a .csv or .zip file", clip(file))}
		}
		return name, nil
	})
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	dir := rc.dir
	defer os.RemoveAll(dir) // empty once claimed
	name, err := rc.onlyFile("the objects CSV or ZIP")
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	saved, params, err := operationFile(name, rc.fields["object"])
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	if err := os.Rename(filepath.Join(dir, name), filepath.Join(dir, saved)); err != nil {
		s.bulkImportError(w, r, fmt.Errorf("name the upload for its type: %w", err))
		return
	}
	params[paramFileName] = name
	j, err := s.claim(w, r, pipeline.Claim{
		Tenant: p.Tenant, Kind: bulkd.KindObjects, Source: bulkd.SourceAPI, Origin: dir, Files: []string{saved},
		User: p.Subject, Params: params,
	})
	var busy *pipeline.BusyError
	if errors.As(err, &busy) {
		err = bulkd.Errorf(bulkd.ECONFLICT, "bulk operation %d (%s) is still %s: only one bulk operation can be active at a time; send this one once it has finished",
			busy.Job.ID, viewOperation(busy.Job).FileName, operationStatus[busy.Job.State])
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s/%d", bulkOperations, j.ID))
	writeJSON(w, http.StatusAccepted, viewOperation(j))
}

// operationFile returns the name an uploaded objects file is claimed
// under, and the job's parameters, from its own name and the object field.
func operationFile(name, object string) (string, map[string]string, error) {
	base := strings.TrimSuffix(name, filepath.Ext(name))
	zipped := objects.IsZip(name)
	if zipped && len(base) > len("OBJECTS.") && strings.EqualFold(base[:len("OBJECTS.")], "OBJECTS.") {
		base = base[len("OBJECTS."):] // already named for the folder door
	}
	if zipped && object == "" {
		return "OBJECTS." + base + ".zip", map[string]string{}, nil
	}
	t, err := objectType(object)
	if err != nil { // a bad field of the request, not a missing resource
		return "", nil, &fieldError{"object", bulkd.Errorf(bulkd.EINVALID, "object: %v", err)}
	}
	if zipped {
		return "OBJECTS." + base + ".zip", map[string]string{objects.ParamObject: t.Slug}, nil
	}
	if _, err := objects.FileType(t.Slug); err != nil { // a media type: not a CSV
		return "", nil, &fieldError{"object", err}
	}
	return "OBJECTS." + t.Slug + "." + base + ".csv", map[string]string{}, nil
}

// listBulkOperations is GET /v1/bulk-operations?page=&per_page=: the
// tenant's objects jobs from both doors, newest first.
func (s *Server) listBulkOperations(w http.ResponseWriter, r *http.Request) {
	page, perPage, err := pagination(r)
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	jobs, err := s.Jobs.Jobs(r.Context(), bulkd.JobFilter{Tenant: principal(r).Tenant, Kind: bulkd.KindObjects, Limit: 1 << 20, Brief: true})
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	items := []BulkOperation{}
	for _, j := range pageOf(jobs, page, perPage) {
		items = append(items, viewOperation(j))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"count": len(items), "total": len(jobs), "page": page, "per_page": perPage, "operations": items,
	})
}

// objectsOperation loads the tenant's objects job named by {id}; another
// tenant's, or another kind's, is not found.
func (s *Server) objectsOperation(r *http.Request) (*bulkd.Job, error) {
	j, err := s.job(r)
	if err == nil && (j.Kind != bulkd.KindObjects || j.Tenant != principal(r).Tenant) {
		err = bulkd.Errorf(bulkd.ENOTFOUND, "bulk operation %d not found", j.ID)
	}
	return j, err
}

// getBulkOperation is GET /v1/bulk-operations/{id}; a repeat shows the
// counts of the operation it repeats.
func (s *Server) getBulkOperation(w http.ResponseWriter, r *http.Request) {
	j, err := s.objectsOperation(r)
	var src *bulkd.Job
	if err == nil {
		src, err = s.source(r.Context(), j)
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	v := viewOperation(j)
	if src != j {
		v.RowsTotal, v.RowsDone, v.RowsFailed, v.Counts = src.RowsTotal, src.RowsDone, src.RowsFailed, src.Counts
		if viewOperation(src).ErrorReport != "" {
			v.ErrorReport = reportURL(bulkOperations, j.ID, src)
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// getBulkOperationReport is GET /v1/bulk-operations/{id}/errors.csv (or
// errors.zip, for a ZIP whose rows failed: a CSV a part): the job's error
// report (a repeat's is its original's), with the failed rows' reasons in
// its Error Message column.
func (s *Server) getBulkOperationReport(w http.ResponseWriter, r *http.Request) {
	j, err := s.objectsOperation(r)
	if err == nil {
		j, err = s.source(r.Context(), j)
	}
	if err == nil && !(j.State.Final() && pipeline.HasReport(j)) {
		err = bulkd.Errorf(bulkd.ENOTFOUND, "bulk operation %d has no error report", j.ID)
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	s.serveReport(w, r, j, nil)
}

// exportObjects is GET /v1/objects/{type}/export: the tenant's objects of
// the type in the import format, so they can be edited and sent back (the
// seed's way to update existing records): one CSV, or a ZIP of CSVs when
// the rows are more than one CSV may hold; Audio Files as the ZIP of
// AudioFiles.csv and the WAVs they are imported as. The stored objects
// are all in memory, so which one it is is known before a byte is sent.
func (s *Server) exportObjects(w http.ResponseWriter, r *http.Request) {
	t, err := objectType(r.PathValue("type"))
	var stored []bulkd.ConfigObject
	if err == nil {
		stored, err = s.Objects.Objects(r.Context(), principal(r).Tenant, t.Slug)
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	objs := make([]objects.Object, len(stored))
	for i, o := range stored {
		objs[i] = objects.Object{Key: o.Key, Own: record(o.Fields)}
		for _, c := range o.Children {
			objs[i].Children = append(objs[i].Children, record(c))
		}
	}
	if t.Media { // once the answer has begun, a missing file could only cut the ZIP short
		for _, o := range stored {
			if sha := o.Value(objects.FieldSHA256); sha == "" {
				continue
			} else if err := s.Media.Has(r.Context(), sha); err != nil {
				s.bulkImportError(w, r, fmt.Errorf("export %s %q: %w", t.Name, o.Key, err))
				return
			}
		}
	}
	e := objects.NewExport(t, objs, func(sha string) (io.ReadCloser, error) {
		return s.Media.OpenBlob(r.Context(), sha)
	})
	if e.Zip() {
		w.Header().Set("Content-Type", "application/zip")
	} else {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.Name()}))
	if err := e.Write(w); err != nil {
		s.log.Error("export objects", "type", t.Slug, "error", err)
	}
}

// getObjectAudio is GET /v1/objects/{type}/{key}/audio: an Audio File's
// bytes from the media store, with Range support. Another type, an unknown
// name, or an Audio File stored without bytes is not found.
func (s *Server) getObjectAudio(w http.ResponseWriter, r *http.Request) {
	t, err := objectType(r.PathValue("type"))
	if err == nil && !t.Media {
		err = bulkd.Errorf(bulkd.ENOTFOUND, "%s objects have no audio: only Audio File objects do", t.Name)
	}
	var o *bulkd.ConfigObject
	if err == nil {
		o, err = s.object(r)
	}
	var sha string
	if err == nil {
		if sha = o.Value(objects.FieldSHA256); sha == "" {
			err = bulkd.Errorf(bulkd.ENOTFOUND, "%s %q has no audio stored", t.Name, o.Key)
		}
	}
	var f media.Reader
	if err == nil {
		f, err = s.Media.OpenBlob(r.Context(), sha)
	}
	if err != nil {
		s.bulkImportError(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": o.Key}))
	w.Header().Set("ETag", `"`+sha+`"`)
	http.ServeContent(w, r, o.Key, f.ModTime(), f)
}

// record holds stored fields as ExportRows reads them: by their canonical
// text, which is what the store keeps.
func record(fields []bulkd.ObjectField) objects.Record {
	rec := make(objects.Record, len(fields))
	for _, f := range fields {
		rec[f.Name] = objects.Value{Text: f.Value}
	}
	return rec
}
