package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
)

// importOpts are the import verb's flags.
type importOpts struct {
	tenant, kind, object, typ, timeZone, dateFormat, stream *string
	client                                                  clientOpts
}

func (m *Main) importFlags() (*flag.FlagSet, importOpts) {
	fs := flag.NewFlagSet("bulkd import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := importOpts{
		tenant:     fs.String("tenant", "", "import for `TENANT` (required when bulkd is open; with a token, the token's tenant)"),
		kind:       fs.String("kind", "", "the files' `KIND` (default: from each file's name, as in a tenant folder)"),
		object:     fs.String("object", "", "objects: the `TYPE` of a CSV whose name does not say it (the bulk operation's object)"),
		typ:        fs.String("type", "", "agents: `MODE`, CREATE_USERS, UPDATE_USERS or CREATE_OR_UPDATE_USERS (the default)"),
		timeZone:   fs.String("time-zone", "", "schedule: read times in `ZONE` (IANA, as America/New_York; required)"),
		dateFormat: fs.String("date-format", "", "schedule: the times' `FORMAT` (default HH:mm yyyy-MM-dd)"),
		stream:     fs.String("stream", "default", "assist: the stream (bot) `ID` of the import-contacts door"),
	}
	o.client = clientFlags(fs, serverUsage)
	return fs, o
}

func (m *Main) importHelp(w io.Writer) {
	fs, _ := m.importFlags()
	printHelp(w, `Usage: bulkd import FILE... [--tenant T] [--kind K] [--server URL]

Sends each file to a running bulkd through its kind's HTTP door, with a
progress bar for the upload and then for the rows (on a terminal; lines
otherwise), and prints the outcome and the URL of the error report:

  agents    POST /bulk-imports/users
  contacts  POST /api/upload/contacts, with the recordings named after it:
            bulkd import CONTACT.x.csv call1.wav call2.wav --tenant acme
  schedule  POST /wfm/aion/v1/schedules/event-imports (needs --time-zone)
  assist    POST /agentassist/api/v1/public/{--stream}/contacts/import-contacts
  objects   POST /v1/bulk-operations (a CSV or a ZIP; --object for a CSV
            whose name does not name its type)

The kind comes from --kind, else from each file's name as in a tenant
folder; the files go in the order a folder takes them (agents first).
Following a job needs the token's jobs:read scope (admin has it).

Exit status: 0 when every file was imported whole (or was identical to
one imported before), 1 when a row or a file failed or was refused, 2
for a wrong command line.
`+clientHelp, fs)
}

// door is how one kind's files are sent: its HTTP request.
type door struct {
	path   string
	field  string            // the file's part
	fields map[string]string // the form's other fields
	media  []string          // files sent with it, each a part of its own
	// waits: the door answers once the job is final; find: its answer
	// does not hold the job's id, which is found in /v1/jobs by the
	// name the job gets.
	waits, find bool
	name        string
}

// doorOf returns the door of in's kind.
func doorOf(in input, o importOpts, media []string) (door, error) {
	switch in.kind {
	case bulkd.KindAgents:
		d := door{path: "/bulk-imports/users", field: "file", fields: map[string]string{}}
		if *o.typ != "" {
			d.fields["type"] = *o.typ
		}
		return d, nil
	case bulkd.KindContacts:
		return door{path: "/api/upload/contacts", field: "file", media: media, waits: true, find: true, name: in.name}, nil
	case bulkd.KindSchedule:
		if *o.timeZone == "" {
			return door{}, usageErr{fmt.Sprintf("%s: a schedule import needs --time-zone ZONE (IANA, as America/New_York)", in.path)}
		}
		d := door{path: "/wfm/aion/v1/schedules/event-imports", field: "csv_file", find: true, name: in.name,
			fields: map[string]string{"file_name": in.name, "time_zone": *o.timeZone}}
		if *o.dateFormat != "" {
			d.fields["date_format"] = *o.dateFormat
		}
		return d, nil
	case bulkd.KindAssist:
		name := in.name
		if !strings.EqualFold(filepath.Ext(name), ".csv") {
			name += ".csv" // as the door names it
		}
		return door{path: "/agentassist/api/v1/public/" + url.PathEscape(*o.stream) + "/contacts/import-contacts",
			field: "result_file", waits: true, find: true, name: name}, nil
	case bulkd.KindObjects:
		d := door{path: "/v1/bulk-operations", field: "file", fields: map[string]string{}}
		if in.object != nil {
			d.fields["object"] = in.object.Slug
		}
		return d, nil
	}
	return door{}, usageErr{fmt.Sprintf("%s: bulkd has no HTTP door for %s files: drop it in the tenant's folder", in.path, in.kind)}
}

// importFiles sends files to the daemon and reports each one's outcome.
func (m *Main) importFiles(ctx context.Context, args []string) error {
	fs, o := m.importFlags()
	files, err := parseArgs(fs, args)
	if err != nil {
		return m.badFlags("import", err)
	}
	if len(files) == 0 {
		return m.usageError("import", "name the FILE(s) to import")
	}
	k := registered()
	ins, media, err := inputsOf(k, files, *o.kind, *o.object, true)
	var ue usageErr
	if errors.As(err, &ue) {
		return m.usageError("import", ue.msg)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	contacts := 0
	for _, in := range ins {
		if in.kind == bulkd.KindContacts {
			contacts++
		}
	}
	if len(media) > 0 && contacts != 1 {
		return m.usageError("import", noKind(k, media[0])+"; recordings go with one contacts file")
	}
	doors := make([]door, len(ins))
	for i, in := range ins {
		if doors[i], err = doorOf(in, o, media); err != nil {
			return m.usageError("import", err.Error())
		}
	}
	c, err := m.newClient(o.client, *o.tenant)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if *o.tenant == "" && c.token == "" {
		return m.usageError("import", "name the tenant with --tenant (bulkd without authentication takes it from X-Tenant), or give a token")
	}
	failed := false
	for i, in := range ins {
		line, ok, err := m.send(ctx, c, in, doors[i])
		if err != nil {
			fmt.Fprintf(m.stderr, "bulkd import: %s: %v\n", in.path, err)
			failed = true
			continue
		}
		fmt.Fprintln(m.stdout, line)
		failed = failed || !ok
	}
	if failed {
		return errRowsFailed
	}
	return nil
}

// answer is what a door answered: the job's id when it says it, and for
// a door that waits, the job's state.
type answer struct {
	id       uint64
	state    bulkd.JobState
	location string
	rows     []struct {
		Status string `json:"status"`
	}
	err error
}

// send uploads in through d and follows its job to the end. It returns
// the outcome's words and whether the file was imported whole.
func (m *Main) send(ctx context.Context, c *client, in input, d door) (string, bool, error) {
	canList := true
	var before uint64
	if d.find {
		var err error
		if before, err = c.newestJob(ctx, in.kind); forbidden(err) {
			canList = false
		} else if err != nil {
			return "", false, err
		}
	}
	answered := m.upload(ctx, c, in, d)
	var a answer
	if d.waits && canList {
		// The door answers once the job is final: meanwhile its rows
		// are followed in /v1/jobs, once the job is found there.
		var id uint64
		fctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = m.follow(fctx, m.stderr, "importing "+in.name, func(ctx context.Context) (api.JobView, error) {
				if id == 0 {
					found, err := c.findJob(ctx, in.kind, before, d.name)
					if err != nil || found == 0 {
						return api.JobView{State: bulkd.StateQueued, File: d.name}, err
					}
					id = found
				}
				return c.job(ctx, id)
			})
		}()
		a = <-answered
		cancel()
		wg.Wait()
		if a.id == 0 {
			a.id = id
		}
	} else {
		a = <-answered
	}
	if a.err != nil {
		return "", false, a.err
	}
	if !canList {
		return m.doorOutcome(c, in, d, a)
	}
	id := a.id
	if id == 0 && d.find { // the job exists once the door has answered
		var err error
		if id, err = c.findJob(ctx, in.kind, before, d.name); err != nil && !forbidden(err) {
			return "", false, err
		}
	}
	if id == 0 {
		return m.doorOutcome(c, in, d, a)
	}
	poll := func(ctx context.Context) (api.JobView, error) { return c.job(ctx, id) }
	j, err := poll(ctx)
	if err == nil && !j.State.Final() {
		j, err = m.follow(ctx, m.stderr, "importing "+in.name, poll)
	}
	if err != nil {
		if forbidden(err) {
			return m.doorOutcome(c, in, d, a)
		}
		return "", false, err
	}
	return c.outcome(j), j.State == bulkd.StateSucceeded || j.State == bulkd.StateSkipped, nil
}

// doorOutcome words what the door answered, when its job cannot be read
// in /v1/jobs (the token lacks jobs:read).
func (m *Main) doorOutcome(c *client, in input, d door, a answer) (string, bool, error) {
	const why = " (no progress: /v1/jobs does not show the job; does the token have jobs:read?)"
	switch {
	case a.state != "":
		return fmt.Sprintf("%s: job %d %s%s", in.name, a.id, a.state, why), a.state == bulkd.StateSucceeded || a.state == bulkd.StateSkipped, nil
	case a.rows != nil:
		bad := 0
		for _, r := range a.rows {
			if r.Status == "FAILED" {
				bad++
			}
		}
		return fmt.Sprintf("%s: %d rows, %d imported, %d failed%s", in.name, len(a.rows), len(a.rows)-bad, bad, why), bad == 0, nil
	case a.location != "":
		return fmt.Sprintf("%s: accepted, its status at %s%s", in.name, c.URL(a.location), why), true, nil
	}
	return fmt.Sprintf("%s: accepted as %d, its status at %s%s", in.name, a.id, c.URL(fmt.Sprintf("%s/%d", d.path, a.id)), why), true, nil
}

// upload streams the form of in to d, with a progress bar for the bytes
// on a terminal, and returns where the answer will come.
func (m *Main) upload(ctx context.Context, c *client, in input, d door) <-chan answer {
	out := make(chan answer, 1)
	type part struct{ field, name, path string }
	parts := []part{{d.field, in.name, in.path}}
	for _, p := range d.media {
		parts = append(parts, part{"recording", filepath.Base(p), p})
	}
	var total int64
	for _, p := range parts {
		fi, err := os.Stat(p.path)
		if err != nil {
			out <- answer{err: err}
			return out
		}
		total += fi.Size()
	}
	what := in.name
	if len(d.media) > 0 {
		what += " and " + plural(len(d.media), "recording")
	}
	bar := m.newMeter(m.stderr, "uploading "+what, total, true)
	if bar.bar == nil {
		fmt.Fprintf(m.stderr, "uploading %s (%d bytes)\n", what, total)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		err := func() error {
			for k, v := range d.fields {
				if err := mw.WriteField(k, v); err != nil {
					return err
				}
			}
			var done int64
			for _, p := range parts {
				w, err := mw.CreateFormFile(p.field, p.name)
				if err != nil {
					return err
				}
				f, err := os.Open(p.path)
				if err != nil {
					return err
				}
				n, err := io.Copy(w, io.TeeReader(f, progressFunc(func(n int) {
					done += int64(n)
					if bar.bar != nil {
						bar.set(done, total, "")
					}
				})))
				f.Close()
				if err != nil {
					return fmt.Errorf("send %s: %w (%d bytes sent)", p.name, err, n)
				}
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	answered := make(chan answer, 1)
	go func() {
		resp, err := c.do(ctx, http.MethodPost, d.path, pr, http.Header{"Content-Type": {mw.FormDataContentType()}})
		pr.Close() // an early answer stops the upload
		if err != nil {
			answered <- answer{err: fmt.Errorf("POST %s: %w", d.path, err)}
			return
		}
		defer resp.Body.Close()
		answered <- readAnswer(resp)
	}()
	go func() {
		var a answer
		select {
		case <-sent:
			a = <-answered
		case a = <-answered:
			<-sent
		}
		out <- a
	}()
	// The bar ends when the bytes are sent, or the door answered first.
	go func() {
		<-sent
		bar.stop()
	}()
	return out
}

// progressFunc is an io.Writer that counts what goes through a TeeReader.
type progressFunc func(n int)

func (f progressFunc) Write(p []byte) (int, error) { f(len(p)); return len(p), nil }

// readAnswer reads a door's answer: the job's id (agents, objects:
// {"id"}; contacts: {"job_id", "state"}), its status URL (schedule:
// Location) or its rows (assist: an array).
func readAnswer(resp *http.Response) answer {
	a := answer{location: resp.Header.Get("Location")}
	dec := json.NewDecoder(resp.Body)
	t, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return a // 202 with no body
	case err != nil:
		a.err = fmt.Errorf("read the answer: %w", err)
	case t == json.Delim('['):
		for dec.More() {
			var r struct {
				Status string `json:"status"`
			}
			if err := dec.Decode(&r); err != nil {
				a.err = fmt.Errorf("read the answer: %w", err)
				return a
			}
			a.rows = append(a.rows, r)
		}
		if a.rows == nil {
			a.rows = a.rows[:0:0]
		}
	case t == json.Delim('{'):
		var jobID uint64
		a.err = readTop(dec, map[string]any{"id": &a.id, "job_id": &jobID, "state": &a.state})
		if jobID != 0 {
			a.id = jobID
		}
	}
	return a
}

// readTop decodes the fields of the JSON object dec is in (its "{" read)
// that want names, skipping the others token by token: a contacts
// answer lists every row, which need not be held.
func readTop(dec *json.Decoder, want map[string]any) error {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		if v, ok := want[key]; ok {
			if err := dec.Decode(v); err != nil {
				return fmt.Errorf("read the answer's %s: %w", key, err)
			}
			continue
		}
		depth := 0
		for {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			switch t {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
			if depth == 0 {
				break
			}
		}
	}
	return nil
}

// newestJob returns the id of the newest job of kind the client sees (0
// for none).
func (c *client) newestJob(ctx context.Context, kind bulkd.Kind) (uint64, error) {
	list, err := c.jobList(ctx, c.jobQuery(kind, 1))
	if err != nil || len(list) == 0 {
		return 0, err
	}
	return list[0].ID, nil
}

// findJob returns the first job of kind after the job before named name
// (0 while there is none).
func (c *client) findJob(ctx context.Context, kind bulkd.Kind, before uint64, name string) (uint64, error) {
	list, err := c.jobList(ctx, c.jobQuery(kind, 20))
	if err != nil {
		return 0, err
	}
	var id uint64
	for _, j := range list {
		if j.ID > before && j.File == name && (id == 0 || j.ID < id) {
			id = j.ID
		}
	}
	return id, nil
}

// jobQuery asks /v1/jobs for the newest limit jobs of kind of the client's
// tenant (a token's own, else X-Tenant's).
func (c *client) jobQuery(kind bulkd.Kind, limit int) url.Values {
	q := url.Values{"kind": {string(kind)}, "limit": {fmt.Sprint(limit)}}
	if c.token == "" && c.tenant != "" {
		q.Set("tenant", c.tenant)
	}
	return q
}
