package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/store"
	"github.com/bulkd/bulkd/watcher"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log output read by a test while the runner writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) count(words ...string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, l := range strings.Split(b.buf.String(), "\n") {
		ok := l != ""
		for _, w := range words {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			n++
		}
	}
	return n
}

func mustLink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// linkRunner is a runner whose importers record what they read.
func linkRunner(t *testing.T, cfg pipeline.Config, logs *syncBuffer, ims ...pipeline.Importer) (*pipeline.Runner, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	if cfg.WorkDir == "" {
		cfg.WorkDir = filepath.Join(t.TempDir(), "work")
	}
	logger := hclog.NewNullLogger()
	if logs != nil {
		logger = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})
	}
	r := pipeline.NewRunner(cfg, st, ims, logger)
	require.NoError(t, r.Open(context.Background()))
	t.Cleanup(func() { r.Close() })
	return r, st
}

// TestRunner_ClaimRefusesLinks: a file that is a link, or a file in a
// tenant folder that is a link, is never moved, read or imported.
func TestRunner_ClaimRefusesLinks(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var read []string
	im := funcImporter{kind: bulkd.KindAgents, fn: func(ctx context.Context, run *pipeline.Run) error {
		b, err := os.ReadFile(run.Path())
		mu.Lock()
		read = append(read, string(b))
		mu.Unlock()
		return err
	}}
	work := filepath.Join(t.TempDir(), "work")
	r, st := linkRunner(t, pipeline.Config{WorkDir: work}, nil, im)

	outside := t.TempDir()
	secret := filepath.Join(outside, "passwd")
	require.NoError(t, os.WriteFile(secret, []byte("root:x:0:0\n"), 0o644))
	root := t.TempDir()
	acme := filepath.Join(root, "acme")
	require.NoError(t, os.Mkdir(acme, 0o755))
	mustLink(t, secret, filepath.Join(acme, "AGENTS.pw.csv"))
	mustLink(t, outside, filepath.Join(root, "evil"))

	for _, tc := range []struct{ name, origin, file string }{
		{"linked file", acme, "AGENTS.pw.csv"},
		{"file in a linked tenant folder", filepath.Join(root, "evil"), "passwd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder,
				Origin: tc.origin, Files: []string{tc.file}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "a symbolic link")
			assert.NotContains(t, err.Error(), "root:x", "nothing of the target is read")
		})
	}
	b, err := os.ReadFile(secret)
	require.NoError(t, err)
	assert.Equal(t, "root:x:0:0\n", string(b), "the target stays where it is")
	_, err = os.Lstat(filepath.Join(acme, "AGENTS.pw.csv"))
	assert.NoError(t, err, "a link found before the move is left alone")
	jobs, err := st.Jobs(ctx, bulkd.JobFilter{})
	require.NoError(t, err)
	for _, j := range jobs {
		assert.Equal(t, bulkd.StateFailed, j.State, "a refused claim is not resumed")
		assert.NotContains(t, j.Error, "root:x")
	}
	entries, err := os.ReadDir(work)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing in the work folder")
	mu.Lock()
	assert.Empty(t, read, "no import ran")
	mu.Unlock()
}

// TestRunner_GatherSkipsLinkedMedia: a recording that is a link is not
// taken: its target is not moved nor read, and the rows that need it see
// it as missing.
func TestRunner_GatherSkipsLinkedMedia(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	target := filepath.Join(outside, "call1.wav")
	require.NoError(t, os.WriteFile(target, []byte("RIFF"), 0o644))
	old := time.Now().Add(-time.Hour) // settled at first sight: only the link check stops it
	require.NoError(t, os.Chtimes(target, old, old))

	var mu sync.Mutex
	var present map[string]bool
	var inDir []string
	im := funcImporter{kind: bulkd.KindContacts, fn: func(ctx context.Context, run *pipeline.Run) error {
		p, err := run.Gather(ctx, []string{"call1.wav", "call2.wav"})
		if err != nil {
			return err
		}
		entries, err := os.ReadDir(run.Dir)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		present = p
		for _, e := range entries {
			inDir = append(inDir, e.Name())
		}
		return nil
	}}
	logs := &syncBuffer{}
	r, _ := linkRunner(t, pipeline.Config{Settle: 10 * time.Millisecond, MediaWait: 100 * time.Millisecond}, logs, im)
	origin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(origin, "CONTACT.c.csv"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(origin, "call2.wav"), []byte("RIFF"), 0o644))
	require.NoError(t, os.Chtimes(filepath.Join(origin, "call2.wav"), old, old))
	mustLink(t, target, filepath.Join(origin, "call1.wav"))

	j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindContacts, Source: bulkd.SourceFolder,
		Origin: origin, Files: []string{"CONTACT.c.csv"}})
	require.NoError(t, err)
	poll(t, "the import", func() bool { mu.Lock(); defer mu.Unlock(); return present != nil })
	mu.Lock()
	assert.Equal(t, map[string]bool{"call2.wav": true}, present, "the linked recording is missing")
	assert.Equal(t, []string{"CONTACT.c.csv", "call2.wav"}, inDir)
	mu.Unlock()
	assert.FileExists(t, target, "the link's target stays where it is")
	assert.Equal(t, 1, logs.count("recording not taken", "call1.wav", "symbolic link"))
	_ = j
}

// TestRunner_DeliverRefusesLinkedArchives: a tenant's archives/ that is a
// link is not delivered through; the files stay in the work folder until
// it is a folder again.
func TestRunner_DeliverRefusesLinkedArchives(t *testing.T) {
	ctx := context.Background()
	im := funcImporter{kind: bulkd.KindAgents, fn: func(context.Context, *pipeline.Run) error { return nil }}
	logs := &syncBuffer{}
	work := filepath.Join(t.TempDir(), "work")
	dbDir := t.TempDir()
	st, err := store.Open(filepath.Join(dbDir, "bulkd.db"))
	require.NoError(t, err)
	r := pipeline.NewRunner(pipeline.Config{WorkDir: work}, st, []pipeline.Importer{im},
		hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	require.NoError(t, r.Open(ctx))

	outside := t.TempDir()
	origin := t.TempDir()
	mustLink(t, outside, filepath.Join(origin, pipeline.ArchivesDir))
	require.NoError(t, os.WriteFile(filepath.Join(origin, "AGENTS.a.csv"), []byte("Email\n"), 0o644))
	j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder,
		Origin: origin, Files: []string{"AGENTS.a.csv"}})
	require.NoError(t, err)
	poll(t, "the refused delivery", func() bool { return logs.count("not delivering job through a link") > 0 })
	require.NoError(t, r.Close())
	require.NoError(t, st.Close())

	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing delivered through the link")
	assert.FileExists(t, filepath.Join(work, fmt.Sprint(j.ID), "AGENTS.a.csv"), "the file stays in the work folder")

	// The admin replaces the link by a folder: the next start delivers.
	require.NoError(t, os.Remove(filepath.Join(origin, pipeline.ArchivesDir)))
	st, err = store.Open(filepath.Join(dbDir, "bulkd.db"))
	require.NoError(t, err)
	defer st.Close()
	r = pipeline.NewRunner(pipeline.Config{WorkDir: work}, st, []pipeline.Importer{im}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()
	poll(t, "the delivery", func() bool {
		m, _ := filepath.Glob(filepath.Join(origin, pipeline.ArchivesDir, "*", "AGENTS.a.csv"))
		return len(m) == 1
	})
	got, err := st.Job(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateSucceeded, got.State)
}

// TestRunner_ClaimWithUnwritableWorkFolder: when the work folder cannot be
// made, a claim records no job, and the watcher tries the file with
// backoff and logs it once (the work folder path is a regular file, which
// stops root too).
func TestRunner_ClaimWithUnwritableWorkFolder(t *testing.T) {
	ctx := context.Background()
	work := filepath.Join(t.TempDir(), "work")
	im := funcImporter{kind: bulkd.KindAgents, fn: func(context.Context, *pipeline.Run) error { return nil }}
	r, st := linkRunner(t, pipeline.Config{WorkDir: work}, nil, im)
	require.NoError(t, os.RemoveAll(work))
	require.NoError(t, os.WriteFile(work, []byte("not a folder"), 0o644))

	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "acme"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "acme", "AGENTS.a.csv"), []byte("Email\n"), 0o644))
	var mu sync.Mutex
	var attempts []time.Time
	logs := &syncBuffer{}
	w := watcher.New(watcher.Config{
		Root: root, Settle: 50 * time.Millisecond, Rescan: time.Hour,
		ValidTenant: func(string) bool { return true }, Match: func(string) bool { return true },
		Take: watcher.TakeEach(func(ctx context.Context, tenant, dir, name string) error {
			mu.Lock()
			attempts = append(attempts, time.Now())
			mu.Unlock()
			_, err := r.Claim(ctx, pipeline.Claim{Tenant: tenant, Kind: bulkd.KindAgents, Source: bulkd.SourceFolder,
				Origin: dir, Files: []string{name}})
			return err
		}),
	}, hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	require.NoError(t, w.Open(ctx))
	defer w.Close()

	// 50+100+200+400 ms between five attempts: 750 ms at least.
	poll(t, "five attempts", func() bool { mu.Lock(); defer mu.Unlock(); return len(attempts) >= 5 })
	mu.Lock()
	assert.GreaterOrEqual(t, attempts[4].Sub(attempts[0]), 750*time.Millisecond, "tried with backoff")
	mu.Unlock()
	jobs, err := st.Jobs(ctx, bulkd.JobFilter{})
	require.NoError(t, err)
	assert.Empty(t, jobs, "no job recorded for a claim that could not make its work folder")
	assert.Equal(t, 1, logs.count("[ERROR]"), "logged once:\n%s", logs.String())
	assert.Equal(t, 1, logs.count("[ERROR]", "create work folder"))
	assert.FileExists(t, filepath.Join(root, "acme", "AGENTS.a.csv"), "the file stays")

	// Once the work folder can be made, the file is taken: one job.
	require.NoError(t, os.Remove(work))
	require.NoError(t, os.Mkdir(work, 0o755))
	poll(t, "the claim", func() bool { jobs, _ := st.Jobs(ctx, bulkd.JobFilter{}); return len(jobs) == 1 })
	poll(t, "the info line", func() bool { return logs.count("[INFO]", "file taken after failed attempts") == 1 })
}
