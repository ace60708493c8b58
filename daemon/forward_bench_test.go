package daemon_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/require"
)

// BenchmarkForward measures a site importing and forwarding contacts
// files to a central on this machine (both in this process, on loopback):
// each iteration drops files × rows contacts (one recording a file) into
// the site's folder and waits until the central has taken every file.
//
//	go test -run '^$' -bench BenchmarkForward -benchtime 3x ./daemon
func BenchmarkForward(b *testing.B) {
	const files, rows = 100, 200
	central := startDaemon(b, b.TempDir())
	site := startDaemon(b, b.TempDir(), func(c *config.Config) { c.Forward = &config.Forward{URL: central.url} })
	dir := filepath.Join(site.root, "acme")
	require.NoError(b, os.MkdirAll(dir, 0o755))
	agents := "Email,Full Name\nann@acme.com,Ann Archer\n"
	require.NoError(b, os.WriteFile(filepath.Join(dir, "AGENTS.a.csv"), []byte(agents), 0o644))
	waitSent(b, site, 1)
	wav := readFixture(b, "media", "call1.wav")
	sent := 1
	b.ResetTimer()
	for i := range b.N {
		for f := range files {
			name := fmt.Sprintf("i%d-f%d", i, f)
			var sb strings.Builder
			sb.WriteString("AgentId,CallId,ContactStartTimeMs,Direction,Recording1\n")
			for r := range rows {
				fmt.Fprintf(&sb, "ann@acme.com,%s-%d,1447100000000,1,%s.wav\n", name, r, name)
			}
			wav[len(wav)-1] = byte(f) // a recording of its own (a sample's byte)
			require.NoError(b, os.WriteFile(filepath.Join(dir, name+".wav"), wav, 0o644))
			require.NoError(b, os.WriteFile(filepath.Join(dir, "CONTACT."+name+".csv"), []byte(sb.String()), 0o644))
		}
		sent += files
		waitSent(b, site, sent)
	}
	b.StopTimer()
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(files)/per, "files/s")
	b.ReportMetric(float64(files*rows)/per, "rows/s")
	var out struct{ Jobs []json.RawMessage }
	site.get("/v1/jobs?tenant=acme&limit=1", &out)
	var j struct {
		Forward json.RawMessage `json:"forward"`
	}
	require.NoError(b, json.Unmarshal(out.Jobs[0], &j))
	b.ReportMetric(float64(len(j.Forward)), "forward-record-bytes")
}

// waitSent polls the site's outbox until n jobs are sent and none waits.
func waitSent(b *testing.B, h *harness, n int) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var ob struct{ Depth int }
		var out struct{ Jobs []json.RawMessage }
		h.get("/v1/outbox", &ob)
		h.get("/v1/jobs?tenant=acme&limit=10000", &out)
		if ob.Depth == 0 && len(out.Jobs) == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d jobs, outbox depth %d; want %d jobs sent", len(out.Jobs), ob.Depth, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
