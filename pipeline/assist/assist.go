// Package assist imports agent-assist contacts (ASSIST.*.csv, and the
// import-contacts API): first and last name, salutation and a cell phone,
// validated and normalised to E.164 with libphonenumber. A phone number
// belongs to one contact of a tenant: a second row with it fails; the same
// name with another number is another contact.
package assist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/nyaruka/phonenumbers"
)

// Columns are the CSV's columns, as the seed names them; all are needed.
var Columns = []string{"firstName", "lastName", "salutation", "cellPhoneNumber", "cellPhoneCountryCode", "cellPhoneExtension"}

// ParamStream is the job parameter holding the API's stream (bot) id.
const ParamStream = "stream_id"

// MaxRows is the most contacts one file may hold.
const MaxRows = 10000

// DefaultBatch is how many rows are committed per transaction.
const DefaultBatch = 500

// Importer is the assist contacts importer.
type Importer struct {
	store bulkd.AssistStore
	batch int
	now   func() time.Time
}

// New returns an assist importer committing batch rows a transaction
// (DefaultBatch when batch <= 0).
func New(store bulkd.AssistStore, batch int) *Importer {
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Importer{store: store, batch: batch, now: time.Now}
}

// Kind returns bulkd.KindAssist.
func (im *Importer) Kind() bulkd.Kind { return bulkd.KindAssist }

// Import reads the job's CSV and stores its contacts.
func (im *Importer) Import(ctx context.Context, run *pipeline.Run) error {
	job := run.Job
	f, err := fsx.Open(run.Path())
	if err != nil {
		return fmt.Errorf("open %s: %w", job.File, err)
	}
	defer f.Close()
	header, rows, pos, err := read(f, run.CSVOptions())
	if err != nil {
		return err
	}
	if err := run.Begin(ctx, header, len(rows)); err != nil {
		return err
	}
	now := im.now().UTC()
	return pipeline.CommitRows(ctx, job, rows, im.batch,
		func(r csvio.Row) (bulkd.AssistContact, string) { return contact(job, r, pos, now) },
		func(ctx context.Context, contacts []bulkd.AssistContact, p bulkd.Progress) error {
			_, err := im.store.ApplyAssistContacts(ctx, job.ID, job.Tenant, contacts, p, words)
			return err
		})
}

// words words the store's verdict on a row: a phone number another
// contact of the tenant has.
func words(c bulkd.Conflict) string {
	if c.Reason == bulkd.ConflictTaken {
		return fmt.Sprintf("column %q: %s already belongs to the contact %s (%s)", "cellPhoneNumber", c.Value, c.Holder, csvio.Clip(c.HolderName))
	}
	return fmt.Sprintf("column %q: %s: %s", "cellPhoneNumber", csvio.Clip(c.Value), c.Reason)
}

// read reads a whole assist file as o says: its header, its rows and the
// position of each of Columns, or an EINVALID error for a file that is
// unusable.
func read(r io.Reader, o csvio.Options) ([]string, []csvio.Row, map[string]int, error) {
	cr, err := csvio.NewReaderOptions(r, o)
	if err != nil {
		return nil, nil, nil, pipeline.Invalid("%v", err)
	}
	pos := map[string]int{}
	for _, c := range Columns {
		i, ok := cr.Index(c)
		if !ok {
			return nil, nil, nil, pipeline.Invalid("header: the column %q is missing; the columns are %s", c, strings.Join(Columns, ","))
		}
		pos[c] = i
	}
	for _, h := range cr.Header() {
		if !slices.Contains(Columns, h) {
			return nil, nil, nil, pipeline.Invalid("header: unknown column %q%s", csvio.Clip(h), csvio.Suggest(h, Columns))
		}
	}
	rows, err := cr.All(MaxRows)
	if errors.Is(err, csvio.ErrTooManyRows) {
		return nil, nil, nil, pipeline.Invalid("more than %d rows: an assist contacts file holds at most %d", MaxRows, MaxRows)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return cr.Header(), rows, pos, nil
}

// contact builds a row's contact, or says why the row fails.
func contact(job *bulkd.Job, r csvio.Row, pos map[string]int, now time.Time) (bulkd.AssistContact, string) {
	if r.Err != "" {
		return bulkd.AssistContact{}, r.Err
	}
	get := func(c string) string { return strings.TrimSpace(r.Cells[pos[c]]) }
	col := func(c, format string, args ...any) string {
		return fmt.Sprintf("column %q: %s", c, fmt.Sprintf(format, args...))
	}
	for _, c := range []string{"firstName", "lastName", "salutation", "cellPhoneNumber", "cellPhoneCountryCode"} {
		if get(c) == "" {
			return bulkd.AssistContact{}, col(c, "required")
		}
	}
	phone, cc, msg := normalise(get("cellPhoneNumber"), get("cellPhoneCountryCode"))
	if msg != "" {
		return bulkd.AssistContact{}, msg
	}
	first, last := get("firstName"), get("lastName")
	created := job.User
	if created == "" {
		created = "folder"
	}
	return bulkd.AssistContact{
		ID: fmt.Sprintf("%024x", bulkd.RowID(job.ID, r.Num)), Status: "ACTIVE",
		FirstName: first, LastName: last, Salutation: get("salutation"), FullName: first + " " + last,
		CellPhone: bulkd.CellPhone{PhoneNumber: phone, CountryCode: cc, Extension: get("cellPhoneExtension")},
		AccountID: job.Tenant, StreamID: job.Params[ParamStream], CreatedBy: created,
		Address: []string{}, TwitterDetails: []string{}, CreatedAt: now, UpdatedAt: now,
		JobID: job.ID, Row: r.Num, Cells: r.Cells,
	}, ""
}

// normalise validates a number in its country (a calling code such as +91
// or 91) and returns it in E.164 with the code as +NN.
func normalise(number, code string) (string, string, string) {
	cc, err := strconv.Atoi(strings.TrimPrefix(code, "+"))
	region := phonenumbers.GetRegionCodeForCountryCode(cc)
	if err != nil || region == "ZZ" {
		return "", "", fmt.Sprintf("column %q: %q is not a country calling code such as +1 or +91", "cellPhoneCountryCode", csvio.Clip(code))
	}
	n, err := phonenumbers.Parse(number, region)
	if err != nil || !phonenumbers.IsValidNumber(n) || int(n.GetCountryCode()) != cc {
		return "", "", fmt.Sprintf("column %q: %q is not a valid phone number for +%d", "cellPhoneNumber", csvio.Clip(number), cc)
	}
	return phonenumbers.Format(n, phonenumbers.E164), "+" + strconv.Itoa(cc), ""
}
