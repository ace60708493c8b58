package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startObjectsDaemon runs the daemon with every kind, and returns the
// store the objects kind was built with, to read the stored objects as
// they are, not as a door shows them.
func startObjectsDaemon(t *testing.T) (*harness, bulkd.ObjectStore) {
	t.Helper()
	var objs bulkd.ObjectStore
	specs := kinds.All()
	for i := range specs {
		if specs[i].Kind == bulkd.KindObjects {
			build := specs[i].New
			specs[i].New = func(d pipeline.Deps) (pipeline.Importer, error) {
				objs, _ = d.Store.(bulkd.ObjectStore)
				return build(d)
			}
		}
	}
	cfg := testConfig(t, t.TempDir())
	d := daemon.New(cfg, hclog.NewNullLogger(), specs...)
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	require.NotNil(t, objs, "the objects kind is registered")
	return &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: cfg.DataDir}, objs
}

// dropObjects writes an objects CSV into tenant acme and waits for the
// tenant's n-th job, which it returns with its error report's rows.
func (h *harness) dropObjects(name, src string, n int) (jobJSON, string) {
	h.t.Helper()
	dir := filepath.Join(h.root, "acme")
	require.NoError(h.t, os.MkdirAll(dir, 0o755))
	require.NoError(h.t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	j := h.waitJobs("acme", n)[0]
	require.Equal(h.t, name, j.File)
	assert.Equal(h.t, "objects", j.Kind)
	report := ""
	if j.ErrorReport != "" {
		status, body, _ := h.call("GET", j.ErrorReport, nil)
		require.Equal(h.t, http.StatusOK, status, body)
		report = body
	}
	return j, report
}

func TestObjects_FolderDrop(t *testing.T) {
	h, st := startObjectsDaemon(t)
	ctx := context.Background()

	j, _ := h.dropObjects("OBJECTS.multimedia-profile.a.csv",
		"Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,2,2,2\nSilver,,EXCLUSIVE,0,1,0,0\n", 1)
	assert.Equal(t, "succeeded", j.State, j.Error)
	assert.Equal(t, map[string]int{"created": 2}, j.Counts)

	// A site names a profile; a missing one fails its row with a did-you-mean.
	j, report := h.dropObjects("OBJECTS.site.a.csv", "Name,Multimedia Profile\nLondon,Gold\nParis,Golld\n", 2)
	assert.Equal(t, "partial", j.State, j.Error)
	assert.Equal(t, 1, j.RowsFailed)
	assert.Contains(t, report, `Paris,Golld,2,"column ""Multimedia Profile"": no Multimedia Profile ""Golld"" exists (did you mean ""Gold""?)`)

	j, _ = h.dropObjects("OBJECTS.team.a.csv", "Name,Site,Type\nSales,London,AGENT\nOps,London,AGENT\n", 3)
	assert.Equal(t, "succeeded", j.State, j.Error)

	// A multi-row queue: three distribution groups, one object.
	j, _ = h.dropObjects("OBJECTS.queue.a.csv",
		"Name,Channel Type,Max Time In Queue,Service Level Threshold,Routing Type,Distribution Group,Distribution Group Seq,Group Fallback Time,Group Teams\n"+
			"Support,CHAT,600,30,LONGEST_AVAILABLE_AGENT,G1,1,,Sales\n"+
			"Support,,,,,G2,2,60,Sales: London|Ops\n"+
			"Support,,,,,G3,3,90,Ops\n", 4)
	assert.Equal(t, "succeeded", j.State, j.Error)
	assert.Equal(t, 3, j.RowsDone)
	assert.Equal(t, map[string]int{"created": 1}, j.Counts)
	q, err := st.Object(ctx, "acme", "queue", "support", "")
	require.NoError(t, err)
	assert.Len(t, q.Children, 3)
	assert.Equal(t, "LONGEST_AVAILABLE_AGENT", q.Value("Routing Type"))

	// An edited re-drop updates; the sites not in it stay.
	j, _ = h.dropObjects("OBJECTS.site.b.csv", "Name,Multimedia Profile\nLondon,Silver\nParis,Gold\n", 5)
	assert.Equal(t, "succeeded", j.State, j.Error)
	assert.Equal(t, map[string]int{"updated": 1, "created": 1}, j.Counts)
	sites, err := st.Objects(ctx, "acme", "site")
	require.NoError(t, err)
	require.Len(t, sites, 2)
	assert.Equal(t, "Silver", sites[0].Value("Multimedia Profile"))

	// A fixed column cannot change.
	j, report = h.dropObjects("OBJECTS.team.b.csv", "Name,Site,Type,DN,Capacity\nOps,London,CAPACITY,+14155550100,5\n", 6)
	assert.Equal(t, "failed", j.State)
	assert.Contains(t, report, `column ""Type"": ""CAPACITY"" would change Team ""Ops"" from ""AGENT"", which is fixed once created`)

	// Over 5,000 rows: the file fails whole and nothing of it is stored.
	var big strings.Builder
	big.WriteString("Name,Multimedia Profile\n")
	for i := range 5001 {
		fmt.Fprintf(&big, "Site %d,Gold\n", i)
	}
	j, _ = h.dropObjects("OBJECTS.site.big.csv", big.String(), 7)
	assert.Equal(t, "failed", j.State)
	assert.Contains(t, j.Error, "more than 5000 data rows: a Site CSV holds at most 5000; split it into several CSVs, in a ZIP")
	sites, err = st.Objects(ctx, "acme", "site")
	require.NoError(t, err)
	assert.Len(t, sites, 2)
	assert.FileExists(t, filepath.Join(h.root, "acme", "penaltyBox", today(), "OBJECTS.site.big.csv"))

	// A name whose type is unknown fails naming the types.
	j, _ = h.dropObjects("OBJECTS.skill.a.csv", "Name\nx\n", 8)
	assert.Equal(t, "failed", j.State)
	assert.Contains(t, j.Error, "where <type> is one of worktype, multimedia-profile, site, skill-definition")
}
