// Command bulkd is the bulk-import daemon: `bulkd run` starts it, `bulkd
// config check` validates a config file and `bulkd service …` manages it as
// a system service. It is the only package that imports kardianos/service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	m := NewMain(os.Stdout, os.Stderr)
	if err := m.Run(context.Background(), os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "bulkd:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errReported is returned when the command already printed its failure.
var errReported = errors.New("reported")

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// Main is the command line.
type Main struct {
	stdout, stderr io.Writer
}

// NewMain returns a Main writing to stdout and stderr.
func NewMain(stdout, stderr io.Writer) *Main { return &Main{stdout: stdout, stderr: stderr} }

// Run dispatches to a verb.
func (m *Main) Run(ctx context.Context, args []string) error {
	verb := ""
	if len(args) > 0 {
		verb, args = args[0], args[1:]
	}
	switch verb {
	case "run":
		return m.runDaemon(ctx, args)
	case "config":
		if len(args) > 0 && args[0] == "check" {
			return m.configCheck(args[1:])
		}
	case "service":
		return m.service(args)
	case "version":
		fmt.Fprintln(m.stdout, "bulkd", version)
		return nil
	}
	fmt.Fprint(m.stderr, `Usage: bulkd <command> [flags]

Commands:
  run [--config FILE]                   run the daemon (embedded defaults without --config)
  config check --config FILE            validate a config file
  service install|uninstall|start|stop|status [--config FILE]
                                        manage bulkd as a system service
  version                               print the version
`)
	return flag.ErrHelp
}

// flags registers --config on a new flag set named name.
func (m *Main) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("bulkd "+name, flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	path := fs.String("config", "", "HCL config file (default: embedded defaults)")
	return fs, path
}
