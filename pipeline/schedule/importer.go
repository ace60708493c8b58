// Package schedule imports WFM schedule events, as the seed's Schedule
// Event Import API describes: a CSV whose header is exactly Header, each row
// an agent's event with a start and an end read in a time zone and date
// format, given by the API request or, for SCHEDULE.*.csv dropped in a
// tenant folder, by the tenant's config. Times are stored as UTC.
package schedule

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// Header is the only header a schedule CSV may have: these columns, in this
// order and case.
var Header = []string{"Agent Name", "Agent Email", "Start Time", "End Time", "Event Type Name"}

// MaxBytes is the largest schedule file, from the seed (5 MB); a larger
// folder file fails whole, like an upload.
const MaxBytes = 5 << 20

// Job parameters an API import sets; a folder import uses the tenant's.
const (
	ParamTimeZone   = "time_zone"
	ParamDateFormat = "date_format"
)

// DefaultBatch is how many rows are committed per transaction.
const DefaultBatch = 1000

// Store is what the importer needs of the store.
type Store interface {
	bulkd.ScheduleStore
	bulkd.AgentStore
}

// Importer is the schedule event importer.
type Importer struct {
	store  Store
	tenant func(name string) bulkd.TenantSettings
	batch  int
}

// New returns a schedule importer reading tenants' settings from tenant and
// committing batch rows a transaction (DefaultBatch when batch <= 0).
func New(store Store, tenant func(string) bulkd.TenantSettings, batch int) *Importer {
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Importer{store: store, tenant: tenant, batch: batch}
}

// Kind returns bulkd.KindSchedule.
func (im *Importer) Kind() bulkd.Kind { return bulkd.KindSchedule }

// open reads and checks a schedule CSV's header.
func open(r io.Reader, o csvio.Options) (*csvio.Reader, error) {
	cr, err := csvio.NewReaderOptions(r, o)
	if err != nil {
		return nil, pipeline.Invalid("the CSV template is incorrect: %v", err)
	}
	if !slices.Equal(cr.Header(), Header) {
		return nil, pipeline.Invalid("the CSV template is incorrect: the header must be exactly %q", strings.Join(Header, ","))
	}
	return cr, nil
}

// settings are what one job reads its rows with.
type settings struct {
	loc        *time.Location
	dateFormat string
	eventTypes []string
	agents     map[string]*bulkd.Agent // by lower-case email
}

func (im *Importer) settings(ctx context.Context, job *bulkd.Job) (*settings, error) {
	t := im.tenant(job.Tenant)
	s := &settings{loc: t.Location, dateFormat: t.DateFormat, eventTypes: t.EventTypes, agents: map[string]*bulkd.Agent{}}
	if tz := job.Params[ParamTimeZone]; tz != "" {
		loc, err := bulkd.LoadZone(tz)
		if err != nil {
			return nil, err
		}
		s.loc = loc
	}
	if df := job.Params[ParamDateFormat]; df != "" {
		s.dateFormat = df
	}
	if _, ok := bulkd.DateFormatLayout(s.dateFormat); !ok {
		return nil, pipeline.Invalid("the CSV template is incorrect: date format %q is not one of %s", s.dateFormat, strings.Join(bulkd.DateFormats(), ", "))
	}
	agents, err := im.store.Agents(ctx, job.Tenant)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		s.agents[strings.ToLower(a.Email)] = a
	}
	return s, nil
}

// Import reads the job's file and stores its events.
func (im *Importer) Import(ctx context.Context, run *pipeline.Run) error {
	job := run.Job
	st, err := im.settings(ctx, job)
	if err != nil {
		return err
	}
	f, err := fsx.Open(run.Path())
	if err != nil {
		return fmt.Errorf("open %s: %w", job.File, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxBytes {
		return pipeline.Invalid("%s is %d bytes: a schedule file holds at most %d (5 MB)", job.File, fi.Size(), MaxBytes)
	}
	rows, err := readRows(f, run.CSVOptions())
	if err != nil {
		return err
	}
	if err := run.Begin(ctx, Header, len(rows)); err != nil {
		return err
	}
	return pipeline.CommitRows(ctx, job, rows, im.batch,
		func(r csvio.Row) (bulkd.ScheduleEvent, string) { return st.event(job, r) },
		func(ctx context.Context, events []bulkd.ScheduleEvent, p bulkd.Progress) error {
			return im.store.ApplyScheduleEvents(ctx, job.ID, job.Tenant, events, p)
		})
}

// readRows reads a whole schedule file (at most 5 MB) after checking its
// header.
func readRows(r io.Reader, o csvio.Options) ([]csvio.Row, error) {
	cr, err := open(r, o)
	if err != nil {
		return nil, err
	}
	return cr.All(0)
}

// event builds a row's event, or says why the row fails.
func (st *settings) event(job *bulkd.Job, r csvio.Row) (bulkd.ScheduleEvent, string) {
	if r.Err != "" {
		return bulkd.ScheduleEvent{}, r.Err
	}
	col := func(name, format string, args ...any) string {
		return fmt.Sprintf("column %q: %s", name, fmt.Sprintf(format, args...))
	}
	name, email := strings.TrimSpace(r.Cells[0]), strings.TrimSpace(r.Cells[1])
	startV, endV, typ := strings.TrimSpace(r.Cells[2]), strings.TrimSpace(r.Cells[3]), strings.TrimSpace(r.Cells[4])
	if name == "" {
		return bulkd.ScheduleEvent{}, col("Agent Name", "required")
	}
	if email == "" {
		return bulkd.ScheduleEvent{}, col("Agent Email", "required")
	}
	a, ok := st.agents[strings.ToLower(email)]
	switch {
	case !ok:
		return bulkd.ScheduleEvent{}, col("Agent Email", "no agent of this tenant has the email %s", csvio.Clip(email))
	case !a.Active:
		return bulkd.ScheduleEvent{}, col("Agent Email", "the agent %s is not active", email)
	}
	start, err := st.time(startV)
	if err != nil {
		return bulkd.ScheduleEvent{}, col("Start Time", "%v", err)
	}
	end, err := st.time(endV)
	if err != nil {
		return bulkd.ScheduleEvent{}, col("End Time", "%v", err)
	}
	if !end.After(start) {
		return bulkd.ScheduleEvent{}, col("End Time", "%s is not after the start, %s", endV, startV)
	}
	if !slices.Contains(st.eventTypes, typ) {
		return bulkd.ScheduleEvent{}, col("Event Type Name", "%q is not an event type of this tenant%s", csvio.Clip(typ), csvio.Suggest(typ, st.eventTypes))
	}
	return bulkd.ScheduleEvent{
		ID: bulkd.RowID(job.ID, r.Num), AgentID: a.ID, AgentName: name, AgentEmail: a.Email,
		Start: start, End: end, EventType: typ, JobID: job.ID, Row: r.Num,
	}, ""
}

// time parses a start or end time. A value longer than any time in any
// format is refused here, so the message quotes it clipped.
func (st *settings) time(v string) (time.Time, error) {
	if len(v) > maxTimeLen {
		return time.Time{}, fmt.Errorf("%q is not a time in the format %s", csvio.Clip(v), st.dateFormat)
	}
	return parseTime(v, st.dateFormat, st.loc)
}

// maxTimeLen is longer than any time in bulkd.DateFormats.
const maxTimeLen = 32
