package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/hashicorp/go-hclog"
	"github.com/kardianos/service"
)

// runFlags is run's flag set: --config, and --workdir.
func (m *Main) runFlags() (fs *flag.FlagSet, path, workdir *string) {
	fs, path = m.flags("run")
	// A backquoted word in a usage text is the flag's value name in
	// PrintDefaults: only DIR may be backquoted here.
	workdir = fs.String("workdir", "", "change to `DIR` first; 'service install' without --config sets it to the folder it was installed from")
	return fs, path, workdir
}

func (m *Main) runHelp(w io.Writer) {
	fs, _, _ := m.runFlags()
	printHelp(w, `Usage: bulkd run [--config FILE] [--workdir DIR]

Runs bulkd in the foreground (or as the service, when the service manager
started it) until SIGINT or SIGTERM. It first checks the config as
'bulkd config check' does and refuses to start on any problem. Without
--config it runs on the embedded defaults: data in ./bulkd-data, tenant
folders in ./bulkd-data/gis, HTTP on 127.0.0.1:8765.
`, fs)
}

// runDaemon runs bulkd in the foreground, or under the service manager when
// it started us; either way until a stop signal.
func (m *Main) runDaemon(ctx context.Context, args []string) error {
	fs, path, workdir := m.runFlags()
	if err := fs.Parse(args); err != nil {
		return m.badFlags("run", err)
	}
	if *workdir != "" {
		if err := os.Chdir(*workdir); err != nil {
			return fmt.Errorf("change to %s: %w", *workdir, err)
		}
	}
	cfg, _, err := m.check(*path)
	if err != nil {
		return err
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name: "bulkd", Level: hclog.LevelFromString(cfg.LogLevel), JSONFormat: cfg.LogFormat == "json", Output: m.stderr,
	})
	p := &program{ctx: ctx, d: daemon.New(cfg, logger)}
	s, err := service.New(p, serviceConfig(nil, ""))
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	return s.Run()
}

// load loads a config file (the embedded default for ""), checked against
// the kinds, printing its diagnostics; it returns the kinds with the
// config's routes. It reads nothing of the environment: `service install`
// uses it, whose shell need not hold the service's secrets.
func (m *Main) load(path string) (*config.Config, *pipeline.Kinds, error) {
	return m.loadWith(path, nil)
}

// check is load plus every check the daemon makes before it starts
// (daemon.Check: secrets, the listen address, the folders), all problems
// printed together: what run and config check use.
func (m *Main) check(path string) (*config.Config, *pipeline.Kinds, error) {
	return m.loadWith(path, func(cfg *config.Config) config.Diagnostics { return daemon.Check(cfg, os.Getenv) })
}

func (m *Main) loadWith(path string, more func(*config.Config) config.Diagnostics) (*config.Config, *pipeline.Kinds, error) {
	cfg, diags, files := config.Load(path)
	var k *pipeline.Kinds
	if !diags.HasErrors() {
		k, diags = cfg.Kinds(kinds.All())
		if more != nil {
			diags = append(diags, more(cfg)...)
		}
	}
	if diags.HasErrors() {
		if err := config.WriteDiagnostics(m.stderr, diags, files); err != nil {
			return nil, nil, err
		}
		return nil, nil, errReported
	}
	return cfg, k, nil
}

// program adapts the daemon to kardianos/service: Start does not block,
// Stop closes the daemon and waits for it.
type program struct {
	ctx context.Context
	d   *daemon.Daemon
}

func (p *program) Start(service.Service) error { return p.d.Open(p.ctx) }
func (p *program) Stop(service.Service) error  { return p.d.Close() }
