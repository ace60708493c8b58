package contacts

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadJSON_SeedFullExample reads the seed's full JSON example as the
// seed prints it: its Screen is a member list in brackets, and its 25.webm
// (combined) is the screen recording, not a second audio one.
func TestReadJSON_SeedFullExample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "contacts", "seed-json", "CONTACT.seed.json"))
	require.NoError(t, err)
	require.Contains(t, string(src), "\"Screen\":[\n\"Location\":\"25.webm\",", "the fixture is the seed's text, brackets and all")
	rows, err := jsonRows(t, string(src))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	r := rows[0]
	require.Empty(t, r.err)
	assert.Equal(t, agentRef{'e', "john.smith@acme.com"}, r.agent)
	assert.Equal(t, "America/Chicago", r.tz)
	assert.Equal(t, []recRef{
		{col: ColAudioLocation, location: "25.wav", media: bulkd.MediaAudio, offsetMs: 7000},
		{col: ColScreenLocation, location: "25.webm", media: bulkd.MediaScreen, offsetMs: 2000},
	}, r.recs)
}

// fixed returns src as a jsonFixer passes it on.
func fixed(t *testing.T, src string) string {
	t.Helper()
	b, err := io.ReadAll(newJSONFixer(bufio.NewReader(strings.NewReader(src))))
	require.NoError(t, err)
	return string(b)
}

func TestJSONFixer_Read(t *testing.T) {
	long := strings.Repeat("k", maxLookahead)
	for _, tc := range []struct{ name, in, want string }{
		{"the seed's Screen", "\"Screen\":[\n\"Location\":\"25.webm\",\n\"StartTimeMs\":1\n]", "\"Screen\":{\n\"Location\":\"25.webm\",\n\"StartTimeMs\":1\n}"},
		{"white space before the colon", `[ "a" : 1 ]`, `{ "a" : 1 }`},
		{"an array of objects", `[{"a":1},{"b":[2]}]`, `[{"a":1},{"b":[2]}]`},
		{"an array of strings", `["a:b", "c"]`, `["a:b", "c"]`},
		{"an empty array", `[ ]`, `[ ]`},
		{"nested", `[[ "a": [ "b": 1 ] ], [1]]`, `[{ "a": { "b": 1 } }, [1]]`},
		{"only the first element decides", `["a", "b": 1]`, `["a", "b": 1]`},
		{"an escaped quote in the name", `["a\"b": 1]`, `{"a\"b": 1}`},
		{"brackets inside strings", `{"a":"[ \"x\": ]"}`, `{"a":"[ \"x\": ]"}`},
		{"a mismatched close stays mismatched", `["a": 1}`, `{"a": 1]`},
		{"a name over the lookahead", `["` + long + `": 1]`, `["` + long + `": 1]`},
		{"a lone backslash", `{"AgentId":"acme\smithj"}`, `{"AgentId":"acme\\smithj"}`},
		{"escapes stay", `{"a":"\\ \" \/ \b \u0041"}`, `{"a":"\\ \" \/ \b \u0041"}`},
		{"a lone backslash in a bracketed name", `["a\s": 1]`, `{"a\\s": 1}`},
		{"the file ends undecided", `{"a":[ "b"`, `{"a":[ "b"`},
		{"a stray close", `]]`, `]]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fixed(t, tc.in))
		})
	}
}

// TestReadJSON_BracketedMembers: a member list in brackets is read as an
// object wherever the seed's fields are objects; a list that is not one
// fails where it stops making sense.
func TestReadJSON_BracketedMembers(t *testing.T) {
	rows, err := jsonRows(t, `[ "AgentId":"2", "ContactStartTimeMs":1000, "Audio":[ "Location":"a.wav", "StartTimeMs":1005 ], "CustomMetadata":[ "k":"v" ] ]`)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Empty(t, rows[0].err)
	assert.Equal(t, []recRef{{col: ColAudioLocation, location: "a.wav", media: bulkd.MediaAudio, offsetMs: 5}}, rows[0].recs)
	assert.Equal(t, bulkd.Metadata{{Name: "k", Value: "v"}}, rows[0].metadata)

	for src, want := range map[string]string{
		`{"AgentId":"2","Screen":[ "Location":"a.webmv", "x" ]}`: `JSON syntax error at line 1, column 53: invalid character ']' after object key`,
		`{"AgentId":"2","Screen":[ "x", "Location":"a.webmv" ]}`: `JSON syntax error at line 1, column 42: invalid character ':' after array element`,
		`{"AgentId":"2","Screen":[ "Location":"a.webmv" }}`:      `JSON syntax error at line 1, column 48: invalid character '}' after object key:value pair`,
	} {
		_, err := jsonRows(t, src)
		require.Error(t, err, src)
		assert.Equal(t, want, err.Error(), src)
	}
}

// TestRow_ScreenRole: what Screen names is the screen recording; the one
// audio recording a contact may have is counted among the others.
func TestRow_ScreenRole(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []recRef
		err       string
	}{
		{"combined webm in Screen", `{"Audio":{"Location":"a.wav"},"Screen":{"Location":"s.webm"}}`,
			[]recRef{{col: ColAudioLocation, location: "a.wav", media: bulkd.MediaAudio}, {col: ColScreenLocation, location: "s.webm", media: bulkd.MediaScreen}}, ""},
		{"wmv in Screen beside a webm", `{"Audio":{"Location":"a.webm"},"Screen":{"Location":"s.wmv"}}`,
			[]recRef{{col: ColAudioLocation, location: "a.webm", media: bulkd.MediaCombined}, {col: ColScreenLocation, location: "s.wmv", media: bulkd.MediaScreen}}, ""},
		{"two in Audio", `{"Audio":[{"Location":"a.wav"},{"Location":"b.webm"}]}`, nil,
			"only one audio recording per contact is allowed; this row has a.wav, b.webm"},
		{"only a screen", `{"Screen":{"Location":"s.webm"}}`, nil,
			`column "Screen.Location": there must be an audio file (wav, spx, opus, webma, webm or wmv); a recording named in Screen is the screen recording`},
		{"audio-only in Screen", `{"Audio":{"Location":"a.wav"},"Screen":{"Location":"s.wav"}}`, nil,
			`column "Screen.Location": s.wav is an audio-only recording: a screen recording is webmv, webm or wmv`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parseJSON(zoneCache{}, 1, []byte(tc.src))
			if tc.err != "" {
				assert.Contains(t, r.err, tc.err)
				return
			}
			require.Empty(t, r.err)
			assert.Equal(t, tc.want, r.recs)
		})
	}
	// The CSV's Screen.Location column is the same field; RecordingN columns
	// have no role, so their extension decides, as before.
	rows, err := csvRows(t, "AgentId,Recording1,Screen.Location\n2,a.wav,s.webm\n")
	require.NoError(t, err)
	require.Empty(t, rows[0].err)
	assert.Equal(t, bulkd.MediaScreen, rows[0].recs[1].media)
	rows, err = csvRows(t, "AgentId,Recording1,Recording2\n2,s.webm,a.wav\n")
	require.NoError(t, err)
	assert.Contains(t, rows[0].err, "only one audio recording per contact is allowed; this row has s.webm, a.wav")
}

// TestReadJSON_SyntaxErrorLineColumn: a syntax error names the line and
// the column (in characters, of the file as written) where it is.
func TestReadJSON_SyntaxErrorLineColumn(t *testing.T) {
	const ok = `{"AgentId":"1","Audio":{"Location":"a.wav"}}`
	for _, tc := range []struct{ name, src, want string }{
		{"in the only contact", "{\n\"AgentId\":\"2\",\n\"CallId\" \"x\"}",
			`line 3, column 10: invalid character '"' after object key`},
		{"in a later contact, after lone backslashes", "[" + `{"AgentId":"acme\smithj","Audio":{"Location":"a.wav"}},` + "\n" + `{"AgentId":"acme\smithj" "Audio":1}]`,
			`line 2, column 26: invalid character '"' after object key:value pair`},
		{"a missing comma", "[" + ok + "\n  " + ok + "]",
			`line 2, column 3: expected comma after array element`},
		{"after multi-byte characters", `{"CallId":"José" x}`,
			`line 1, column 18: invalid character 'x' after object key:value pair`},
		{"after leading blank lines", "\r\n\n  {\"a\" 1}",
			`line 3, column 8: invalid character '1' after object key`},
		{"a trailing word", ok + "\n\n x",
			`line 3, column 2: invalid character 'x' looking for beginning of value`},
		{"after the array", "[" + ok + "]\n{}",
			`line 2, column 1: unexpected data after the contacts`},
		{"a close that opens nothing", "[" + ok + "}",
			`line 1, column 46: invalid character '}' after array element`},
		{"the file ends inside", `[{"AgentId":"2"`,
			`line 1, column 16: the file ends inside a contact or the array`},
		{"far into a long file", "[" + strings.Repeat(ok+",\n", 20000) + ok + "\n" + ok + "]",
			`line 20002, column 1: expected comma after array element`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jsonRows(t, tc.src)
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Equal(t, "JSON syntax error at "+tc.want, err.Error())
		})
	}
}

// TestReadJSON_SyntaxErrorUTF16: columns count characters of the text, not
// bytes of its encoding.
func TestReadJSON_SyntaxErrorUTF16(t *testing.T) {
	b := []byte{0xFF, 0xFE}
	for _, r := range "{\"CallId\":\"José\" x}" {
		b = append(b, byte(r), byte(r>>8))
	}
	err := readJSONWith(strings.NewReader(string(b)), csvio.Options{Encoding: "utf-16"}, func(*row) error { return nil })
	require.Error(t, err)
	assert.Equal(t, "JSON syntax error at line 1, column 18: invalid character 'x' after object key:value pair", err.Error())
}

// FuzzJSONFixer: valid JSON passes through a jsonFixer unchanged (it has
// no lone backslash, and no ':' after a string in an array), and only
// backslashes are ever added.
func FuzzJSONFixer(f *testing.F) {
	f.Add(`{"Screen":[ "Location":"25.webm" ],"a":["x:y",[]],"b":"\\ \" \u0041"}`)
	f.Add(`[{"AgentId":"acme\smithj"}, ["a" : [ "b": 1 } ]`)
	f.Fuzz(func(t *testing.T, src string) {
		got := fixed(t, src)
		if json.Valid([]byte(src)) && got != src {
			t.Fatalf("valid JSON changed: %q became %q", src, got)
		}
		if n := len(got) - len(src); n < 0 || n != strings.Count(got, `\`)-strings.Count(src, `\`) {
			t.Fatalf("%q became %q: only backslashes may be added", src, got)
		}
	})
}
