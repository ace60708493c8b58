package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contactsImporter commits rows 1..rows of its job as contacts, resuming
// after the job's checkpoint like a real importer, two rows a batch; before
// each run's batch it calls step (with the run number) which may stop the
// run with an error.
type contactsImporter struct {
	st   *store.Store
	rows int
	step func(run int, r *pipeline.Run, row int) error

	mu   sync.Mutex
	runs int
}

func (im *contactsImporter) Kind() bulkd.Kind { return bulkd.KindContacts }

func (im *contactsImporter) Import(ctx context.Context, run *pipeline.Run) error {
	im.mu.Lock()
	im.runs++
	n := im.runs
	im.mu.Unlock()
	if err := run.Begin(ctx, []string{"CallId"}, im.rows); err != nil {
		return err
	}
	for row := run.Job.RowsDone + 1; row <= im.rows; row += 2 {
		if im.step != nil {
			if err := im.step(n, run, row); err != nil {
				return err
			}
		}
		b := bulkd.NewContactBatch(2, 0)
		last := min(row+1, im.rows)
		for r := row; r <= last; r++ {
			c := &bulkd.Contact{ID: bulkd.RowID(run.Job.ID, r), CallID: fmt.Sprintf("call-%d", r), JobID: run.Job.ID, Row: r, Complete: true}
			if err := b.Add(c); err != nil {
				return err
			}
		}
		if err := im.st.ApplyContacts(ctx, run.Job.ID, run.Job.Tenant, b, bulkd.Progress{Done: last}); err != nil {
			return err
		}
	}
	return nil
}

// startRunner opens a store and a runner over im, with the folder drop
// CONTACT.x.csv claimed, and returns them with the job's id.
func startRunner(t *testing.T, im *contactsImporter) (*store.Store, string, uint64, *pipeline.Runner) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	im.st = st
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, st, []pipeline.Importer{im}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	t.Cleanup(func() { r.Close() })
	origin := filepath.Join(t.TempDir(), "acme")
	require.NoError(t, os.MkdirAll(origin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(origin, "CONTACT.x.csv"), []byte("CallId\ncall-1\n"), 0o644))
	j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindContacts, Source: bulkd.SourceFolder,
		Origin: origin, Files: []string{"CONTACT.x.csv"}})
	require.NoError(t, err)
	return st, origin, j.ID, r
}

// TestRunner_FileStillBeingWritten: a file whose writer goes on writing
// after it was taken fails loudly, keeps nothing of what was read, and is
// not reported as a success.
func TestRunner_FileStillBeingWritten(t *testing.T) {
	ctx := context.Background()
	im := &contactsImporter{rows: 6}
	im.step = func(_ int, r *pipeline.Run, row int) error {
		if row == 5 { // the writer appends while the import runs
			f, err := os.OpenFile(r.Path(), os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteString("call-7\ncall-8\n")
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}
		return nil
	}
	st, origin, id, r := startRunner(t, im)
	j, err := r.Wait(ctx, id)
	require.NoError(t, err)

	assert.Equal(t, bulkd.StateFailed, j.State)
	assert.Contains(t, j.Error, "was still being written when it was taken")
	assert.Contains(t, j.Error, "done_marker")
	assert.True(t, j.Discarded)
	kept, err := st.JobContacts(ctx, "acme", id)
	require.NoError(t, err)
	assert.Empty(t, kept, "a failed job has imported nothing, so dropping the file again doubles nothing")
	moved, err := filepath.Glob(filepath.Join(origin, pipeline.PenaltyBoxDir, "*", "CONTACT.x.csv"))
	require.NoError(t, err)
	assert.Len(t, moved, 1)
}

// TestRunner_DiskFullPausesAndResumes: a lack of space pauses the job,
// which says so, and it resumes from its checkpoint by itself: every row
// once, none lost, none doubled.
func TestRunner_DiskFullPausesAndResumes(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	im := &contactsImporter{rows: 10}
	im.step = func(run int, _ *pipeline.Run, row int) error {
		if run == 1 && row == 5 {
			return fmt.Errorf("write page: %w", &os.PathError{Op: "write", Path: "bulkd.db", Err: syscall.ENOSPC})
		}
		if run == 2 {
			<-release // hold the second run until the test saw the pause
		}
		return nil
	}
	st, _, id, r := startRunner(t, im)

	paused := pollJob(t, st, id, func(j *bulkd.Job) bool { return j.State == bulkd.StatePaused })
	assert.Contains(t, paused.Error, "paused: ")
	assert.Contains(t, paused.Error, "no space left on device")
	assert.Equal(t, 4, paused.RowsDone, "the checkpoint before the fault")
	close(release)

	j, err := r.Wait(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateSucceeded, j.State)
	assert.Empty(t, j.Error)
	assert.Equal(t, 10, j.RowsDone)
	cs, err := st.JobContacts(ctx, "acme", id)
	require.NoError(t, err)
	require.Len(t, cs, 10)
	for i, c := range cs {
		assert.Equal(t, fmt.Sprintf("call-%d", i+1), c.CallID)
	}
	assert.Equal(t, 2, im.runs)
}

// TestRunner_OtherFaultFailsAndDiscards: a fault that is not transient
// fails the job, and a failed job keeps none of the rows it had stored.
func TestRunner_OtherFaultFailsAndDiscards(t *testing.T) {
	ctx := context.Background()
	im := &contactsImporter{rows: 10}
	im.step = func(_ int, _ *pipeline.Run, row int) error {
		if row == 7 {
			return fmt.Errorf("decode something: %w", os.ErrInvalid)
		}
		return nil
	}
	st, _, id, r := startRunner(t, im)
	j, err := r.Wait(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateFailed, j.State)
	assert.Equal(t, 6, j.RowsDone, "how far it got")
	assert.True(t, j.Discarded)
	cs, err := st.JobContacts(ctx, "acme", id)
	require.NoError(t, err)
	assert.Empty(t, cs)
}

// TestRunner_JobErrorStaysSmall: whatever a file holds, the job's stored
// error is at most bulkd.MaxMessage bytes.
func TestRunner_JobErrorStaysSmall(t *testing.T) {
	ctx := context.Background()
	huge := strings.Repeat("é", 1<<20)
	im := &contactsImporter{rows: 2, step: func(int, *pipeline.Run, int) error {
		return pipeline.Invalid("header: unknown column %q", huge)
	}}
	_, _, id, r := startRunner(t, im)
	j, err := r.Wait(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateFailed, j.State)
	assert.LessOrEqual(t, len(j.Error), bulkd.MaxMessage)
	assert.True(t, strings.HasSuffix(j.Error, "…"))
	assert.Contains(t, j.Error, "CONTACT.x.csv: header: unknown column")
}

// pollJob polls the stored job until ok, failing the test after a deadline.
func pollJob(t *testing.T, st *store.Store, id uint64, ok func(*bulkd.Job) bool) *bulkd.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := st.Job(context.Background(), id)
		require.NoError(t, err)
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never got there; it is %s (%s)", id, j.State, j.Error)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunner_DeliveryRetried: a delivery that fails (here archives/ is a
// file, not a folder) is retried with backoff until it works, without a
// restart, and the job's waiters are released only then.
func TestRunner_DeliveryRetried(t *testing.T) {
	ctx := context.Background()
	im := &contactsImporter{rows: 2}
	blocked := make(chan string, 1)
	im.step = func(_ int, r *pipeline.Run, row int) error {
		if row == 1 {
			archives := filepath.Join(r.Job.Origin, pipeline.ArchivesDir)
			require.NoError(t, os.WriteFile(archives, nil, 0o644))
			blocked <- archives
		}
		return nil
	}
	st, origin, id, r := startRunner(t, im)
	archives := <-blocked
	pollJob(t, st, id, func(j *bulkd.Job) bool { return j.State.Final() })
	waited := make(chan *bulkd.Job)
	go func() {
		j, _ := r.Wait(ctx, id)
		waited <- j
	}()
	select {
	case <-waited:
		t.Fatal("Wait returned before the job was delivered")
	case <-time.After(300 * time.Millisecond): // a grace for detecting the bug, not synchronisation
	}
	require.NoError(t, os.Remove(archives))
	j := <-waited
	assert.Equal(t, bulkd.StateSucceeded, j.State)
	moved, err := filepath.Glob(filepath.Join(origin, pipeline.ArchivesDir, "*", "CONTACT.x.csv"))
	require.NoError(t, err)
	assert.Len(t, moved, 1, "delivered once the folder could be made")
}

// TestPurgeArchives_NeverThroughALink: an archives/ folder that is a
// symbolic link to somewhere else is not purged through.
func TestPurgeArchives_NeverThroughALink(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(outside, "2020-01-01"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "acme", pipeline.ArchivesDir)))
	n, err := pipeline.PurgeArchives(root, time.Now(), time.UTC)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.DirExists(t, filepath.Join(outside, "2020-01-01"))
}

// TestRunner_FinishedJobWaitsForNothing: what a job waited for, left on
// its record by a stop, is gone once it runs again and ends.
func TestRunner_FinishedJobWaitsForNothing(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	origin := filepath.Join(t.TempDir(), "acme")
	require.NoError(t, os.MkdirAll(origin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(origin, "CONTACT.x.csv"), []byte("CallId\ncall-1\n"), 0o644))
	j := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindContacts, Source: bulkd.SourceFolder, State: bulkd.StateRunning,
		File: "CONTACT.x.csv", Files: []string{"CONTACT.x.csv"}, Origin: origin,
		Waiting: &bulkd.Waiting{Recordings: []string{"late.wav"}, Missing: 1}} // as a stop left it
	require.NoError(t, st.CreateJob(ctx, j))
	im := &contactsImporter{rows: 2, st: st}
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, st, []pipeline.Importer{im}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	t.Cleanup(func() { r.Close() })
	got, err := r.Wait(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateSucceeded, got.State)
	assert.Nil(t, got.Waiting)
}
