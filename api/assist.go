package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/assist"
)

// assistRow is one row of the import-contacts answer: a created contact in
// the seed's shape, or a failed row.
type assistRow struct {
	Row int `json:"row"`
	*bulkd.AssistContact
	Error string `json:"error,omitempty"`
}

// importAssistContacts is POST /agentassist/api/v1/public/{streamId}/contacts/import-contacts
// with the CSV in the multipart part result_file. The seed's own curl sets
// Content-Type to application/json (curl adds the boundary), so any type
// with a boundary is read as multipart. The answer, once the job is done,
// is the array of rows in order: each created contact as the seed shows it
// (status ACTIVE), each failed row as {row, status: FAILED, error}.
func (s *Server) importAssistContacts(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		s.Error(w, r, bulkd.Errorf(EUNSUPPORTED, "send the CSV as multipart/form-data, in the part result_file"))
		return
	}
	dir, err := s.uploadDir()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer os.RemoveAll(dir) // empty once claimed
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, maxRealtimeBody), params["boundary"])
	name := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "read multipart body: %v", err))
			return
		}
		if partName(part) != "result_file" {
			continue
		}
		n, ok := safeName(part.FileName())
		if !ok {
			n = "contacts.csv"
		}
		if !strings.EqualFold(filepath.Ext(n), ".csv") {
			n += ".csv"
		}
		if err := fsx.CopyTo(filepath.Join(dir, n), part); err != nil {
			s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "read result_file: %v", err))
			return
		}
		name = n
	}
	if name == "" {
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "the part result_file (the contacts CSV) is required"))
		return
	}
	j, ok := s.claimAndWait(w, r, pipeline.Claim{
		Tenant: p.Tenant, Kind: bulkd.KindAssist, Source: bulkd.SourceAPI, Origin: dir, Files: []string{name},
		User: p.Subject, Params: map[string]string{assist.ParamStream: r.PathValue("streamId")},
	})
	if !ok {
		return
	}
	created, err := s.Assist.JobAssistContacts(r.Context(), j.Tenant, j.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	failed := map[int]string{}
	if err := s.Jobs.RowFailures(r.Context(), j.ID, func(f bulkd.RowFailure) error { failed[f.Row] = f.Message; return nil }); err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]any, 0, j.RowsDone)
	next := 0
	for row := 1; row <= j.RowsDone; row++ {
		if next < len(created) && created[next].Row == row {
			out = append(out, assistRow{Row: row, AssistContact: &created[next]})
			next++
			continue
		}
		out = append(out, map[string]any{"row": row, "status": "FAILED", "error": failed[row]})
	}
	writeJSON(w, http.StatusOK, out)
}

// partName is a part's field name. curl, sending the seed's custom
// Content-Type, marks parts "attachment" rather than "form-data", which
// FormName ignores.
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
