package watcher_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/watcher"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// explainAgents is a Config.Explain for routes AGENTS.*.csv: a name with
// that prefix, in any case, is a near miss, and so is a .csv by any other
// name.
func explainAgents(name string) (string, bool) {
	switch {
	case strings.HasPrefix(name, "AGENTS."):
		return "AGENTS. files end in .csv", true
	case strings.HasPrefix(strings.ToUpper(name), "AGENTS."):
		return "the prefix is case-sensitive: did you mean AGENTS." + name[len("AGENTS."):] + "?", true
	case strings.HasSuffix(name, ".csv"):
		return "no kind takes it", true
	}
	return "", false
}

// filesWatcher starts a watcher over root/acme with Explain, taking with
// take (a recorder's when nil).
func filesWatcher(t *testing.T, cfg watcher.Config, logs *logBuffer) (*watcher.Watcher, string, *recorder) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "gis")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	rec := &recorder{out: t.TempDir()}
	cfg.Root, cfg.Tenants = root, []string{"acme"}
	cfg.ValidTenant = func(string) bool { return true }
	cfg.Match = func(name string) bool { return strings.HasPrefix(name, "AGENTS.") && strings.HasSuffix(name, ".csv") }
	cfg.Explain = explainAgents
	cfg.Rescan = time.Hour
	if cfg.Take == nil {
		cfg.Take = watcher.TakeEach(rec.take)
	}
	if logs == nil {
		logs = &logBuffer{}
	}
	w := watcher.New(cfg, bufLogger(logs))
	require.NoError(t, w.Open(context.Background()))
	t.Cleanup(func() { require.NoError(t, w.Close()) })
	return w, filepath.Join(root, "acme"), rec
}

// states returns name: state (reason) of each listed file, in order.
func states(w *watcher.Watcher, tenant string) []string {
	var out []string
	for _, f := range w.Files(tenant) {
		s := f.Name + ": " + f.State
		if f.Reason != "" {
			s += " (" + f.Reason + ")"
		}
		out = append(out, s)
	}
	return out
}

// waitStates polls Files until it lists want.
func waitStates(t *testing.T, w *watcher.Watcher, want ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("states %q", want), func() bool {
		got := states(w, "acme")
		return fmt.Sprint(got) == fmt.Sprint(want)
	})
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// TestWatcher_Files: the listing tells, by name, what each waiting file
// waits for, and why a near miss is not taken; media, markers and taken
// files are not listed.
func TestWatcher_Files(t *testing.T) {
	t.Run("waiting for a marker, not an import, then taken", func(t *testing.T) {
		w, dir, rec := filesWatcher(t, watcher.Config{Settle: 100 * time.Millisecond, DoneMarker: true}, nil)
		write(t, filepath.Join(dir, "AGENTS.m.csv"), "Email\n")
		write(t, filepath.Join(dir, "agents.lower.csv"), "Email\n")
		write(t, filepath.Join(dir, "call1.wav"), "RIFF")
		write(t, filepath.Join(dir, "agents.x.csv.done"), "")
		waitStates(t, w,
			"AGENTS.m.csv: waiting_for_marker (waiting for AGENTS.m.csv.done)",
			"agents.lower.csv: not_an_import (the prefix is case-sensitive: did you mean AGENTS.lower.csv?)")
		f := w.Files("acme")[0]
		assert.Equal(t, int64(6), f.Size)
		fi, err := os.Stat(filepath.Join(dir, "AGENTS.m.csv"))
		require.NoError(t, err)
		assert.True(t, fi.ModTime().Equal(f.Modified), "modified is the file's mtime")
		assert.Empty(t, w.Files("globex"), "another folder lists nothing")

		write(t, filepath.Join(dir, "AGENTS.m.csv.done"), "")
		waitFor(t, "the file once marked", func() bool { return len(rec.snapshot()) == 1 })
		require.NoError(t, os.Remove(filepath.Join(dir, "agents.lower.csv")))
		waitStates(t, w)
	})
	t.Run("settling", func(t *testing.T) {
		w, dir, _ := filesWatcher(t, watcher.Config{Settle: time.Hour}, nil)
		write(t, filepath.Join(dir, "AGENTS.new.csv"), "Email\nann@x\n")
		waitStates(t, w, "AGENTS.new.csv: settling")
		waitFor(t, "its size", func() bool { return w.Files("acme")[0].Size == 12 })
	})
	t.Run("retrying with the last error", func(t *testing.T) {
		fail := func(context.Context, string, string, string) error {
			return errors.New("claim AGENTS.a.csv: no space left on device")
		}
		w, dir, _ := filesWatcher(t, watcher.Config{Settle: 20 * time.Millisecond, Take: watcher.TakeEach(fail)}, nil)
		write(t, filepath.Join(dir, "AGENTS.a.csv"), "Email\n")
		waitStates(t, w, "AGENTS.a.csv: retrying (claim AGENTS.a.csv: no space left on device)")
	})
	t.Run("held open by its writer", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("Linux read leases")
		}
		w, dir, rec := filesWatcher(t, watcher.Config{Settle: 100 * time.Millisecond}, nil)
		f, err := os.Create(filepath.Join(dir, "AGENTS.held.csv"))
		require.NoError(t, err)
		defer f.Close()
		_, err = f.WriteString("Email\n")
		require.NoError(t, err)
		waitStates(t, w, "AGENTS.held.csv: held_open (unchanged, but another process still has it open for writing)")
		require.NoError(t, f.Close())
		waitFor(t, "the file once closed", func() bool { return len(rec.snapshot()) == 1 })
		waitStates(t, w)
	})
}

// TestWatcher_NearMissLoggedOnce: a near miss is logged once with its
// reason, not again at rescans, and again when a file of that name comes
// back after it went.
func TestWatcher_NearMissLoggedOnce(t *testing.T) {
	logs := &logBuffer{}
	w, dir, rec := filesWatcher(t, watcher.Config{Settle: 50 * time.Millisecond}, logs)
	path := filepath.Join(dir, "agents.lower.csv")
	write(t, path, "Email\n")
	write(t, filepath.Join(dir, "call1.wav"), "RIFF")
	missLogged := func(n int) func() bool {
		return func() bool {
			return len(logs.lines("[WARN]", "not an import", "file=agents.lower.csv",
				`reason="the prefix is case-sensitive: did you mean AGENTS.lower.csv?"`)) == n
		}
	}
	waitFor(t, "the near miss logged", missLogged(1))
	// Files taken after it: settle checks have passed over it since.
	write(t, filepath.Join(dir, "AGENTS.a.csv"), "Email\n")
	waitFor(t, "a later file", func() bool { return len(rec.snapshot()) == 1 })
	write(t, path, "Email\nann@x\n") // rewritten: still the same near miss
	write(t, filepath.Join(dir, "AGENTS.b.csv"), "Email\n")
	waitFor(t, "another later file", func() bool { return len(rec.snapshot()) == 2 })
	waitStates(t, w, "agents.lower.csv: not_an_import (the prefix is case-sensitive: did you mean AGENTS.lower.csv?)")
	waitFor(t, "the rewrite's size", func() bool { return w.Files("acme")[0].Size == 12 })
	assert.True(t, missLogged(1)(), "logged once:\n%s", strings.Join(logs.lines("not an import"), "\n"))
	assert.Empty(t, logs.lines("call1.wav"), "media are not near misses")

	require.NoError(t, os.Remove(path))
	waitStates(t, w)
	write(t, path, "Email\n")
	waitFor(t, "the near miss logged again once it came back", missLogged(2))
}

// TestWatcher_NearMissLoggedOnceSettled: a near miss that is a copy's
// temporary name, renamed into place before it settles, is listed while
// it is there but never logged.
func TestWatcher_NearMissLoggedOnceSettled(t *testing.T) {
	logs := &logBuffer{}
	w, dir, _ := filesWatcher(t, watcher.Config{Settle: time.Hour}, logs)
	tmp := filepath.Join(dir, "AGENTS.x.csv.part")
	write(t, tmp, "Email\n")
	waitStates(t, w, "AGENTS.x.csv.part: not_an_import (AGENTS. files end in .csv)")
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "AGENTS.x.csv")))
	waitStates(t, w, "AGENTS.x.csv: settling")
	assert.Empty(t, logs.lines("not an import"))
}
