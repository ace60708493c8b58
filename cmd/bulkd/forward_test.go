package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forwardJob is a job as the site's GET /v1/jobs shows it, with its
// forward.
type forwardJob struct {
	crashJob
	Forward *struct {
		State      string `json:"state"`
		Relay      bool   `json:"relay"`
		Attempts   int    `json:"attempts"`
		LastError  string `json:"last_error"`
		CentralJob uint64 `json:"central_job"`
	} `json:"forward"`
}

// outbox is the site's GET /v1/outbox.
type outbox struct {
	Depth   int    `json:"depth"`
	Failing string `json:"failing"`
}

// TestForward runs two real bulkd processes on loopback, a site that
// imports what is dropped in its tenant folder and forwards it, and a
// central. It stops the central while files keep coming at the site, then
// kill -9s the site again and again while it forwards, and checks that
// every file arrived at the central once: one central job a file, each
// contact once.
func TestForward(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("kill -9 semantics are Unix ones")
	}
	base := t.TempDir()
	bin := buildBulkd(t, filepath.Join(base))
	stage := filepath.Join(base, "stage")
	require.NoError(t, os.MkdirAll(stage, 0o755))
	central := startForwardProc(t, bin, base, "central", "")
	site := startForwardProc(t, bin, base, "site", fmt.Sprintf(`forward {
  url = %q
}
`, central.url))
	tenantDir := filepath.Join(base, "site", "data", "gis", crashTenant)
	require.NoError(t, os.MkdirAll(tenantDir, 0o755))

	rows := map[string]int{} // contacts file → rows
	drop := func(name, data string) {
		t.Helper()
		require.NoError(t, dropFile(stage, tenantDir, name, []byte(data), true))
	}
	contacts := func(from, n int) {
		for i := from; i < from+n; i++ {
			name := fmt.Sprintf("CONTACT.f%03d.csv", i)
			wav := fmt.Sprintf("f%03d.wav", i)
			var sb strings.Builder
			sb.WriteString("AgentId,CallId,ContactStartTimeMs,Direction,Recording1\n")
			for r := range 20 {
				fmt.Fprintf(&sb, "ann@acme.com,c%03d-%02d,%d,1,%s\n", i, r, 1447100000000+int64(r)*1000, wav)
			}
			require.NoError(t, dropFile(stage, tenantDir, wav, wavBytes(wav, 600), true))
			drop(name, sb.String())
			rows[name] = 20
		}
	}

	// Every kind, the site importing and forwarding, the central up.
	drop("AGENTS.a.csv", "Email,Full Name\nann@acme.com,Ann Archer\nbob@acme.com,Bob Baker\n")
	site.waitForward(t, 1, 0)
	drop("ASSIST.jan.csv", "firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\nann,lee,Ms,(415) 555-2671,1,\n")
	drop("OBJECTS.site.x.csv", "Name,Multimedia Profile\nOslo,\n")
	contacts(0, 4)
	site.waitForward(t, 7, 0)

	// The central stops; files keep coming and wait in the outbox.
	central.kill()
	contacts(4, 6)
	site.waitForward(t, 13, 6)
	var ob outbox
	require.NoError(t, site.getJSON("/v1/outbox", &ob))
	assert.Equal(t, 6, ob.Depth)
	assert.NotEmpty(t, ob.Failing, "the outbox says why it waits")
	metrics, err := site.getText("/metrics")
	require.NoError(t, err)
	assert.Contains(t, metrics, "bulkd_outbox_jobs 6")
	central.start()
	site.waitForward(t, 13, 0)

	// kill -9 the site while it forwards, again and again.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	contacts(10, 20)
	for k := range 8 {
		time.Sleep(time.Duration(30+rng.IntN(300)) * time.Millisecond)
		site.kill()
		t.Logf("forward: kill %d", k+1)
		site.start()
	}
	jobs := site.waitForward(t, 33, 0)
	repeats := 0
	for n := 1; n <= central.starts; n++ {
		repeats += len(grepLog(filepath.Join(central.logDir, fmt.Sprintf("bulkd.%d.log", n)), "request repeated with its Idempotency-Key"))
	}
	t.Logf("forward: the central answered %d repeated requests for their first job", repeats)

	// At the central: one job a file, each sent job the one the site
	// recorded, every contact once.
	var cj struct{ Jobs []crashJob }
	require.NoError(t, central.getJSON("/v1/jobs?tenant="+crashTenant+"&limit=1000", &cj))
	byFile := map[string][]crashJob{}
	for _, j := range cj.Jobs {
		byFile[j.File] = append(byFile[j.File], j)
	}
	for _, j := range jobs {
		require.NotNil(t, j.Forward, j.String())
		assert.Equal(t, "sent", j.Forward.State, "%s: %+v", j.String(), j.Forward)
		name := j.File
		if j.Kind == "objects" {
			name = "OBJECTS.site.x.csv" // claimed at the central under its type's name
		}
		got := byFile[name]
		if assert.Len(t, got, 1, "%s: central jobs %v", name, got) {
			assert.Equal(t, got[0].ID, j.Forward.CentralJob, name)
			assert.Equal(t, j.RowsTotal, got[0].RowsTotal, name)
			assert.Equal(t, j.RowsFailed, got[0].RowsFailed, name)
		}
	}
	assert.Len(t, cj.Jobs, len(jobs), "no job at the central but the site's")
	var cc struct{ Contacts []crashContact }
	require.NoError(t, central.getJSON("/v1/tenants/"+crashTenant+"/contacts?limit=10000", &cc))
	seen := map[string]int{}
	for _, c := range cc.Contacts {
		seen[c.CallID]++
		assert.Len(t, c.Recordings, 1, c.CallID)
	}
	want := 0
	for _, n := range rows {
		want += n
	}
	assert.Len(t, seen, want, "every contact at the central")
	for id, n := range seen {
		assert.Equal(t, 1, n, "contact %s imported %d times", id, n)
	}
}

// startForwardProc starts bulkd in base/name, open on a loopback port,
// with extra config.
func startForwardProc(t *testing.T, bin, base, name, extra string) *daemonProc {
	t.Helper()
	dir := filepath.Join(base, name)
	logDir := filepath.Join(dir, "logs")
	require.NoError(t, os.MkdirAll(logDir, 0o755))
	port := freePort(t)
	cfgPath := filepath.Join(dir, "bulkd.hcl")
	writeCrashConfig(t, cfgPath, filepath.Join(dir, "data"), port, extra)
	p := newDaemonProc(t, bin, cfgPath, logDir, port)
	p.start()
	return p
}

// waitForward polls the site until it has n jobs, all final, and depth of
// them wait in the outbox (queued); it returns the jobs.
func (p *daemonProc) waitForward(t *testing.T, n, depth int) []forwardJob {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var out struct{ Jobs []forwardJob }
		var ob outbox
		err := p.getJSON("/v1/jobs?tenant="+crashTenant+"&limit=1000", &out)
		if err == nil {
			err = p.getJSON("/v1/outbox", &ob)
		}
		why := ""
		switch {
		case err != nil:
			why = err.Error()
		case len(out.Jobs) != n:
			why = fmt.Sprintf("%d jobs", len(out.Jobs))
		case ob.Depth != depth:
			why = fmt.Sprintf("outbox depth %d (%s)", ob.Depth, ob.Failing)
		}
		for _, j := range out.Jobs {
			if !j.final() {
				why += "; " + j.String()
			}
		}
		if why == "" {
			return out.Jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("site: want %d jobs and outbox depth %d: %s; its log:\n%s", n, depth, why, tail(p.logPath, 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
