package bulkd

import (
	"context"
	"slices"
	"time"
	_ "time/tzdata" // zones resolve the same on every machine, Windows included
)

// LoadZone loads an IANA time zone, as a schedule's time_zone (the API's
// field, a tenant's setting) must be. "" and "Local" (whatever this machine
// is set to) are not zones.
func LoadZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, Errorf(EINVALID, "time zone %q is not an IANA time zone such as America/New_York or UTC", name)
	}
	return loc, nil
}

// DefaultDateFormat is the seed's default date_format.
const DefaultDateFormat = "HH:mm yyyy-MM-dd"

// scheduleDateFormats maps the seed's six date_format values to Go layouts.
var scheduleDateFormats = map[string]string{
	"HH:mm yyyy-MM-dd": "15:04 2006-01-02",
	"HH:mm yyyyMMdd":   "15:04 20060102",
	"HH:mm MM/dd/yyyy": "15:04 01/02/2006",
	"HH:mm M/d/yyyy":   "15:04 1/2/2006",
	"HH:mm MM/dd/yy":   "15:04 01/02/06",
	"HH:mm dd/MM/yyyy": "15:04 02/01/2006",
}

// DateFormatLayout returns the Go layout of a date_format value, ok false
// for a value not among DateFormats.
func DateFormatLayout(f string) (string, bool) {
	l, ok := scheduleDateFormats[f]
	return l, ok
}

// DateFormats lists the accepted date_format values.
func DateFormats() []string {
	out := make([]string, 0, len(scheduleDateFormats))
	for f := range scheduleDateFormats {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// DefaultEventTypes are a tenant's schedule event types unless its config
// names others.
var DefaultEventTypes = []string{"Available for all channels", "Break", "Lunch", "Meeting", "Training",
	"Coaching", "Time Off", "Offline Work"}

// ScheduleEvent is one WFM schedule event of an agent (a shift, a break, a
// meeting, time off), as the schedule event import stores it. Times are UTC.
type ScheduleEvent struct {
	ID         uint64    `json:"id"` // job_id × 2²⁴ + row, as a contact's
	AgentID    uint64    `json:"agent_id"`
	AgentName  string    `json:"agent_name"`
	AgentEmail string    `json:"agent_email"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	EventType  string    `json:"event_type"`
	JobID      uint64    `json:"job_id"`
	Row        int       `json:"row"`
}

// ScheduleFilter selects schedule events: those of one agent (0: all)
// starting in [From, To) (a zero bound is open).
type ScheduleFilter struct {
	AgentID  uint64
	From, To time.Time
}

// ScheduleStore keeps each tenant's schedule events.
type ScheduleStore interface {
	// ApplyScheduleEvents stores events and records p, in one transaction.
	// A batch committed already is ignored.
	ApplyScheduleEvents(ctx context.Context, jobID uint64, tenant string, events []ScheduleEvent, p Progress) error
	// ScheduleEvents returns the tenant's events that f selects, by agent,
	// then start time.
	ScheduleEvents(ctx context.Context, tenant string, f ScheduleFilter) ([]ScheduleEvent, error)
}
