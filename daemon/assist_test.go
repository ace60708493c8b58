package daemon_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedCurl returns the assist seed's curl command, pointed at url, with
// token in its auth: header and file as its result_file.
func seedCurl(t *testing.T, url, token, file string) string {
	t.Helper()
	// The curl line of shared/seeds/assist-import-contacts-api.txt, as is.
	seed, err := os.ReadFile(filepath.Join("..", "testdata", "assist", "seed-curl.txt"))
	require.NoError(t, err)
	var cmd string
	for _, line := range strings.Split(string(seed), "\n") {
		if strings.HasPrefix(line, "curl ") {
			cmd = line
		}
	}
	require.NotEmpty(t, cmd, "the seed's curl command")
	cmd = strings.ReplaceAll(cmd, `\ --`, `--`) // the seed's line continuations, flattened
	cmd = strings.Replace(cmd, "--request POST ''", "--request POST '"+url+"'", 1)
	i := strings.Index(cmd, "--header 'auth: ")
	require.Positive(t, i)
	j := i + len("--header 'auth: ") + strings.Index(cmd[i+len("--header 'auth: "):], "'")
	cmd = cmd[:i] + "--header 'auth: " + token + cmd[j:]
	cmd = strings.Replace(cmd, `@"/home/johnsmith/Documents/john/sample.csv"`, `@"`+file+`"`, 1)
	return cmd + " --silent --show-error"
}

func TestAssist_SeedCurlAgainstDaemon(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("BULKD_CI") != "" {
			t.Fatal("curl is not installed: .ci/run installs it")
		}
		t.Skip("curl is not installed")
	}
	base := withAuth(t)
	t.Setenv("TEST_ACME_ASSIST", "acme-assist")
	h := startDaemon(t, t.TempDir(), func(c *config.Config) {
		base(c)
		c.Tenants[0].Tokens = append(c.Tenants[0].Tokens, &config.Token{SecretEnv: "TEST_ACME_ASSIST", Scopes: []string{bulkd.ScopeAssistWrite}})
	})
	csv := filepath.Join(t.TempDir(), "sample.csv")
	require.NoError(t, os.WriteFile(csv, []byte("firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\n"+
		"john,doe,Mr,98765 43210,+91,+\n"+
		"jane,doe,Mrs,9123456789,+91,91\n"+
		"john,doe,Mr,9876500001,+91,\n"+ // the same name with another number: another contact
		"jim,roe,Mr,+919876543210,91,\n"+ // john's number again
		"bad,num,Mr,123,+91,\n"+
		"x,y,Mr,4155552671,+999,\n"), 0o644))
	url := h.url + "/agentassist/api/v1/public/63c7cfaf196ce928529b0000/contacts/import-contacts"
	out, err := exec.Command("bash", "-c", seedCurl(t, url, "acme-assist", csv)).CombinedOutput()
	require.NoError(t, err, string(out))

	var rows []map[string]any
	require.NoError(t, json.Unmarshal(out, &rows), string(out))
	require.Len(t, rows, 6)
	john := rows[0]
	assert.Equal(t, "ACTIVE", john["status"])
	assert.Equal(t, "john doe", john["fullName"])
	assert.Equal(t, map[string]any{"phoneNumber": "+919876543210", "countryCode": "+91", "extension": "+"}, john["cellPhone"])
	assert.Equal(t, "acme", john["accountId"])
	assert.Equal(t, "token", john["createdBy"])
	assert.Equal(t, "63c7cfaf196ce928529b0000", john["streamId"])
	assert.Regexp(t, `^[0-9a-f]{24}$`, john["id"])
	for _, k := range []string{"createdAt", "updatedAt", "address", "twitterDetails", "salutation", "firstName", "lastName"} {
		assert.Contains(t, john, k)
	}
	assert.Equal(t, "ACTIVE", rows[1]["status"])
	assert.Equal(t, "ACTIVE", rows[2]["status"], "the same name with another number is fine")
	for i, want := range map[int]string{
		3: `column "cellPhoneNumber": +919876543210 already belongs to the contact ` + john["id"].(string) + ` (john doe)`,
		4: `column "cellPhoneNumber": "123" is not a valid phone number for +91`,
		5: `column "cellPhoneCountryCode": "+999" is not a country calling code`,
	} {
		assert.Equal(t, "FAILED", rows[i]["status"], i)
		assert.Contains(t, rows[i]["error"], want, i)
	}

	// Without the scope, and without a token.
	out, err = exec.Command("bash", "-c", seedCurl(t, url, "acme-reader", csv)+" -w '%{http_code}'").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.True(t, strings.HasSuffix(string(out), "403"), string(out))
}

func TestAssist_FolderDrop(t *testing.T) {
	h := startDaemon(t, t.TempDir())
	dir := filepath.Join(h.root, "acme")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ASSIST.jan.csv"), []byte(
		"firstName,lastName,salutation,cellPhoneNumber,cellPhoneCountryCode,cellPhoneExtension\n"+
			"ann,lee,Ms,(415) 555-2671,1,\n"+
			"bo,lee,Mr,415 555 2671,+1,\n"), 0o644))
	j := h.waitJobs("acme", 1)[0]
	assert.Equal(t, "assist", j.Kind)
	assert.Equal(t, "partial", j.State, j.Error)
	assert.Equal(t, [2]int{2, 1}, [2]int{j.RowsTotal, j.RowsFailed}, "the second row has the first's number")
}
