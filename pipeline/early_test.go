package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// funcImporter runs a function as its import.
type funcImporter struct {
	kind bulkd.Kind
	fn   func(context.Context, *pipeline.Run) error
}

func (im funcImporter) Kind() bulkd.Kind { return im.kind }
func (im funcImporter) Import(ctx context.Context, run *pipeline.Run) error {
	if err := im.fn(ctx, run); err != nil {
		return err
	}
	return run.Begin(ctx, nil, 0)
}

func TestRun_Early(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("an old mtime settles a file at once only off Windows")
	}
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer st.Close()
	type outcome struct {
		took, media, inDir []string
	}
	var mu sync.Mutex
	var got outcome
	im := funcImporter{kind: bulkd.KindContacts, fn: func(ctx context.Context, run *pipeline.Run) error {
		var took []string
		e := run.StartEarly(ctx, func(names []string) {
			mu.Lock()
			defer mu.Unlock()
			took = append(took, names...)
		})
		for _, n := range []string{"old1.wav", "fresh.wav", "missing.wav", "../CONTACT.c.csv", "old2.wav"} {
			e.Offer(n)
		}
		if err := e.Stop(); err != nil {
			return err
		}
		entries, err := os.ReadDir(run.Dir)
		if err != nil {
			return err
		}
		var inDir []string
		for _, e := range entries {
			inDir = append(inDir, e.Name())
		}
		mu.Lock()
		defer mu.Unlock()
		slices.Sort(took)
		media, err := run.Media(ctx)
		if err != nil {
			return err
		}
		got = outcome{took: took, media: slices.Sorted(slices.Values(media)), inDir: inDir}
		return nil
	}}
	// An hour's settle window: only files last written before it are taken.
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work"), Settle: time.Hour}, st,
		[]pipeline.Importer{im}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()

	for _, tc := range []struct {
		name   string
		source bulkd.Source
		want   outcome
		left   []string
	}{
		{name: "folder job", source: bulkd.SourceFolder,
			want: outcome{took: []string{"old1.wav", "old2.wav"}, media: []string{"old1.wav", "old2.wav"},
				inDir: []string{"CONTACT.c.csv", "old1.wav", "old2.wav"}},
			left: []string{"archives", "fresh.wav"}}, // archives: the delivered CSV
		{name: "upload takes nothing", source: bulkd.SourceAPI,
			want: outcome{inDir: []string{"CONTACT.c.csv"}},
			left: []string{"fresh.wav", "old1.wav", "old2.wav"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			origin := t.TempDir()
			long := time.Now().Add(-2 * time.Hour)
			for _, n := range []string{"CONTACT.c.csv", "old1.wav", "old2.wav", "fresh.wav"} {
				p := filepath.Join(origin, n)
				require.NoError(t, os.WriteFile(p, []byte(n), 0o644))
				if n != "fresh.wav" {
					require.NoError(t, os.Chtimes(p, long, long))
				}
			}
			j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindContacts, Source: tc.source, Origin: origin, Files: []string{"CONTACT.c.csv"}})
			require.NoError(t, err)
			j, err = r.Wait(ctx, j.ID)
			require.NoError(t, err)
			require.Equal(t, bulkd.StateSucceeded, j.State, j.Error)
			mu.Lock()
			assert.Equal(t, tc.want, got)
			mu.Unlock()
			stored, err := st.JobMedia(ctx, j.ID)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want.media, stored, "what was taken is recorded on the job")
			entries, err := os.ReadDir(origin)
			require.NoError(t, err)
			var left []string
			for _, e := range entries {
				left = append(left, e.Name())
			}
			assert.Equal(t, tc.left, left, "what was not taken stays for Gather")
		})
	}
}

func TestRunner_CancelQueued(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer st.Close()
	release := make(chan struct{})
	started := make(chan string, 2)
	im := funcImporter{kind: bulkd.KindAgents, fn: func(ctx context.Context, run *pipeline.Run) error {
		started <- run.Job.File
		<-release
		return nil
	}}
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, st, []pipeline.Importer{im}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()
	origin := t.TempDir()
	for _, n := range []string{"AGENTS.1.csv", "AGENTS.2.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(origin, n), []byte("x\n"), 0o644))
	}
	first, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, Origin: origin, Files: []string{"AGENTS.1.csv"}})
	require.NoError(t, err)
	require.Equal(t, "AGENTS.1.csv", <-started)
	second, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, Origin: origin, Files: []string{"AGENTS.2.csv"}})
	require.NoError(t, err)

	_, err = r.Cancel(ctx, first.ID, "ann")
	assert.Equal(t, bulkd.ECONFLICT, bulkd.ErrorCode(err), "a running import cannot be canceled")
	c, err := r.Cancel(ctx, second.ID, "ann")
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateCanceled, c.State)
	assert.Contains(t, c.Error, "canceled by ann")

	close(release)
	done, err := r.Wait(ctx, second.ID)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateCanceled, done.State)
	select {
	case f := <-started:
		t.Fatalf("the canceled import ran: %s", f)
	default:
	}
	_, err = r.Wait(ctx, first.ID)
	require.NoError(t, err)
	matches, _ := filepath.Glob(filepath.Join(origin, "archives", "*", "AGENTS.2.csv"))
	assert.Len(t, matches, 1, "a canceled import's file is archived untouched")
}
