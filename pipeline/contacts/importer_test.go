package contacts_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/contacts"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runJob claims files from a fresh origin folder and waits for the job.
func runJob(t *testing.T, r *pipeline.Runner, kind bulkd.Kind, files map[string][]byte, meta string) *bulkd.Job {
	t.Helper()
	ctx := context.Background()
	origin := t.TempDir()
	var mediaNames []string
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(origin, name), b, 0o644))
		if name != meta {
			mediaNames = append(mediaNames, name)
		}
	}
	j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: kind, Source: bulkd.SourceFolder, Origin: origin,
		Files: []string{meta}, Media: mediaNames})
	require.NoError(t, err)
	j, err = r.Wait(ctx, j.ID)
	require.NoError(t, err)
	return j
}

// openStores opens a store and a media store in temp folders.
func openStores(t *testing.T) (*store.Store, *media.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ms, err := media.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	return st, ms
}

// TestImporter_ManyBatches imports a file over many small batches, with
// failed rows scattered through it, and checks that every row became
// exactly its own contact or its own failure: batches are refilled once
// committed, and rows are read into reused memory (time zones and agents
// are cached across rows), so a mix-up would show here.
func TestImporter_ManyBatches(t *testing.T) {
	ctx := context.Background()
	st, ms := openStores(t)
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, st,
		[]pipeline.Importer{agents.New(st, 0), contacts.New(st, ms, 64)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()

	ag := runJob(t, r, bulkd.KindAgents, map[string][]byte{"AGENTS.a.csv": []byte("Email,Full Name,ACD Login\na@abc.com,A,abc\\a\n")}, "AGENTS.a.csv")
	require.Equal(t, bulkd.StateSucceeded, ag.State)

	wav, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", "call1.wav"))
	require.NoError(t, err)
	const rows = 3000 // more than the reader's 64 KiB buffer, so its bytes are reused
	var csv strings.Builder
	csv.WriteString("AgentId,ContactStartTimeMs,CallId,Recording1,metadata.n,TimeZone\n")
	zones := []string{"America/Chicago", "Europe/Paris", "Asia/Tokyo"}
	bad := map[int]bool{}
	for row := 1; row <= rows; row++ {
		switch {
		case row%7 == 0:
			bad[row] = true
			fmt.Fprintf(&csv, "nobody@abc.com,1447100000000,call-%d,call1.wav,%d,UTC\n", row, row)
		case row%11 == 0:
			bad[row] = true
			fmt.Fprintf(&csv, "a@abc.com,\"not \"\"a\"\" time\",call-%d,call1.wav,%d,UTC\n", row, row)
		case row%2 == 0: // quoted cells take the reader's other path
			fmt.Fprintf(&csv, "\"a@abc.com\",%d,\"call-%d\",call1.wav,\"%d\",%s\n", 1447100000000+row, row, row, zones[row%3])
		default:
			fmt.Fprintf(&csv, "a@abc.com,%d,call-%d,call1.wav,%d,%s\n", 1447100000000+row, row, row, zones[row%3])
		}
	}
	j := runJob(t, r, bulkd.KindContacts, map[string][]byte{"CONTACT.many.csv": []byte(csv.String()), "call1.wav": wav}, "CONTACT.many.csv")
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Equal(t, rows, j.RowsDone)
	assert.Equal(t, len(bad), j.RowsFailed)

	got, err := st.JobContacts(ctx, "acme", j.ID)
	require.NoError(t, err)
	require.Len(t, got, rows-len(bad))
	for _, c := range got {
		require.False(t, bad[c.Row], "row %d failed", c.Row)
		assert.Equal(t, bulkd.RowID(j.ID, c.Row), c.ID)
		assert.Equal(t, fmt.Sprintf("call-%d", c.Row), c.CallID)
		assert.Equal(t, int64(1447100000000+c.Row), c.StartTimeMs)
		assert.Equal(t, bulkd.Metadata{{Name: "n", Value: fmt.Sprint(c.Row)}}, c.Metadata)
		assert.Equal(t, zones[c.Row%3], c.TimeZone, "row %d", c.Row)
		require.Len(t, c.Recordings, 1)
		assert.Equal(t, "call1.wav", c.Recordings[0].Location)
	}
	var failed []int
	require.NoError(t, st.RowFailures(ctx, j.ID, func(f bulkd.RowFailure) error {
		failed = append(failed, f.Row)
		assert.Equal(t, fmt.Sprintf("call-%d", f.Row), f.Cells[2], "row %d keeps its own cells", f.Row)
		return nil
	}))
	assert.Len(t, failed, len(bad))
	for _, row := range failed {
		assert.True(t, bad[row], "row %d", row)
	}
}

// blockingContacts lets `batches` batches through, then blocks until its
// context ends, as a process killed in the middle of a job would stop.
type blockingContacts struct {
	contacts.Store
	batches int
	reached chan struct{}
}

func (b *blockingContacts) ApplyContacts(ctx context.Context, jobID uint64, tenant string, batch *bulkd.ContactBatch, p bulkd.Progress) error {
	if b.batches == 0 {
		close(b.reached)
		<-ctx.Done()
		return ctx.Err()
	}
	b.batches--
	return b.Store.ApplyContacts(ctx, jobID, tenant, batch, p)
}

// TestImporter_ResumeLosesAndDoublesNothing stops a contacts job dead after
// three batches and lets a new runner resume it from its checkpoint.
func TestImporter_ResumeLosesAndDoublesNothing(t *testing.T) {
	ctx := context.Background()
	st, ms := openStores(t)
	work := filepath.Join(t.TempDir(), "work")
	blocker := &blockingContacts{Store: st, batches: 3, reached: make(chan struct{})}
	r := pipeline.NewRunner(pipeline.Config{WorkDir: work}, st,
		[]pipeline.Importer{agents.New(st, 0), contacts.New(blocker, ms, 64)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	ag := runJob(t, r, bulkd.KindAgents, map[string][]byte{"AGENTS.a.csv": []byte("Email,Full Name\na@abc.com,A\n")}, "AGENTS.a.csv")
	require.Equal(t, bulkd.StateSucceeded, ag.State)

	wav, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", "call1.wav"))
	require.NoError(t, err)
	const rows = 1000
	var csv strings.Builder
	csv.WriteString("AgentId,CallId,Recording1\n")
	for row := 1; row <= rows; row++ {
		fmt.Fprintf(&csv, "a@abc.com,call-%d,call1.wav\n", row)
	}
	origin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(origin, "CONTACT.big.csv"), []byte(csv.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(origin, "call1.wav"), wav, 0o644))
	j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindContacts, Source: bulkd.SourceFolder, Origin: origin,
		Files: []string{"CONTACT.big.csv"}, Media: []string{"call1.wav"}})
	require.NoError(t, err)
	<-blocker.reached
	require.NoError(t, r.Close())
	mid, err := st.Job(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateRunning, mid.State)
	assert.Equal(t, 3*64, mid.RowsDone)

	r2 := pipeline.NewRunner(pipeline.Config{WorkDir: work}, st,
		[]pipeline.Importer{agents.New(st, 0), contacts.New(st, ms, 64)}, hclog.NewNullLogger())
	require.NoError(t, r2.Open(ctx))
	defer r2.Close()
	done, err := r2.Wait(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, bulkd.StateSucceeded, done.State, done.Error)
	assert.Equal(t, [3]int{rows, rows, 0}, [3]int{done.RowsTotal, done.RowsDone, done.RowsFailed})
	got, err := st.JobContacts(ctx, "acme", j.ID)
	require.NoError(t, err)
	require.Len(t, got, rows, "every row once: none lost, none doubled")
	for i, c := range got {
		assert.Equal(t, i+1, c.Row)
		assert.Equal(t, fmt.Sprintf("call-%d", i+1), c.CallID)
	}
}

// TestImporter_AgentsFollowChanges: the tenant's agents, kept between jobs,
// are read again once an agents import changed them, and a tenant's agents
// are never another's.
func TestImporter_AgentsFollowChanges(t *testing.T) {
	ctx := context.Background()
	st, ms := openStores(t)
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, st,
		[]pipeline.Importer{agents.New(st, 0), contacts.New(st, ms, 0)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()
	wav, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", "call1.wav"))
	require.NoError(t, err)
	contactsOf := func(agent string) *bulkd.Job {
		csv := "AgentId,ContactStartTimeMs,CallId,Recording1\n" + agent + ",1447100000000,c1,call1.wav\n"
		return runJob(t, r, bulkd.KindContacts, map[string][]byte{"CONTACT.x.csv": []byte(csv), "call1.wav": wav}, "CONTACT.x.csv")
	}
	steps := []struct {
		agents string // an AGENTS file imported first, if any
		agent  string
		want   bulkd.JobState
	}{
		{"Email,Full Name\na@abc.com,A\n", "a@abc.com", bulkd.StateSucceeded},
		{"", "b@abc.com", bulkd.StateFailed},
		{"", "b@abc.com", bulkd.StateFailed}, // read from what is kept
		{"Email,Full Name\nb@abc.com,B\n", "b@abc.com", bulkd.StateSucceeded},
		{"", "a@abc.com", bulkd.StateSucceeded},
	}
	for i, s := range steps {
		if s.agents != "" {
			ag := runJob(t, r, bulkd.KindAgents, map[string][]byte{"AGENTS.a.csv": []byte(s.agents)}, "AGENTS.a.csv")
			require.Equal(t, bulkd.StateSucceeded, ag.State, "step %d: %s", i, ag.Error)
		}
		j := contactsOf(s.agent)
		assert.Equal(t, s.want, j.State, "step %d: contacts of %s: %s", i, s.agent, j.Error)
	}
}
