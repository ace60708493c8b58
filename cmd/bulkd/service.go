package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/kardianos/service"
)

// serviceConfig describes the installed service: it runs `bulkd run` with
// the config's absolute path, or, without one, in the folder it was
// installed from so the default ./bulkd-data resolves there.
func serviceConfig(args []string, workdir string) *service.Config {
	return &service.Config{
		Name:        defaultServiceName,
		DisplayName: "bulkd bulk-import daemon",
		Description: "Imports contact-center bulk files dropped in tenant folders or posted over HTTP.",
		Arguments:   args,
		Dependencies: []string{
			"After=network.target",
		},
		WorkingDirectory: workdir,
	}
}

// defaultServiceName is the service's name unless the hidden --name flag
// says otherwise (the integration test installs under its own name so that
// it never touches a real bulkd service).
const defaultServiceName = "bulkd"

// startWait is how long `service start` waits for /healthz to answer.
const startWait = 20 * time.Second

// logTailLines is how many of the log's last lines a failed start shows.
const logTailLines = 20

// Status exit codes, as an LSB init script's `status` action has them.
const (
	exitStopped = 3 // program is not running
	exitUnknown = 4 // program or service status is unknown (not installed, or the manager failed)
)

// manager is what the service verbs need of a service manager. It is
// kardianos/service's Service plus what that does not tell: the installed
// definition and the logs. The platform files adapt each manager (SysV
// init, systemd, Windows); tests fake it.
type manager interface {
	Install() error
	// Uninstall removes everything Install made (logs excepted).
	Uninstall() error
	Start() error
	Stop() error
	// Status is StatusRunning or StatusStopped, or an error wrapping
	// service.ErrNotInstalled when the service is not installed.
	Status() (service.Status, error)
	// Installed returns the installed service's command line, program
	// first, and where its definition is; an error wrapping
	// service.ErrNotInstalled when there is none, or errDefinitionUnknown
	// where bulkd cannot read definitions of this manager.
	Installed() (cmd []string, where string, err error)
	// System names the service manager ("unix-systemv", "linux-systemd",
	// "windows-service", …).
	System() string
	// LogPlace says where the running service's log goes.
	LogPlace() string
	// LogSince returns a function giving up to n of the last log lines
	// written after LogSince was called, or nil where the log cannot be
	// read back (Windows).
	LogSince() func(n int) ([]string, error)
}

// errDefinitionUnknown is returned by Installed for service managers whose
// definitions bulkd does not know how to read.
var errDefinitionUnknown = errors.New("cannot read this service manager's definitions")

// exitStatus is a failure that was already printed and has its own exit
// code: `service status` exits as an LSB status action does.
type exitStatus struct {
	code int
	word string
}

func (e *exitStatus) Error() string { return "service status: " + e.word }

// ExitCode is the process's exit code for this status.
func (e *exitStatus) ExitCode() int { return e.code }

// Is makes an exitStatus errReported: its words are already printed.
func (e *exitStatus) Is(target error) bool { return target == errReported }

// serviceVerbs are the verbs of `bulkd service`.
const serviceVerbs = "install, uninstall, start, stop or status"

// service runs a service-manager verb.
func (m *Main) service(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(m.stderr, "bulkd service: want %s\nRun 'bulkd service --help' for usage.\n", serviceVerbs)
		return errUsage
	}
	verb := args[0]
	if !slices.Contains([]string{"install", "uninstall", "start", "stop", "status"}, verb) {
		fmt.Fprintf(m.stderr, "bulkd service: unknown verb %q: want %s\nRun 'bulkd service --help' for usage.\n", verb, serviceVerbs)
		return errUsage
	}
	fs, path := m.flags("service " + verb)
	// Hidden (serviceHelp lists only m.flags'): for tests and for a second
	// instance; every verb needs the same --name as install had.
	name := fs.String("name", defaultServiceName, "the service's `NAME`")
	if err := fs.Parse(args[1:]); err != nil {
		return m.badFlags("service "+verb, err)
	}
	runArgs := []string{"run"}
	workdir := ""
	cfgPath := *path
	if cfgPath == "" && verb == "install" {
		// Windows: %ProgramData%\bulkd\bulkd.hcl, written from the sample
		// if absent; elsewhere none.
		def, err := defaultServiceConfig()
		if err != nil {
			return fmt.Errorf("service install: %w", err)
		}
		if def != "" {
			if err := writeDefaultConfig(m.stdout, def); err != nil {
				return fmt.Errorf("service install: %w", err)
			}
		}
		cfgPath = def
	}
	if cfgPath != "" {
		abs, err := filepath.Abs(cfgPath)
		if err != nil {
			return fmt.Errorf("service %s: %w", verb, err)
		}
		// Only install needs a valid config; start reads the installed
		// service's own config (below), the others none.
		if verb == "install" {
			if _, _, err := m.load(abs); err != nil {
				return err
			}
		}
		runArgs = append(runArgs, "--config", abs)
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("service %s: %w", verb, err)
		}
		runArgs, workdir = append(runArgs, "--workdir", wd), wd
	}
	cfg := serviceConfig(runArgs, workdir)
	cfg.Name = *name
	s, err := service.New(&program{}, cfg)
	if err != nil {
		return fmt.Errorf("service %s: %w", verb, err)
	}
	mgr := platformManager(s, *name)
	switch verb {
	case "install":
		// kardianos installs os.Executable() as the program.
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("service install: %w", err)
		}
		return m.serviceInstall(mgr, *name, append([]string{exe}, runArgs...))
	case "uninstall":
		return m.serviceUninstall(mgr, *name)
	case "start":
		return m.serviceStart(context.Background(), mgr, *name, func(cmd []string) (*config.HTTP, error) {
			// The address is the installed service's: its --config, or the
			// defaults when it runs on --workdir. Where the definition
			// cannot be read, the --config given to start stands in.
			p := *path
			if cmd != nil {
				p = configArg(cmd)
			}
			c, _, err := m.load(p)
			if err != nil {
				return nil, err
			}
			return c.HTTP, nil
		}, startWait)
	case "stop":
		return m.serviceStop(mgr, *name)
	default:
		return m.serviceStatus(mgr)
	}
}

// configArg returns the --config of a `bulkd run` command line, "" for none
// (the embedded defaults).
func configArg(cmd []string) string {
	for i, a := range cmd {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
		if a == "--config" && i+1 < len(cmd) {
			return cmd[i+1]
		}
	}
	return ""
}

// notInstalled reports whether err says the service is not installed.
func notInstalled(err error) bool { return errors.Is(err, service.ErrNotInstalled) }

// serviceInstall installs the service to run want, or does nothing when it
// already runs exactly that. A service installed with another command is
// refused rather than replaced: replacing it would stop or orphan a running
// daemon, a decision for whoever runs uninstall.
func (m *Main) serviceInstall(mgr manager, name string, want []string) error {
	cur, where, err := mgr.Installed()
	switch {
	case err == nil && slices.Equal(cur, want):
		fmt.Fprintf(m.stdout, "service %s is already installed (service manager: %s, %s) with this command; nothing to do\n", name, mgr.System(), where)
		m.printInstalled(mgr, name, want)
		return nil
	case err == nil:
		return fmt.Errorf("service install: %s is already installed (%s) with another command:\n  installed: %s\n  wanted:    %s\nrun 'bulkd service uninstall' first",
			name, where, strings.Join(cur, " "), strings.Join(want, " "))
	case notInstalled(err):
	case errors.Is(err, errDefinitionUnknown):
		// Cannot compare: an installed service is reported as such.
		if _, serr := mgr.Status(); serr == nil {
			fmt.Fprintf(m.stdout, "service %s is already installed (service manager: %s); bulkd cannot read its command to compare, uninstall first to change it\n", name, mgr.System())
			return nil
		}
	default:
		return fmt.Errorf("service install: %w", err)
	}
	if err := mgr.Install(); err != nil {
		return fmt.Errorf("service install: %w", err)
	}
	_, where, err = mgr.Installed()
	if err != nil {
		where = "its definition unknown"
	}
	fmt.Fprintf(m.stdout, "installed service %s (service manager: %s, %s)\n", name, mgr.System(), where)
	m.printInstalled(mgr, name, want)
	return nil
}

func (m *Main) printInstalled(mgr manager, name string, cmd []string) {
	fmt.Fprintf(m.stdout, "  runs: %s\n  logs: %s\n  start it with: bulkd service start%s\n", strings.Join(cmd, " "), mgr.LogPlace(), nameFlag(name))
}

// nameFlag is the --name a follow-up command needs.
func nameFlag(name string) string {
	if name == defaultServiceName {
		return ""
	}
	return " --name " + name
}

// serviceUninstall stops the service if it runs, so that no daemon is left
// that no service manager knows, and removes it. Not installed is success.
func (m *Main) serviceUninstall(mgr manager, name string) error {
	st, err := mgr.Status()
	if notInstalled(err) {
		fmt.Fprintf(m.stdout, "service %s is not installed; nothing to remove\n", name)
		return nil
	}
	if err == nil && st == service.StatusRunning {
		if err := mgr.Stop(); err != nil {
			return fmt.Errorf("service uninstall: stop %s: %w", name, err)
		}
		fmt.Fprintf(m.stdout, "stopped service %s\n", name)
	}
	_, where, _ := mgr.Installed()
	if err := mgr.Uninstall(); err != nil {
		return fmt.Errorf("service uninstall: %w", err)
	}
	fmt.Fprintf(m.stdout, "uninstalled service %s (service manager: %s", name, mgr.System())
	if where != "" {
		fmt.Fprintf(m.stdout, ", removed %s", where)
	}
	fmt.Fprintf(m.stdout, "); its logs are kept: %s\n", mgr.LogPlace())
	return nil
}

// serviceStart starts the service and waits until its /healthz answers,
// the service stops (the daemon died: a taken port, a missing secret), or
// wait passes. listen returns the installed service's http block from its
// command line (nil where it cannot be read).
func (m *Main) serviceStart(ctx context.Context, mgr manager, name string, listen func(cmd []string) (*config.HTTP, error), wait time.Duration) error {
	cmd, _, err := mgr.Installed()
	if notInstalled(err) {
		fmt.Fprintf(m.stdout, "service %s is not installed; run 'bulkd service install' first\n", name)
		return errReported
	}
	if err != nil && !errors.Is(err, errDefinitionUnknown) {
		return fmt.Errorf("service start: %w", err)
	}
	h, err := listen(cmd)
	if err != nil {
		return err
	}
	url, err := healthURL(h.Listen, h.TLS())
	if err != nil {
		return fmt.Errorf("service start: %w", err)
	}
	logSince := mgr.LogSince()
	if err := mgr.Start(); err != nil {
		return fmt.Errorf("service start: %w", err)
	}
	healthy, why := waitHealthy(ctx, url, mgr.Status, wait)
	if healthy {
		fmt.Fprintf(m.stdout, "running, /healthz answered at %s\n", url)
		return nil
	}
	fmt.Fprintf(m.stdout, "failed to start: %s\n", why)
	m.printLog(mgr, logSince)
	return errReported
}

// printLog prints the log lines written since the start, or where to look.
func (m *Main) printLog(mgr manager, since func(int) ([]string, error)) {
	if since == nil {
		fmt.Fprintf(m.stdout, "its log: %s\n", mgr.LogPlace())
		return
	}
	lines, err := since(logTailLines)
	switch {
	case err != nil:
		fmt.Fprintf(m.stdout, "its log (%s) could not be read: %v\n", mgr.LogPlace(), err)
	case len(lines) == 0:
		fmt.Fprintf(m.stdout, "nothing was written to its log (%s) since the start\n", mgr.LogPlace())
	default:
		fmt.Fprintf(m.stdout, "last lines of its log (%s):\n", mgr.LogPlace())
		for _, l := range lines {
			fmt.Fprintf(m.stdout, "  %s\n", l)
		}
	}
}

// healthURL is /healthz at a listen address, over HTTPS when the listener
// has TLS; a wildcard host is reached on loopback.
func healthURL(listen string, https bool) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("parse http.listen %q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	return scheme + net.JoinHostPort(host, port) + "/healthz", nil
}

// healthPoll is the interval of waitHealthy's checks.
const healthPoll = 100 * time.Millisecond

// waitHealthy polls url until it answers 200 while status says running
// (healthy), status says anything else (the daemon died), or wait passes;
// unless healthy it says why.
func waitHealthy(ctx context.Context, url string, status func() (service.Status, error), wait time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	// No keep-alive: each poll is a fresh connection, so a daemon that died
	// is not mistaken for one behind a stale connection.
	// The certificate is not verified: this asks the service on this
	// machine whether it is up, and sends no token; the name it answers to
	// need not be the loopback one asked.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: time.Second}
	tick := time.NewTicker(healthPoll)
	defer tick.Stop()
	last := "no answer yet"
	for {
		st, err := status()
		switch {
		case err != nil:
			return false, fmt.Sprintf("the service manager reports: %v (/healthz at %s: %s)", err, url, last)
		case st != service.StatusRunning:
			return false, fmt.Sprintf("the service stopped (the daemon exited) before /healthz at %s answered (%s)", url, last)
		}
		ok, what := getHealth(ctx, client, url)
		if ok {
			// Checked again: an answer from another process on the port
			// while ours is dying is no success.
			if st, err := status(); err == nil && st == service.StatusRunning {
				return true, ""
			}
			continue
		}
		if ctx.Err() == nil {
			// Not the deadline cutting a request short: a real answer.
			last = what
		}
		select {
		case <-ctx.Done():
			return false, fmt.Sprintf("/healthz at %s did not answer 200 within %s (%s); the service is still running", url, wait, last)
		case <-tick.C:
		}
	}
}

// getHealth GETs url once and says what came back.
func getHealth(ctx context.Context, client *http.Client, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK, resp.Status
}

// serviceStop stops the service; a stopped one stays so, successfully.
func (m *Main) serviceStop(mgr manager, name string) error {
	st, err := mgr.Status()
	switch {
	case notInstalled(err):
		fmt.Fprintf(m.stdout, "service %s is not installed\n", name)
		return errReported
	case err == nil && st == service.StatusStopped:
		fmt.Fprintln(m.stdout, "stopped (it was not running)")
		return nil
	}
	if err := mgr.Stop(); err != nil {
		return fmt.Errorf("service stop: %w", err)
	}
	fmt.Fprintln(m.stdout, "stopped")
	return nil
}

// serviceStatus prints running, stopped, not installed or unknown, and
// exits as an LSB status action: 0 running, 3 stopped, 4 otherwise.
func (m *Main) serviceStatus(mgr manager) error {
	st, err := mgr.Status()
	switch {
	case notInstalled(err):
		fmt.Fprintln(m.stdout, "not installed")
		return &exitStatus{code: exitUnknown, word: "not installed"}
	case err != nil:
		fmt.Fprintf(m.stdout, "unknown (the service manager said: %v)\n", err)
		return &exitStatus{code: exitUnknown, word: "unknown"}
	case st == service.StatusRunning:
		fmt.Fprintln(m.stdout, "running")
		return nil
	case st == service.StatusStopped:
		fmt.Fprintln(m.stdout, "stopped")
		return &exitStatus{code: exitStopped, word: "stopped"}
	}
	fmt.Fprintln(m.stdout, "unknown")
	return &exitStatus{code: exitUnknown, word: "unknown"}
}

// lastLines returns the last n lines of b.
func lastLines(b []byte, n int) []string {
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
