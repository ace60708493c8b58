package main

import (
	"errors"
	"fmt"
	"strings"
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
	cfg, k, err := m.load(*path)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "%s: ok (data_dir %s, watch.root %s, http.listen %s)\n", *path, cfg.DataDir, cfg.Watch.Root, cfg.HTTP.Listen)
	for _, s := range k.Specs() {
		fmt.Fprintf(m.stdout, "  %-9s %s  (%s)\n", s.Kind, strings.Join(k.Routes(s.Kind), " "), s.Limits)
	}
	return nil
}
