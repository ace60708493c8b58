package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBenchObjects(t *testing.T) {
	var out bytes.Buffer
	o := objectsOptions{rows: 50, sites: 2, siteUsers: 5, runs: 1, settle: 10 * time.Millisecond}
	require.NoError(t, benchObjects(context.Background(), &out, t.TempDir(), o))
	for _, want := range []string{
		"a User CSV of 50 rows; a tenant ZIP of 2 sites (150 rows in 18 CSVs, 2 WAVs, 120 objects",
		"succeeded, created 50)", "succeeded, updated 50)", "succeeded, unchanged 50)",
		"(150 rows, drop → final in ", "succeeded, created 120 objects)",
		"median of 1 runs\nusers create ",
	} {
		assert.Contains(t, out.String(), want)
	}
}

// A ZIP whose rows fail makes the benchmark an error naming the first
// failures, read from the job's errors.zip.
func TestTenantFolder_JobError(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags)
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.Watch.Root = filepath.Join(cfg.DataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = 10 * time.Millisecond
	d := daemon.New(cfg, hclog.NewNullLogger())
	require.NoError(t, d.Open(ctx))
	t.Cleanup(func() { _ = d.Close() })
	c := &client{base: "http://" + d.Addr()}

	ts := genTenant(1, 2)
	ts.table("User").add(userFields(3, 1, "EMP-3")) // no agent has its email
	f, err := newTenantFolder(c, cfg.Watch.Root, filepath.Join(dir, "stage"), "acme")
	require.NoError(t, err)
	require.NoError(t, f.setUp(ctx, agentsCSVs(ts.emails), nil))
	b, _, err := ts.zip(1)
	require.NoError(t, err)
	j, _, err := f.drop(ctx, "OBJECTS.tenant.zip", b)
	require.NoError(t, err)
	assert.Equal(t, "partial", j.State)
	err = c.jobError(ctx, j, "want succeeded")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ended partial (want succeeded): OBJECTS.tenant.zip: 1 of ")
	assert.Contains(t, err.Error(), `User.csv: row 3: column "Email": no agent of the tenant has the email "user00003@bench.example"`)
}
