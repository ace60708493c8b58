package schedule

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// DoorPath is the schedule kind's upload door (the WFM event imports API).
const DoorPath = "/wfm/aion/v1/schedules/event-imports"

// Spec declares the schedule events kind: rows name agents by email, and
// the seed allows one import in progress per account.
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:      bulkd.KindSchedule,
		Routes:    []string{"SCHEDULE.?*.csv"},
		DependsOn: []bulkd.Kind{bulkd.KindAgents},
		Exclusive: true,
		Scopes:    []string{bulkd.ScopeWFMRead, bulkd.ScopeWFMWrite},
		Limits:    "5 MB, the seed's 413",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[Store](d, bulkd.KindSchedule)
			return New(st, d.Tenant, d.Batch), err
		},
		Check: check,
		// The options a dropped file is read with here (its tenant's zone
		// and date format) go with it: the door needs a time zone.
		Door: func(in pipeline.DoorInput) (pipeline.Door, error) {
			d := pipeline.OneFileDoor(DoorPath, "csv_file", in)
			d.Fields["file_name"] = d.Files[0].Name
			d.Fields["time_zone"], d.Fields["date_format"] = in.Job.Params[ParamTimeZone], in.Job.Params[ParamDateFormat]
			if d.Fields["time_zone"] == "" && in.Tenant.Location != nil {
				d.Fields["time_zone"] = in.Tenant.Location.String()
			}
			if d.Fields["time_zone"] == "" || d.Fields["time_zone"] == "Local" {
				d.Fields["time_zone"] = "UTC"
			}
			if d.Fields["date_format"] == "" {
				d.Fields["date_format"] = in.Tenant.DateFormat
			}
			return d, nil
		},
		Template: pipeline.OneTemplate(bulkd.KindSchedule, Header),
		// An Agent Email no agent of the tenant has (settings.event).
		Unresolved: func(msg string) bool {
			return strings.HasPrefix(msg, fmt.Sprintf("column %q: no agent of this tenant has the email ", Header[1]))
		},
	}
}

// check refuses an import whose options or header are wrong before the API
// answers: the seed answers those at once (400, 1580028), not in the
// import's status.
func check(path string, params map[string]string) error {
	if tz := params[ParamTimeZone]; tz != "" {
		if _, err := bulkd.LoadZone(tz); err != nil {
			return err
		}
	}
	if df := params[ParamDateFormat]; df != "" {
		if _, ok := bulkd.DateFormatLayout(df); !ok {
			return bulkd.Errorf(bulkd.EINVALID, "date_format %s is not one of %s", csvio.Clip(df), strings.Join(bulkd.DateFormats(), ", "))
		}
	}
	f, err := fsx.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	_, err = open(f, csvio.Options{}) // the header is ASCII: the same in every encoding bulkd reads, and UTF-16 has a BOM
	return err
}
