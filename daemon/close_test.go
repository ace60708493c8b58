package daemon_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stuckSpec is a kind whose import runs until the daemon stops, telling
// started when it begins.
func stuckSpec(started chan<- struct{}) pipeline.Spec {
	return pipeline.Spec{
		Kind:   "stuck",
		Routes: []string{"STUCK.?*.txt"},
		New: func(pipeline.Deps) (pipeline.Importer, error) {
			return stuckImporter{started: started}, nil
		},
	}
}

type stuckImporter struct{ started chan<- struct{} }

func (stuckImporter) Kind() bulkd.Kind { return "stuck" }

func (im stuckImporter) Import(ctx context.Context, _ *pipeline.Run) error {
	select {
	case im.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestDaemon_CloseLogsWhatIsLeft: stopping says so, names the jobs it
// interrupts (they resume at the next start), and says when it is done.
func TestDaemon_CloseLogsWhatIsLeft(t *testing.T) {
	var logs lockedBuffer
	logger := hclog.New(&hclog.LoggerOptions{Name: "bulkd", Level: hclog.Info, Output: &logs})
	started := make(chan struct{}, 1)
	cfg := testConfig(t, t.TempDir())
	d := daemon.New(cfg, logger, append(kinds.All(), stuckSpec(started))...)
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	h := &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: cfg.DataDir}

	dir := filepath.Join(cfg.Watch.Root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "STUCK.one.txt"), []byte("x\n"), 0o644))
	select {
	case <-started:
	case <-time.After(15 * time.Second):
		t.Fatal("the stuck job never started")
	}
	// A second job of the lane waits behind the first.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "STUCK.two.txt"), []byte("y\n"), 0o644))
	h.poll(func() (bool, string) {
		jobs := h.jobs("tenant=acme")
		return len(jobs) == 2, "two jobs"
	})
	assert.NotContains(t, logs.String(), "stopping")

	require.NoError(t, d.Close())
	out := logs.String()
	assert.Contains(t, out, "[INFO]  bulkd: stopping: unfinished=2 jobs=\"1 acme/stuck running, 2 acme/stuck queued\"")
	assert.Contains(t, out, "[INFO]  bulkd: stopped\n")
	require.NoError(t, d.Close())
	assert.Equal(t, out, logs.String(), "a second Close logs nothing")
}
