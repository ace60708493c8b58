package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/contacts"
)

// maxRealtimeBody bounds a real-time metadata request.
const maxRealtimeBody = 16 << 20

// recordingView is one recording in an import answer.
type recordingView struct {
	Location  string          `json:"location"`
	Status    string          `json:"status"` // stored, missing, pending, not_stored
	Media     bulkd.MediaType `json:"media"`
	UploadURL string          `json:"upload_url,omitempty"`
}

// contactResult is one row's outcome in an import answer.
type contactResult struct {
	Row        int             `json:"row"`
	Status     string          `json:"status"` // inserted or failed
	ContactID  uint64          `json:"contact_id,omitempty"`
	Complete   *bool           `json:"complete,omitempty"`
	Error      string          `json:"error,omitempty"`
	Recordings []recordingView `json:"recordings"`
}

// uploadDir streams a request's files into a fresh folder under Incoming.
func (s *Server) uploadDir() (string, error) {
	if err := os.MkdirAll(s.Incoming, 0o755); err != nil {
		return "", fmt.Errorf("create incoming folder: %w", err)
	}
	return os.MkdirTemp(s.Incoming, "upload-*")
}

// received is a multipart request streamed to disk: its file parts in a
// fresh folder under Incoming, and its short fields.
type received struct {
	dir    string
	files  []string          // the saved files' names, in order
	fields map[string]string // the other parts, trimmed
}

// maxField bounds a part that is not a file.
const maxField = 1024

// fileNamer says, for a part (its field name and the file name it was
// sent with), whether it is a file and the plain name to save it under:
// "" for a field, or an error that refuses the request.
type fileNamer func(field, file string) (string, error)

// receive streams r's multipart body: the parts nameFile names are saved
// (synced: an upload may be answered before it is imported), at most limit
// bytes each (0: no limit; more is ETOOLARGE), the others kept as fields of
// at most maxField bytes. With anyType any Content-Type carrying a boundary
// is read as multipart (the assist seed's curl sends application/json with
// one). The caller removes dir; on error receive has.
func (s *Server) receive(r *http.Request, anyType bool, limit int64, nameFile fileNamer) (*received, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if params["boundary"] == "" || !anyType && mt != "multipart/form-data" {
		return nil, bulkd.Errorf(EUNSUPPORTED, "Content-Type must be multipart/form-data, not %q", mt)
	}
	dir, err := s.uploadDir()
	if err != nil {
		return nil, err
	}
	rc := &received{dir: dir, fields: map[string]string{}}
	if err := rc.read(multipart.NewReader(r.Body, params["boundary"]), limit, nameFile); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return rc, nil
}

func (rc *received) read(mr *multipart.Reader, limit int64, nameFile fileNamer) error {
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return bulkd.Errorf(bulkd.EINVALID, "read multipart body: %v", err)
		}
		field := partName(part)
		name, err := nameFile(field, part.FileName())
		if err != nil {
			return &fieldError{field, err}
		}
		if name == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxField+1))
			switch {
			case err != nil:
				return bulkd.Errorf(bulkd.EINVALID, "read %s: %v", field, err)
			case len(b) > maxField:
				return bulkd.Errorf(bulkd.EINVALID, "the field %s is over %d bytes", field, maxField)
			}
			rc.fields[field] = strings.TrimSpace(string(b))
			continue
		}
		if seen[name] {
			return bulkd.Errorf(bulkd.EINVALID, "two parts are named %s", name)
		}
		seen[name] = true
		if err := saveFile(filepath.Join(rc.dir, name), part, limit); err != nil {
			return &fieldError{field, err}
		}
		rc.files = append(rc.files, name)
	}
}

// saveFile writes r to path and syncs it; with limit > 0, more than limit
// bytes is ETOOLARGE (one byte past it is read to tell: a file cut short
// would import as if it were whole).
func saveFile(path string, r io.Reader, limit int64) error {
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return bulkd.Errorf(bulkd.EINVALID, "read the file: %v", err)
	case limit > 0 && n > limit:
		return bulkd.Errorf(ETOOLARGE, "the file is over %d bytes", limit)
	}
	return nil
}

// fieldError is an error about one request field (the bulk-imports API
// names it in its answer).
type fieldError struct {
	name string
	err  error
}

func (e *fieldError) Error() string { return e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// partName is a part's field name. curl, sending a custom Content-Type,
// marks parts "attachment" rather than "form-data", which FormName ignores.
func partName(p *multipart.Part) string {
	if n := p.FormName(); n != "" {
		return n
	}
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["name"]
}

// safeName turns a part's file name into a plain file name.
func safeName(name string) (string, bool) {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	return name, pipeline.PlainName(name)
}

// requireType answers 415 unless the request's Content-Type is want.
func (s *Server) requireType(w http.ResponseWriter, r *http.Request, want string) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != want {
		s.Error(w, r, bulkd.Errorf(EUNSUPPORTED, "Content-Type must be %s, not %q", want, mt))
		return false
	}
	return true
}

// uploadContacts is the Bulk Contact Import API: multipart metadata (CSV,
// JSON or ZIP) plus recordings, streamed to disk part by part.
func (s *Server) uploadContacts(w http.ResponseWriter, r *http.Request) {
	t := principal(r).Tenant
	rc, err := s.receive(r, false, 0, func(field, file string) (string, error) {
		name, ok := safeName(file)
		if !ok {
			return "", bulkd.Errorf(bulkd.EINVALID, "part %q has no file name: each part's file name is the key the metadata references", field)
		}
		return name, nil
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	dir := rc.dir
	defer os.RemoveAll(dir) // empty once claimed
	var meta, recs []string
	for _, name := range rc.files {
		if contacts.IsMetadata(name) || strings.EqualFold(filepath.Ext(name), ".zip") {
			meta = append(meta, name)
		} else {
			recs = append(recs, name)
		}
	}
	if len(meta) == 0 {
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "no metadata part: send a CSV, JSON or ZIP file with the recordings"))
		return
	}
	j, ok := s.claimAndWait(w, r, pipeline.Claim{
		Tenant: t, Kind: bulkd.KindContacts, Source: bulkd.SourceAPI, Origin: dir, Files: meta, Media: recs,
	})
	if !ok {
		return
	}
	results, err := s.results(r, j, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ignored := j.Ignored
	if ignored == nil {
		ignored = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"job_id": j.ID, "state": j.State, "contacts": results, "ignored": ignored,
	})
}

// claimAndWait claims c and waits for the job to finish. A job that failed
// as a whole is answered 400 with its error; ok is false when an answer was
// written.
func (s *Server) claimAndWait(w http.ResponseWriter, r *http.Request, c pipeline.Claim) (*bulkd.Job, bool) {
	job, err := s.Pipeline.Claim(r.Context(), c)
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	j, err := s.Pipeline.Wait(r.Context(), job.ID)
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	if j.State == bulkd.StateFailed && j.RowsFailed == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": bulkd.EINVALID, "message": j.Error, "job_id": j.ID})
		return nil, false
	}
	return j, true
}

// results merges a finished job's contacts and failed rows in row order.
func (s *Server) results(r *http.Request, j *bulkd.Job, realtime bool) ([]contactResult, error) {
	list, err := s.Contacts.JobContacts(r.Context(), j.Tenant, j.ID)
	if err != nil {
		return nil, err
	}
	out := make([]contactResult, 0, j.RowsTotal)
	for _, c := range list {
		res := contactResult{Row: c.Row, Status: "inserted", ContactID: c.ID, Recordings: []recordingView{}}
		if realtime {
			complete := c.Complete
			res.Complete = &complete
		}
		for _, rec := range c.Recordings {
			v := recordingView{Location: rec.Location, Media: rec.Media, Status: "stored"}
			if rec.SHA256 == "" {
				v.Status = "pending"
				v.UploadURL = fmt.Sprintf("/api/rest/wfo/contact/%d/recordings/%s", c.ID, rec.Location)
			}
			res.Recordings = append(res.Recordings, v)
		}
		out = append(out, res)
	}
	uploaded := map[string]bool{}
	for _, n := range append(append([]string{}, j.Media...), j.Files...) {
		uploaded[n] = true
	}
	err = s.Jobs.RowFailures(r.Context(), j.ID, func(f bulkd.RowFailure) error {
		res := contactResult{Row: f.Row, Status: "failed", Error: f.Message, Recordings: []recordingView{}}
		for _, rec := range contacts.NamedRecordings(j.Header, f.Cells) {
			st := "not_stored"
			if !realtime && !uploaded[rec.Location] && !slices.Contains(j.Ignored, rec.Location) {
				st = "missing"
			}
			res.Recordings = append(res.Recordings, recordingView{Location: rec.Location, Media: rec.Media, Status: st})
		}
		out = append(out, res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b contactResult) int { return a.Row - b.Row })
	return out, nil
}

// importRealtime is the Real-time Contact API: JSON metadata now, each
// recording PUT to its upload_url later.
func (s *Server) importRealtime(w http.ResponseWriter, r *http.Request) {
	if !s.requireType(w, r, "application/json") {
		return
	}
	t := principal(r).Tenant
	dir, err := s.uploadDir()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	body := bufio.NewReader(http.MaxBytesReader(w, r.Body, maxRealtimeBody))
	first := firstNonSpace(body)
	if err := fsx.CopyTo(filepath.Join(dir, "contacts.json"), body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.Error(w, r, bulkd.Errorf(ETOOLARGE, "the request is over %d bytes", maxRealtimeBody))
			return
		}
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "read body: %v", err))
		return
	}
	j, ok := s.claimAndWait(w, r, pipeline.Claim{
		Tenant: t, Kind: bulkd.KindContacts, Source: bulkd.SourceAPI, Origin: dir,
		Files: []string{"contacts.json"}, Realtime: true, User: principal(r).Subject,
	})
	if !ok {
		return
	}
	results, err := s.results(r, j, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if first == '{' && len(results) == 1 {
		writeJSON(w, http.StatusOK, results[0])
		return
	}
	writeJSON(w, http.StatusOK, results)
}

func firstNonSpace(br *bufio.Reader) byte {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0
		}
		if b[0] != ' ' && b[0] != '\t' && b[0] != '\r' && b[0] != '\n' {
			return b[0]
		}
		_, _ = br.Discard(1)
	}
}

// putRecording receives a recording that real-time metadata named.
func (s *Server) putRecording(w http.ResponseWriter, r *http.Request) {
	t := principal(r).Tenant
	c, err := s.contactPath(r, t)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc := r.PathValue("location")
	if !slices.ContainsFunc(c.Recordings, func(rec bulkd.Recording) bool { return rec.Location == loc }) {
		s.Error(w, r, bulkd.Errorf(bulkd.ENOTFOUND, "contact %d has no recording %q", c.ID, loc))
		return
	}
	dir, err := s.uploadDir()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, loc)
	if err := fsx.CopyTo(path, r.Body); err != nil {
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "read body: %v", err))
		return
	}
	b, err := s.Media.Ingest(path, loc)
	if err != nil {
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "%v", err))
		return
	}
	if err := s.Media.Sync(); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err = s.Contacts.StoreRecording(r.Context(), t, c.ID, loc, b.Size, b.SHA256)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
