package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

func (m *Main) configCheckHelp(w io.Writer) {
	fs, _ := m.flags("config check")
	printHelp(w, `Usage: bulkd config check --config FILE   (or: bulkd config check FILE)

Checks a config file as 'bulkd run' would, short of taking the data dir's
lock and binding the port: the file itself, routes and scopes against the
kinds, each token's and the JWT secret's environment variable (set, and the
JWT secret at least 32 bytes), a non-loopback http.listen only with
authentication, and data_dir and watch.root creatable and writable. It
prints every problem as FILE:LINE:COL: message and exits 1, or prints ok
and each kind's file name patterns. It creates no folder.
`, fs)
}

// configCheck validates a config file, printing FILE:LINE:COL: message for
// each problem, or the effective file name patterns of each kind.
func (m *Main) configCheck(args []string) error {
	fs, path := m.flags("config check")
	if err := fs.Parse(args); err != nil {
		return m.badFlags("config check", err)
	}
	if *path == "" && fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	if *path == "" {
		return errors.New("config check: --config FILE is required")
	}
	cfg, k, err := m.check(*path)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "%s: ok (data_dir %s, watch.root %s, http.listen %s)\n", *path, cfg.DataDir, cfg.Watch.Root, cfg.HTTP.Listen)
	for _, s := range k.Specs() {
		fmt.Fprintf(m.stdout, "  %-9s %s  (%s)\n", s.Kind, strings.Join(k.Routes(s.Kind), " "), s.Limits)
	}
	return nil
}
