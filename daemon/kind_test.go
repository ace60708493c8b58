package daemon_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notes is a kind that exists only in this test: a text file whose lines
// are rows, a line "bad" failing. It is declared here and nowhere else.
func notesSpec() pipeline.Spec {
	return pipeline.Spec{
		Kind:      "notes",
		Routes:    []string{"NOTES.?*.txt"},
		DependsOn: []bulkd.Kind{bulkd.KindAgents},
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			jobs, err := pipeline.StoreAs[bulkd.JobStore](d, "notes")
			return &notesImporter{jobs: jobs}, err
		},
	}
}

type notesImporter struct{ jobs bulkd.JobStore }

func (im *notesImporter) Kind() bulkd.Kind { return "notes" }

func (im *notesImporter) Import(ctx context.Context, run *pipeline.Run) error {
	f, err := fsx.Open(run.Path())
	if err != nil {
		return err
	}
	defer f.Close()
	var p bulkd.Progress
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p.Done++
		if sc.Text() == "bad" {
			p.Failures = append(p.Failures, bulkd.RowFailure{Row: p.Done, Cells: []string{sc.Text()}, Message: `column "line": bad`})
		}
	}
	if err := run.Begin(ctx, []string{"line"}, p.Done); err != nil {
		return err
	}
	return im.jobs.CommitProgress(ctx, run.Job.ID, p)
}

// TestKinds_ATestKindRunsEndToEnd: a kind registered by a test alone is
// routed (by its own pattern and by a config route), taken from a tenant
// folder, imported, listed, reported and archived, with no other file of
// bulkd knowing it.
func TestKinds_ATestKindRunsEndToEnd(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Routes = append(cfg.Routes, &config.Route{Kind: "notes", Patterns: []string{"*.note"}})
	d := daemon.New(cfg, hclog.NewNullLogger(), append(kinds.All(), notesSpec())...)
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	h := &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: cfg.DataDir}

	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "NOTES.a.txt"), []byte("one\nbad\nthree\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.lower.txt"), []byte("not mine\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site7.note"), []byte("routed by the config\n"), 0o644))
	jobs := h.waitJobs("acme", 2)
	byFile := map[string]jobJSON{}
	for _, j := range jobs {
		assert.Equal(t, "notes", j.Kind)
		byFile[j.File] = j
	}
	assert.Equal(t, "partial", byFile["NOTES.a.txt"].State)
	assert.Equal(t, 3, byFile["NOTES.a.txt"].RowsTotal)
	assert.Equal(t, 1, byFile["NOTES.a.txt"].RowsFailed)
	assert.Equal(t, "succeeded", byFile["site7.note"].State)
	assert.Len(t, h.jobs("kind=notes"), 2, "the kind filter knows it")
	assert.FileExists(t, filepath.Join(dir, "archives", today(), "NOTES.a.txt"))
	assert.FileExists(t, filepath.Join(dir, "archives", today(), "NOTES.a.txt.errors.csv"))
	assert.FileExists(t, filepath.Join(dir, "notes.lower.txt"), "no route matches it")
}
