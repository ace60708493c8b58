package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/kardianos/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeManager is a service manager in memory: installed is its command
// line (nil: not installed), status what Status says once started.
type fakeManager struct {
	installed []string
	running   bool
	statusErr error
	// afterStart is the status once Start has run.
	afterStart service.Status
	log        []string
	calls      []string
}

func (f *fakeManager) Install() error {
	f.calls = append(f.calls, "install")
	f.installed = []string{"/usr/bin/bulkd", "run"}
	return nil
}

func (f *fakeManager) Uninstall() error {
	f.calls = append(f.calls, "uninstall")
	f.installed = nil
	return nil
}

func (f *fakeManager) Start() error {
	f.calls = append(f.calls, "start")
	f.running = f.afterStart == service.StatusRunning
	return nil
}

func (f *fakeManager) Stop() error {
	f.calls = append(f.calls, "stop")
	f.running = false
	return nil
}

func (f *fakeManager) Status() (service.Status, error) {
	switch {
	case f.statusErr != nil:
		return service.StatusUnknown, f.statusErr
	case f.installed == nil:
		return service.StatusUnknown, service.ErrNotInstalled
	case f.running:
		return service.StatusRunning, nil
	}
	return service.StatusStopped, nil
}

func (f *fakeManager) Installed() ([]string, string, error) {
	if f.installed == nil {
		return nil, "", service.ErrNotInstalled
	}
	return f.installed, "init script /etc/init.d/bulkd", nil
}

func (f *fakeManager) System() string   { return "unix-systemv" }
func (f *fakeManager) LogPlace() string { return "/var/log/bulkd.err" }

func (f *fakeManager) LogSince() func(int) ([]string, error) {
	return func(n int) ([]string, error) { return lastLines([]byte(strings.Join(f.log, "\n")), n), nil }
}

func TestMain_ServiceStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mgr      *fakeManager
		want     string
		wantCode int
	}{
		{name: "running", mgr: &fakeManager{installed: []string{"bulkd"}, running: true}, want: "running\n"},
		{name: "stopped", mgr: &fakeManager{installed: []string{"bulkd"}}, want: "stopped\n", wantCode: 3},
		{name: "not installed", mgr: &fakeManager{}, want: "not installed\n", wantCode: 4},
		{name: "manager fails", mgr: &fakeManager{installed: []string{"bulkd"}, statusErr: errors.New("dbus down")},
			want: "unknown (the service manager said: dbus down)\n", wantCode: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := NewMain(&out, &errOut).serviceStatus(tc.mgr)
			assert.Equal(t, tc.want, out.String())
			if tc.wantCode == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.wantCode, exitCode(err))
			assert.ErrorIs(t, err, errReported, "the status is printed once, not again by main")
		})
	}
}

func TestMain_ServiceInstall(t *testing.T) {
	want := []string{"/usr/bin/bulkd", "run"}
	for _, tc := range []struct {
		name      string
		installed []string
		wantCalls []string
		wantOut   string
		wantErr   string
	}{
		{name: "fresh", wantCalls: []string{"install"},
			wantOut: "installed service bulkd (service manager: unix-systemv, init script /etc/init.d/bulkd)\n  runs: /usr/bin/bulkd run\n  logs: /var/log/bulkd.err\n"},
		{name: "again, same command", installed: want,
			wantOut: "service bulkd is already installed (service manager: unix-systemv, init script /etc/init.d/bulkd) with this command; nothing to do\n"},
		{name: "again, another command", installed: []string{"/usr/bin/bulkd", "run", "--config", "/etc/other.hcl"},
			wantErr: "installed: /usr/bin/bulkd run --config /etc/other.hcl\n  wanted:    /usr/bin/bulkd run\nrun 'bulkd service uninstall' first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeManager{installed: tc.installed}
			var out, errOut bytes.Buffer
			err := NewMain(&out, &errOut).serviceInstall(f, "bulkd", want)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.wantCalls, f.calls)
			assert.Contains(t, out.String(), tc.wantOut)
		})
	}
}

func TestMain_ServiceUninstall(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mgr       *fakeManager
		wantCalls []string
		wantOut   string
	}{
		{name: "not installed", mgr: &fakeManager{}, wantOut: "service bulkd is not installed; nothing to remove\n"},
		{name: "stopped", mgr: &fakeManager{installed: []string{"bulkd"}}, wantCalls: []string{"uninstall"},
			wantOut: "uninstalled service bulkd (service manager: unix-systemv, removed init script /etc/init.d/bulkd); its logs are kept: /var/log/bulkd.err\n"},
		{name: "running: stopped first", mgr: &fakeManager{installed: []string{"bulkd"}, running: true}, wantCalls: []string{"stop", "uninstall"},
			wantOut: "stopped service bulkd\nuninstalled service bulkd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.NoError(t, NewMain(&out, &errOut).serviceUninstall(tc.mgr, "bulkd"))
			assert.Equal(t, tc.wantCalls, tc.mgr.calls)
			assert.Contains(t, out.String(), tc.wantOut)
		})
	}
}

func TestMain_ServiceStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		// healthyAfter is the number of /healthz requests answered 503
		// before the first 200; -1 never answers 200.
		healthyAfter int
		afterStart   service.Status
		notInstalled bool
		wait         time.Duration
		wantOut      []string
		wantErr      bool
	}{
		{name: "answers after a while", healthyAfter: 3, afterStart: service.StatusRunning, wait: time.Minute,
			wantOut: []string{"running, /healthz answered at http://127.0.0.1:"}},
		{name: "daemon died", healthyAfter: -1, afterStart: service.StatusStopped, wait: time.Minute, wantErr: true,
			wantOut: []string{"failed to start: the service stopped (the daemon exited) before /healthz at http://127.0.0.1:",
				"last lines of its log (/var/log/bulkd.err):\n  line 6\n", "  line 25\n"}},
		{name: "no answer by the deadline", healthyAfter: -1, afterStart: service.StatusRunning, wait: 300 * time.Millisecond, wantErr: true,
			wantOut: []string{"did not answer 200 within 300ms (503 Service Unavailable); the service is still running"}},
		{name: "not installed", notInstalled: true, wait: time.Minute, wantErr: true,
			wantOut: []string{"service bulkd is not installed; run 'bulkd service install' first"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, "/healthz", r.URL.Path)
				if n := hits.Add(1); tc.healthyAfter < 0 || n <= int64(tc.healthyAfter) {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}))
			t.Cleanup(srv.Close)
			f := &fakeManager{installed: []string{"/usr/bin/bulkd", "run", "--config", "/etc/bulkd.hcl"}, afterStart: tc.afterStart}
			if tc.notInstalled {
				f.installed = nil
			}
			for i := 1; i <= 25; i++ {
				f.log = append(f.log, fmt.Sprintf("line %d", i))
			}
			var gotCmd []string
			listen := func(cmd []string) (*config.HTTP, error) {
				gotCmd = cmd
				return &config.HTTP{Listen: strings.TrimPrefix(srv.URL, "http://")}, nil
			}
			var out, errOut bytes.Buffer
			err := NewMain(&out, &errOut).serviceStart(context.Background(), f, "bulkd", listen, tc.wait)
			if tc.wantErr {
				require.Error(t, err)
				assert.Equal(t, 1, exitCode(err))
			} else {
				require.NoError(t, err)
				assert.Equal(t, []string{"/usr/bin/bulkd", "run", "--config", "/etc/bulkd.hcl"}, gotCmd, "the address comes from the installed command")
			}
			for _, w := range tc.wantOut {
				assert.Contains(t, out.String(), w)
			}
		})
	}
}

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct {
		listen string
		https  bool
		want   string
	}{
		{"127.0.0.1:8765", false, "http://127.0.0.1:8765/healthz"},
		{"0.0.0.0:80", false, "http://127.0.0.1:80/healthz"},
		{":9000", false, "http://127.0.0.1:9000/healthz"},
		{"[::]:9000", false, "http://[::1]:9000/healthz"},
		{"0.0.0.0:8443", true, "https://127.0.0.1:8443/healthz"},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			got, err := healthURL(tc.listen, tc.https)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestConfigArg(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"/bin/bulkd", "run", "--config", "/etc/b.hcl"}, "/etc/b.hcl"},
		{[]string{"/bin/bulkd", "run", "--config=/etc/b.hcl"}, "/etc/b.hcl"},
		{[]string{"/bin/bulkd", "run", "--workdir", "/srv"}, ""},
	} {
		assert.Equal(t, tc.want, configArg(tc.cmd), tc.cmd)
	}
}
