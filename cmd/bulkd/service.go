package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kardianos/service"
)

// serviceConfig describes the installed service: it runs `bulkd run` with
// the config's absolute path, or, without one, in the folder it was
// installed from so the default ./bulkd-data resolves there.
func serviceConfig(args []string, workdir string) *service.Config {
	return &service.Config{
		Name:        "bulkd",
		DisplayName: "bulkd bulk-import daemon",
		Description: "Imports contact-center bulk files dropped in tenant folders or posted over HTTP.",
		Arguments:   args,
		Dependencies: []string{
			"After=network.target",
		},
		WorkingDirectory: workdir,
	}
}

// service runs a service-manager verb.
func (m *Main) service(args []string) error {
	if len(args) == 0 {
		return errors.New("service: want install, uninstall, start, stop or status")
	}
	verb := args[0]
	fs, path := m.flags("service " + verb)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	runArgs := []string{"run"}
	workdir := ""
	if *path != "" {
		abs, err := filepath.Abs(*path)
		if err != nil {
			return fmt.Errorf("service: %w", err)
		}
		if _, _, err := m.load(abs); err != nil {
			return err
		}
		runArgs = append(runArgs, "--config", abs)
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("service: %w", err)
		}
		runArgs, workdir = append(runArgs, "--workdir", wd), wd
	}
	s, err := service.New(&program{}, serviceConfig(runArgs, workdir))
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	switch verb {
	case "install", "uninstall", "start", "stop":
		if err := service.Control(s, verb); err != nil {
			return fmt.Errorf("service %s: %w", verb, err)
		}
		fmt.Fprintf(m.stdout, "service %s: done\n", verb)
		return nil
	case "status":
		st, err := s.Status()
		if errors.Is(err, service.ErrNotInstalled) {
			fmt.Fprintln(m.stdout, "not installed")
			return nil
		}
		if err != nil {
			// SysV's `service bulkd status` exits non-zero when stopped.
			fmt.Fprintf(m.stdout, "not running (the service manager said: %v)\n", err)
			return errReported
		}
		word := "unknown"
		switch st {
		case service.StatusRunning:
			word = "running"
		case service.StatusStopped:
			word = "stopped"
		}
		fmt.Fprintln(m.stdout, word)
		return nil
	}
	return fmt.Errorf("service: unknown verb %q: want install, uninstall, start, stop or status", verb)
}
