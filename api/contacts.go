package api

import (
	"net/http"
	"strconv"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
)

// Error codes of the HTTP layer only.
const (
	ETOOLARGE    = "too_large"
	EUNSUPPORTED = "unsupported_media_type"
)

// contactPath loads the tenant's contact named by the {id} path value.
func (s *Server) contactPath(r *http.Request, tenant string) (*bulkd.Contact, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "contact %q not found", r.PathValue("id"))
	}
	return s.Contacts.Contact(r.Context(), tenant, id)
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "limit %q is not a number from 1 to 10000", l))
			return
		}
		limit = n
	}
	var after uint64
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseUint(c, 10, 64)
		if err != nil {
			s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "cursor %q is not one this API gave out", c))
			return
		}
		after = n
	}
	list, next, err := s.Contacts.Contacts(r.Context(), r.PathValue("tenant"), after, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cursor := ""
	if next != 0 {
		cursor = strconv.FormatUint(next, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": list, "next_cursor": cursor})
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := s.contactPath(r, r.PathValue("tenant"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// getRecording serves a recording's bytes, with Range support.
func (s *Server) getRecording(w http.ResponseWriter, r *http.Request) {
	c, err := s.contactPath(r, r.PathValue("tenant"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc := r.PathValue("location")
	for _, rec := range c.Recordings {
		if rec.Location != loc {
			continue
		}
		if rec.SHA256 == "" {
			s.Error(w, r, bulkd.Errorf(bulkd.ENOTFOUND, "recording %s of contact %d has not been uploaded yet", loc, c.ID))
			return
		}
		f, err := s.Media.OpenBlob(r.Context(), rec.SHA256)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", media.ContentType(loc))
		w.Header().Set("ETag", `"`+rec.SHA256+`"`)
		http.ServeContent(w, r, loc, f.ModTime(), f)
		return
	}
	s.Error(w, r, bulkd.Errorf(bulkd.ENOTFOUND, "contact %d has no recording %q", c.ID, loc))
}
