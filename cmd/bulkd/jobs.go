package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
)

// jobsOpts are the jobs verb's flags.
type jobsOpts struct {
	tenant, state, kind *string
	limit               *int
	watch               *bool
	client              clientOpts
}

func (m *Main) jobsFlags() (*flag.FlagSet, jobsOpts) {
	fs := flag.NewFlagSet("bulkd jobs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := jobsOpts{
		tenant: fs.String("tenant", "", "only `TENANT`'s jobs (a token sees its own tenant's only)"),
		state:  fs.String("state", "", "only jobs in `STATE`: "+stateNames()),
		kind:   fs.String("kind", "", "only jobs of `KIND`: "+strings.Join(registered().Names(), ", ")),
		limit:  fs.Int("limit", 50, "list at most `N` jobs, the newest (1 to 10000)"),
		watch:  fs.Bool("watch", false, "then follow the unfinished jobs listed until they are final"),
	}
	o.client = clientFlags(fs, serverUsage)
	return fs, o
}

func (m *Main) jobsHelp(w io.Writer) {
	fs, _ := m.jobsFlags()
	printHelp(w, `Usage: bulkd jobs [--tenant T] [--state S] [--kind K] [--limit N] [--watch]

Lists a running bulkd's jobs, newest first (GET /v1/jobs): id, kind,
tenant, state, rows done of total, rows failed, when it was taken and
its file. With --watch it then follows each job of the list that is not
final, oldest first, until it is: a progress bar on a terminal, a line
for each change otherwise; then its outcome and its error report's URL.

Exit status: 0, 1 when bulkd cannot be reached or refuses, 2 for a wrong
command line.
`+clientHelp, fs)
}

// jobs lists the daemon's jobs, and with --watch follows the unfinished.
func (m *Main) jobs(ctx context.Context, args []string) error {
	fs, o := m.jobsFlags()
	operands, err := parseArgs(fs, args)
	if err != nil {
		return m.badFlags("jobs", err)
	}
	if len(operands) > 0 {
		return m.usageError("jobs", fmt.Sprintf("unexpected %q: jobs takes flags only", operands[0]))
	}
	q := url.Values{}
	if *o.state != "" {
		if !slices.Contains(bulkd.JobStates, bulkd.JobState(*o.state)) {
			return m.usageError("jobs", fmt.Sprintf("state %q is not one of %s", *o.state, stateNames()))
		}
		q.Set("state", *o.state)
	}
	if *o.kind != "" {
		if _, ok := registered().Spec(bulkd.Kind(*o.kind)); !ok {
			return m.usageError("jobs", fmt.Sprintf("kind %q is not one of %s", *o.kind, strings.Join(registered().Names(), ", ")))
		}
		q.Set("kind", *o.kind)
	}
	if *o.limit < 1 || *o.limit > 10000 {
		return m.usageError("jobs", fmt.Sprintf("--limit %d is not from 1 to 10000", *o.limit))
	}
	q.Set("limit", strconv.Itoa(*o.limit))
	if *o.tenant != "" {
		q.Set("tenant", *o.tenant)
	}
	c, err := m.newClient(o.client, *o.tenant)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	list, err := c.jobList(ctx, q)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := printJobs(m.stdout, list); err != nil {
		return err
	}
	if !*o.watch {
		return nil
	}
	var open []api.JobView
	for _, j := range list {
		if !j.State.Final() {
			open = append(open, j)
		}
	}
	if len(open) == 0 {
		fmt.Fprintln(m.stdout, "no unfinished job to watch")
		return nil
	}
	slices.Reverse(open) // oldest first: the order they run in
	for _, j := range open {
		j, err := m.follow(ctx, m.stdout, fmt.Sprintf("job %d %s", j.ID, j.File), func(ctx context.Context) (api.JobView, error) {
			return c.job(ctx, j.ID)
		})
		if err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		fmt.Fprintln(m.stdout, c.outcome(j))
	}
	return nil
}

// stateNames lists the job states.
func stateNames() string {
	states := make([]string, len(bulkd.JobStates))
	for i, s := range bulkd.JobStates {
		states[i] = string(s)
	}
	return strings.Join(states, ", ")
}

// printJobs writes jobs as a table.
func printJobs(w io.Writer, jobs []api.JobView) error {
	if len(jobs) == 0 {
		_, err := fmt.Fprintln(w, "no jobs")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tTENANT\tSTATE\tROWS\tFAILED\tTAKEN\tFILE")
	for _, j := range jobs {
		rows := fmt.Sprintf("%d/%d", j.RowsDone, j.RowsTotal)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Tenant, j.State, rows, j.RowsFailed,
			j.CreatedAt.Local().Format("2006-01-02 15:04:05"), j.File)
	}
	return tw.Flush()
}
