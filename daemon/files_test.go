package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileJSON is an entry of GET /v1/tenants/{t}/files.
type fileJSON struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	State    string    `json:"state"`
	Reason   string    `json:"reason"`
}

// TestFiles_NearMissesAreToldAndListed: files that look like imports but
// match no route are listed with the reason and logged once each (not at
// every rescan); a file waiting for its marker is listed as such until it
// is taken; media are neither.
func TestFiles_NearMissesAreToldAndListed(t *testing.T) {
	var logs lockedBuffer
	cfg := testConfig(t, t.TempDir())
	cfg.Watch.DoneMarker = true
	cfg.Watch.RescanDur = 50 * time.Millisecond // many rescans while the test runs
	d := daemon.New(cfg, hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info}))
	require.NoError(t, d.Open(context.Background()))
	t.Cleanup(func() { _ = d.Close() })
	h := &harness{t: t, d: d, url: "http://" + d.Addr(), root: cfg.Watch.Root, data: cfg.DataDir}

	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	nearMisses := map[string]string{
		"contact.lower.csv": "the prefix is case-sensitive: did you mean CONTACT.lower.csv?",
		"CONTACT.noext":     "CONTACT. files end in .csv, .json or .zip",
		"FOO.x.csv":         "no kind takes FOO.*: the patterns are AGENTS.?*.csv, CONTACT.?*.csv, CONTACT.?*.json, CONTACT.?*.zip, SCHEDULE.?*.csv, ASSIST.?*.csv, OBJECTS.?*.csv, OBJECTS.?*.zip",
	}
	for name := range nearMisses {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call1.wav"), []byte("RIFF"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.m.csv"), []byte("Agent Email,Start Time\n"), 0o644))

	want := []string{
		"CONTACT.m.csv: waiting_for_marker (waiting for CONTACT.m.csv.done)",
		"CONTACT.noext: not_an_import (" + nearMisses["CONTACT.noext"] + ")",
		"FOO.x.csv: not_an_import (" + nearMisses["FOO.x.csv"] + ")",
		"contact.lower.csv: not_an_import (" + nearMisses["contact.lower.csv"] + ")",
	}
	var files []fileJSON
	h.poll(func() (bool, string) {
		var out struct{ Files []fileJSON }
		h.fetch("", "/v1/tenants/acme/files", &out)
		files = out.Files
		return fmt.Sprint(fileStates(files)) == fmt.Sprint(want), fmt.Sprintf("want %q, have %q", want, fileStates(files))
	})
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, f.Name))
		require.NoError(t, err)
		assert.Equal(t, fi.Size(), f.Size, f.Name)
		assert.True(t, fi.ModTime().Equal(f.Modified), "%s: modified %s, not %s", f.Name, f.Modified, fi.ModTime())
	}
	var none struct{ Files []fileJSON }
	h.fetch("", "/v1/tenants/globex/files", &none)
	assert.Empty(t, none.Files)

	// Once marked it is taken and no longer listed; rescans have passed
	// over the near misses by the time its job is final.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CONTACT.m.csv.done"), nil, 0o644))
	h.waitJobs("acme", 1)
	h.poll(func() (bool, string) {
		var out struct{ Files []fileJSON }
		h.fetch("", "/v1/tenants/acme/files", &out)
		return len(out.Files) == 3, fmt.Sprintf("the near misses only: %q", fileStates(out.Files))
	})
	for name, reason := range nearMisses {
		var lines []string
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "file="+name+" ") || strings.HasSuffix(l, "file="+name) {
				lines = append(lines, l)
			}
		}
		require.Len(t, lines, 1, "%s logged once:\n%s", name, logs.String())
		assert.Contains(t, lines[0], "[WARN]")
		assert.Contains(t, lines[0], "not an import")
		assert.Contains(t, lines[0], reason)
	}
	assert.NotContains(t, logs.String(), "call1.wav", "media are not near misses")
}

// TestFiles_SettlingFileListed: a file still being written (its writer
// has it open, the settle window has not passed) is listed as settling,
// with its size so far.
func TestFiles_SettlingFileListed(t *testing.T) {
	h := startDaemon(t, t.TempDir(), func(c *config.Config) { c.Watch.SettleDur = time.Hour })
	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, "AGENTS.slow.csv"))
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString("Email,Full Name\n")
	require.NoError(t, err)
	h.poll(func() (bool, string) {
		var out struct{ Files []fileJSON }
		h.fetch("", "/v1/tenants/acme/files", &out)
		ok := len(out.Files) == 1 && out.Files[0].State == "settling" && out.Files[0].Size == 16 && out.Files[0].Reason == ""
		return ok, fmt.Sprintf("AGENTS.slow.csv settling, 16 bytes: %+v", out.Files)
	})
}

// fileStates renders a listing as "name: state (reason)" lines.
func fileStates(files []fileJSON) []string {
	var out []string
	for _, f := range files {
		s := f.Name + ": " + f.State
		if f.Reason != "" {
			s += " (" + f.Reason + ")"
		}
		out = append(out, s)
	}
	return out
}
