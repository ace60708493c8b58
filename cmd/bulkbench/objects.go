package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/hashicorp/go-hclog"
)

// userSites is how many sites (with their teams and profiles) the users
// of the User CSV are spread over.
const userSites = 10

type objectsOptions struct {
	rows, sites, siteUsers, runs int
	settle                       time.Duration
	keep                         bool
}

// objectsData is what every run drops: the same bytes each time.
type objectsData struct {
	userAgents, zipAgents [][]byte
	setup                 []byte // the User CSV's sites, teams and profiles, as a ZIP
	create, update, same  []byte // the User CSV three times
	zip                   []byte // the tenant ZIP
	zipRows, zipObjects   int
}

// figure is one measurement of one run.
type figure struct {
	label string
	rows  int
	took  time.Duration
	note  string
}

func (f figure) rate() float64 { return float64(f.rows) / f.took.Seconds() }

// runObjects is `bulkbench objects`: the objects kind end to end, through
// the real daemon on a fresh data dir each run. A User CSV of -rows users
// dropped three times (creating them, changing every user's External Id,
// then the same values again, which change nothing), and a tenant ZIP of
// every object type (-sites sites of -site-users users each, two prompts):
// rows/s from the drop (the rename into the tenant folder) to the job's
// final state, seen over /v1/jobs.
func runObjects(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bulkbench objects", flag.ContinueOnError)
	var o objectsOptions
	fs.IntVar(&o.rows, "rows", objects.MaxRows, "users in the User CSV (at most 5000, the limit of a CSV)")
	fs.IntVar(&o.sites, "sites", 30, "sites of the tenant ZIP, each with its teams, queues, entry points, dialed numbers, profiles and users")
	fs.IntVar(&o.siteUsers, "site-users", 50, "users of each site of the tenant ZIP")
	fs.IntVar(&o.runs, "runs", 3, "runs of each measurement, each on a fresh data dir")
	fs.DurationVar(&o.settle, "settle", 100*time.Millisecond, "watch.settle for the runs")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.rows < 1 || o.rows > objects.MaxRows:
		return fmt.Errorf("-rows %d: a User CSV holds 1 to %d rows", o.rows, objects.MaxRows)
	case o.sites < 1 || o.siteUsers < 0 || o.runs < 1:
		return errors.New("-sites and -runs must be at least 1, -site-users at least 0")
	}
	tmp, err := os.MkdirTemp("", "bulkbench-objects-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(tmp)
	}
	return benchObjects(ctx, os.Stdout, tmp, o)
}

func benchObjects(ctx context.Context, w io.Writer, tmp string, o objectsOptions) error {
	data, csvs, err := genObjectsData(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "bulkbench objects: a User CSV of %d rows; a tenant ZIP of %d sites (%d rows in %d CSVs, %d WAVs, %d objects, %.2f MB); %d runs, settle %s, GOMAXPROCS %d, %s\n",
		o.rows, o.sites, data.zipRows, csvs, len(prompts), data.zipObjects, float64(len(data.zip))/1e6, o.runs, o.settle, runtime.GOMAXPROCS(0), tmp)
	var runs [][]figure
	for r := 1; r <= o.runs; r++ {
		dir := filepath.Join(tmp, fmt.Sprintf("run%d", r))
		figs, err := objectsRun(ctx, dir, o, data)
		if err != nil {
			return fmt.Errorf("run %d: %w", r, err)
		}
		fmt.Fprintf(w, "\nrun %d\n", r)
		for _, f := range figs {
			fmt.Fprintf(w, "%-16s %10.0f rows/s  (%d rows, drop → final in %s; %s)\n", f.label, f.rate(), f.rows, f.took.Round(time.Millisecond), f.note)
		}
		runs = append(runs, figs)
		if !o.keep {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "\nmedian of %d runs\n", o.runs)
	for i, f := range runs[0] {
		rates := make([]float64, len(runs))
		each := make([]string, len(runs))
		for r := range runs {
			rates[r] = runs[r][i].rate()
			each[r] = strconv.FormatFloat(rates[r], 'f', 0, 64)
		}
		fmt.Fprintf(w, "%-16s %10.0f rows/s  (runs: %s)\n", f.label, median(rates), strings.Join(each, ", "))
	}
	return nil
}

// genObjectsData generates what the runs drop, and returns how many CSVs
// the tenant ZIP holds.
func genObjectsData(o objectsOptions) (*objectsData, int, error) {
	d := &objectsData{}
	emails := make([]string, o.rows)
	for i := range emails {
		emails[i] = userEmail(i + 1)
	}
	d.userAgents = agentsCSVs(emails)
	var err error
	if d.setup, _, err = genTenant(userSites, 0).zip(1); err != nil {
		return nil, 0, err
	}
	if d.create, err = userCSV(o.rows, userSites, "", false); err != nil {
		return nil, 0, err
	}
	if d.update, err = userCSV(o.rows, userSites, "-B", false); err != nil {
		return nil, 0, err
	}
	// The same values as the update in other bytes (CRLF line ends): a
	// byte-identical file would be skipped as a repeat, not imported.
	if d.same, err = userCSV(o.rows, userSites, "-B", true); err != nil {
		return nil, 0, err
	}
	ts := genTenant(o.sites, o.siteUsers)
	d.zipAgents = agentsCSVs(ts.emails)
	d.zipRows, d.zipObjects = ts.rows()
	var csvs int
	d.zip, csvs, err = ts.zip(2)
	return d, csvs, err
}

// objectsRun runs every measurement once on a fresh daemon in dir.
func objectsRun(ctx context.Context, dir string, o objectsOptions, data *objectsData) ([]figure, error) {
	cfg, diags, _ := config.Load("")
	if diags.HasErrors() {
		return nil, diags
	}
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.Watch.Root = filepath.Join(cfg.DataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = o.settle
	d := daemon.New(cfg, hclog.NewNullLogger())
	if err := d.Open(ctx); err != nil {
		return nil, err
	}
	defer d.Close()
	c := &client{base: "http://" + d.Addr()}

	// The User CSV: its agents and what it names first, then three drops.
	users, err := newTenantFolder(c, cfg.Watch.Root, filepath.Join(dir, "stage"), "users")
	if err != nil {
		return nil, err
	}
	if err := users.setUp(ctx, data.userAgents, data.setup); err != nil {
		return nil, err
	}
	var figs []figure
	for _, m := range []struct {
		label, name, outcome string
		b                    []byte
	}{
		{"users create", "OBJECTS.user.bench.csv", "created", data.create},
		{"users update", "OBJECTS.user.bench-update.csv", "updated", data.update},
		{"users unchanged", "OBJECTS.user.bench-unchanged.csv", "unchanged", data.same},
	} {
		j, took, err := users.drop(ctx, m.name, m.b)
		if err != nil {
			return nil, err
		}
		if want := map[string]int{m.outcome: o.rows}; j.State != "succeeded" || j.RowsTotal != o.rows || !maps.Equal(j.Counts, want) {
			return nil, c.jobError(ctx, j, fmt.Sprintf("%d rows, counts %v; want succeeded, %d rows, counts %v", j.RowsTotal, j.Counts, o.rows, want))
		}
		figs = append(figs, figure{m.label, j.RowsTotal, took, fmt.Sprintf("%s, %s %d", j.State, m.outcome, j.Counts[m.outcome])})
	}

	// The tenant ZIP, in a tenant of its own.
	tenant, err := newTenantFolder(c, cfg.Watch.Root, filepath.Join(dir, "stage"), "tenant")
	if err != nil {
		return nil, err
	}
	if err := tenant.setUp(ctx, data.zipAgents, nil); err != nil {
		return nil, err
	}
	j, took, err := tenant.drop(ctx, "OBJECTS.tenant.zip", data.zip)
	if err != nil {
		return nil, err
	}
	if want := map[string]int{"created": data.zipObjects}; j.State != "succeeded" || j.RowsTotal != data.zipRows || !maps.Equal(j.Counts, want) {
		return nil, c.jobError(ctx, j, fmt.Sprintf("%d rows, counts %v; want succeeded, %d rows, counts %v", j.RowsTotal, j.Counts, data.zipRows, want))
	}
	figs = append(figs, figure{"tenant ZIP", j.RowsTotal, took, fmt.Sprintf("%s, created %d objects", j.State, j.Counts["created"])})
	return figs, d.Close()
}

// tenantFolder drops files into one tenant's folder, one job at a time.
type tenantFolder struct {
	c                  *client
	tenant, dir, stage string
	jobs               int // the tenant's jobs so far
}

func newTenantFolder(c *client, root, stage, tenant string) (*tenantFolder, error) {
	f := &tenantFolder{c: c, tenant: tenant, dir: filepath.Join(root, tenant), stage: filepath.Join(stage, tenant)}
	for _, dir := range []string{f.dir, f.stage} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// setUp imports the agents CSVs, then the objects ZIP setup (when given),
// each of which must succeed.
func (f *tenantFolder) setUp(ctx context.Context, agentCSVs [][]byte, setup []byte) error {
	for i, b := range agentCSVs {
		j, _, err := f.drop(ctx, fmt.Sprintf("AGENTS.%s-%d.csv", f.tenant, i+1), b)
		if err != nil {
			return err
		}
		if j.State != "succeeded" {
			return f.c.jobError(ctx, j, "want succeeded")
		}
	}
	if setup == nil {
		return nil
	}
	j, _, err := f.drop(ctx, "OBJECTS.setup.zip", setup)
	if err != nil {
		return err
	}
	if j.State != "succeeded" {
		return f.c.jobError(ctx, j, "want succeeded")
	}
	return nil
}

// drop writes b as name into the stage, then renames it into the tenant
// folder and waits for its job to be final. It returns the job and the
// time from the rename to the poll that saw it final.
func (f *tenantFolder) drop(ctx context.Context, name string, b []byte) (job, time.Duration, error) {
	if err := os.WriteFile(filepath.Join(f.stage, name), b, 0o644); err != nil {
		return job{}, 0, err
	}
	start := time.Now()
	if err := dropFiles(f.stage, f.dir, nil, []string{name}); err != nil {
		return job{}, 0, err
	}
	f.jobs++
	jobs, err := f.c.waitJobs(ctx, f.tenant, f.jobs)
	if err != nil {
		return job{}, 0, err
	}
	took := time.Since(start)
	if jobs[0].File != name {
		return job{}, 0, fmt.Errorf("tenant %s: the newest job is of %s, not %s", f.tenant, jobs[0].File, name)
	}
	j, err := f.c.job(ctx, jobs[0].ID)
	return j, took, err
}

// job gets one job, with its counts and error report.
func (c *client) job(ctx context.Context, id uint64) (job, error) {
	var j job
	b, err := c.get(ctx, "/v1/jobs/"+strconv.FormatUint(id, 10))
	if err != nil {
		return j, err
	}
	return j, json.Unmarshal(b, &j)
}

// jobError is the error of a job that did not end as it should: its
// state, error and first failures from its error report.
func (c *client) jobError(ctx context.Context, j job, want string) error {
	msg := fmt.Sprintf("job %d (%s) ended %s (%s)", j.ID, j.File, j.State, want)
	if j.Error != "" {
		msg += ": " + j.Error
	}
	if j.ErrorReport != "" {
		lines, err := c.firstFailures(ctx, j.ErrorReport, 5)
		if err != nil {
			return fmt.Errorf("%s; read the error report: %w", msg, err)
		}
		msg += "; first failures (" + j.ErrorReport + "):\n  " + strings.Join(lines, "\n  ")
	}
	return errors.New(msg)
}

// firstFailures reads up to n failed rows of an error report: a CSV, or a
// ZIP of CSVs, one a part with failed rows.
func (c *client) firstFailures(ctx context.Context, path string, n int) ([]string, error) {
	b, err := c.get(ctx, path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".zip") {
		return reportLines("", bytes.NewReader(b), n)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		lines, err := reportLines(zf.Name+": ", rc, n-len(out))
		rc.Close()
		if err != nil {
			return nil, err
		}
		if out = append(out, lines...); len(out) >= n {
			break
		}
	}
	return out, nil
}

// reportLines returns up to n rows of a report CSV as "Row 3: message".
func reportLines(prefix string, r io.Reader, n int) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	row, msg := len(header)-2, len(header)-1 // the report's Row and Error Message
	var out []string
	for len(out) < n {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) < 2 {
			continue
		}
		out = append(out, prefix+"row "+rec[min(row, len(rec)-2)]+": "+rec[min(msg, len(rec)-1)])
	}
	return out, nil
}

// median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}
