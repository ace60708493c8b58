// Command bulkd is the bulk-import daemon: `bulkd run` starts it, `bulkd
// config check` validates a config file and `bulkd service …` manages it as
// a system service. Its client commands serve operators and scripts:
// `validate` checks files offline as the importer would, `template` prints
// a kind's blank template, and `jobs` and `import` talk to a running bulkd
// over HTTP. It is the only package that imports kardianos/service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

func main() {
	m := NewMain(os.Stdout, os.Stderr)
	if err := m.Run(context.Background(), os.Args[1:]); err != nil {
		os.Exit(m.exit(err))
	}
}

// exit prints err, unless the command printed it already, and returns the
// exit code it calls for.
func (m *Main) exit(err error) int {
	if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errReported) && !errors.Is(err, errUsage) {
		fmt.Fprintln(m.stderr, "bulkd:", err)
	}
	return exitCode(err)
}

var (
	// errReported is returned when the command already printed its failure.
	errReported = errors.New("reported")
	// errUsage is returned when the command line was wrong and Run already
	// said why and how to call it.
	errUsage = errors.New("usage")
)

// exitCode is an error's own code when it has one (`service status`
// exits as an LSB status action does), 2 for a wrong command line, as the
// flag package does, and 1 for any other failure.
func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	switch {
	case errors.As(err, &coded):
		return coded.ExitCode()
	case errors.Is(err, flag.ErrHelp) || errors.Is(err, errUsage):
		return 2
	}
	return 1
}

// Main is the command line.
type Main struct {
	stdout, stderr io.Writer
	// getenv reads the environment (BULKD_URL, BULKD_TOKEN).
	getenv func(string) string
	// terminal reports whether w is a terminal, where progress is shown
	// as bars rather than lines.
	terminal func(w io.Writer) bool
	// pollEvery is how often the client commands ask for a job's progress.
	pollEvery time.Duration
}

// NewMain returns a Main writing to stdout and stderr.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{stdout: stdout, stderr: stderr, getenv: os.Getenv, terminal: isTerminal, pollEvery: 250 * time.Millisecond}
}

const usage = `Usage: bulkd <command> [flags]

Commands:
  run [--config FILE]                   run the daemon (embedded defaults without --config)
  config check --config FILE            check a config as run would, without starting
  service install|uninstall|start|stop|status [--config FILE]
                                        manage bulkd as a system service
  validate FILE... [--kind K] [--tenant T] [--report PATH] [--server URL]
                                        check files as the importer would, without
                                        importing them; exit 1 when a row fails
  template KIND [TYPE] [--out FILE]     write a kind's blank template (its header row)
  jobs [--tenant T] [--state S] [--kind K] [--watch]
                                        list a running bulkd's jobs; --watch follows
                                        the unfinished ones to their end
  import FILE... [--tenant T] [--kind K]
                                        send files to a running bulkd through their
                                        kind's door, and wait for the outcome
  version                               print the version
  help [command]                        print this, or a command's help

jobs, import and validate --server reach bulkd at $BULKD_URL (default
http://127.0.0.1:8765), with the token in $BULKD_TOKEN or the file
--token-file names; the token is never taken from the command line.

Run 'bulkd <command> --help' for a command's flags.
`

// command is a verb: what it does and its help.
type command struct {
	run  func(ctx context.Context, args []string) error
	help func(w io.Writer)
}

func (m *Main) commands() map[string]command {
	return map[string]command{
		"run":          {m.runDaemon, m.runHelp},
		"config check": {func(_ context.Context, args []string) error { return m.configCheck(args) }, m.configCheckHelp},
		"service":      {func(_ context.Context, args []string) error { return m.service(args) }, m.serviceHelp},
		"version":      {func(context.Context, []string) error { m.version(); return nil }, versionHelp},
		"validate":     {m.validate, m.validateHelp},
		"template":     {func(_ context.Context, args []string) error { return m.template(args) }, m.templateHelp},
		"jobs":         {m.jobs, m.jobsHelp},
		"import":       {m.importFiles, m.importHelp},
	}
}

// Run dispatches to a verb. Help is handled here, before a verb parses its
// arguments, so that every verb has it the same way.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.stderr, usage)
		return errUsage
	}
	name, rest := args[0], args[1:]
	if name == "config" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = "config "+rest[0], rest[1:]
	} else if name == "config" {
		name = "config check" // `bulkd config --help`: its one verb's help
		if !wantsHelp(rest) {
			return m.unknown("config")
		}
	}
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(m.stdout, usage)
		return nil
	case "help":
		if len(rest) == 0 {
			fmt.Fprint(m.stdout, usage)
			return nil
		}
		name = strings.Join(rest, " ")
		if name == "config" {
			name = "config check"
		}
		rest = []string{"--help"}
	}
	cmd, ok := m.commands()[name]
	if !ok {
		return m.unknown(name)
	}
	if wantsHelp(rest) {
		cmd.help(m.stdout)
		return nil
	}
	return cmd.run(ctx, rest)
}

// unknown says the command is not one of bulkd's, then how to call bulkd.
func (m *Main) unknown(name string) error {
	fmt.Fprintf(m.stderr, "bulkd: unknown command %q\n\n%s", name, usage)
	return errUsage
}

// wantsHelp reports whether args ask for help before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// flags registers --config on a new flag set named name. The flag set
// prints nothing itself: Run prints help, and a bad flag is reported once,
// by whoever returns the error.
func (m *Main) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("bulkd "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	path := fs.String("config", "", "read the HCL config in `FILE`")
	return fs, path
}

// badFlags reports a flag error of verb name once, with where to find help.
func (m *Main) badFlags(name string, err error) error {
	fmt.Fprintf(m.stderr, "bulkd %s: %v\nRun 'bulkd %s --help' for usage.\n", name, err, name)
	return errUsage
}

// parseArgs parses args with fs, flags and operands in any order (`bulkd
// validate FILE --kind agents`), as the flag package does not: it returns
// the operands. Everything after "--" is an operand.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if at := len(args) - len(rest); at > 0 && args[at-1] == "--" {
			return append(operands, rest...), nil
		}
		operands, args = append(operands, rest[0]), rest[1:]
	}
}

// printHelp writes a verb's help text and its flags' defaults to w.
func printHelp(w io.Writer, text string, fs *flag.FlagSet) {
	fmt.Fprint(w, text)
	if fs != nil {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func (m *Main) serviceHelp(w io.Writer) {
	fs, _ := m.flags("service")
	printHelp(w, `Usage: bulkd service install|uninstall|start|stop|status [--config FILE]

Manages bulkd as a system service (systemd, or a Windows service). The
installed service runs 'bulkd run --config <absolute path of FILE>', or
without --config 'bulkd run --workdir <this folder>' (on Windows, with
%ProgramData%\bulkd\bulkd.hcl, written from the sample when absent; the
log goes to the Event Log). install checks the config first; status prints
the service's state. Installed from the deb or rpm, the package's systemd
unit is the service: use systemctl.
`, fs)
}

func versionHelp(w io.Writer) {
	fmt.Fprint(w, `Usage: bulkd version

Prints the version (the package's, when built by go run ./packaging/build;
else the module's), the commit and its time (from the build's VCS stamp;
"commit unknown" when built with -buildvcs=false) and the Go version.
`)
}

// packageVersion is the version of the package bulkd was built for, set by
// the packaging command (-ldflags "-X main.packageVersion=…"); "" for a
// plain build, whose version comes from the build info.
var packageVersion = ""

// version prints the build's version line.
func (m *Main) version() {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	fmt.Fprintln(m.stdout, versionLine(bi))
}

// versionLine describes the build: the main module's version, the VCS
// revision (marked dirty when modified) and its time, and the Go version.
// Go records no build date, so the time is the commit's.
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "bulkd (devel) (commit unknown, no build info)"
	}
	v := bi.Main.Version
	if packageVersion != "" {
		v = packageVersion
	}
	if v == "" {
		v = "(devel)"
	}
	setting := map[string]string{}
	for _, s := range bi.Settings {
		setting[s.Key] = s.Value
	}
	commit := "commit unknown"
	if rev := setting["vcs.revision"]; rev != "" {
		commit = "commit " + rev[:min(12, len(rev))]
		if setting["vcs.modified"] == "true" {
			commit += "-dirty"
		}
		if at := setting["vcs.time"]; at != "" {
			commit += ", committed " + at
		}
	}
	return fmt.Sprintf("bulkd %s (%s, %s)", v, commit, bi.GoVersion)
}
