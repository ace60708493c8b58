package api

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// DuplicateOf is set on the answer to a repeat: the job that imported
	// the same request, whose answer this is.
	DuplicateOf uint64 `json:"duplicate_of,omitempty"`
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

// door is what one multipart door accepts. Zero limits take the server's
// configured ones (Limits): the contacts upload, whose recordings can be
// large, uses those; the other doors take a few small parts.
type door struct {
	anyType bool  // any Content-Type with a boundary is multipart (the assist seed's curl sends application/json with one)
	part    int64 // bytes of one file part
	body    int64 // bytes of the whole request
	parts   int   // parts, files and fields together
}

// smallDoor is a door for one small file and a few fields.
func smallDoor(part int64) door { return door{part: part, body: part + 1<<20, parts: 16} }

// receive streams r's multipart body: the parts nameFile names are saved
// (synced: an upload may be answered before it is imported), the others
// kept as fields of at most maxField bytes, all within d's limits (more is
// ETOOLARGE; a body slower than Limits.MinBodyRate is ETOOSLOW). The
// caller removes dir; on error receive has.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, d door, nameFile fileNamer) (*received, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if params["boundary"] == "" || !d.anyType && mt != "multipart/form-data" {
		return nil, bulkd.Errorf(EUNSUPPORTED, "Content-Type must be multipart/form-data, not %s", clip(mt))
	}
	lim := s.Limits.WithDefaults()
	d.part, d.body, d.parts = cmp.Or(d.part, lim.MaxPartBytes), cmp.Or(d.body, lim.MaxBodyBytes), cmp.Or(d.parts, lim.MaxParts)
	if r.ContentLength > d.body {
		return nil, bulkd.Errorf(ETOOLARGE, "the request is %d bytes, over the %d bytes this endpoint takes", r.ContentLength, d.body)
	}
	dir, err := s.uploadDir()
	if err != nil {
		return nil, err
	}
	rc := &received{dir: dir, fields: map[string]string{}}
	body := http.MaxBytesReader(w, r.Body, d.body)
	if err := rc.read(multipart.NewReader(body, params["boundary"]), d, nameFile); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return rc, nil
}

func (rc *received) read(mr *multipart.Reader, d door, nameFile fileNamer) error {
	seen := map[string]bool{}
	for n := 1; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return bodyError(err, d, "read multipart body")
		}
		if n > d.parts {
			return bulkd.Errorf(ETOOLARGE, "the request has more than %d parts", d.parts)
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
				return bodyError(err, d, "read "+clip(field))
			case len(b) > maxField:
				return bulkd.Errorf(bulkd.EINVALID, "the field %s is over %d bytes", clip(field), maxField)
			}
			rc.fields[field] = strings.TrimSpace(string(b))
			continue
		}
		if seen[name] {
			return bulkd.Errorf(bulkd.EINVALID, "two parts are named %s", clip(name))
		}
		seen[name] = true
		if err := saveFile(filepath.Join(rc.dir, name), part, d); err != nil {
			return &fieldError{field, err}
		}
		rc.files = append(rc.files, name)
	}
}

// saveFile writes r to path and syncs it; more than d.part bytes is
// ETOOLARGE (one byte past it is read to tell: a file cut short would
// import as if it were whole).
func saveFile(path string, r io.Reader, d door) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, d.part+1))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return bodyError(err, d, "read the file")
	case n > d.part:
		return bulkd.Errorf(ETOOLARGE, "the file is over %d bytes", d.part)
	}
	return nil
}

// bodyError says why reading a request body failed: too large, too slow,
// a full disk, or a malformed body.
func bodyError(err error, d door, what string) error {
	var mbe *http.MaxBytesError
	var be *bulkd.Error
	switch {
	case errors.As(err, &mbe):
		return bulkd.Errorf(ETOOLARGE, "the request is over %d bytes", d.body)
	case errors.As(err, &be):
		return be // too slow
	case fsx.NoSpace(err):
		return asStorage(err)
	}
	return bulkd.Errorf(bulkd.EINVALID, "%s: %v", what, err)
}

// clip cuts a name the client sent for quoting in a message.
func clip(s string) string { return fmt.Sprintf("%q", bulkd.Truncate(s, 64)) }

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
		s.Error(w, r, bulkd.Errorf(EUNSUPPORTED, "Content-Type must be %s, not %s", want, clip(mt)))
		return false
	}
	return true
}

// uploadContacts is the Bulk Contact Import API: multipart metadata (CSV,
// JSON or ZIP) plus recordings, streamed to disk part by part.
func (s *Server) uploadContacts(w http.ResponseWriter, r *http.Request) {
	t := principal(r).Tenant
	rc, err := s.receive(w, r, door{}, func(field, file string) (string, error) {
		name, ok := safeName(file)
		if !ok {
			return "", bulkd.Errorf(bulkd.EINVALID, "part %s has no file name: each part's file name is the key the metadata references", clip(field))
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
	src, err := s.source(r.Context(), j)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	results, err := s.results(r, src, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ignored := src.Ignored
	if ignored == nil {
		ignored = []string{}
	}
	out := map[string]any{"job_id": j.ID, "state": j.State, "contacts": results, "ignored": ignored}
	if src != j {
		out["duplicate_of"], out["error"] = src.ID, j.Error
	}
	writeJSON(w, http.StatusOK, out)
}

// claimAndWait claims c and waits for the job to finish. A job that failed
// as a whole is answered 400 with its error; ok is false when an answer was
// written.
func (s *Server) claimAndWait(w http.ResponseWriter, r *http.Request, c pipeline.Claim) (*bulkd.Job, bool) {
	job, err := s.claim(w, r, c)
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
	media, err := s.Jobs.JobMedia(r.Context(), j.ID)
	if err != nil {
		return nil, err
	}
	uploaded := map[string]bool{}
	for _, n := range append(media, j.Files...) {
		uploaded[n] = true
	}
	err = s.Jobs.RowFailures(r.Context(), j.ID, func(f bulkd.RowFailure) error {
		res := contactResult{Row: f.Row, Status: "failed", Error: f.Message, Recordings: []recordingView{}}
		for _, rec := range f.Recordings {
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
		s.Error(w, r, bodyError(err, door{body: maxRealtimeBody}, "read body"))
		return
	}
	j, ok := s.claimAndWait(w, r, pipeline.Claim{
		Tenant: t, Kind: bulkd.KindContacts, Source: bulkd.SourceAPI, Origin: dir,
		Files: []string{"contacts.json"}, Realtime: true, User: principal(r).Subject,
	})
	if !ok {
		return
	}
	src, err := s.source(r.Context(), j)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	results, err := s.results(r, src, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if src != j {
		for i := range results {
			results[i].DuplicateOf = src.ID
		}
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
	part := s.Limits.WithDefaults().MaxPartBytes
	if err := fsx.CopyTo(path, http.MaxBytesReader(w, r.Body, part)); err != nil {
		s.Error(w, r, bodyError(err, door{body: part}, "read body"))
		return
	}
	b, err := s.Media.Ingest(r.Context(), path, loc)
	if err != nil {
		s.Error(w, r, bodyError(err, door{body: part}, "store the recording"))
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

// onlyFile returns the one file part a door takes, or the error naming
// what it should be (what: "the agents CSV").
func (rc *received) onlyFile(what string) (string, error) {
	if len(rc.files) != 1 {
		return "", &fieldError{"file", bulkd.Errorf(bulkd.EINVALID, "send one file part (%s), not %d", what, len(rc.files))}
	}
	return rc.files[0], nil
}

// maxIdempotencyKey bounds an Idempotency-Key header.
const maxIdempotencyKey = 255

// claim claims c for request r: with its Idempotency-Key, if it sends one
// (a repeat of the request is then answered for the job the first made,
// not imported again), and the job's id in the answer's Bulkd-Job header,
// which a forwarding site records.
func (s *Server) claim(w http.ResponseWriter, r *http.Request, c pipeline.Claim) (*bulkd.Job, error) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(ch rune) bool { return ch < 0x21 || ch > 0x7e }) {
		return nil, bulkd.Errorf(bulkd.EINVALID, "the Idempotency-Key header must be at most %d printable ASCII characters without spaces", maxIdempotencyKey)
	}
	c.IdempotencyKey = key
	j, err := s.Pipeline.Claim(r.Context(), c)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Bulkd-Job", strconv.FormatUint(j.ID, 10))
	return j, nil
}
