package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/schedule"
)

// validateOpts are validate's flags.
type validateOpts struct {
	kind, object, tenant, report, config, timeZone, dateFormat *string
	client                                                     clientOpts
}

func (m *Main) validateFlags() (*flag.FlagSet, validateOpts) {
	fs := flag.NewFlagSet("bulkd validate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := validateOpts{
		kind:       fs.String("kind", "", "the files' `KIND` (default: from each file's name, as in a tenant folder)"),
		object:     fs.String("object", "", "the object `TYPE` of an objects CSV whose name does not say it"),
		tenant:     fs.String("tenant", "", "check as `TENANT`'s files: its settings, and with --server its agents and objects (default: the token's tenant, else default)"),
		report:     fs.String("report", "", "write the error report to `PATH` (into it as <file>.errors.csv when it is a folder, as it must be with several files)"),
		config:     fs.String("config", "", "read tenant settings, routes and limits from the HCL config `FILE` (default: the embedded defaults)"),
		timeZone:   fs.String("time-zone", "", "read schedule times in `ZONE` (IANA; default: the tenant's time_zone)"),
		dateFormat: fs.String("date-format", "", "read schedule times in `FORMAT` (default: the tenant's date_format)"),
	}
	o.client = clientFlags(fs, "check references against the tenant's agents and objects in the running bulkd at `URL` (default: offline)")
	return fs, o
}

func (m *Main) validateHelp(w io.Writer) {
	fs, _ := m.validateFlags()
	printHelp(w, `Usage: bulkd validate FILE... [--kind K] [--tenant T] [--report PATH] [--server URL]

Checks files as the importer would, without importing them: each file is
imported by its kind's own importer into a throwaway store in a temp
folder, removed afterwards; the daemon and its data dir are not touched.
It prints each failed row with its message, or why the file as a whole
is invalid, and with --report writes the error report the import would
write. Several files are checked together, in the order the daemon takes
files dropped together (agents first), so a CONTACT or SCHEDULE file is
checked against the agents of an AGENTS file named with it.

References. Offline, the tenant starts empty: a row naming an agent or an
object the tenant would have (a contact's AgentId, a schedule's Agent
Email, an objects reference, an agent's Current Email) fails, and is
marked [not checked offline]: the importer may check the rest of such a
row only once the reference resolves. With --server URL the tenant's
agents and objects are first copied, read-only, from the running bulkd
into the throwaway store, and every row is checked against them.
Not checked either way: the recordings of a contacts file (its rows are),
and whether an assist contact's phone number is already the tenant's
(against the file's own rows only).

Exit status: 0 when every row of every file passed, 1 when a row failed
or a file is invalid, 2 for a wrong command line or another error.

Without --server validate is offline ($BULKD_URL does not make it go to
a daemon: pass --server "$BULKD_URL"). With it, the token, when bulkd has
authentication, is read from the file --token-file names, else from
$BULKD_TOKEN; never from the command line, where other users could read
it. Nothing secret is printed. The token needs agents:read (and
objects:read for objects files).
`, fs)
}

// validate checks files offline as their importers would.
func (m *Main) validate(ctx context.Context, args []string) error {
	fs, o := m.validateFlags()
	files, err := parseArgs(fs, args)
	if err != nil {
		return m.badFlags("validate", err)
	}
	if len(files) == 0 {
		return m.usageError("validate", "name the FILE(s) to check")
	}
	err = m.validateFiles(ctx, files, o)
	var ue usageErr
	switch {
	case err == nil, errors.Is(err, errUsage), errors.Is(err, errRowsFailed):
		return err
	case errors.As(err, &ue):
		return m.usageError("validate", ue.msg)
	}
	return exitWith(2, fmt.Errorf("validate: %w", err))
}

// errRowsFailed is validate's and import's verdict on files with failed
// rows, or that failed whole, once it has printed them: exit 1.
var errRowsFailed = fmt.Errorf("rows failed: %w", errReported)

// exitCoded is an error with its own exit code.
type exitCoded struct {
	error
	code int
}

func (e exitCoded) ExitCode() int { return e.code }
func (e exitCoded) Unwrap() error { return e.error }

// exitWith makes err exit with code.
func exitWith(code int, err error) error { return exitCoded{err, code} }

func (m *Main) validateFiles(ctx context.Context, files []string, o validateOpts) error {
	cfg, k, err := m.load(*o.config)
	if err != nil {
		return err
	}
	ins, _, err := inputsOf(k, files, *o.kind, *o.object, false)
	if err != nil {
		return err
	}
	if *o.report != "" && len(ins) > 1 {
		if err := os.MkdirAll(*o.report, 0o755); err != nil {
			return fmt.Errorf("--report with several files names a folder: %w", err)
		}
	}
	s, err := openScratch(cfg, k)
	if err != nil {
		return err
	}
	defer s.close()
	offline := *o.client.server == ""
	tenant := *o.tenant
	var c *client
	if !offline {
		if c, err = m.newClient(o.client, tenant); err != nil {
			return err
		}
		if tenant == "" {
			if tenant, err = c.ownTenant(ctx); err != nil {
				return err
			}
		}
	}
	if tenant == "" {
		tenant = "default" // bulkd open's tenant without X-Tenant
	}
	if !bulkd.ValidTenant(tenant) {
		return usageErr{fmt.Sprintf("tenant %q is not a tenant name ([A-Za-z0-9._-]+)", tenant)}
	}
	if c != nil {
		c.tenant = tenant
		withObjects := false
		for _, in := range ins {
			withObjects = withObjects || in.kind == bulkd.KindObjects
		}
		got, err := s.copyTenant(ctx, c, tenant, withObjects)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.stdout, "checking against tenant %s of %s: %d agents and %d objects copied\n", tenant, c.base.Host, got.agents, got.objects)
		if got.idsDiffer > 0 {
			fmt.Fprintf(m.stdout, "note: %d agents have other ids here than in bulkd: a contact's numeric AgentId may name another agent\n", got.idsDiffer)
		}
	}
	if err := s.start(ctx); err != nil {
		return err
	}
	failed, unchecked := false, false
	for _, in := range ins {
		in.asFolderDrop()
		if in.kind == bulkd.KindSchedule {
			if *o.timeZone != "" {
				in.params = withParam(in.params, schedule.ParamTimeZone, *o.timeZone)
			}
			if *o.dateFormat != "" {
				in.params = withParam(in.params, schedule.ParamDateFormat, *o.dateFormat)
			}
		}
		j, err := m.checkFile(ctx, s, in, tenant)
		if err != nil {
			return err
		}
		spec, _ := k.Spec(in.kind)
		var unresolved func(string) bool
		if offline {
			unresolved = spec.Unresolved
		}
		n, err := m.printFailures(ctx, s, in, j, unresolved)
		if err != nil {
			return err
		}
		unchecked = unchecked || n > 0
		failed = failed || j.State == bulkd.StateFailed || j.RowsFailed > 0
		if *o.report != "" && pipeline.HasReport(j) {
			path := *o.report
			if fi, err := os.Stat(path); len(ins) > 1 || err == nil && fi.IsDir() {
				path = filepath.Join(path, in.name+pipeline.ReportSuffixOf(j))
			}
			if err := writeFile(path, func(w io.Writer) error { return pipeline.WriteReport(ctx, s.store, j, w) }); err != nil {
				return err
			}
			fmt.Fprintf(m.stdout, "  error report: %s\n", path)
		}
		if in.kind == bulkd.KindContacts {
			fmt.Fprintf(m.stdout, "  note: the rows are checked, not the recordings they name, which must come with the file when it is imported\n")
		}
	}
	if unchecked {
		fmt.Fprintf(m.stdout, "[not checked offline]: the failure depends on the tenant's agents or objects, which an offline check does not have "+
			"(it starts from an empty tenant); check against them with --server URL, or validate the file together with the files that create them\n")
	}
	if failed {
		return errRowsFailed
	}
	return nil
}

// checkFile imports one file into the scratch store and returns its job once
// it is final, with a progress bar on a terminal meanwhile.
func (m *Main) checkFile(ctx context.Context, s *scratch, in input, tenant string) (*bulkd.Job, error) {
	j, err := s.claim(ctx, in, tenant)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	fctx, cancel := context.WithCancel(ctx)
	if m.terminal(m.stderr) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = m.follow(fctx, m.stderr, "checking "+in.name, func(ctx context.Context) (api.JobView, error) {
				j, err := s.store.Job(ctx, j.ID)
				if err != nil {
					return api.JobView{}, err
				}
				return api.ViewJob(j), nil
			})
		}()
	}
	j, err = s.runner.Wait(ctx, j.ID)
	cancel()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if !j.State.Final() {
		return nil, fmt.Errorf("check %s: the import stopped %s: %s", in.path, j.State, j.Error)
	}
	return j, nil
}

// plural says n things: "1 row", "2 rows".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// printFailures prints a checked file's verdict and its failed rows;
// a row whose failure unresolved tells is marked as not checked. It
// returns how many were.
func (m *Main) printFailures(ctx context.Context, s *scratch, in input, j *bulkd.Job, unresolved func(string) bool) (int, error) {
	head := fmt.Sprintf("%s (%s)", in.path, in.kind)
	switch {
	case j.State == bulkd.StateFailed && j.RowsFailed == 0:
		fmt.Fprintf(m.stdout, "%s: invalid: %s\n", head, j.Error)
		return 0, nil
	case j.RowsFailed == 0:
		fmt.Fprintf(m.stdout, "%s: ok, %s\n", head, plural(j.RowsDone, "row"))
		return 0, nil
	}
	fmt.Fprintf(m.stdout, "%s: %d of %s failed\n", head, j.RowsFailed, plural(j.RowsDone, "row"))
	n := 0
	err := s.store.RowFailures(ctx, j.ID, func(f bulkd.RowFailure) error {
		where := fmt.Sprintf("row %d", f.Row)
		if i, row, ok := bulkd.PartOf(j.Parts, f.Row); ok {
			where += fmt.Sprintf(" (%s row %d)", j.Parts[i].File, row)
		}
		mark := ""
		if unresolved != nil && unresolved(f.Message) {
			mark, n = " [not checked offline]", n+1
		}
		_, err := fmt.Fprintf(m.stdout, "  %s: %s%s\n", where, f.Message, mark)
		return err
	})
	return n, err
}
