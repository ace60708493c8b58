package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKinds_Match(t *testing.T) {
	k, err := pipeline.NewKinds(kinds.All(), []pipeline.RouteOverride{{Kind: "contacts", Patterns: []string{"contact_*.csv"}}})
	require.NoError(t, err)
	for name, want := range map[string]bulkd.Kind{
		"AGENTS.march.csv":            bulkd.KindAgents,
		"CONTACT.batch1.csv":          bulkd.KindContacts,
		"CONTACT.batch1.json":         bulkd.KindContacts,
		"CONTACT.batch1.zip":          bulkd.KindContacts,
		"contact_0001.csv":            bulkd.KindContacts, // a configured route
		"SCHEDULE.week.csv":           bulkd.KindSchedule,
		"ASSIST.list.csv":             bulkd.KindAssist,
		"OBJECTS.Skill.jan.csv":       bulkd.KindObjects, // the importer fails an unknown type, naming the types
		"agents.march.csv":            "",                // the prefix is case-sensitive
		"AGENTS.march.txt":            "",
		"AGENTS..csv":                 "", // nothing between the prefix and the extension
		"AGENTS.csv":                  "",
		"call1.wav":                   "",
		"AGENTS.march.csv.done":       "",
		"AGENTS.march.csv.errors.csv": bulkd.KindAgents, // an error report dropped back is an agents file
	} {
		got, ok := k.Match(name)
		assert.Equal(t, want, got, name)
		assert.Equal(t, want != "", ok, name)
	}
	assert.Equal(t, []string{"contact_*.csv", "CONTACT.?*.csv", "CONTACT.?*.json", "CONTACT.?*.zip"}, k.Routes(bulkd.KindContacts),
		"configured patterns first")

	replaced, err := pipeline.NewKinds(kinds.All(), []pipeline.RouteOverride{{Kind: "contacts", Patterns: []string{"c_*.csv"}, Replace: true}})
	require.NoError(t, err)
	_, ok := replaced.Match("CONTACT.batch1.csv")
	assert.False(t, ok, "replace drops the defaults")

	for _, o := range []pipeline.RouteOverride{{Kind: "nope", Patterns: []string{"x*"}}, {Kind: "agents", Patterns: []string{"../x*"}}, {Kind: "agents", Patterns: []string{"[x"}}} {
		_, err := pipeline.NewKinds(kinds.All(), []pipeline.RouteOverride{o})
		assert.Error(t, err, "%+v", o)
	}
}

func TestPurgeArchives(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	mk := func(p string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, p), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p, "AGENTS.x.csv"), nil, 0o644))
	}
	for _, p := range []string{
		"acme/archives/2026-11-10", "acme/archives/2026-11-14", "acme/archives/2026-11-15",
		"acme/archives/2026-11-22", "acme/archives/not-a-date", "acme/penaltyBox/2026-01-01",
		"globex/archives/2025-01-01",
	} {
		mk(p)
	}
	n, err := pipeline.PurgeArchives(root, now.Add(-168*time.Hour), time.UTC)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for p, kept := range map[string]bool{
		"acme/archives/2026-11-10": false, "acme/archives/2026-11-14": false,
		"acme/archives/2026-11-15": true, // its day ends after the cutoff
		"acme/archives/2026-11-22": true, "acme/archives/not-a-date": true,
		"acme/penaltyBox/2026-01-01": true, "globex/archives/2025-01-01": false,
	} {
		_, err := os.Stat(filepath.Join(root, p))
		assert.Equal(t, kept, err == nil, p)
	}
}

func TestRunner_ClaimOfMissingFile(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer st.Close()
	work := filepath.Join(t.TempDir(), "work")
	r := pipeline.NewRunner(pipeline.Config{WorkDir: work}, st, []pipeline.Importer{agents.New(st, 0)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()

	_, err = r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder,
		Origin: t.TempDir(), Files: []string{"AGENTS.gone.csv"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "claim AGENTS.gone.csv")
	jobs, err := st.Jobs(ctx, bulkd.JobFilter{})
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	assert.Equal(t, bulkd.StateFailed, jobs[0].State, "a claim that could not move its file is not resumed")
	entries, err := os.ReadDir(work)
	require.NoError(t, err)
	assert.Empty(t, entries, "nor delivered")

	_, err = r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindContacts, Files: []string{"CONTACT.x.csv"}})
	assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err), "no importer for the kind yet")
}

// orderImporter records when imports start and end.
type orderImporter struct {
	kind bulkd.Kind
	log  *eventLog
	hold func(*pipeline.Run) // runs inside Import, before it returns
}

type eventLog struct {
	mu     sync.Mutex
	events []string
	// contactsStarted is closed when the contacts import starts.
	contactsStarted chan struct{}
}

func (l *eventLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	if e == "contacts start" {
		close(l.contactsStarted)
	}
}

func (im *orderImporter) Kind() bulkd.Kind { return im.kind }

func (im *orderImporter) Import(ctx context.Context, run *pipeline.Run) error {
	im.log.add(string(im.kind) + " start")
	if im.hold != nil {
		im.hold(run)
	}
	im.log.add(string(im.kind) + " end")
	return run.Begin(ctx, nil, 0)
}

func TestRunner_ContactsWaitForEarlierAgents(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer st.Close()
	log := &eventLog{contactsStarted: make(chan struct{})}
	agentsIm := &orderImporter{kind: bulkd.KindAgents, log: log, hold: func(*pipeline.Run) {
		// Hold the agents job until the contacts job starts (the bug) or a
		// grace period passes (the contacts job is rightly waiting).
		select {
		case <-log.contactsStarted:
		case <-time.After(300 * time.Millisecond):
		}
	}}
	contactsIm := &orderImporter{kind: bulkd.KindContacts, log: log}
	origin := t.TempDir()
	for _, n := range []string{"AGENTS.a.csv", "CONTACT.c.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(origin, n), []byte("x\n"), 0o644))
	}
	k, err := pipeline.NewKinds(kinds.All(), nil)
	require.NoError(t, err)
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work"), Kinds: k}, st,
		[]pipeline.Importer{agentsIm, contactsIm}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()

	a, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, Origin: origin, Files: []string{"AGENTS.a.csv"}})
	require.NoError(t, err)
	c, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindContacts, Source: bulkd.SourceFolder, Origin: origin, Files: []string{"CONTACT.c.csv"}})
	require.NoError(t, err)
	for _, id := range []uint64{a.ID, c.ID} {
		j, err := r.Wait(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, bulkd.StateSucceeded, j.State)
	}
	assert.Equal(t, []string{"agents start", "agents end", "contacts start", "contacts end"}, log.events)
}

func TestRunner_WaitingForDependenciesHoldsNoSlot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer st.Close()
	log := &eventLog{contactsStarted: make(chan struct{})}
	release := make(chan struct{})
	agentsIm := &orderImporter{kind: bulkd.KindAgents, log: log, hold: func(run *pipeline.Run) {
		if run.Job.File == "AGENTS.first.csv" {
			<-release
		}
	}}
	origin := t.TempDir()
	names := []string{"AGENTS.first.csv", "AGENTS.second.csv", "CONTACT.c.csv"}
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(origin, n), []byte("x\n"), 0o644))
	}
	// One slot: while the first agents job holds it, the second waits in its
	// lane and the contacts job waits for both. Were the contacts job to take
	// the slot freed by the first and then wait for the second, nothing could
	// run again.
	k, err := pipeline.NewKinds(kinds.All(), nil)
	require.NoError(t, err)
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work"), Parallel: 1, Kinds: k}, st,
		[]pipeline.Importer{agentsIm, &orderImporter{kind: bulkd.KindContacts, log: log}}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	defer r.Close()
	var ids []uint64
	for _, n := range names {
		kind := bulkd.KindAgents
		if n == "CONTACT.c.csv" {
			kind = bulkd.KindContacts
		}
		j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: kind, Source: bulkd.SourceFolder, Origin: origin, Files: []string{n}})
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	close(release)
	for _, id := range ids {
		j, err := r.Wait(ctx, id)
		require.NoError(t, err, "job %d never finished", id)
		assert.Equal(t, bulkd.StateSucceeded, j.State)
	}
	assert.Equal(t, "contacts start", log.events[4], "contacts ran after both agents jobs: %v", log.events)
}

func TestKinds_Rank(t *testing.T) {
	k, err := pipeline.NewKinds(kinds.All(), nil)
	require.NoError(t, err)
	assert.Less(t, k.Rank(bulkd.KindAgents), k.Rank(bulkd.KindContacts), "contacts name agents")
	assert.Equal(t, k.Rank(bulkd.KindContacts), k.Rank(bulkd.KindAssist))
}

// finals is a pipeline.Observer recording the jobs it is told of.
type finals struct {
	mu   sync.Mutex
	jobs []bulkd.Job
}

func (f *finals) JobFinal(j *bulkd.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, *j)
}

func (f *finals) states() map[uint64]bulkd.JobState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[uint64]bulkd.JobState{}
	for _, j := range f.jobs {
		if _, twice := out[j.ID]; twice {
			out[j.ID] = "told twice"
			continue
		}
		out[j.ID] = j.State
	}
	return out
}

// gateImporter holds its first import until released.
type gateImporter struct {
	started, release chan struct{}
	once             sync.Once
}

func (g *gateImporter) Kind() bulkd.Kind { return bulkd.KindAgents }

func (g *gateImporter) Import(ctx context.Context, run *pipeline.Run) error {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.started)
		select {
		case <-g.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return run.Begin(ctx, []string{"Email"}, 0)
}

// TestRunner_Observer: the Observer is told once of each job that becomes
// final, whichever way (imported, canceled, a failed claim), with the job
// as stored; a runner opened on jobs final already tells of none.
func TestRunner_Observer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulkd.db")
	st, err := store.Open(path)
	require.NoError(t, err)
	work, origin := filepath.Join(t.TempDir(), "work"), t.TempDir()
	obs := &finals{}
	gate := &gateImporter{started: make(chan struct{}), release: make(chan struct{})}
	r := pipeline.NewRunner(pipeline.Config{WorkDir: work, Observer: obs}, st, []pipeline.Importer{gate}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))

	claim := func(name string) *bulkd.Job {
		require.NoError(t, os.WriteFile(filepath.Join(origin, name), []byte("Email\n"), 0o644))
		j, err := r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceAPI, Origin: origin, Files: []string{name}})
		require.NoError(t, err)
		return j
	}
	_, err = r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, Origin: origin, Files: []string{"AGENTS.gone.csv"}})
	require.Error(t, err)
	first := claim("AGENTS.first.csv")
	<-gate.started
	second := claim("AGENTS.second.csv") // queued behind the first on its lane
	_, err = r.Cancel(ctx, second.ID, "ann")
	require.NoError(t, err)
	close(gate.release)
	for _, id := range []uint64{first.ID, second.ID} {
		_, err := r.Wait(ctx, id)
		require.NoError(t, err)
	}
	require.NoError(t, r.Close())
	assert.Equal(t, map[uint64]bulkd.JobState{1: bulkd.StateFailed, first.ID: bulkd.StateSucceeded, second.ID: bulkd.StateCanceled}, obs.states())
	for _, j := range obs.jobs {
		assert.NotNil(t, j.FinishedAt, "told of as stored: %d", j.ID)
	}

	again := &finals{}
	r = pipeline.NewRunner(pipeline.Config{WorkDir: work, Observer: again}, st, []pipeline.Importer{gate}, hclog.NewNullLogger())
	require.NoError(t, r.Open(ctx))
	require.NoError(t, r.Close())
	require.NoError(t, st.Close())
	assert.Empty(t, again.states(), "jobs final before Open are not told of again")
}
