package main

import (
	"context"
	"fmt"
	"os"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/hashicorp/go-hclog"
	"github.com/kardianos/service"
)

// runDaemon runs bulkd in the foreground, or under the service manager when
// it started us; either way until a stop signal.
func (m *Main) runDaemon(ctx context.Context, args []string) error {
	fs, path := m.flags("run")
	workdir := fs.String("workdir", "", "change to this folder first (set by `service install` without --config)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *workdir != "" {
		if err := os.Chdir(*workdir); err != nil {
			return fmt.Errorf("change to %s: %w", *workdir, err)
		}
	}
	cfg, _, err := m.load(*path)
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
// config's routes.
func (m *Main) load(path string) (*config.Config, *pipeline.Kinds, error) {
	cfg, diags, files := config.Load(path)
	var k *pipeline.Kinds
	if !diags.HasErrors() {
		k, diags = cfg.Kinds(kinds.All())
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
