package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kardianos/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestSysv is a sysvManager whose folders are in a temp dir, with an
// init script as kardianos renders it.
func newTestSysv(t *testing.T) *sysvManager {
	t.Helper()
	dir := t.TempDir()
	s := &sysvManager{name: "bulkd", initDir: filepath.Join(dir, "init.d"), rcDir: dir, runDir: filepath.Join(dir, "run"), logDir: filepath.Join(dir, "log")}
	for _, d := range []string{s.initDir, s.runDir, s.logDir, filepath.Join(dir, "rc2.d"), filepath.Join(dir, "rc0.d")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	script := "#!/bin/sh\n" + `cmd="/usr/local/bin/bulkd "run" "--config" "/etc/bulkd/a \"b\".hcl""` + "\n"
	require.NoError(t, os.WriteFile(s.script(), []byte(script), 0o755))
	return s
}

func TestSysvManager_Installed(t *testing.T) {
	s := newTestSysv(t)
	cmd, where, err := s.Installed()
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/local/bin/bulkd", "run", "--config", `/etc/bulkd/a "b".hcl`}, cmd)
	assert.Equal(t, "init script "+s.script(), where)

	require.NoError(t, os.Remove(s.script()))
	_, _, err = s.Installed()
	assert.ErrorIs(t, err, service.ErrNotInstalled)
}

func TestSysvManager_Status(t *testing.T) {
	// A child that exited and was not waited for: a zombie, as a daemon
	// that died stays under a PID 1 that reaps nothing.
	zombie := exec.Command("true")
	require.NoError(t, zombie.Start())
	t.Cleanup(func() { _ = zombie.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for alive(zombie.Process.Pid) {
		require.True(t, time.Now().Before(deadline), "true did not exit within 10s")
		time.Sleep(10 * time.Millisecond) // polling /proc: there is nothing to wait on
	}

	for _, tc := range []struct {
		name      string
		pid       string // "" : no pid file
		noScript  bool
		want      service.Status
		wantNotIn bool
	}{
		{name: "not installed", noScript: true, wantNotIn: true},
		{name: "never started", want: service.StatusStopped},
		{name: "running", pid: fmt.Sprint(os.Getpid()), want: service.StatusRunning},
		{name: "died, a zombie", pid: fmt.Sprint(zombie.Process.Pid), want: service.StatusStopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSysv(t)
			if tc.noScript {
				require.NoError(t, os.Remove(s.script()))
			}
			if tc.pid != "" {
				require.NoError(t, os.WriteFile(s.pidFile(), []byte(tc.pid+"\n"), 0o644))
			}
			st, err := s.Status()
			if tc.wantNotIn {
				assert.ErrorIs(t, err, service.ErrNotInstalled)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, st)
		})
	}
}

func TestSysvManager_Uninstall(t *testing.T) {
	s := newTestSysv(t)
	ours := filepath.Join(s.rcDir, "rc2.d", "S50bulkd")
	require.NoError(t, os.Symlink(s.script(), ours))
	theirs := filepath.Join(s.rcDir, "rc0.d", "K02bulkd")
	require.NoError(t, os.Symlink("/etc/init.d/other", theirs))
	require.NoError(t, os.WriteFile(s.pidFile(), []byte("1\n"), 0o644))

	require.NoError(t, s.Uninstall())
	for _, gone := range []string{s.script(), ours, s.pidFile()} {
		_, err := os.Lstat(gone)
		assert.ErrorIs(t, err, os.ErrNotExist, gone)
	}
	_, err := os.Lstat(theirs)
	assert.NoError(t, err, "a link to another script stays")
}

func TestTailFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulkd.err")
	require.NoError(t, os.WriteFile(path, []byte("old 1\nold 2\n"), 0o644))
	s := &sysvManager{name: "bulkd", logDir: filepath.Dir(path)}
	since := s.LogSince()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("new 1\nnew 2\nnew 3\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	lines, err := since(2)
	require.NoError(t, err)
	assert.Equal(t, []string{"new 2", "new 3"}, lines)
}

// TestService_SysV installs, starts, stops and uninstalls the real binary
// as a SysV service under its own name. It needs root and no systemd (it
// must not install units on a developer's machine); in CI (BULKD_CI=1) the
// machine is such a container and the test must run.
func TestService_SysV(t *testing.T) {
	if reason := sysvTestSkip(); reason != "" {
		if os.Getenv("BULKD_CI") == "1" {
			t.Fatalf("BULKD_CI=1 but the SysV service test cannot run: %s", reason)
		}
		t.Skip(reason)
	}
	dir := t.TempDir()
	bin := buildBulkd(t, dir)
	name := fmt.Sprintf("bulkd-test-%d", os.Getpid())
	port := freePort(t)
	config := filepath.Join(dir, "bulkd.hcl")
	writeCrashConfig(t, config, filepath.Join(dir, "data"), port, "")

	svc := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append(append([]string{"service"}, args...), "--name", name)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("bulkd service %s: %v", strings.Join(args, " "), err)
		}
		t.Logf("bulkd service %s → %d:\n%s", strings.Join(args, " "), cmd.ProcessState.ExitCode(), out.String())
		return out.String(), cmd.ProcessState.ExitCode()
	}
	t.Cleanup(func() {
		svc("stop")
		svc("uninstall")
		_ = os.Remove("/var/log/" + name + ".log")
		_ = os.Remove("/var/log/" + name + ".err")
	})

	out, code := svc("status")
	assert.Equal(t, "not installed\n", out)
	assert.Equal(t, 4, code)

	out, code = svc("install", "--config", config)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "installed service "+name+" (service manager: unix-systemv, init script /etc/init.d/"+name+")")
	assert.Contains(t, out, "logs: /var/log/"+name+".err")

	out, code = svc("install", "--config", config)
	assert.Equal(t, 0, code, "a second install of the same is no error")
	assert.Contains(t, out, "is already installed")

	out, code = svc("status")
	assert.Equal(t, "stopped\n", out)
	assert.Equal(t, 3, code)

	out, code = svc("start")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, fmt.Sprintf("running, /healthz answered at http://127.0.0.1:%d/healthz", port))

	out, code = svc("status")
	assert.Equal(t, "running\n", out)
	assert.Equal(t, 0, code)

	out, code = svc("stop")
	assert.Equal(t, 0, code, out)
	out, code = svc("status")
	assert.Equal(t, "stopped\n", out)
	assert.Equal(t, 3, code)

	// The port taken: the daemon exits at once.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	out, code = svc("start")
	require.NoError(t, ln.Close())
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "failed to start: the service stopped")
	assert.Contains(t, out, "last lines of its log (/var/log/"+name+".err")
	assert.Contains(t, out, "address already in use")

	out, code = svc("status")
	assert.Equal(t, "stopped\n", out)
	assert.Equal(t, 3, code)

	out, code = svc("uninstall")
	assert.Equal(t, 0, code, out)
	for _, gone := range []string{"/etc/init.d/" + name, "/etc/rc2.d/S50" + name, "/etc/rc0.d/K02" + name, "/var/run/" + name + ".pid"} {
		_, err := os.Lstat(gone)
		assert.ErrorIs(t, err, os.ErrNotExist, gone)
	}
	out, code = svc("status")
	assert.Equal(t, "not installed\n", out)
	assert.Equal(t, 4, code)
	out, code = svc("uninstall")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "is not installed; nothing to remove")
}

// sysvTestSkip says why the SysV service test cannot run here, "" if it can.
func sysvTestSkip() string {
	if os.Geteuid() != 0 {
		return "installing a service needs root"
	}
	comm, _ := os.ReadFile("/proc/1/comm")
	if _, err := os.Stat("/run/systemd/system"); err == nil || strings.TrimSpace(string(comm)) == "systemd" {
		return "systemd is running: the test installs only SysV scripts, never units on a real systemd"
	}
	f, err := os.CreateTemp("/etc/init.d", ".bulkd-test-*")
	if err != nil {
		return "/etc/init.d is not writable: " + err.Error()
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	if _, err := exec.LookPath("service"); err != nil {
		return "no service command (kardianos's SysV backend runs it)"
	}
	return ""
}
