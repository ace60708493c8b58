package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain_ConfigCheck(t *testing.T) {
	fixture := func(name string) string { return filepath.Join("..", "..", "testdata", "config", name, "bulkd.hcl") }
	for _, tc := range []struct {
		name       string
		args       []string
		ok         bool
		wantOut    string
		wantStderr string
	}{
		{name: "good", args: []string{"config", "check", "--config", fixture("good")}, ok: true, wantOut: "bulkd.hcl: ok"},
		{name: "unknown key", args: []string{"config", "check", "--config", fixture("unknown-key")},
			wantStderr: "unknown-key/bulkd.hcl:4:3: Unsupported argument: An argument named \"setle\" is not expected here."},
		{name: "bad duration", args: []string{"config", "check", "--config", fixture("bad-duration")},
			wantStderr: "bad-duration/bulkd.hcl:3:14: Invalid duration"},
		{name: "run refuses a bad config", args: []string{"run", "--config", fixture("bad-duration")},
			wantStderr: "bad-duration/bulkd.hcl:3:14: Invalid duration"},
		{name: "routes", args: []string{"config", "check", "--config", fixture("routes")}, ok: true,
			wantOut: "  contacts  contact_*.csv CONTACT.?*.csv CONTACT.?*.json CONTACT.?*.zip"},
		{name: "unknown kind", args: []string{"config", "check", "--config", fixture("unknown-kind")},
			wantStderr: "unknown-kind/bulkd.hcl:3:7: Unknown kind: route \"contact\": the kinds are agents, contacts, schedule, assist, objects."},
		{name: "run refuses an unknown kind", args: []string{"run", "--config", fixture("unknown-kind")},
			wantStderr: "unknown-kind/bulkd.hcl:3:7: Unknown kind"},
		{name: "no file", args: []string{"config", "check"}},
		{name: "public address without auth", args: []string{"config", "check", "--config", fixture("public-no-auth")},
			wantStderr: "public-no-auth/bulkd.hcl:2:12: Address needs authentication: http.listen \"0.0.0.0:8765\" is not a loopback address"},
		{name: "run refuses a public address without auth", args: []string{"run", "--config", fixture("public-no-auth")},
			wantStderr: "public-no-auth/bulkd.hcl:2:12: Address needs authentication"},
		{name: "unset token variable", args: []string{"config", "check", "--config", fixture("unset-secret")},
			wantStderr: "unset-secret/bulkd.hcl:3:18: Token variable not set: tenant \"acme\": token.secret_env: the environment variable BULKD_TEST_UNSET_TOKEN is not set."},
		{name: "run refuses an unset token variable", args: []string{"run", "--config", fixture("unset-secret")},
			wantStderr: "unset-secret/bulkd.hcl:3:18: Token variable not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := NewMain(&out, &errOut).Run(context.Background(), tc.args)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.NotZero(t, exitCode(err))
			}
			assert.Contains(t, filepath.ToSlash(out.String()), tc.wantOut)
			assert.Contains(t, filepath.ToSlash(errOut.String()), tc.wantStderr)
		})
	}
}

// TestMain_ConfigCheckEveryProblemOnce: config check and run report every
// problem of a config, each once, the same way.
func TestMain_ConfigCheckEveryProblemOnce(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "config", "check-errors", "bulkd.hcl")
	var reports []string
	for _, verb := range [][]string{{"config", "check"}, {"run"}} {
		var out, errOut bytes.Buffer
		err := NewMain(&out, &errOut).Run(context.Background(), append(verb, "--config", path))
		require.Error(t, err)
		assert.Equal(t, 1, exitCode(err))
		assert.Empty(t, out.String())
		got := filepath.ToSlash(errOut.String())
		for _, want := range []string{
			"check-errors/bulkd.hcl:3:12: Unusable data_dir: ",
			"check-errors/bulkd.hcl:5:20: Invalid JWT secret: auth.jwt_secret_env: the environment variable BULKD_TEST_UNSET_JWT must hold the HS256 secret",
			"check-errors/bulkd.hcl:9:18: Token variable not set: ",
		} {
			assert.Equal(t, 1, strings.Count(got, want), "%q once in:\n%s", want, got)
		}
		assert.Equal(t, 3, strings.Count(got, "check-errors/bulkd.hcl:"), got)
		reports = append(reports, got)
	}
	assert.Equal(t, reports[0], reports[1], "config check and run say the same")
	assert.NoDirExists(t, filepath.Join("..", "..", "testdata", "config", "check-errors", "data"))
}

// TestMain_Help: help on bulkd and on every verb goes to stdout and exits
// 0, before the verb reads any other argument.
func TestMain_Help(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"--help", []string{"--help"}, []string{"Usage: bulkd <command>", "config check --config FILE"}},
		{"-h", []string{"-h"}, []string{"Usage: bulkd <command>"}},
		{"help", []string{"help"}, []string{"Usage: bulkd <command>"}},
		{"run", []string{"run", "--help"}, []string{"Usage: bulkd run", "  -config FILE\n", "  -workdir DIR\n"}},
		{"run -h after a flag", []string{"run", "--config", "x.hcl", "-h"}, []string{"Usage: bulkd run"}},
		{"help run", []string{"help", "run"}, []string{"Usage: bulkd run", "  -workdir DIR\n"}},
		{"config check", []string{"config", "check", "--help"}, []string{"Usage: bulkd config check", "  -config FILE\n"}},
		{"config", []string{"config", "--help"}, []string{"Usage: bulkd config check"}},
		{"service", []string{"service", "--help"}, []string{"Usage: bulkd service install|uninstall|start|stop|status", "  -config FILE\n"}},
		{"service install", []string{"service", "install", "--help"}, []string{"Usage: bulkd service"}},
		{"version", []string{"version", "--help"}, []string{"Usage: bulkd version"}},
		{"the client verbs listed", []string{"--help"}, []string{"\n  validate FILE... [--kind K]", "\n  template KIND [TYPE]", "\n  jobs [--tenant T]", "\n  import FILE... [--tenant T]", "$BULKD_URL", "$BULKD_TOKEN"}},
		{"validate", []string{"validate", "--help"}, []string{"Usage: bulkd validate FILE...", "[not checked offline]", "Exit status: 0 when", "  -server URL\n", "  -report PATH\n", "  -token-file PATH\n"}},
		{"validate -h after a file", []string{"validate", "AGENTS.x.csv", "-h"}, []string{"Usage: bulkd validate"}},
		{"template", []string{"template", "--help"}, []string{"Usage: bulkd template KIND [TYPE]", "agents, contacts, schedule, assist, objects", "  -out FILE\n"}},
		{"jobs", []string{"jobs", "--help"}, []string{"Usage: bulkd jobs", "  -watch\n", "  -state STATE\n", "$BULKD_TOKEN"}},
		{"help import", []string{"help", "import"}, []string{"Usage: bulkd import FILE...", "POST /bulk-imports/users", "  -time-zone ZONE\n", "  -token-file PATH\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.NoError(t, NewMain(&out, &errOut).Run(context.Background(), tc.args))
			for _, w := range tc.want {
				assert.Contains(t, out.String(), w)
			}
			assert.NotContains(t, out.String(), "-workdir service install", "a backquoted word in a usage is the value's name")
			assert.Empty(t, errOut.String())
		})
	}
}

// TestMain_CommandLineErrors: a wrong command line names what is wrong,
// shows how to call bulkd and exits 2.
func TestMain_CommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown verb", []string{"frobnicate"}, "bulkd: unknown command \"frobnicate\"\n\nUsage: bulkd <command>"},
		{"unknown config verb", []string{"config", "frob"}, "bulkd: unknown command \"config frob\"\n\nUsage: bulkd <command>"},
		{"no verb", nil, "Usage: bulkd <command>"},
		{"unknown flag", []string{"run", "--bogus"}, "bulkd run: flag provided but not defined: -bogus\nRun 'bulkd run --help' for usage.\n"},
		{"unknown flag after a file", []string{"validate", "AGENTS.x.csv", "--bogus"}, "bulkd validate: flag provided but not defined: -bogus\nRun 'bulkd validate --help' for usage.\n"},
		{"a flag without its value", []string{"import", "--tenant"}, "bulkd import: flag needs an argument: -tenant\n"},
		{"jobs takes no operand", []string{"jobs", "acme"}, "bulkd jobs: unexpected \"acme\": jobs takes flags only\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := NewMain(&out, &errOut).Run(context.Background(), tc.args)
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err))
			assert.True(t, strings.HasPrefix(errOut.String(), tc.want), errOut.String())
			first, _, _ := strings.Cut(tc.want, "\n")
			assert.Equal(t, 1, strings.Count(errOut.String(), first), "said once")
			assert.Empty(t, out.String())
		})
	}
}

// TestMain_Version: version prints the build's module version, commit and
// Go version.
func TestMain_Version(t *testing.T) {
	var out, errOut bytes.Buffer
	require.NoError(t, NewMain(&out, &errOut).Run(context.Background(), []string{"version"}))
	assert.Regexp(t, `^bulkd \S+ \(commit [^,]+, .*`+regexp.QuoteMeta(runtime.Version())+`\)\n$`, out.String())

	bi := func(version string, settings ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: version}}
		for i := 0; i < len(settings); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return b
	}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"VCS stamped", bi("v0.0.0-20261125160000-abc1234def56", "vcs.revision", "abc1234def5678901234567890abcdef01234567", "vcs.time", "2026-11-25T16:00:00Z", "vcs.modified", "false"),
			"bulkd v0.0.0-20261125160000-abc1234def56 (commit abc1234def56, committed 2026-11-25T16:00:00Z, go1.26.8)"},
		{"modified", bi("v1.2.3+dirty", "vcs.revision", "abc1234def5678901234567890abcdef01234567", "vcs.time", "2026-11-25T16:00:00Z", "vcs.modified", "true"),
			"bulkd v1.2.3+dirty (commit abc1234def56-dirty, committed 2026-11-25T16:00:00Z, go1.26.8)"},
		{"built with -buildvcs=false", bi("(devel)"), "bulkd (devel) (commit unknown, go1.26.8)"},
		{"no module version", bi(""), "bulkd (devel) (commit unknown, go1.26.8)"},
		{"no build info", nil, "bulkd (devel) (commit unknown, no build info)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, versionLine(tc.bi))
		})
	}
}

// codedError is a failure with its own exit code.
type codedError int

func (c codedError) Error() string { return "coded" }
func (c codedError) ExitCode() int { return int(c) }

func TestMain_ExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"failure", errors.New("boom"), 1},
		{"already reported", errReported, 1},
		{"command line", errUsage, 2},
		{"its own code", fmt.Errorf("service: %w", codedError(3)), 3},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, exitCode(tc.err)) })
	}
}

// TestParseArgs: flags and operands in any order; "--" ends the flags.
func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		operands []string
		kind     string
	}{
		{[]string{"a.csv", "--kind", "agents", "b.csv"}, []string{"a.csv", "b.csv"}, "agents"},
		{[]string{"--kind=agents", "a.csv"}, []string{"a.csv"}, "agents"},
		{[]string{"a.csv", "--", "--kind", "b.csv"}, []string{"a.csv", "--kind", "b.csv"}, ""},
		{nil, nil, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			kind := fs.String("kind", "", "")
			got, err := parseArgs(fs, tc.args)
			require.NoError(t, err)
			assert.Equal(t, tc.operands, got)
			assert.Equal(t, tc.kind, *kind)
		})
	}
}
