package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
)

// configCheck validates a config file, printing FILE:LINE:COL: message for
// each problem, or the effective file name patterns of each kind.
func (m *Main) configCheck(args []string) error {
	fs, path := m.flags("config check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" && fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	if *path == "" {
		return errors.New("config check: --config FILE is required")
	}
	cfg, diags, files := config.Load(*path)
	var k *pipeline.Kinds
	if !diags.HasErrors() {
		k, diags = cfg.Kinds(kinds.All())
	}
	if diags.HasErrors() {
		if err := config.WriteDiagnostics(m.stderr, diags, files); err != nil {
			return err
		}
		return errReported
	}
	fmt.Fprintf(m.stdout, "%s: ok (data_dir %s, watch.root %s, http.listen %s)\n", *path, cfg.DataDir, cfg.Watch.Root, cfg.HTTP.Listen)
	for _, s := range k.Specs() {
		fmt.Fprintf(m.stdout, "  %-9s %s\n", s.Kind, strings.Join(k.Routes(s.Kind), " "))
	}
	return nil
}
