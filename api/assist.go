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
	DuplicateOf uint64 `json:"duplicate_of,omitempty"` // on a repeat's answer: the job that imported it
}

// assistFailed is a failed row in the import-contacts answer.
type assistFailed struct {
	Row         int    `json:"row"`
	Status      string `json:"status"`
	Error       string `json:"error"`
	DuplicateOf uint64 `json:"duplicate_of,omitempty"`
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
	src, err := s.source(r.Context(), j)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	created, err := s.Assist.JobAssistContacts(r.Context(), src.Tenant, src.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	failed, err := s.failedRows(r, src.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var dup uint64
	if src != j {
		dup = src.ID
	}
	out := make([]any, 0, src.RowsDone)
	next := 0
	for row := 1; row <= src.RowsDone; row++ {
		if next < len(created) && created[next].Row == row {
			out = append(out, assistRow{Row: row, AssistContact: &created[next], DuplicateOf: dup})
			next++
			continue
		}
		out = append(out, assistFailed{Row: row, Status: "FAILED", Error: failed[row].Message, DuplicateOf: dup})
	}
	writeJSON(w, http.StatusOK, out)
}
