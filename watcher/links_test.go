package watcher_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd/watcher"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logBuffer is an hclog output that tests can read while the watcher writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log lines that contain all of words.
func (b *logBuffer) lines(words ...string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		ok := l != ""
		for _, w := range words {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

func bufLogger(b *logBuffer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: b, Level: hclog.Debug})
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
}

// TestWatcher_LinksAreNotFollowed: a linked file or tenant folder, there at
// start-up or made while the watcher runs, is never taken and is logged
// once; what it points to stays where it is.
func TestWatcher_LinksAreNotFollowed(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "AGENTS.passwd.csv")
	require.NoError(t, os.WriteFile(secret, []byte("root:x:0:0\n"), 0o644))
	root := filepath.Join(t.TempDir(), "gis")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	symlink(t, secret, filepath.Join(root, "acme", "AGENTS.pw.csv"))
	symlink(t, outside, filepath.Join(root, "evil"))
	old := time.Now().Add(-time.Hour) // settled at first sight, so only links could stop a take
	require.NoError(t, os.Chtimes(secret, old, old))

	logs := &logBuffer{}
	rec := &recorder{out: t.TempDir()}
	w := watcher.New(watcher.Config{
		Root: root, Settle: 100 * time.Millisecond, Rescan: 20 * time.Millisecond,
		ValidTenant: func(string) bool { return true },
		Match:       func(name string) bool { return strings.HasPrefix(name, "AGENTS.") },
		Take:        watcher.TakeEach(rec.take),
	}, bufLogger(logs))
	require.NoError(t, w.Open(context.Background()))
	defer w.Close()

	// At run time: a linked tenant folder and a linked file.
	symlink(t, outside, filepath.Join(root, "evil2"))
	symlink(t, secret, filepath.Join(root, "acme", "AGENTS.late.csv"))
	// A real file written afterwards: once it is taken, settle checks and
	// several rescans have passed over the links.
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.real.csv"), []byte("Email\n"), 0o644))
	waitFor(t, "the real file", func() bool { return len(rec.snapshot()) >= 1 })
	waitFor(t, "the run-time links logged", func() bool {
		return len(logs.lines("not followed", "evil2")) > 0 && len(logs.lines("not followed", "AGENTS.late.csv")) > 0
	})
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.real2.csv"), []byte("Email\n"), 0o644))
	waitFor(t, "a second real file", func() bool { return len(rec.snapshot()) >= 2 })

	for _, c := range rec.snapshot() {
		assert.True(t, strings.HasPrefix(c.name, "AGENTS.real"), "only real files are taken, not %s", c.name)
	}
	assert.FileExists(t, secret, "nothing outside the root is moved")
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing is made outside the root")
	for _, p := range []string{
		filepath.Join(root, "acme", "AGENTS.pw.csv"), filepath.Join(root, "evil"),
		filepath.Join(root, "evil2"), filepath.Join(root, "acme", "AGENTS.late.csv"),
	} {
		var once []string
		for _, l := range logs.lines("not followed") {
			if strings.HasSuffix(l, "path="+p) {
				once = append(once, l)
			}
		}
		assert.Len(t, once, 1, "logged once: %s", p)
	}
}

// failingTake fails a given number of times, then moves the file away.
type failingTake struct {
	mu       sync.Mutex
	failures int
	times    []time.Time
	rec      *recorder
}

func (f *failingTake) take(ctx context.Context, tenant, dir, name string) error {
	f.mu.Lock()
	f.times = append(f.times, time.Now())
	fail := len(f.times) <= f.failures
	f.mu.Unlock()
	if fail {
		return errors.New("claim " + name + ": create work folder: not a directory")
	}
	return f.rec.take(ctx, tenant, dir, name)
}

func (f *failingTake) attempts() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.times...)
}

// TestWatcher_FailingTakeBacksOff: a take that keeps failing is tried with
// exponential backoff, logged at error once, and at info once it works.
func TestWatcher_FailingTakeBacksOff(t *testing.T) {
	const settle = 50 * time.Millisecond
	root := filepath.Join(t.TempDir(), "gis")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	logs := &logBuffer{}
	ft := &failingTake{failures: 5, rec: &recorder{out: t.TempDir()}}
	w := watcher.New(watcher.Config{
		Root: root, Settle: settle, Rescan: time.Hour,
		ValidTenant: func(string) bool { return true }, Match: func(string) bool { return true },
		Take: watcher.TakeEach(ft.take),
	}, bufLogger(logs))
	require.NoError(t, w.Open(context.Background()))
	defer w.Close()
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.a.csv"), []byte("Email\n"), 0o644))

	waitFor(t, "the take after five failures", func() bool { return len(ft.rec.snapshot()) == 1 })
	at := ft.attempts()
	require.Len(t, at, 6, "no attempt after the file was taken")
	for i := 1; i < len(at); i++ {
		// Backoff: settle, 2×, 4×, 8×, 16× (poll ticks may add a little).
		assert.GreaterOrEqual(t, at[i].Sub(at[i-1]), settle<<(i-1), "wait before attempt %d", i+1)
	}
	assert.Len(t, logs.lines("[ERROR]"), 1, "one error line for a repeated failure:\n%s", strings.Join(logs.lines("take"), "\n"))
	assert.Len(t, logs.lines("[DEBUG]", "failed again"), 4)
	assert.Len(t, logs.lines("[INFO]", "taken after failed attempts", "attempts=6"), 1)
}

// TestWatcher_FailingTakeIsBounded: within a couple of seconds a file whose
// take always fails is tried a handful of times, not every poll.
func TestWatcher_FailingTakeIsBounded(t *testing.T) {
	root := filepath.Join(t.TempDir(), "gis")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	logs := &logBuffer{}
	ft := &failingTake{failures: 1 << 30}
	w := watcher.New(watcher.Config{
		Root: root, Settle: 20 * time.Millisecond, Rescan: 30 * time.Millisecond, MaxBackoff: 400 * time.Millisecond,
		ValidTenant: func(string) bool { return true }, Match: func(string) bool { return true },
		Take: watcher.TakeEach(ft.take),
	}, bufLogger(logs))
	require.NoError(t, w.Open(context.Background()))
	defer w.Close()
	path := filepath.Join(root, "acme", "AGENTS.a.csv")
	require.NoError(t, os.WriteFile(path, []byte("Email\n"), 0o644))

	// 20+40+80+160+320 ms, then 400 ms each: nine attempts take 1.82 s at
	// least (every 20 ms poll, they would take 160 ms).
	waitFor(t, "nine attempts", func() bool { return len(ft.attempts()) >= 9 })
	at := ft.attempts()
	assert.GreaterOrEqual(t, at[8].Sub(at[0]), 1820*time.Millisecond, "backoff up to MaxBackoff")
	assert.Less(t, at[8].Sub(at[7]), time.Second, "capped at MaxBackoff")
	assert.Len(t, logs.lines("[ERROR]"), 1)

	// A change to the file ends the backoff (the settle window applies).
	n := len(ft.attempts())
	require.NoError(t, os.WriteFile(path, []byte("Email\nnew@x\n"), 0o644))
	waitFor(t, "an attempt after the change", func() bool { return len(ft.attempts()) > n })
	assert.Len(t, logs.lines("[ERROR]"), 2, "a changed file's failure is new: logged again")
}

// TestWatcher_HeldOpenFileWaits: on Linux a file that a writer still holds
// open is not taken, however long the writer pauses.
func TestWatcher_HeldOpenFileWaits(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux read leases")
	}
	root, rec := start(t, false, nil)
	path := filepath.Join(root, "acme", "AGENTS.held.csv")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString("Email\n")
	require.NoError(t, err)
	// Written after the held file: once it is taken, the held one has been
	// unchanged for more than the settle window.
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.other.csv"), []byte("Email\n"), 0o644))
	waitFor(t, "the other file", func() bool { return len(rec.snapshot()) >= 1 })
	require.Len(t, rec.snapshot(), 1, "the held file is not taken while its writer has it open")
	assert.Equal(t, "AGENTS.other.csv", rec.snapshot()[0].name)

	require.NoError(t, f.Close())
	waitFor(t, "the held file once closed", func() bool { return len(rec.snapshot()) == 2 })
}
