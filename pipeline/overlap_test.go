package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatedImporter counts the imports running at once and holds each until
// the gate opens.
type gatedImporter struct {
	kind bulkd.Kind
	gate chan struct{}

	mu               sync.Mutex
	running, most    int
	started          []string
	startedAtLeastCh map[int]chan struct{}
}

func newGated(kind bulkd.Kind) *gatedImporter {
	return &gatedImporter{kind: kind, gate: make(chan struct{}), startedAtLeastCh: map[int]chan struct{}{}}
}

func (g *gatedImporter) Kind() bulkd.Kind { return g.kind }

func (g *gatedImporter) Import(ctx context.Context, run *pipeline.Run) error {
	g.mu.Lock()
	g.running++
	g.most = max(g.most, g.running)
	g.started = append(g.started, run.Job.File)
	for n, ch := range g.startedAtLeastCh {
		if len(g.started) >= n {
			close(ch)
			delete(g.startedAtLeastCh, n)
		}
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running--
		g.mu.Unlock()
	}()
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return run.Begin(ctx, []string{"x"}, 0)
}

// startedAtLeast returns a channel closed once n imports have started.
func (g *gatedImporter) startedAtLeast(n int) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch := make(chan struct{})
	if len(g.started) >= n {
		close(ch)
	} else {
		g.startedAtLeastCh[n] = ch
	}
	return ch
}

type overlapRig struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	r      *pipeline.Runner
	origin string
}

func newOverlapRig(t *testing.T, cfg pipeline.Config, importers ...pipeline.Importer) *overlapRig {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	k, err := pipeline.NewKinds(kinds.All(), nil)
	require.NoError(t, err)
	cfg.WorkDir, cfg.Kinds, cfg.Location = filepath.Join(t.TempDir(), "work"), k, time.UTC
	r := pipeline.NewRunner(cfg, st, importers, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	t.Cleanup(func() { _ = r.Close() })
	return &overlapRig{t: t, ctx: ctx, st: st, r: r, origin: t.TempDir()}
}

// claimAll writes each file (name → content) in the origin and claims them
// together, as the watcher does with files that settle together.
func (o *overlapRig) claimAll(kind bulkd.Kind, files [][2]string) []error {
	var cs []pipeline.Claim
	for _, f := range files {
		if f[1] != "" {
			require.NoError(o.t, os.WriteFile(filepath.Join(o.origin, f[0]), []byte(f[1]), 0o644))
		}
		cs = append(cs, pipeline.Claim{Tenant: "acme", Kind: kind, Source: bulkd.SourceFolder, Origin: o.origin, Files: []string{f[0]}})
	}
	return o.r.ClaimAll(o.ctx, cs)
}

// final waits for every job the store has and returns them, oldest first.
func (o *overlapRig) final() []*bulkd.Job {
	jobs, err := o.st.Jobs(o.ctx, bulkd.JobFilter{})
	require.NoError(o.t, err)
	out := make([]*bulkd.Job, 0, len(jobs))
	for _, j := range slices.Backward(jobs) {
		j, err := o.r.Wait(o.ctx, j.ID)
		require.NoError(o.t, err)
		require.True(o.t, j.State.Final(), "job %d is %s", j.ID, j.State)
		out = append(out, j)
	}
	return out
}

func (o *overlapRig) wait(ch <-chan struct{}, what string) {
	select {
	case <-ch:
	case <-o.ctx.Done():
		o.t.Fatalf("timed out waiting for %s", what)
	}
}

// TestRunner_Overlap: a tenant's jobs of an Overlap kind (contacts) run
// several at once, those of another kind (agents) one at a time, both in
// claim order.
func TestRunner_Overlap(t *testing.T) {
	tests := []struct {
		kind     bulkd.Kind
		prefix   string
		wantMost int
	}{
		{bulkd.KindContacts, "CONTACT", 4},
		{bulkd.KindAgents, "AGENTS", 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			g := newGated(tt.kind)
			o := newOverlapRig(t, pipeline.Config{Parallel: 4}, g)
			var files [][2]string
			for i := range 6 {
				files = append(files, [2]string{fmt.Sprintf("%s.%d.csv", tt.prefix, i), fmt.Sprintf("x\n%d\n", i)})
			}
			for _, err := range o.claimAll(tt.kind, files) {
				require.NoError(t, err)
			}
			o.wait(g.startedAtLeast(tt.wantMost), fmt.Sprintf("%d imports to start", tt.wantMost))
			close(g.gate)
			jobs := o.final()
			require.Len(t, jobs, 6)
			for i, j := range jobs {
				assert.Equal(t, bulkd.StateSucceeded, j.State)
				assert.Equal(t, files[i][0], j.File, "ids in claim order")
			}
			assert.Equal(t, tt.wantMost, g.most, "imports at once")
			want := make([]string, 0, len(files))
			for _, f := range files[:tt.wantMost] {
				want = append(want, f[0])
			}
			assert.ElementsMatch(t, want, g.started[:tt.wantMost], "taken in claim order")
		})
	}
}

// TestRunner_OverlapDedupe: identical files that run at once are imported
// once; the others wait for it and are skipped as its duplicates.
func TestRunner_OverlapDedupe(t *testing.T) {
	g := newGated(bulkd.KindContacts)
	o := newOverlapRig(t, pipeline.Config{Parallel: 8, Dedupe: true}, g)
	same := "x\nsame\n"
	errs := o.claimAll(bulkd.KindContacts, [][2]string{
		{"CONTACT.a.csv", same}, {"CONTACT.b.csv", same}, {"CONTACT.other.csv", "x\nother\n"}, {"CONTACT.c.csv", same},
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	o.wait(g.startedAtLeast(2), "the first of the identical files and the other file to start")
	close(g.gate)
	jobs := o.final()
	require.Len(t, jobs, 4)
	var imported *bulkd.Job
	skipped := 0
	for _, j := range jobs {
		if j.File == "CONTACT.other.csv" {
			assert.Equal(t, bulkd.StateSucceeded, j.State)
			continue
		}
		switch j.State {
		case bulkd.StateSucceeded:
			require.Nil(t, imported, "one identical file imported, not two")
			imported = j
		case bulkd.StateSkipped:
			skipped++
		default:
			t.Errorf("job %d: %s", j.ID, j.State)
		}
	}
	require.NotNil(t, imported)
	assert.Equal(t, 2, skipped)
	for _, j := range jobs {
		if j.State == bulkd.StateSkipped {
			assert.Equal(t, imported.ID, j.DuplicateOf)
		}
	}
	assert.Len(t, g.started, 2, "the skipped files were never imported: %v", g.started)
}

// TestRunner_OverlapSameName: two jobs of the same file name that end at
// once are both archived, the second under its job id, neither over the
// other.
func TestRunner_OverlapSameName(t *testing.T) {
	g := newGated(bulkd.KindContacts)
	o := newOverlapRig(t, pipeline.Config{Parallel: 4}, g)
	require.NoError(t, o.claimAll(bulkd.KindContacts, [][2]string{{"CONTACT.x.csv", "x\nfirst\n"}})[0])
	require.NoError(t, o.claimAll(bulkd.KindContacts, [][2]string{{"CONTACT.x.csv", "x\nsecond\n"}})[0])
	o.wait(g.startedAtLeast(2), "both jobs to start")
	close(g.gate)
	jobs := o.final()
	require.Len(t, jobs, 2)
	dir := filepath.Join(o.origin, pipeline.ArchivesDir, time.Now().UTC().Format("2006-01-02"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names, contents []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		names, contents = append(names, e.Name()), append(contents, string(b))
	}
	assert.ElementsMatch(t, []string{"x\nfirst\n", "x\nsecond\n"}, contents, "both files kept")
	assert.Contains(t, names, "CONTACT.x.csv")
	assert.Len(t, names, 2)
}

// TestRunner_ClaimAll: one claim's failure (its file gone) fails only it;
// the others are claimed in order.
func TestRunner_ClaimAll(t *testing.T) {
	g := newGated(bulkd.KindContacts)
	close(g.gate)
	o := newOverlapRig(t, pipeline.Config{}, g)
	errs := o.claimAll(bulkd.KindContacts, [][2]string{{"CONTACT.1.csv", "x\n1\n"}, {"CONTACT.gone.csv", ""}, {"CONTACT.3.csv", "x\n3\n"}})
	require.Len(t, errs, 3)
	assert.NoError(t, errs[0])
	assert.ErrorContains(t, errs[1], "claim CONTACT.gone.csv")
	assert.NoError(t, errs[2])
	jobs := o.final()
	require.Len(t, jobs, 3)
	assert.Equal(t, []string{"CONTACT.1.csv", "CONTACT.gone.csv", "CONTACT.3.csv"}, []string{jobs[0].File, jobs[1].File, jobs[2].File})
	assert.Equal(t, []bulkd.JobState{bulkd.StateSucceeded, bulkd.StateFailed, bulkd.StateSucceeded}, []bulkd.JobState{jobs[0].State, jobs[1].State, jobs[2].State})
	_, err := os.Stat(filepath.Join(o.origin, "CONTACT.1.csv"))
	assert.ErrorIs(t, err, os.ErrNotExist, "moved in")
}
