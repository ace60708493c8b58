package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/schedule"
	"github.com/google/uuid"
)

// The schedule event import API's error codes and messages, from the seed;
// the status is statusOf's. The seed's tables give no code for 403 and 429
// (a dash): those answer with bulkd's own code for the same condition, the
// one its other doors send, rather than a number in the seed's 1580xxxx
// range that the real service may use for something else.
var wfmErrors = map[string]struct{ code, message string }{
	bulkd.EINVALID:      {"1580028", "The CSV template is incorrect."},
	bulkd.EUNAUTHORIZED: {"1580005", "Invalid authentication."},
	bulkd.EFORBIDDEN:    {bulkd.EFORBIDDEN, "Insufficient permissions to perform this operation."},
	bulkd.ENOTFOUND:     {"1580001", "Not found."},
	bulkd.ECONFLICT:     {"1580026", "Another event import is already in progress. Please try again later."},
	ETOOLARGE:           {"1580047", "The uploaded file exceeds the maximum allowed size of 5 MB."},
	EUNSUPPORTED:        {"1580027", "Unsupported Media Type."},
	ERATELIMITED:        {ERATELIMITED, "Rate limit exceeded. Please retry later."},
}

// ERATELIMITED is a request over its tenant's rate (429).
const ERATELIMITED = "rate_limited"

// reportLinkTTL is how long a signed error report link works (the seed's
// 10 minutes).
const reportLinkTTL = 10 * time.Minute

const eventImports = schedule.DoorPath

// wfmError renders err the seed's way: {code, message, description}, the
// description being bulkd's own explanation.
func (s *Server) wfmError(w http.ResponseWriter, r *http.Request, err error) {
	err = asStorage(err)
	e, ok := wfmErrors[bulkd.ErrorCode(err)]
	status := errorStatus(w, err)
	if !ok || status == 0 {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, status, map[string]string{"code": e.code, "message": e.message, "description": err.Error()})
}

// importSchedule is POST /wfm/aion/v1/schedules/event-imports: it checks the
// request and the CSV's header, queues the import and answers 202 with the
// status URL; no row is read before the answer.
func (s *Server) importSchedule(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if wait := s.allow(p.Tenant); wait > 0 {
		// Whole seconds, rounded up: a client that waits that long is let in.
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.wfmError(w, r, bulkd.Errorf(ERATELIMITED, "tenant %s is over its %d requests a minute: retry in %s",
			p.Tenant, s.Tenant(p.Tenant).RequestsPerMinute, wait.Round(time.Second)))
		return
	}
	// The whole body is bounded too (parts other than csv_file are read as
	// fields); above the 5 MB of csv_file, so that one still says 413.
	rc, err := s.receive(w, r, smallDoor(schedule.MaxBytes), func(field, _ string) (string, error) {
		if field == "csv_file" {
			return partCSV, nil
		}
		return "", nil
	})
	if err != nil {
		s.wfmError(w, r, err)
		return
	}
	dir := rc.dir
	defer os.RemoveAll(dir) // empty once claimed
	form := rc.fields
	if err := checkScheduleForm(rc); err != nil {
		s.wfmError(w, r, err)
		return
	}
	// The CSV's name: file_name, as the seed says (a .csv, checked above).
	name, ok := safeName(form["file_name"])
	if !ok {
		s.wfmError(w, r, bulkd.Errorf(bulkd.EINVALID, "file_name %q is not a file name", form["file_name"]))
		return
	}
	if err := os.Rename(filepath.Join(dir, partCSV), filepath.Join(dir, name)); err != nil {
		s.Error(w, r, err)
		return
	}
	j, err := s.claim(w, r, pipeline.Claim{
		Tenant: p.Tenant, Kind: bulkd.KindSchedule, Source: bulkd.SourceAPI, Origin: dir, Files: []string{name},
		User: p.Subject, ExternalID: uuid.NewString(),
		Params: map[string]string{schedule.ParamTimeZone: form["time_zone"], schedule.ParamDateFormat: form["date_format"]},
	})
	if err != nil {
		s.wfmError(w, r, err) // one import in progress per account: the pipeline's conflict, 1580026
		return
	}
	w.Header().Set("Location", eventImports+"/"+j.ExternalID) // a repeat's (Idempotency-Key) is its original's
	w.WriteHeader(http.StatusAccepted)
}

// partCSV is what the csv_file part is saved as until its name is known.
const partCSV = ".csv_file"

// checkScheduleForm checks a received schedule import's fields are there.
func checkScheduleForm(rc *received) error {
	form := rc.fields
	switch {
	case len(rc.files) == 0:
		return bulkd.Errorf(bulkd.EINVALID, "the csv_file part is required")
	case form["file_name"] == "":
		return bulkd.Errorf(bulkd.EINVALID, "the file_name field is required")
	case !strings.EqualFold(filepath.Ext(form["file_name"]), ".csv"):
		return bulkd.Errorf(EUNSUPPORTED, "file_name %q does not end in .csv: only CSV files are accepted", form["file_name"])
	case form["time_zone"] == "":
		return bulkd.Errorf(bulkd.EINVALID, "the time_zone field is required (an IANA time zone such as America/New_York)")
	}
	if form["date_format"] == "" {
		form["date_format"] = bulkd.DefaultDateFormat
	}
	return nil // the time zone, the date format and the header: the kind's Check, at the claim
}

// allow spends one of the tenant's schedule import requests and returns 0;
// when there is none to spend it spends nothing and returns how long until
// there is one (for Retry-After).
func (s *Server) allow(tenant string) time.Duration {
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	l, ok := s.limiters[tenant]
	if !ok {
		rpm := s.Tenant(tenant).RequestsPerMinute
		l = newLimiter(rpm)
		s.limiters[tenant] = l
	}
	now := time.Now()
	if missing := 1 - l.TokensAt(now); missing > 0 {
		return max(time.Duration(missing/float64(l.Limit())*float64(time.Second)), time.Nanosecond) // refused: never 0
	}
	l.AllowN(now, 1)
	return 0
}

// scheduleJob finds the schedule import with this UUID: the tenant's, or
// any tenant's when tenant is "" (a signed link names no tenant).
func (s *Server) scheduleJob(r *http.Request, tenant, id string) (*bulkd.Job, error) {
	var jobs []*bulkd.Job
	var err error
	if id != "" { // "" would filter nothing
		jobs, err = s.Jobs.Jobs(r.Context(), bulkd.JobFilter{Tenant: tenant, Kind: bulkd.KindSchedule, ExternalID: id, Limit: 1})
	}
	switch {
	case err != nil:
		return nil, err
	case len(jobs) == 0:
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "no schedule event import %q for this account", id)
	}
	return jobs[0], nil
}

// importStatus maps a job's state to the seed's status.
func importStatus(j *bulkd.Job) string {
	switch {
	case !j.State.Final():
		return "PROCESSING"
	case j.State == bulkd.StateSucceeded:
		return "IMPORTED"
	case j.State == bulkd.StatePartial, j.State == bulkd.StateFailed && j.RowsFailed > 0:
		return "IMPORTED_WITH_ERRORS" // every row failed: still a report to read
	}
	return "ERROR"
}

// getScheduleImport is GET /wfm/aion/v1/schedules/event-imports/{id}; with
// errors it issues a fresh signed report link, valid 10 minutes.
func (s *Server) getScheduleImport(w http.ResponseWriter, r *http.Request) {
	j, err := s.scheduleJob(r, principal(r).Tenant, r.PathValue("id"))
	if err != nil {
		s.wfmError(w, r, err)
		return
	}
	src, err := s.source(r.Context(), j)
	if err != nil {
		s.wfmError(w, r, err)
		return
	}
	out := map[string]any{"id": j.ExternalID, "status": importStatus(src)}
	if src != j { // a repeat answers as the import it repeats did
		out["duplicate_of"] = src.ExternalID
	}
	if out["status"] == "ERROR" {
		e := wfmErrors[bulkd.EINVALID]
		out["error"] = map[string]string{"code": e.code, "message": e.message, "description": src.Error}
	}
	if out["status"] == "IMPORTED_WITH_ERRORS" {
		exp := s.now().Add(reportLinkTTL).UTC().Truncate(time.Second)
		out["error_report_url"] = fmt.Sprintf("%s://%s%s/%s/errors.csv?expires=%d&signature=%s",
			scheme(r), r.Host, eventImports, j.ExternalID, exp.Unix(), hex.EncodeToString(s.sign(j.ExternalID, exp.Unix())))
		out["error_report_expires_at"] = exp.Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, out)
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// sign returns the HMAC-SHA256 of an import id and an expiry.
func (s *Server) sign(id string, expires int64) []byte {
	m := hmac.New(sha256.New, s.signKey)
	fmt.Fprintf(m, "%s\n%d", id, expires)
	return m.Sum(nil)
}

// getScheduleReport serves a signed error report link: no token needed,
// 403 once expired or when the signature does not match.
func (s *Server) getScheduleReport(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	exp, err := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
	sig, _ := hex.DecodeString(r.URL.Query().Get("signature"))
	switch {
	case err != nil || !hmac.Equal(sig, s.sign(id, exp)):
		s.Error(w, r, bulkd.Errorf(bulkd.EFORBIDDEN, "the link is not valid: ask for the import's status for a fresh one"))
		return
	case s.now().Unix() > exp:
		s.Error(w, r, bulkd.Errorf(bulkd.EFORBIDDEN, "the link expired at %s: ask for the import's status for a fresh one", time.Unix(exp, 0).UTC().Format(time.RFC3339)))
		return
	}
	j, err := s.scheduleJob(r, "", id)
	if err == nil {
		j, err = s.source(r.Context(), j) // a repeat's report is that of the import it repeats
	}
	s.serveReport(w, r, j, err)
}

// listScheduleEvents is GET /v1/tenants/{tenant}/schedule-events?agent=&from=&to=.
func (s *Server) listScheduleEvents(w http.ResponseWriter, r *http.Request) {
	t, q := r.PathValue("tenant"), r.URL.Query()
	var f bulkd.ScheduleFilter
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.Error(w, r, bulkd.Errorf(bulkd.EINVALID, "%s %q is not an RFC 3339 time such as 2026-06-01T00:00:00Z", name, v))
				return
			}
			*dst = tm
		}
	}
	if email := q.Get("agent"); email != "" {
		agents, err := s.Agents.Agents(r.Context(), t)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, a := range agents {
			if strings.EqualFold(a.Email, email) {
				f.AgentID = a.ID
			}
		}
		if f.AgentID == 0 {
			writeJSON(w, http.StatusOK, map[string]any{"events": []bulkd.ScheduleEvent{}})
			return
		}
	}
	events, err := s.Schedule.ScheduleEvents(r.Context(), t, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}
