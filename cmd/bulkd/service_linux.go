package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kardianos/service"
)

// platformManager adapts the service manager kardianos chose: SysV init
// (no systemd running, as in containers) and systemd are read directly,
// others through kardianos alone.
func platformManager(s service.Service, name string) manager {
	switch s.Platform() {
	case "unix-systemv":
		return &sysvManager{svc: s, name: name, initDir: "/etc/init.d", rcDir: "/etc", runDir: "/var/run", logDir: "/var/log"}
	case "linux-systemd":
		return &systemdManager{Service: s, name: name, unitDir: "/etc/systemd/system", pkgUnitDir: "/usr/lib/systemd/system"}
	}
	return kardianosManager{s}
}

// sysvManager is kardianos's SysV init script (/etc/init.d/<name>), which
// writes a pid file and appends the daemon's stdout and stderr to
// <logDir>/<name>.log and .err. The script counts a process as running
// while /proc/<pid> exists, so a zombie is "running": in a container whose
// PID 1 reaps no children, a daemon that died stays one. Status and Stop
// therefore look at the process themselves. The folders are fields so that
// tests can point them into a temp dir.
type sysvManager struct {
	svc                            service.Service
	name                           string
	initDir, rcDir, runDir, logDir string
}

func (s *sysvManager) script() string  { return filepath.Join(s.initDir, s.name) }
func (s *sysvManager) pidFile() string { return filepath.Join(s.runDir, s.name+".pid") }
func (s *sysvManager) errLog() string  { return filepath.Join(s.logDir, s.name+".err") }

func (s *sysvManager) System() string { return "unix-systemv" }

func (s *sysvManager) Install() error { return s.svc.Install() }

// rcLinks are the links kardianos's Install makes in /etc/rc?.d.
func (s *sysvManager) rcLinks() []string {
	var links []string
	for _, l := range []string{"2", "3", "4", "5"} {
		links = append(links, filepath.Join(s.rcDir, "rc"+l+".d", "S50"+s.name))
	}
	for _, l := range []string{"0", "1", "6"} {
		links = append(links, filepath.Join(s.rcDir, "rc"+l+".d", "K02"+s.name))
	}
	return links
}

// Uninstall removes the script, and what kardianos's Uninstall leaves: the
// rc links and the pid file.
func (s *sysvManager) Uninstall() error {
	if err := os.Remove(s.script()); err != nil {
		return fmt.Errorf("remove init script: %w", err)
	}
	for _, l := range s.rcLinks() {
		// Only links to our script: a file of that name made by someone
		// else stays.
		if target, err := os.Readlink(l); err == nil && target == s.script() {
			if err := os.Remove(l); err != nil {
				return fmt.Errorf("remove rc link: %w", err)
			}
		}
	}
	if err := os.Remove(s.pidFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
}

// pid is the pid file's process, 0 without one.
func (s *sysvManager) pid() (int, error) {
	b, err := os.ReadFile(s.pidFile())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("read pid file %s: %w", s.pidFile(), err)
	}
	return pid, nil
}

// alive reports whether pid is a process that has not exited: it exists
// and is no zombie.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses, which may itself
	// hold spaces and parentheses.
	rest := b[bytes.LastIndexByte(b, ')')+1:]
	f := strings.Fields(string(rest))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

func (s *sysvManager) Status() (service.Status, error) {
	if _, err := os.Stat(s.script()); errors.Is(err, fs.ErrNotExist) {
		return service.StatusUnknown, service.ErrNotInstalled
	} else if err != nil {
		return service.StatusUnknown, fmt.Errorf("stat init script: %w", err)
	}
	pid, err := s.pid()
	if err != nil {
		return service.StatusUnknown, err
	}
	if alive(pid) {
		return service.StatusRunning, nil
	}
	return service.StatusStopped, nil
}

// Start runs the script's start, first removing a pid file whose process
// is dead: the script would take a zombie for a running daemon and start
// nothing.
func (s *sysvManager) Start() error {
	if pid, err := s.pid(); err == nil && pid != 0 && !alive(pid) {
		if err := os.Remove(s.pidFile()); err != nil {
			return fmt.Errorf("remove stale pid file: %w", err)
		}
	}
	return s.svc.Start()
}

// sysvStopWait is how long Stop waits for the daemon to exit; it finishes
// its current batch first.
const sysvStopWait = 60 * time.Second

// Stop sends SIGTERM, as the script does, and waits for the process to
// exit, counting a zombie as exited (the script would wait out its 10 s
// and fail).
func (s *sysvManager) Stop() error {
	pid, err := s.pid()
	if err != nil {
		return err
	}
	if alive(pid) {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signal %d: %w", pid, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), sysvStopWait)
		defer cancel()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for alive(pid) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("process %d did not exit within %s of SIGTERM", pid, sysvStopWait)
			case <-tick.C:
			}
		}
	}
	if err := os.Remove(s.pidFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
}

// sysvCmdLine is the script's command line: cmd="PROGRAM "ARG" "ARG"…".
var sysvCmdLine = regexp.MustCompile(`(?m)^cmd="(.*)"$`)

// quotedArg is one of kardianos's quoted arguments: "…" with \" inside.
var quotedArg = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// splitKardianos splits PROGRAM "ARG" "ARG"… as kardianos renders a
// command line; unescape undoes what it did to the program.
func splitKardianos(line string, unescape func(string) string) []string {
	prog, args, _ := strings.Cut(line, ` "`)
	if args != "" {
		args = `"` + args
	}
	cmd := []string{unescape(prog)}
	for _, m := range quotedArg.FindAllStringSubmatch(args, -1) {
		cmd = append(cmd, strings.ReplaceAll(m[1], `\"`, `"`))
	}
	return cmd
}

func (s *sysvManager) Installed() ([]string, string, error) {
	b, err := os.ReadFile(s.script())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", service.ErrNotInstalled
	}
	if err != nil {
		return nil, "", fmt.Errorf("read init script: %w", err)
	}
	m := sysvCmdLine.FindSubmatch(b)
	if m == nil {
		return nil, s.script(), fmt.Errorf("read init script %s: no cmd= line", s.script())
	}
	return splitKardianos(string(m[1]), func(p string) string { return p }), "init script " + s.script(), nil
}

func (s *sysvManager) LogPlace() string {
	return fmt.Sprintf("%s (bulkd's log, its stderr; stdout goes to %s)", s.errLog(), filepath.Join(s.logDir, s.name+".log"))
}

// LogSince notes the error log's size, and reads what follows it.
func (s *sysvManager) LogSince() func(int) ([]string, error) {
	var from int64
	if fi, err := os.Stat(s.errLog()); err == nil {
		from = fi.Size()
	}
	return func(n int) ([]string, error) { return tailFrom(s.errLog(), from, n) }
}

// tailLimit bounds what tailFrom reads of a log.
const tailLimit = 256 << 10

// tailFrom returns the last n lines of path after offset from (from the
// start if the file shrank: it was rotated).
func tailFrom(path string, from int64, n int) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat log: %w", err)
	}
	if fi.Size() < from {
		from = 0
	}
	from = max(from, fi.Size()-tailLimit)
	b, err := io.ReadAll(io.NewSectionReader(f, from, fi.Size()-from))
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	return lastLines(b, n), nil
}

// systemdManager is kardianos's systemd unit. Its unit restarts the daemon
// (Restart=always, RestartSec=120), so a daemon that died shows as
// activating, which kardianos calls running: a failed start then ends at
// start's deadline, with the journal's lines.
//
// The deb and rpm packages install their own unit in pkgUnitDir. A unit of
// the same name in unitDir would override it, so the package's counts as
// installed: install with the same command does nothing, and uninstall
// refuses (the package owns it).
type systemdManager struct {
	service.Service
	name                string
	unitDir, pkgUnitDir string
}

func (s *systemdManager) System() string  { return "linux-systemd" }
func (s *systemdManager) unit() string    { return filepath.Join(s.unitDir, s.name+".service") }
func (s *systemdManager) pkgUnit() string { return filepath.Join(s.pkgUnitDir, s.name+".service") }

// fromPackage reports whether the service is the package's unit, with no
// unit of kardianos's in front of it.
func (s *systemdManager) fromPackage() bool {
	if _, err := os.Stat(s.unit()); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	_, err := os.Stat(s.pkgUnit())
	return err == nil
}

// Uninstall removes kardianos's unit; the package's stays the package's.
func (s *systemdManager) Uninstall() error {
	if s.fromPackage() {
		return fmt.Errorf("%s was installed by the bulkd package: stop it with systemctl disable --now %s, or remove the package (apt remove bulkd, dnf remove bulkd)", s.pkgUnit(), s.name)
	}
	return s.Service.Uninstall()
}

// Status is kardianos's, with the failed state (the daemon exited and
// systemd gave up) as stopped.
func (s *systemdManager) Status() (service.Status, error) {
	st, err := s.Service.Status()
	if err != nil && err.Error() == "service in failed state" {
		return service.StatusStopped, nil
	}
	return st, err
}

// systemdExecStart is the unit's command line.
var systemdExecStart = regexp.MustCompile(`(?m)^ExecStart=(.*)$`)

func (s *systemdManager) Installed() ([]string, string, error) {
	if s.fromPackage() {
		return s.pkgInstalled()
	}
	b, err := os.ReadFile(s.unit())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", service.ErrNotInstalled
	}
	if err != nil {
		return nil, "", fmt.Errorf("read unit: %w", err)
	}
	m := systemdExecStart.FindSubmatch(b)
	if m == nil {
		return nil, s.unit(), fmt.Errorf("read unit %s: no ExecStart= line", s.unit())
	}
	// kardianos escapes the program's spaces as \x20.
	unescape := func(p string) string { return strings.ReplaceAll(p, `\x20`, " ") }
	return splitKardianos(string(m[1]), unescape), "unit " + s.unit(), nil
}

// pkgInstalled reads the package's unit, whose ExecStart has no quotes.
func (s *systemdManager) pkgInstalled() ([]string, string, error) {
	b, err := os.ReadFile(s.pkgUnit())
	if err != nil {
		return nil, "", fmt.Errorf("read unit: %w", err)
	}
	where := "unit " + s.pkgUnit() + " (the bulkd package's)"
	m := systemdExecStart.FindSubmatch(b)
	if m == nil {
		return nil, where, fmt.Errorf("read unit %s: no ExecStart= line", s.pkgUnit())
	}
	return strings.Fields(string(m[1])), where, nil
}

func (s *systemdManager) LogPlace() string {
	return "the journal: journalctl -u " + s.name
}

// LogSince reads the journal from now on.
func (s *systemdManager) LogSince() func(int) ([]string, error) {
	since := time.Now()
	return func(n int) ([]string, error) {
		out, err := exec.Command("journalctl", "-u", s.name, "--no-pager", "-n", strconv.Itoa(n),
			"--since", "@"+strconv.FormatInt(since.Unix(), 10)).Output()
		if err != nil {
			return nil, fmt.Errorf("journalctl: %w", err)
		}
		return lastLines(out, n), nil
	}
}
