package objects_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// importer runs the objects importer over a real store and runner.
type importer struct {
	t      *testing.T
	st     *store.Store
	media  *media.Store
	r      *pipeline.Runner
	origin string
}

// newImporter commits batch rows a transaction, small enough that a
// multi-row object meets a batch boundary.
func newImporter(t *testing.T, batch int) *importer {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	ms, err := media.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, st,
		[]pipeline.Importer{objects.NewImporter(st, st, ms, batch), agents.New(st, 0)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(context.Background()))
	t.Cleanup(func() { _ = r.Close() })
	origin := filepath.Join(t.TempDir(), "acme")
	require.NoError(t, os.MkdirAll(origin, 0o755))
	return &importer{t: t, st: st, media: ms, r: r, origin: origin}
}

// run imports src as the objects folder drop name and returns the final
// job and its failures' messages by row.
func (im *importer) run(name, src string) (*bulkd.Job, map[int]string) {
	im.t.Helper()
	return im.runKind(bulkd.KindObjects, name, src)
}

// runKind is run for a drop of another kind (agents).
func (im *importer) runKind(kind bulkd.Kind, name, src string) (*bulkd.Job, map[int]string) {
	t := im.t
	t.Helper()
	ctx := context.Background()
	require.NoError(t, os.WriteFile(filepath.Join(im.origin, name), []byte(src), 0o644))
	j, err := im.r.Claim(ctx, pipeline.Claim{Tenant: "acme", Kind: kind, Source: bulkd.SourceFolder,
		Origin: im.origin, Files: []string{name}})
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for !j.State.Final() {
		require.False(t, time.Now().After(deadline), "job %d is still %s", j.ID, j.State)
		time.Sleep(10 * time.Millisecond)
		j, err = im.st.Job(ctx, j.ID)
		require.NoError(t, err)
	}
	msgs := map[int]string{}
	require.NoError(t, im.st.RowFailures(ctx, j.ID, func(f bulkd.RowFailure) error { msgs[f.Row] = f.Message; return nil }))
	return j, msgs
}

// agents stores agents of the tenant with these emails, as an agents job
// would: a User must be one.
func (im *importer) agents(emails ...string) {
	t, ctx := im.t, context.Background()
	t.Helper()
	aj := &bulkd.Job{Tenant: "acme", Kind: bulkd.KindAgents, Source: bulkd.SourceFolder, State: bulkd.StateRunning, File: "a.csv", Files: []string{"a.csv"}}
	require.NoError(t, im.st.CreateJob(ctx, aj))
	changes := make([]bulkd.AgentChange, len(emails))
	for i, e := range emails {
		changes[i] = bulkd.AgentChange{Row: i + 1, Email: e, FullName: &emails[i]}
	}
	_, err := im.st.ApplyAgents(ctx, aj.ID, "acme", changes, bulkd.Progress{Done: len(emails)}, nil)
	require.NoError(t, err)
}

func (im *importer) object(slug, key, within string) *bulkd.ConfigObject {
	im.t.Helper()
	o, err := im.st.Object(context.Background(), "acme", slug, key, within)
	require.NoError(im.t, err)
	return o
}

const (
	profiles = "Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,2,2,2\nSilver,,exclusive,0,1,0,0\n"
	queueHdr = "Name,Channel Type,Max Time In Queue,Service Level Threshold,Routing Type,Distribution Group,Distribution Group Seq,Group Fallback Time,Group Teams\n"
)

func TestImporter_Import(t *testing.T) {
	im := newImporter(t, 2)

	j, msgs := im.run("OBJECTS.multimedia-profile.a.csv", profiles)
	assert.Equal(t, bulkd.StateSucceeded, j.State, j.Error)
	assert.Equal(t, map[string]int{"created": 2}, j.Counts)
	assert.Empty(t, msgs)
	assert.Equal(t, []bulkd.ObjectField{{Name: "Name", Value: "Silver"}, {Name: "Type", Value: "EXCLUSIVE"},
		{Name: "Voice", Value: "0"}, {Name: "Chat", Value: "1"}, {Name: "Email", Value: "0"}, {Name: "Social", Value: "0"}},
		im.object("multimedia-profile", "silver", "").Fields, "canonical text in declared order, empty cells left out")

	j, msgs = im.run("OBJECTS.site.a.csv", "Name,Multimedia Profile\nLondon,gold\nParis,Golld\nLondon,Silver\n")
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Equal(t, map[int]string{
		2: `column "Multimedia Profile": no Multimedia Profile "Golld" exists (did you mean "Gold"?): import it first (OBJECTS.multimedia-profile.csv)`,
		3: `column "Name": Site "London" is also on row 1: an object may appear once an import`,
	}, msgs)

	j, msgs = im.run("OBJECTS.team.a.csv", "Name,Site,Type\nSales,London,AGENT\nOps,London,AGENT\nSales,Londn,AGENT\n")
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Contains(t, msgs[3], `column "Site": no Site "Londn" exists (did you mean "London"?)`)
	assert.Equal(t, "London", im.object("team", "sales", "london").Within)

	// Queue Support spans rows 1–3, over a batch of 2: its rows commit
	// together. Queue Night fails whole for its second row's team.
	j, msgs = im.run("OBJECTS.queue.a.csv", queueHdr+
		"Support,CHAT,600,30,LONGEST_AVAILABLE_AGENT,G1,1,,Sales\n"+
		"Support,,,,,G2,2,60,Sales: London|Ops\n"+
		"Support,,,,,G3,3,90,Ops\n"+
		"Night,CHAT,600,30,LINEAR,N1,1,,Sales\n"+
		"Night,,,,,N2,2,60,Sales: Londres\n")
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Equal(t, 5, j.RowsDone)
	assert.Equal(t, map[string]int{"created": 1}, j.Counts)
	assert.Equal(t, map[int]string{
		4: `not imported: Queue "Night" is imported as a whole and its row(s) 5 failed`,
		5: `column "Group Teams": no Team "Sales: Londres" exists (did you mean "Sales: London"?): import it first (OBJECTS.team.csv)`,
	}, msgs)
	q := im.object("queue", "Support", "")
	require.Len(t, q.Children, 3)
	assert.Equal(t, []bulkd.ObjectField{{Name: "Distribution Group", Value: "G2"}, {Name: "Distribution Group Seq", Value: "2"},
		{Name: "Group Fallback Time", Value: "60"}, {Name: "Group Teams", Value: "Sales: London|Ops"}}, q.Children[1])

	// Re-imports: an edit updates, the same values are unchanged, a fixed
	// column fails naming it.
	j, _ = im.run("OBJECTS.site.b.csv", "Name,Multimedia Profile\nLondon,Silver\n")
	assert.Equal(t, map[string]int{"updated": 1}, j.Counts)
	assert.Equal(t, "Silver", im.object("site", "London", "").Value("Multimedia Profile"))
	j, _ = im.run("OBJECTS.multimedia-profile.b.csv", profiles)
	assert.Equal(t, bulkd.StateSucceeded, j.State)
	assert.Equal(t, map[string]int{"unchanged": 2}, j.Counts)
	j, msgs = im.run("OBJECTS.team.b.csv", "Name,Site,Type,DN,Capacity\nOps,London,CAPACITY,+14155550100,5\n")
	assert.Equal(t, bulkd.StateFailed, j.State)
	assert.Equal(t, map[int]string{1: `column "Type": "CAPACITY" would change Team "Ops" from "AGENT", which is fixed once created; keep "AGENT", or create the Team under another name`}, msgs)
	assert.Equal(t, "AGENT", im.object("team", "Ops", "London").Value("Type"))
}

func TestImporter_TeamAmbiguousAndUsers(t *testing.T) {
	im := newImporter(t, 0)
	im.agents("ann@acme.com")

	im.run("OBJECTS.multimedia-profile.a.csv", profiles)
	im.run("OBJECTS.site.a.csv", "Name,Multimedia Profile\nLondon,Gold\nParis,Gold\n")
	j, _ := im.run("OBJECTS.team.a.csv", "Name,Site,Type\nSales,London,AGENT\nSales,Paris,AGENT\n")
	assert.Equal(t, map[string]int{"created": 2}, j.Counts, "a team name is unique within its site only")
	_, msgs := im.run("OBJECTS.outdial-queue.a.csv", "Name,Group Teams\nOut,Sales\n")
	assert.Equal(t, `column "Group Teams": Team "Sales" is in several sites (London, Paris): name one as "Sales: London"`, msgs[1])

	im.run("OBJECTS.user-profile.a.csv", "Name,Profile Type,Entry Points Access,Sites Access,Queues Access,Teams Access\nBasic,STANDARD_AGENT,ALL,ALL,ALL,ALL\n")
	j, msgs = im.run("OBJECTS.user.a.csv", "Email,User Profile,Contact Center Enabled\nANN@acme.com,Basic,OFF\nan@acme.com,Basic,OFF\n")
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Equal(t, map[int]string{2: `column "Email": no agent of the tenant has the email "an@acme.com" (did you mean "ann@acme.com"?): import the agent first (AGENTS.*.csv)`}, msgs)

	_, msgs = im.run("OBJECTS.auxiliary-code.a.csv", "Name,Default,Work Type\nLunch,ON,default idle work type\n")
	assert.Empty(t, msgs, "every tenant has the default work types")
}

func TestImporter_FileErrors(t *testing.T) {
	var big strings.Builder
	big.WriteString("Name,Multimedia Profile\n")
	for i := range objects.MaxRows + 1 {
		fmt.Fprintf(&big, "Site %d,Gold\n", i)
	}
	for _, tc := range []struct{ name, file, src, want string }{
		{"unknown type", "OBJECTS.skill.jan.csv", "Name\n", "the file name does not name an object type: name it OBJECTS.<type>.<anything>.csv, where <type> is one of worktype, multimedia-profile, site,"},
		{"audio files", "OBJECTS.audio-file.a.csv", "Name\n", "Audio File objects are .wav files, sent in a ZIP"},
		{"bad header", "OBJECTS.site.a.csv", "Name,Multimedia Profle\n", `header: unknown column "Multimedia Profle" (did you mean "Multimedia Profile"?)`},
		{"too many rows", "OBJECTS.site.a.csv", big.String(), "more than 5000 data rows: a Site CSV holds at most 5000; split it into several CSVs, in a ZIP"},
		{"too large", "OBJECTS.site.a.csv", "Name,Multimedia Profile\n" + strings.Repeat("x", objects.MaxBytes), "over the limit of 10 MB a CSV: split it into several CSVs, in a ZIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := newImporter(t, 0)
			j, _ := im.run(tc.file, tc.src)
			assert.Equal(t, bulkd.StateFailed, j.State)
			assert.Contains(t, j.Error, tc.want)
			assert.Zero(t, j.RowsDone, "nothing of the file is imported")
		})
	}
}

// faultyStore fails the first batch that would reach row failAt (or pass it) with a
// lack of space, as a full disk does mid-import.
type faultyStore struct {
	*store.Store
	failAt int
	failed bool
}

func (s *faultyStore) ApplyObjects(ctx context.Context, jobID uint64, tenant string, objs []bulkd.ConfigObject, p bulkd.Progress, words bulkd.Words) ([]bulkd.RowFailure, error) {
	if p.Done >= s.failAt && !s.failed {
		s.failed = true
		return nil, fmt.Errorf("write page: %w", &os.PathError{Op: "write", Path: "bulkd.db", Err: syscall.ENOSPC})
	}
	return s.Store.ApplyObjects(ctx, jobID, tenant, objs, p, words)
}

// TestImporter_ResumesAtAnObjectsEnd: a job paused mid-file resumes after
// its last whole object; a multi-row object is never half stored, and no
// object is applied twice.
func TestImporter_ResumesAtAnObjectsEnd(t *testing.T) {
	im := newImporter(t, 0)
	im.run("OBJECTS.multimedia-profile.a.csv", profiles)
	im.run("OBJECTS.site.a.csv", "Name,Multimedia Profile\nLondon,Gold\n")
	im.run("OBJECTS.team.a.csv", "Name,Site,Type\nSales,London,AGENT\n")

	faulty := &faultyStore{Store: im.st, failAt: 5}
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, im.st,
		[]pipeline.Importer{objects.NewImporter(faulty, im.st, im.media, 2)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(context.Background()))
	t.Cleanup(func() { _ = r.Close() })
	im.r = r
	j, msgs := im.run("OBJECTS.queue.a.csv", queueHdr+
		"Support,CHAT,600,30,LONGEST_AVAILABLE_AGENT,G1,1,,Sales\n"+
		"Support,,,,,G2,2,60,Sales\n"+
		"Support,,,,,G3,3,90,Sales\n"+
		"Night,CHAT,600,30,LINEAR,N1,1,,Sales\n"+
		"Night,,,,,N2,2,60,Sales\n")
	assert.True(t, faulty.failed, "the second batch (rows 4–5) failed once")
	assert.Equal(t, bulkd.StateSucceeded, j.State, j.Error)
	assert.Empty(t, msgs)
	assert.Equal(t, 5, j.RowsDone)
	assert.Equal(t, map[string]int{"created": 2}, j.Counts, "Support, committed before the pause, is not applied again")
	assert.Len(t, im.object("queue", "Night", "").Children, 2)
}
