package watcher_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkd/bulkd/watcher"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// taken is one call of Take, with the file's size at that moment.
type taken struct {
	tenant, name string
	size         int64
}

// recorder is a Take that moves the file away, as a claim does.
type recorder struct {
	mu    sync.Mutex
	calls []taken
	out   string
}

func (r *recorder) take(_ context.Context, tenant, dir, name string) error {
	src := filepath.Join(dir, name)
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := os.Rename(src, filepath.Join(r.out, tenant+"-"+name)); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, taken{tenant, name, fi.Size()})
	return nil
}

func (r *recorder) snapshot() []taken {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]taken(nil), r.calls...)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func start(t *testing.T, doneMarker bool, prepare func(root string)) (string, *recorder) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "gis")
	require.NoError(t, os.MkdirAll(root, 0o755))
	if prepare != nil {
		prepare(root)
	}
	rec := &recorder{out: t.TempDir()}
	w := watcher.New(watcher.Config{
		Root: root, Settle: 300 * time.Millisecond, Rescan: time.Hour, DoneMarker: doneMarker,
		Tenants:     []string{"acme"},
		ValidTenant: func(s string) bool { return !strings.ContainsAny(s, " ") },
		Match:       func(name string) bool { return strings.HasPrefix(name, "AGENTS.") && strings.HasSuffix(name, ".csv") },
		Take:        watcher.TakeEach(rec.take),
	}, hclog.NewNullLogger())
	require.NoError(t, w.Open(context.Background()))
	t.Cleanup(func() { require.NoError(t, w.Close()); require.NoError(t, w.Close()) })
	return root, rec
}

func TestWatcher_StartupScan(t *testing.T) {
	_, rec := start(t, false, func(root string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, "globex"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "globex", "AGENTS.old.csv"), []byte("Email\n"), 0o644))
	})
	waitFor(t, "the file present at start-up", func() bool { return len(rec.snapshot()) == 1 })
	assert.Equal(t, taken{"globex", "AGENTS.old.csv", 6}, rec.snapshot()[0])
}

func TestWatcher_NewTenantAndIgnoredFiles(t *testing.T) {
	root, rec := start(t, false, nil)
	assert.DirExists(t, filepath.Join(root, "acme"), "declared tenants get a folder")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bad name"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "bad name", "AGENTS.x.csv"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "call1.wav"), []byte("RIFF"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "agents.lower.csv"), []byte("x"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "initech"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "initech", "AGENTS.new.csv"), []byte("Email\n"), 0o644))

	waitFor(t, "the new tenant's file", func() bool { return len(rec.snapshot()) == 1 })
	assert.Equal(t, "initech", rec.snapshot()[0].tenant)
	assert.FileExists(t, filepath.Join(root, "acme", "call1.wav"), "media and unknown files stay")
	assert.FileExists(t, filepath.Join(root, "acme", "agents.lower.csv"), "the prefix is case-sensitive")
	assert.FileExists(t, filepath.Join(root, "bad name", "AGENTS.x.csv"), "an unsafe tenant folder is ignored")
}

func TestWatcher_SlowWriteTakenOnceComplete(t *testing.T) {
	root, rec := start(t, false, nil)
	path := filepath.Join(root, "acme", "AGENTS.slow.csv")
	f, err := os.Create(path)
	require.NoError(t, err)
	var size int64
	// The writer pauses less than the settle window between pieces, for
	// several windows in all: the file must not be taken half written.
	for i := 0; i < 20; i++ {
		n, err := f.WriteString("row,of,a,slowly,written,file\n")
		require.NoError(t, err)
		size += int64(n)
		time.Sleep(40 * time.Millisecond) // pacing the writer, not synchronising
		assert.Empty(t, rec.snapshot(), "taken while still growing")
	}
	require.NoError(t, f.Close())
	waitFor(t, "the finished file", func() bool { return len(rec.snapshot()) == 1 })
	assert.Equal(t, taken{"acme", "AGENTS.slow.csv", size}, rec.snapshot()[0])
}

func TestWatcher_DoneMarker(t *testing.T) {
	root, rec := start(t, true, nil)
	path := filepath.Join(root, "acme", "AGENTS.m.csv")
	require.NoError(t, os.WriteFile(path, []byte("Email\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.other.csv"), []byte("Email\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.other.csv.done"), nil, 0o644))
	waitFor(t, "the file with a marker", func() bool { return len(rec.snapshot()) == 1 })
	assert.Equal(t, "AGENTS.other.csv", rec.snapshot()[0].name)
	assert.NoFileExists(t, filepath.Join(root, "acme", "AGENTS.other.csv.done"), "the marker is removed once taken")
	assert.FileExists(t, path, "no marker, not taken")

	require.NoError(t, os.WriteFile(path+".done", nil, 0o644))
	waitFor(t, "the file once its marker exists", func() bool { return len(rec.snapshot()) == 2 })
}

func TestWatcher_OldFileTakenWithoutWaiting(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows copies keep the source's mtime; there the full window always applies")
	}
	root := filepath.Join(t.TempDir(), "gis")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	rec := &recorder{out: t.TempDir()}
	w := watcher.New(watcher.Config{
		Root: root, Settle: time.Hour, Rescan: time.Hour, ValidTenant: func(string) bool { return true },
		Match: func(string) bool { return true }, Take: watcher.TakeEach(rec.take),
	}, hclog.NewNullLogger())
	require.NoError(t, w.Open(context.Background()))
	defer w.Close()

	// Written an hour ago, then renamed into place: complete, so it need not
	// sit out the (here hour-long) settle window.
	staged := filepath.Join(t.TempDir(), "AGENTS.moved.csv")
	require.NoError(t, os.WriteFile(staged, []byte("Email\n"), 0o644))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(staged, old, old))
	require.NoError(t, os.Rename(staged, filepath.Join(root, "acme", "AGENTS.moved.csv")))
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.fresh.csv"), []byte("Email\n"), 0o644))
	waitFor(t, "the old file", func() bool { return len(rec.snapshot()) == 1 })
	assert.Equal(t, "AGENTS.moved.csv", rec.snapshot()[0].name, "a freshly written file still waits out the window")
}

func TestWatcher_FilesSettlingTogetherAreTakenInRankOrder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("relies on old mtimes settling at first sight")
	}
	root := filepath.Join(t.TempDir(), "gis")
	dir := filepath.Join(root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{"CONTACT.a.csv", "AGENTS.z.csv", "CONTACT.0.csv", "AGENTS.b.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("x\n"), 0o644))
		require.NoError(t, os.Chtimes(filepath.Join(dir, n), old, old))
	}
	rec := &recorder{out: t.TempDir()}
	w := watcher.New(watcher.Config{
		Root: root, Settle: time.Minute, Rescan: time.Hour, ValidTenant: func(string) bool { return true },
		Match: func(string) bool { return true }, Take: watcher.TakeEach(rec.take),
		Rank: func(name string) int {
			if strings.HasPrefix(name, "AGENTS.") {
				return 0 // others depend on agents
			}
			return 1
		},
	}, hclog.NewNullLogger())
	require.NoError(t, w.Open(context.Background()))
	defer w.Close()
	waitFor(t, "all four files", func() bool { return len(rec.snapshot()) == 4 })
	var names []string
	for _, c := range rec.snapshot() {
		names = append(names, c.name)
	}
	assert.Equal(t, []string{"AGENTS.b.csv", "AGENTS.z.csv", "CONTACT.0.csv", "CONTACT.a.csv"}, names)
}

// counter is a watcher.Observer counting what it is told.
type counter struct{ rescans, overflows atomic.Int64 }

func (c *counter) Rescan()   { c.rescans.Add(1) }
func (c *counter) Overflow() { c.overflows.Add(1) }

func TestWatcher_ObserverRescans(t *testing.T) {
	root := filepath.Join(t.TempDir(), "gis")
	rec, obs := &recorder{out: t.TempDir()}, &counter{}
	w := watcher.New(watcher.Config{
		Root: root, Settle: time.Hour, Rescan: 200 * time.Millisecond,
		ValidTenant: func(string) bool { return true },
		Match:       func(string) bool { return false },
		Take:        watcher.TakeEach(rec.take),
		Observer:    obs,
	}, hclog.NewNullLogger())
	require.NoError(t, w.Open(context.Background()))
	assert.Zero(t, obs.rescans.Load(), "the scan at Open is not a rescan")
	waitFor(t, "rescans told to the observer", func() bool { return obs.rescans.Load() >= 2 })
	require.NoError(t, w.Close())
	assert.Zero(t, obs.overflows.Load())
}
