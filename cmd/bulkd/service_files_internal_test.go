package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd/config"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProgramDataFiles: where `service install` keeps the config on
// Windows, computed from %ProgramData% on any OS.
func TestProgramDataFiles(t *testing.T) {
	for _, tc := range []struct {
		programData, wantDir, wantConfig, wantErr string
	}{
		{programData: `C:\ProgramData`, wantDir: `C:\ProgramData\bulkd`, wantConfig: `C:\ProgramData\bulkd\bulkd.hcl`},
		{programData: `C:\ProgramData\`, wantDir: `C:\ProgramData\bulkd`, wantConfig: `C:\ProgramData\bulkd\bulkd.hcl`},
		{programData: `d:/data`, wantDir: `d:/data\bulkd`, wantConfig: `d:/data\bulkd\bulkd.hcl`},
		{programData: `C:\`, wantDir: `C:\bulkd`, wantConfig: `C:\bulkd\bulkd.hcl`},
		{programData: `\\server\share`, wantDir: `\\server\share\bulkd`, wantConfig: `\\server\share\bulkd\bulkd.hcl`},
		{programData: "", wantErr: `%ProgramData% is "", not an absolute path`},
		{programData: `ProgramData`, wantErr: "not an absolute path"},
		{programData: `C:ProgramData`, wantErr: "not an absolute path"},
		{programData: `/var/lib`, wantErr: "not an absolute path"},
	} {
		t.Run(tc.programData, func(t *testing.T) {
			dir, cfg, err := programDataFiles(tc.programData)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantDir, dir)
			assert.Equal(t, tc.wantConfig, cfg)
		})
	}
}

// TestWriteDefaultConfig: the first install writes the sample with its
// data beside it; a config already there, edited or not, is kept.
func TestWriteDefaultConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bulkd")
	path := filepath.Join(dir, "bulkd.hcl")
	var out bytes.Buffer
	require.NoError(t, writeDefaultConfig(&out, path))
	assert.Equal(t, fmt.Sprintf("wrote the sample config to %s (data in %s)\n", path, filepath.Join(dir, "data")), out.String())

	cfg, diags, _ := config.Load(path)
	require.False(t, diags.HasErrors(), diags.Error())
	assert.Equal(t, filepath.Join(dir, "data"), cfg.DataDir)
	assert.Equal(t, filepath.Join(dir, "data", "gis"), cfg.Watch.Root)
	assert.Equal(t, "127.0.0.1:8765", cfg.HTTP.Listen)

	edited := []byte("data_dir = \"D:/bulkd\"\n")
	require.NoError(t, os.WriteFile(path, edited, 0o644))
	out.Reset()
	require.NoError(t, writeDefaultConfig(&out, path))
	assert.Equal(t, "using the config "+path+"\n", out.String())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, edited, got)
}

// fakeLogger is a service.Logger keeping its events.
type fakeLogger struct{ events []string }

func (f *fakeLogger) add(level string, v ...any) error {
	f.events = append(f.events, level+": "+fmt.Sprint(v...))
	return nil
}

func (f *fakeLogger) Error(v ...any) error   { return f.add("error", v...) }
func (f *fakeLogger) Warning(v ...any) error { return f.add("warning", v...) }
func (f *fakeLogger) Info(v ...any) error    { return f.add("info", v...) }
func (f *fakeLogger) Errorf(format string, a ...any) error {
	return f.add("error", fmt.Sprintf(format, a...))
}
func (f *fakeLogger) Warningf(format string, a ...any) error {
	return f.add("warning", fmt.Sprintf(format, a...))
}
func (f *fakeLogger) Infof(format string, a ...any) error {
	return f.add("info", fmt.Sprintf(format, a...))
}

// TestEventLog: each hclog line is one event at its level; other writes
// (the config's problems, why bulkd stopped) are errors.
func TestEventLog(t *testing.T) {
	f := &fakeLogger{}
	log := hclog.New(&hclog.LoggerOptions{Name: "bulkd", Level: hclog.Debug, Output: eventLog{f}, DisableTime: true})
	log.Debug("scanning", "tenant", "acme")
	log.Info("bulkd started", "http", "127.0.0.1:8765")
	log.Warn("slow disk")
	log.Error("purge jobs", "error", "disk full")
	_, err := fmt.Fprintf(eventLog{f}, "bulkd: listen on 127.0.0.1:8765: address already in use\n")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"info: [DEBUG] bulkd: scanning: tenant=acme",
		"info: [INFO]  bulkd: bulkd started: http=127.0.0.1:8765",
		"warning: [WARN]  bulkd: slow disk",
		"error: [ERROR] bulkd: purge jobs: error=\"disk full\"",
		"error: bulkd: listen on 127.0.0.1:8765: address already in use",
	}, f.events)
}
