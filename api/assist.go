package api

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/assist"
)

// assistRow is a created contact in the import-contacts answer: its row,
// then the contact in the seed's shape.
type assistRow struct {
	Row int `json:"row"`
	*bulkd.AssistContact
}

// importAssistContacts is POST /agentassist/api/v1/public/{streamId}/contacts/import-contacts
// with the CSV in the multipart part result_file. The seed's own curl sets
// Content-Type to application/json (curl adds the boundary), so any type
// with a boundary is read as multipart. The answer, once the job is done,
// is the array of rows in order: each created contact as the seed shows it
// (status ACTIVE), each failed row as {row, status: FAILED, error}.
func (s *Server) importAssistContacts(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	rc, err := s.receive(w, r, door{anyType: true, part: maxRealtimeBody, body: maxRealtimeBody + 1<<20, parts: 16}, func(field, file string) (string, error) {
		if field != "result_file" {
			return "", nil
		}
		name, ok := safeName(file)
		if !ok {
			name = "contacts.csv"
		}
		if !strings.EqualFold(filepath.Ext(name), ".csv") {
			name += ".csv"
		}
		return name, nil
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer os.RemoveAll(rc.dir) // empty once claimed
	if len(rc.files) != 1 {
		s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "send the contacts CSV in one part named result_file"))
		return
	}
	dir, name := rc.dir, rc.files[0]
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
	failed, err := s.failedRows(r, j.ID)
	if err != nil {
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
		out = append(out, map[string]any{"row": row, "status": "FAILED", "error": failed[row].Message})
	}
	writeJSON(w, http.StatusOK, out)
}
