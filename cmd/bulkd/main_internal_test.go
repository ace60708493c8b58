package main

import (
	"bytes"
	"context"
	"path/filepath"
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
			wantStderr: "unknown-kind/bulkd.hcl:3:7: Unknown kind: route \"contact\": the kinds are agents, contacts, schedule, assist."},
		{name: "run refuses an unknown kind", args: []string{"run", "--config", fixture("unknown-kind")},
			wantStderr: "unknown-kind/bulkd.hcl:3:7: Unknown kind"},
		{name: "no file", args: []string{"config", "check"}},
		{name: "unknown verb", args: []string{"frobnicate"}, wantStderr: "Usage: bulkd <command>"},
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
