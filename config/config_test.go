package config_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad_Default(t *testing.T) {
	cfg, diags, _ := config.Load("")
	require.False(t, diags.HasErrors(), diags.Error())
	wd, err := filepath.Abs(".")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "bulkd-data"), cfg.DataDir)
	assert.Equal(t, filepath.Join(wd, "bulkd-data", "gis"), cfg.Watch.Root)
	assert.Equal(t, "127.0.0.1:8765", cfg.HTTP.Listen)
	assert.Equal(t, 2*time.Second, cfg.Watch.SettleDur)
	assert.Equal(t, 30*time.Second, cfg.Watch.RescanDur)
	assert.Equal(t, 5*time.Minute, cfg.Watch.MediaWaitDur)
	assert.Equal(t, 480*time.Hour, cfg.Retention.JobsDur)
	assert.Equal(t, 168*time.Hour, cfg.Retention.ArchivesDur)
	assert.True(t, *cfg.Dedupe)
	assert.Equal(t, "info", cfg.LogLevel)
	assert.True(t, *cfg.Metrics.Enabled, "/metrics is served")
	assert.False(t, cfg.Metrics.Open, "with a token when authentication is configured")
}

func TestLoad_Metrics(t *testing.T) {
	for _, tc := range []struct {
		name, src     string
		enabled, open bool
	}{
		{"no block", "", true, false},
		{"empty block", "metrics {}\n", true, false},
		{"open", "metrics {\n  open = true\n}\n", true, true},
		{"off", "metrics {\n  enabled = false\n}\n", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bulkd.hcl")
			require.NoError(t, writeFile(path, tc.src))
			cfg, diags, _ := config.Load(path)
			require.False(t, diags.HasErrors(), diags.Error())
			assert.Equal(t, [2]bool{tc.enabled, tc.open}, [2]bool{*cfg.Metrics.Enabled, cfg.Metrics.Open})
		})
	}
}

func TestLoad_File(t *testing.T) {
	path := filepath.Join("..", "testdata", "config", "good", "bulkd.hcl")
	cfg, diags, _ := config.Load(path)
	require.False(t, diags.HasErrors(), diags.Error())
	dir, err := filepath.Abs(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "data"), cfg.DataDir, "relative paths resolve against the config's folder")
	assert.Equal(t, filepath.Join(dir, "data", "gis"), cfg.Watch.Root)
	assert.Equal(t, "127.0.0.1:9999", cfg.HTTP.Listen)
	assert.Equal(t, 500*time.Millisecond, cfg.Watch.SettleDur)
	assert.Equal(t, 30*time.Second, cfg.Watch.RescanDur, "unset attributes of a present block keep their default")
	assert.True(t, cfg.Watch.DoneMarker)
	assert.Equal(t, 24*time.Hour, cfg.Retention.JobsDur)
	assert.Equal(t, 168*time.Hour, cfg.Retention.ArchivesDur)
	assert.Equal(t, []string{"acme", "globex"}, cfg.TenantNames())
	assert.Equal(t, "json", cfg.LogFormat)
}

func TestLoad_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, file, src string
		want            string
	}{
		{name: "unknown key", file: filepath.Join("..", "testdata", "config", "unknown-key", "bulkd.hcl"),
			want: "unknown-key/bulkd.hcl:4:3: Unsupported argument"},
		{name: "bad duration", file: filepath.Join("..", "testdata", "config", "bad-duration", "bulkd.hcl"),
			want: `bad-duration/bulkd.hcl:3:14: Invalid duration: retention.archives = "one week"`},
		{name: "bad log level", src: "log_level = \"loud\"\n", want: "bulkd.hcl:1:13: Invalid log level"},
		{name: "bad listen", src: "http {\n  listen = \"8765\"\n}\n", want: "bulkd.hcl:2:12: Invalid listen address"},
		{name: "bad tenant", src: "tenant \"a/b\" {}\n", want: "bulkd.hcl:1:8: Invalid tenant name"},
		{name: "duplicate tenant", src: "tenant \"a\" {}\ntenant \"a\" {}\n", want: "bulkd.hcl:2:8: Duplicate tenant"},
		{name: "syntax", src: "watch {\n", want: "bulkd.hcl:1:7: Unclosed configuration block"},
		{name: "token in place of its variable", src: "tenant \"a\" {\n  token {\n    secret_env = \"s3cr3t!\"\n    scopes = [\"admin\"]\n  }\n}\n",
			want: "bulkd.hcl:3:18: Invalid variable name: tenant \"a\": token.secret_env is not an environment variable name"},
		{name: "no scopes", src: "tenant \"a\" {\n  token {\n    secret_env = \"A\"\n    scopes = []\n  }\n}\n",
			want: "bulkd.hcl:4:14: No scopes"},
		{name: "bad JWT variable", src: "auth {\n  jwt_secret_env = \"a b\"\n}\n",
			want: "bulkd.hcl:2:20: Invalid variable name: auth.jwt_secret_env"},
		{name: "unknown time zone", src: "tenant \"a\" {\n  time_zone = \"Mars/Base\"\n}\n",
			want: "bulkd.hcl:2:15: Invalid time zone: tenant \"a\": time_zone: time zone \"Mars/Base\" is not an IANA time zone"},
		{name: "this machine's zone", src: "tenant \"a\" {\n  time_zone = \"Local\"\n}\n", want: "bulkd.hcl:2:15: Invalid time zone"},
		{name: "negative limit", src: "limits {\n  zip_max_ratio = -1\n}\n",
			want: "bulkd.hcl:1:1: Invalid limit: limits.zip_max_ratio = -1"},
		{name: "tiny record limit", src: "limits {\n  max_record_bytes = 4\n}\n",
			want: "bulkd.hcl:1:1: Invalid limit: limits.max_record_bytes = 4: it must be at least 16"},
		{name: "bad body grace", src: "limits {\n  body_grace = \"soon\"\n}\n",
			want: `bulkd.hcl:2:16: Invalid duration: limits.body_grace = "soon"`},
		{name: "unknown encoding", src: "tenant \"a\" {\n  encoding = \"ebcdic\"\n}\n",
			want: `bulkd.hcl:2:14: Unknown encoding: tenant "a": encoding "ebcdic" is not one of utf-8, windows-1252, iso-8859-1, utf-16`},
		{name: "metrics opened and turned off", src: "metrics {\n  enabled = false\n  open    = true\n}\n",
			want: "bulkd.hcl:3:13: Conflicting settings: metrics.open = true opens /metrics, which metrics.enabled = false turns off"},
		{name: "metrics switch not a bool", src: "metrics {\n  open = \"yes please\"\n}\n",
			want: "bulkd.hcl:2:11: Unsuitable value type"},
		{name: "bad route pattern", src: "route \"contacts\" {\n  patterns = [\"../x*.csv\"]\n}\n",
			want: `bulkd.hcl:2:14: Invalid pattern: route "contacts": pattern "../x*.csv" is not a file name pattern`},
		{name: "TLS certificate without its key", src: "http {\n  tls_cert_file = \"c.pem\"\n}\n",
			want: "bulkd.hcl:2:19: Incomplete TLS: http.tls_cert_file and http.tls_key_file go together"},
		{name: "unknown media backend", src: "media {\n  backend = \"nfs\"\n}\n",
			want: `bulkd.hcl:2:13: Unknown media backend: media.backend = "nfs"`},
		{name: "s3 without a bucket", src: "media {\n  backend = \"s3\"\n  endpoint = \"s3.example.com\"\n  access_key_env = \"A\"\n  secret_key_env = \"B\"\n}\n",
			want: `bulkd.hcl:1:1: Incomplete media block: media.bucket is required with backend = "s3".`},
		{name: "s3 key in place of its variable", src: "media {\n  backend = \"s3\"\n  endpoint = \"s3.example.com\"\n  bucket = \"b\"\n  access_key_env = \"AKIA/secret\"\n  secret_key_env = \"B\"\n}\n",
			want: `bulkd.hcl:5:20: Invalid variable name: media.access_key_env`},
		{name: "s3 endpoint with a scheme", src: "media {\n  backend = \"s3\"\n  endpoint = \"https://s3.example.com\"\n  bucket = \"b\"\n  access_key_env = \"A\"\n  secret_key_env = \"B\"\n}\n",
			want: `bulkd.hcl:3:14: Invalid endpoint`},
		{name: "s3 in clear off this machine", src: "media {\n  backend = \"s3\"\n  endpoint = \"s3.example.com\"\n  bucket = \"b\"\n  access_key_env = \"A\"\n  secret_key_env = \"B\"\n  insecure = true\n}\n",
			want: `bulkd.hcl:7:14: Plain HTTP off this machine`},
		{name: "missing file", file: "no/such/file.hcl", want: "Cannot read config"},
		{name: "an unknown key does not hide a bad value", file: filepath.Join("..", "testdata", "config", "several-errors", "bulkd.hcl"),
			want: `several-errors/bulkd.hcl:4:12: Invalid duration: watch.rescan = "often"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.file
			if tc.src != "" {
				path = filepath.Join(t.TempDir(), "bulkd.hcl")
				require.NoError(t, writeFile(path, tc.src))
			}
			cfg, diags, files := config.Load(path)
			require.True(t, diags.HasErrors())
			assert.Nil(t, cfg)
			var out bytes.Buffer
			require.NoError(t, config.WriteDiagnostics(&out, diags, files))
			assert.Contains(t, filepath.ToSlash(out.String()), tc.want)
		})
	}
}

// TestLoad_SampleConfig: the sample config in packaging/ loads, and the
// limits it shows are the defaults the code applies to unset ones.
func TestLoad_SampleConfig(t *testing.T) {
	cfg, diags, _ := config.Load(filepath.Join("..", "packaging", "bulkd.hcl"))
	require.False(t, diags.HasErrors(), diags.Error())
	l := cfg.Limits
	assert.Equal(t, csvio.DefaultMaxRecordBytes, l.MaxRecordBytes)
	assert.Equal(t, csvio.DefaultMaxColumns, l.MaxColumns)
	assert.Equal(t, pipeline.ZipLimits{MaxBytes: l.ZipMaxBytes, MaxEntries: l.ZipMaxEntries, MaxRatio: l.ZipMaxRatio},
		pipeline.ZipLimits{}.WithDefaults())
	assert.Equal(t, api.Limits{MaxPartBytes: l.UploadMaxFileBytes, MaxBodyBytes: l.UploadMaxBytes, MaxParts: l.UploadMaxParts,
		MinBodyRate: l.MinBodyRate, BodyGrace: l.BodyGraceDur}, api.Limits{}.WithDefaults())
}

// TestConfig_Kinds: what can only be checked against the registered kinds
// (a route's kind, a token's scopes) is reported with its place; routes
// apply.
func TestConfig_Kinds(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown scope", "tenant \"a\" {\n  token {\n    secret_env = \"A\"\n    scopes = [\"root\"]\n  }\n}\n",
			"bulkd.hcl:4:14: Unknown scope: tenant \"a\": scope \"root\" is not one of jobs:read, metrics:read, admin, agents:read"},
		{"unknown kind", "route \"contact\" {\n  patterns = [\"c_*.csv\"]\n}\n",
			"bulkd.hcl:1:7: Unknown kind: route \"contact\": the kinds are agents, contacts, schedule, assist, objects."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bulkd.hcl")
			require.NoError(t, writeFile(path, tc.src))
			cfg, diags, files := config.Load(path)
			require.False(t, diags.HasErrors(), diags.Error())
			k, diags := cfg.Kinds(kinds.All())
			require.True(t, diags.HasErrors())
			assert.Nil(t, k)
			var out bytes.Buffer
			require.NoError(t, config.WriteDiagnostics(&out, diags, files))
			assert.Contains(t, filepath.ToSlash(out.String()), tc.want)
		})
	}
	path := filepath.Join(t.TempDir(), "bulkd.hcl")
	require.NoError(t, writeFile(path, "route \"contacts\" {\n  patterns = [\"contact_*.csv\"]\n}\n"))
	cfg, diags, _ := config.Load(path)
	require.False(t, diags.HasErrors(), diags.Error())
	k, diags := cfg.Kinds(kinds.All())
	require.False(t, diags.HasErrors(), diags.Error())
	kind, ok := k.Match("contact_0001.csv")
	assert.True(t, ok)
	assert.Equal(t, "contacts", string(kind))
}

// TestWriteDiagnostics: every problem of a file is shown, each once, in
// file order, as a greppable FILE:LINE:COL: line and its source line with
// a caret under the place.
func TestWriteDiagnostics(t *testing.T) {
	path := filepath.Join("..", "testdata", "config", "several-errors", "bulkd.hcl")
	cfg, diags, files := config.Load(path)
	require.Nil(t, cfg)
	var out bytes.Buffer
	require.NoError(t, config.WriteDiagnostics(&out, diags, files))
	want := `several-errors/bulkd.hcl:1:13: Invalid log level: log_level = "loud": use trace, debug, info, warn or error.
    1 | log_level = "loud"
      |             ^^^^^^
several-errors/bulkd.hcl:3:3: Unsupported argument: An argument named "setle" is not expected here. Did you mean "settle"?
    3 |   setle  = "3s"
      |   ^^^^^
several-errors/bulkd.hcl:4:12: Invalid duration: watch.rescan = "often" is not a duration such as "2s", "5m" or "480h".
    4 |   rescan = "often"
      |            ^^^^^^^
`
	got := filepath.ToSlash(out.String())
	got = strings.ReplaceAll(got, filepath.ToSlash(filepath.Join("..", "testdata", "config"))+"/", "")
	assert.Equal(t, want, got)

	for _, tc := range []struct {
		name, src, want string
	}{
		{"tabs keep the caret under the place", "watch {\n\tsettle = \"soon\"\n}\n",
			"bulkd.hcl:2:11: Invalid duration: watch.settle = \"soon\" is not a duration such as \"2s\", \"5m\" or \"480h\".\n    2 | \tsettle = \"soon\"\n      | \t         ^^^^^^\n"},
		{"a problem with no place is shown at the file", "", "bulkd.hcl: No place: detail\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bulkd.hcl")
			require.NoError(t, writeFile(path, tc.src))
			_, diags, files := config.Load(path)
			if tc.src == "" {
				diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No place", Detail: "detail"}}
			}
			var out bytes.Buffer
			require.NoError(t, config.WriteDiagnostics(&out, diags, files))
			assert.Equal(t, tc.want, strings.ReplaceAll(out.String(), path, "bulkd.hcl"))
		})
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8765": true, "127.0.0.2": true, "localhost:9000": true, "[::1]:8765": true, "::1": true,
		"0.0.0.0:8765": false, ":8765": false, "[::]:8765": false, "10.0.0.5:8765": false, "s3.example.com": false,
	} {
		assert.Equal(t, want, config.Loopback(addr), addr)
	}
}
