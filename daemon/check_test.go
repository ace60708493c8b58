package daemon_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/certs/certstest"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkEnv is an environment holding exactly vars.
func checkEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// loadCheckConfig writes src as dir/bulkd.hcl and loads it, so
// diagnostics carry the file's places.
func loadCheckConfig(t *testing.T, dir, src string) (*config.Config, map[string]*hcl.File) {
	t.Helper()
	path := filepath.Join(dir, "bulkd.hcl")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	cfg, diags, files := config.Load(path)
	require.False(t, diags.HasErrors(), diags.Error())
	return cfg, files
}

const longSecret = "0123456789abcdef0123456789abcdef" // 32 bytes, the least HS256 takes

// TestCheck: every rule Open applies before it takes the lock and binds the
// port is reported by Check, at its place, each problem once.
func TestCheck(t *testing.T) {
	acme := "tenant \"acme\" {\n  token {\n    secret_env = \"ACME_TOKEN\"\n    scopes     = [\"admin\"]\n  }\n}\n"
	for _, tc := range []struct {
		name string
		src  string
		env  map[string]string
		// before runs in the config's folder before the check.
		before func(t *testing.T, dir string)
		want   []string
		not    string // what must not be said
	}{
		{name: "defaults on a fresh folder", src: "data_dir = \"data\"\n"},
		{name: "public address without auth", src: "data_dir = \"data\"\nhttp {\n  listen = \"0.0.0.0:8765\"\n}\n",
			want: []string{`bulkd.hcl:3:12: Address needs authentication: http.listen "0.0.0.0:8765" is not a loopback address`}},
		{name: "public address with a token, no TLS", src: "data_dir = \"data\"\nhttp {\n  listen = \"0.0.0.0:8765\"\n}\n" + acme,
			env:  map[string]string{"ACME_TOKEN": "t1"},
			want: []string{`bulkd.hcl:3:12: Address needs TLS: http.listen "0.0.0.0:8765" is not a loopback address: tokens would cross the network in clear.`}},
		{name: "public address with a token on a trusted network", src: "data_dir = \"data\"\nhttp {\n  listen = \"0.0.0.0:8765\"\n  trusted_network = true\n}\n" + acme,
			env: map[string]string{"ACME_TOKEN": "t1"}},
		{name: "public address with a token and TLS", src: "data_dir = \"data\"\nhttp {\n  listen = \"0.0.0.0:8765\"\n  tls_cert_file = \"cert.pem\"\n  tls_key_file = \"key.pem\"\n}\n" + acme,
			env: map[string]string{"ACME_TOKEN": "t1"},
			before: func(t *testing.T, dir string) {
				certstest.NewCA(t, dir).Issue(t, 1, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
			}},
		{name: "TLS files that are no certificate", src: "data_dir = \"data\"\nhttp {\n  tls_cert_file = \"cert.pem\"\n  tls_key_file = \"key.pem\"\n}\n",
			before: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("x"), 0o600))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), []byte("x"), 0o600))
			},
			want: []string{"bulkd.hcl:3:19: Invalid TLS certificate: load TLS certificate "}},
		{name: "token variable unset", src: "data_dir = \"data\"\n" + acme,
			want: []string{`bulkd.hcl:4:18: Token variable not set: tenant "acme": token.secret_env: the environment variable ACME_TOKEN is not set.`}},
		{name: "JWT secret too short", src: "data_dir = \"data\"\nauth {\n  jwt_secret_env = \"JWT\"\n}\n",
			env:  map[string]string{"JWT": "short"},
			want: []string{"bulkd.hcl:3:20: Invalid JWT secret: auth.jwt_secret_env: the environment variable JWT must hold the HS256 secret, at least 32 bytes (it holds 5)."}},
		{name: "JWT secret long enough", src: "data_dir = \"data\"\nauth {\n  jwt_secret_env = \"JWT\"\n}\n",
			env: map[string]string{"JWT": longSecret}},
		{name: "two tokens the same", src: "data_dir = \"data\"\n" + acme +
			"tenant \"globex\" {\n  token {\n    secret_env = \"GLOBEX_TOKEN\"\n    scopes     = [\"admin\"]\n  }\n}\n",
			env:  map[string]string{"ACME_TOKEN": "same", "GLOBEX_TOKEN": "same"},
			want: []string{`bulkd.hcl:10:18: Duplicate token: tenant "globex": the token in GLOBEX_TOKEN is also the token in ACME_TOKEN: tokens must differ.`}},
		{name: "data_dir is a file", src: "data_dir = \"data\"\n",
			before: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "data"), nil, 0o644))
			},
			// watch.root defaults to data/gis, which fails for the same reason:
			// said once, at data_dir.
			want: []string{"bulkd.hcl:1:12: Unusable data_dir: data_dir ", "data: it is a file, not a folder."},
			not:  "Unusable watch.root"},
		{name: "watch.root set inside an unusable data_dir", src: "data_dir = \"data\"\nwatch {\n  root = \"data/gis\"\n}\n",
			before: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "data"), nil, 0o644))
			},
			want: []string{"bulkd.hcl:1:12: Unusable data_dir"}, not: "Unusable watch.root"},
		{name: "watch.root under a file", src: "data_dir = \"data\"\nwatch {\n  root = \"blocker/gis\"\n}\n",
			before: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644))
			},
			want: []string{"bulkd.hcl:3:10: Unusable watch.root: watch.root ", "blocker/gis: cannot be created: ", "blocker is a file, not a folder."}},
		{name: "every problem at once", src: "data_dir = \"data\"\nhttp {\n  listen = \"0.0.0.0:8765\"\n}\nwatch {\n  root = \"blocker\"\n}\nauth {\n  jwt_secret_env = \"JWT\"\n}\n" + acme,
			before: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644))
			},
			want: []string{"bulkd.hcl:9:20: Invalid JWT secret", "bulkd.hcl:13:18: Token variable not set", "bulkd.hcl:6:10: Unusable watch.root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.before != nil {
				tc.before(t, dir)
			}
			cfg, files := loadCheckConfig(t, dir, tc.src)
			diags := daemon.Check(cfg, checkEnv(tc.env))
			var out bytes.Buffer
			require.NoError(t, config.WriteDiagnostics(&out, diags, files))
			text := filepath.ToSlash(out.String())
			if len(tc.want) == 0 {
				assert.Empty(t, diags, text)
				assert.NoDirExists(t, filepath.Join(dir, "data"), "a check creates no folder")
				return
			}
			for _, w := range tc.want {
				assert.Contains(t, text, w)
			}
			if tc.not != "" {
				assert.NotContains(t, text, tc.not)
			}
			// Each problem once: one diagnostic per place, and no listen
			// complaint when authentication is configured but broken.
			places := map[string]int{}
			for _, d := range diags {
				places[d.Subject.String()+d.Summary]++
			}
			for p, n := range places {
				assert.Equal(t, 1, n, p)
			}
			if strings.Contains(tc.src, "token {") || strings.Contains(tc.src, "jwt_secret_env") {
				assert.NotContains(t, text, "Address needs authentication")
			}
		})
	}
}

// TestOpen_RefusesWhatCheckReports: Open runs Check, so run refuses what
// config check reports, and says every problem, not the first.
func TestOpen_RefusesWhatCheckReports(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644))
	cfg, _ := loadCheckConfig(t, dir, "data_dir = \"data\"\nwatch {\n  root = \"blocker\"\n}\nauth {\n  jwt_secret_env = \"BULKD_TEST_UNSET_JWT\"\n}\n")
	cfg.HTTP.Listen = "127.0.0.1:0"
	var logs lockedBuffer
	err := daemon.New(cfg, hclog.New(&hclog.LoggerOptions{Output: &logs})).Open(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Invalid JWT secret")
	assert.Contains(t, err.Error(), "Unusable watch.root")
	assert.NoFileExists(t, daemon.StorePath(cfg), "nothing started")
	assert.NotContains(t, logs.String(), "stopp", "what never started does not say it stops")
}
