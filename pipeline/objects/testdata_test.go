package objects_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files of testdata/objects (its README says what each is for).
const testdata = "../../testdata/objects"

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// tenant imports the complete tenant set-up: its agents, then tenant.zip.
func (im *importer) tenant() *bulkd.Job {
	t := im.t
	t.Helper()
	j, msgs := im.runKind(bulkd.KindAgents, "AGENTS.tenant.csv", readTestdata(t, "tenant/agents.csv"))
	require.Equal(t, bulkd.StateSucceeded, j.State, "%v %s", msgs, j.Error)
	j, msgs = im.run("OBJECTS.tenant.zip", readTestdata(t, "tenant.zip"))
	require.Equal(t, bulkd.StateSucceeded, j.State, "%v %s", msgs, j.Error)
	return j
}

// TestTestdata_Tenant: the complete set-up ZIP (every type, shuffled,
// referring to each other and to its prompts) imports whole; every type
// has objects; the same ZIP again changes nothing.
func TestTestdata_Tenant(t *testing.T) {
	im := newImporter(t, 7) // batches end inside multi-row objects
	j := im.tenant()
	assert.Equal(t, map[string]int{"created": created(t, im)}, j.Counts)
	assert.Equal(t, j.RowsTotal, j.RowsDone)
	assert.Len(t, j.Parts, len(objects.Types), "a part a type, AudioFiles.csv included")

	again, msgs := im.run("OBJECTS.again.zip", readTestdata(t, "tenant.zip"))
	assert.Equal(t, bulkd.StateSucceeded, again.State, msgs)
	assert.Equal(t, map[string]int{"unchanged": j.Counts["created"]}, again.Counts)
}

// TestTestdata_TenantResumes: a ZIP paused mid-way by a full disk
// resumes from its checkpoint, unzipped again, and stores each object
// once: the counts are those of an uninterrupted import.
func TestTestdata_TenantResumes(t *testing.T) {
	im := newImporter(t, 7)
	j, msgs := im.runKind(bulkd.KindAgents, "AGENTS.tenant.csv", readTestdata(t, "tenant/agents.csv"))
	require.Equal(t, bulkd.StateSucceeded, j.State, msgs)
	faulty := &faultyStore{Store: im.st, failAt: 40}
	r := pipeline.NewRunner(pipeline.Config{WorkDir: filepath.Join(t.TempDir(), "work")}, im.st,
		[]pipeline.Importer{objects.NewImporter(faulty, im.st, im.media, 7)}, hclog.NewNullLogger())
	require.NoError(t, r.Open(context.Background()))
	t.Cleanup(func() { _ = r.Close() })
	im.r = r
	j, msgs = im.run("OBJECTS.tenant.zip", readTestdata(t, "tenant.zip"))
	require.True(t, faulty.failed)
	assert.Equal(t, bulkd.StateSucceeded, j.State, msgs)
	assert.Equal(t, map[string]int{"created": created(t, im)}, j.Counts)
}

// created counts the tenant's objects, requiring some of every type.
func created(t *testing.T, im *importer) int {
	n := 0
	for _, typ := range objects.Types {
		objs, err := im.st.Objects(context.Background(), "acme", typ.Slug)
		require.NoError(t, err)
		assert.NotEmpty(t, objs, typ.Name)
		n += len(objs)
	}
	return n
}

// expectation is one data row of a bad/ CSV (bad/expect.json).
type expectation struct {
	File     string `json:"file"`
	Row      int    `json:"row"`
	OK       bool   `json:"ok"`
	Column   string `json:"column"`
	Contains string `json:"contains"`
	Suggest  string `json:"suggest"`
}

// TestTestdata_BadRows: each bad/ CSV, imported after the tenant, fails
// exactly its bad rows, each naming its column and the offending value,
// with a did-you-mean where a near name exists; its good rows import.
func TestTestdata_BadRows(t *testing.T) {
	var all []expectation
	require.NoError(t, json.Unmarshal([]byte(readTestdata(t, "bad/expect.json")), &all))
	byFile := map[string][]expectation{}
	for _, e := range all {
		byFile[e.File] = append(byFile[e.File], e)
	}
	im := newImporter(t, 0)
	im.tenant()
	j, msgs := im.runKind(bulkd.KindAgents, "AGENTS.bad.csv", readTestdata(t, "bad/agents.csv"))
	require.Equal(t, bulkd.StateSucceeded, j.State, msgs)

	for _, typ := range objects.Types { // dependency order: bad rows of one file may be named by a later one
		file := strings.ReplaceAll(typ.Name, " ", "") + ".csv"
		want, ok := byFile[file]
		if typ.Media {
			continue
		}
		require.True(t, ok, "bad/%s has expectations", file)
		t.Run(typ.Name, func(t *testing.T) {
			j, msgs := im.run("OBJECTS."+typ.Slug+".bad.csv", readTestdata(t, "bad/"+file))
			require.NotEqual(t, bulkd.StateFailed, j.State, j.Error)
			failing := 0
			for _, e := range want {
				msg, failed := msgs[e.Row]
				if e.OK {
					assert.False(t, failed, "row %d: %s", e.Row, msg)
					continue
				}
				failing++
				if !assert.True(t, failed, "row %d should fail (%s: %s)", e.Row, e.Column, e.Contains) {
					continue
				}
				if e.Column != "" {
					assert.Contains(t, msg, fmt.Sprintf("column %q", e.Column), "row %d", e.Row)
				}
				assert.Contains(t, msg, e.Contains, "row %d", e.Row)
				if e.Suggest != "" {
					assert.Contains(t, msg, "did you mean "+fmt.Sprintf("%q", e.Suggest), "row %d", e.Row)
				}
			}
			assert.Len(t, msgs, failing, "no row fails without an expectation")
		})
	}
}

// TestTestdata_Limits: 5,000 users import; 5,001 fail the file whole.
func TestTestdata_Limits(t *testing.T) {
	im := newImporter(t, 0)
	im.tenant()
	for i := 1; i <= 5; i++ { // the agents kind takes 1,000 rows a file
		name := fmt.Sprintf("AGENTS.users-%d.csv", i)
		j, msgs := im.runKind(bulkd.KindAgents, name, readTestdata(t, "agents-5000-split/"+name))
		require.Equal(t, bulkd.StateSucceeded, j.State, msgs)
	}
	j, _ := im.run("OBJECTS.user.5001.csv", readTestdata(t, "users-5001.csv"))
	assert.Equal(t, bulkd.StateFailed, j.State)
	assert.Contains(t, j.Error, "more than 5000 data rows: a User CSV holds at most 5000; split it into several CSVs, in a ZIP")
	assert.Zero(t, j.RowsDone)

	j, msgs := im.run("OBJECTS.user.5000.csv", readTestdata(t, "users-5000.csv"))
	assert.Equal(t, bulkd.StateSucceeded, j.State, msgs)
	assert.Equal(t, map[string]int{"created": 5000}, j.Counts)
}

// TestTestdata_NotAPrompt: a WAV of another encoding fails its row,
// naming the encoding and the command that converts it; the good prompt
// beside it imports.
func TestTestdata_NotAPrompt(t *testing.T) {
	im := newImporter(t, 0)
	j, msgs := im.run("OBJECTS.prompts.zip", zipOf(t,
		"pcm-16k.wav", readTestdata(t, "pcm-16k.wav"),
		"welcome.wav", readTestdata(t, "tenant/welcome.wav")))
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Equal(t, map[int]string{1: `column "Name": pcm-16k.wav: the WAV is PCM, 16000 Hz, 16-bit, stereo; prompts must be G.711 μ-law, 8 kHz, 8-bit, mono: convert it with sox in.wav -r 8000 -c 1 -e mu-law -b 8 out.wav (or: ffmpeg -i in.wav -ar 8000 -ac 1 -acodec pcm_mulaw out.wav)`}, msgs)
	objs, err := im.st.Objects(context.Background(), "acme", "audio-file")
	require.NoError(t, err)
	assert.Equal(t, []string{"welcome.wav"}, slices.Collect(func(yield func(string) bool) {
		for _, o := range objs {
			yield(o.Key)
		}
	}))
}
