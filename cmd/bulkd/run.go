package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/sdnotify"
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
	p := &program{ctx: ctx}
	s, err := service.New(p, serviceConfig(nil, ""))
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	// A Windows service has no stderr: its log, the config's problems and
	// why it stopped go to the Event Log instead.
	out, eventLog := serviceLog(s, m.stderr)
	err = m.serve(s, p, *path, out, eventLog)
	if err != nil && eventLog && !errors.Is(err, errReported) {
		fmt.Fprintf(out, "bulkd: %v\n", err)
	}
	return err
}

// serve checks the config, printing its problems to out in one write (one
// event in the Event Log), and runs the daemon as p under s.
func (m *Main) serve(s service.Service, p *program, path string, out io.Writer, eventLog bool) error {
	var diags bytes.Buffer
	mm := *m
	mm.stderr = &diags
	cfg, _, err := mm.check(path)
	if diags.Len() > 0 {
		if _, werr := out.Write(diags.Bytes()); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	p.log = hclog.New(&hclog.LoggerOptions{
		Name: "bulkd", Level: hclog.LevelFromString(cfg.LogLevel), JSONFormat: cfg.LogFormat == "json", Output: out,
		// The Event Log dates every event itself.
		DisableTime: eventLog,
	})
	p.d = daemon.New(cfg, p.log)
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
// Stop closes the daemon and waits for it. Under systemd (Type=notify) it
// says READY=1 once the daemon listens, and STOPPING=1 as it stops.
type program struct {
	ctx context.Context
	d   *daemon.Daemon
	log hclog.Logger
}

func (p *program) Start(service.Service) error {
	if err := p.d.Open(p.ctx); err != nil {
		return err
	}
	if err := sdnotify.Ready(); err != nil {
		p.log.Warn("cannot tell the service manager bulkd is ready", "error", err)
	}
	return nil
}

func (p *program) Stop(service.Service) error {
	if err := sdnotify.Stopping(); err != nil {
		p.log.Warn("cannot tell the service manager bulkd is stopping", "error", err)
	}
	return p.d.Close()
}
