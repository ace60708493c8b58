package contacts

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func csvRows(t *testing.T, src string) ([]*row, error) {
	t.Helper()
	var rows []*row
	_, err := readCSV(strings.NewReader(src), false, func(r *row) error {
		cp := *r // readCSV reuses the row
		cp.cells, cp.recs, cp.metadata = slices.Clone(r.cells), slices.Clone(r.recs), slices.Clone(r.metadata)
		rows = append(rows, &cp)
		return nil
	})
	return rows, err
}

func jsonRows(t *testing.T, src string) ([]*row, error) {
	t.Helper()
	var rows []*row
	err := readJSON(strings.NewReader(src), func(r *row) error { rows = append(rows, r); return nil })
	return rows, err
}

const seedFull = `AgentId,ContactStartTimeMs,TimeZone,AssocCallId,CallId,CalledAddress,Line,CallingAddress,Direction,Recording1,Recording2,Recording2Offset,metadata.accountNumber
abc/bunkowm,1447100000000,America/Chicago,103585664793210000,30611848,1801,1800,1800,1,call1.webmv,call1.wav,5000,1234567890
mark.bunkowske@abc.com,1447110000000,America/Chicago,103585664793220000,30611848,1801,1800,1800,1,call2.wav,,,987654321
`

func TestReadCSV_SeedExamples(t *testing.T) {
	rows, err := csvRows(t, seedFull)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	r := rows[0]
	assert.Empty(t, r.err)
	assert.Equal(t, agentRef{'a', `abc\bunkowm`}, r.agent, "domain/user is an ACD login")
	assert.Equal(t, int64(1447100000000), r.startMs)
	assert.Equal(t, "America/Chicago", r.tz)
	assert.Equal(t, "103585664793210000", r.assocCallID)
	assert.Equal(t, 1, r.direction)
	assert.Equal(t, bulkd.Metadata{{Name: "accountNumber", Value: "1234567890"}}, r.metadata)
	assert.Equal(t, []recRef{
		{col: ColRecording1, location: "call1.webmv", media: bulkd.MediaScreen},
		{col: ColRecording2, location: "call1.wav", media: bulkd.MediaAudio, offsetMs: 5000},
	}, r.recs)
	assert.Equal(t, agentRef{'e', "mark.bunkowske@abc.com"}, rows[1].agent)
	assert.Empty(t, rows[1].err)

	rows, err = csvRows(t, "AgentId,ContactStartTimeMs,Recording1\n2,1447100000000,call1.wav\n2,1447110000000,call2.wav\n")
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, agentRef{'i', "2"}, rows[0].agent)
	assert.Empty(t, rows[0].err+rows[1].err)
}

func TestReadCSV_RowRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name, header, cells string
		want                string // "" = the row is valid
	}{
		{"any column order", "Recording1,CallId,AgentId", "a.wav,77,2", ""},
		{"quoted comma", "AgentId,Recording1,metadata.note", `2,a.wav,"x, y"`, ""},
		{"empty optional cells", "AgentId,Recording1,CallId,Direction,TimeZone", "2,a.wav,,,", ""},
		{"missing agent", "AgentId,Recording1", ",a.wav", `column "AgentId": required`},
		{"bad agent", "AgentId,Recording1", "bob,a.wav", `column "AgentId": "bob" is not an agent id (digits), an email, or an ACD login`},
		{"AgentId 254", "AgentId,Recording1", long(250) + "@a.b,a.wav", ""},
		{"AgentId 255", "AgentId,Recording1", long(251) + "@a.b,a.wav", `column "AgentId": 255 characters, at most 254`},
		{"AssocCallId 53", "AgentId,Recording1,AssocCallId", "2,a.wav," + long(53), `column "AssocCallId": 53 characters, at most 52`},
		{"CallId 129", "AgentId,Recording1,CallId", "2,a.wav," + long(129), `column "CallId": 129 characters, at most 128`},
		{"CalledAddress 65", "AgentId,Recording1,CalledAddress", "2,a.wav," + long(65), `column "CalledAddress": 65 characters, at most 64`},
		{"CallingAddress 65", "AgentId,Recording1,CallingAddress", "2,a.wav," + long(65), `column "CallingAddress": 65 characters`},
		{"Line 65", "AgentId,Recording1,Line", "2,a.wav," + long(65), `column "Line": 65 characters`},
		{"location 129", "AgentId,Recording1", "2," + long(125) + ".wav", `column "Recording1": 129 characters, at most 128`},
		{"time zone 256", "AgentId,Recording1,TimeZone", "2,a.wav," + long(256), `column "TimeZone": 256 characters, at most 255`},
		{"direction 2", "AgentId,Recording1,Direction", "2,a.wav,2", `column "Direction": "2" is not 0 (inbound) or 1 (outbound)`},
		{"excel start time", "AgentId,Recording1,ContactStartTimeMs", "2,a.wav,1.4471E+12", `a spreadsheet may have shortened it`},
		{"negative start", "AgentId,Recording1,ContactStartTimeMs", "2,a.wav,-5", `column "ContactStartTimeMs": -5 is before 1970`},
		{"bad zone", "AgentId,Recording1,ClientTimeZone", "2,a.wav,Mars/Olympus", `column "ClientTimeZone": "Mars/Olympus" is not an IANA time zone`},
		{"unknown extension", "AgentId,Recording1", "2,a.mp3", `column "Recording1": "a.mp3" has an unknown recording extension`},
		{"folder in location", "AgentId,Recording1", "2,x/a.wav", `must be a file name, without folders`},
		{"no recording", "AgentId,Recording1", "2,", `column "Recording1": required: a contact needs at least one recording`},
		{"no audio", "AgentId,Recording1", "2,a.webmv", "there must be an audio file"},
		{"two audio", "AgentId,Recording1,Recording2", "2,a.wav,b.opus", "only one audio recording per contact is allowed; this row has a.wav, b.opus"},
		{"webm with wav is two audio", "AgentId,Recording1,Recording2", "2,a.webm,b.wav", "only one audio recording"},
		{"wmv with wav is screen", "AgentId,Recording1,Recording2", "2,a.wmv,b.wav", ""},
		{"wmv alone is combined", "AgentId,Recording1", "2,a.wmv", ""},
		{"same file twice", "AgentId,Recording1,Recording2", "2,a.wav,a.wav", `column "Recording2": a.wav is already named by column "Recording1"`},
		{"offset without recording", "AgentId,Recording1,Recording2,Recording2Offset", "2,a.wav,,5", `column "Recording2Offset": given without a Recording2`},
		{"column count", "AgentId,Recording1", "2,a.wav,extra", "the row has 3 columns, the header has 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := csvRows(t, tc.header+"\n"+tc.cells+"\n")
			require.NoError(t, err)
			require.Len(t, rows, 1)
			if tc.want == "" {
				assert.Empty(t, rows[0].err)
			} else {
				assert.Contains(t, rows[0].err, tc.want)
			}
		})
	}
}

func TestReadCSV_Offsets(t *testing.T) {
	rows, err := csvRows(t, "AgentId,ContactStartTimeMs,Audio.Location,Audio.StartTimeMs,Screen.Location,Screen.StartTimeMs,Recording1\n"+
		"2,1447075073000,25.wav,1447075080000,25.webmv,1447075075000,\n")
	require.NoError(t, err)
	require.Empty(t, rows[0].err)
	assert.Equal(t, []recRef{
		{col: ColAudioLocation, location: "25.wav", media: bulkd.MediaAudio, offsetMs: 7000},
		{col: ColScreenLocation, location: "25.webmv", media: bulkd.MediaScreen, offsetMs: 2000},
	}, rows[0].recs)
	wmv, err := csvRows(t, "AgentId,Recording1,Recording2\n2,a.wmv,b.wav\n")
	require.NoError(t, err)
	assert.Equal(t, bulkd.MediaScreen, wmv[0].recs[0].media, "WMV paired with audio is the screen")
}

func TestReadCSV_FileErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"both zone columns", "AgentId,Recording1,TimeZone,ClientTimeZone\n", `"TimeZone" and "ClientTimeZone" are the same field`},
		{"metadata name too long", "AgentId,Recording1,metadata." + strings.Repeat("n", 40) + "\n", "a metadata field name has at most 39 characters, this one 40"},
		{"metadata without name", "AgentId,Recording1,metadata.\n", "has no metadata field name"},
		{"unknown column", "AgentId,Recording1,CallID\n", `unknown column "CallID" (did you mean "CallId"?)`},
		{"no AgentId", "Recording1\n", `the required column "AgentId" is missing`},
		{"no Recording1", "AgentId\n", `the required column "Recording1" is missing`},
		{"empty", "", "the file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csvRows(t, tc.src)
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	rows, err := csvRows(t, "AgentId,Recording1,metadata."+strings.Repeat("n", 39)+"\n2,a.wav,v\n")
	require.NoError(t, err, "39 characters is the limit")
	assert.Equal(t, bulkd.Metadata{{Name: strings.Repeat("n", 39), Value: "v"}}, rows[0].metadata)
}

func TestNormalizeTimeZone(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		"America/Chicago":       "America/Chicago",
		"UTC":                   "UTC",
		"-06:00":                "Etc/GMT+6",
		"\u201306:00":           "Etc/GMT+6", // the seed writes an en dash
		"+02:00":                "Etc/GMT-2",
		"+0530":                 "Asia/Calcutta",
		"UTC-6":                 "Etc/GMT+6",
		"+00:00":                "UTC",
		"Central Standard Time": "America/Chicago",
		"Tokyo Standard Time":   "Asia/Tokyo",
	} {
		got, err := NormalizeTimeZone(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"Local", "Mars/Olympus", "+15:00", "+05:61", "Central Time"} {
		_, err := NormalizeTimeZone(bad)
		assert.Error(t, err, bad)
	}
}

func TestReadJSON(t *testing.T) {
	seedFullJSON := `{
"AgentId":"john.smith@acme.com",
"AssocCallId":"103585664793254280",
"CallId":"30611848",
"CalledAddress":"1801",
"CallingAddress":"1800",
"ClientTimeZone":"Central Standard Time",
"ContactStartTimeMs":1447075073000,
"Direction":1,
"Audio":[{"Location":"25.wav","StartTimeMs":1447075080000}],
"Screen":{"Location":"25.webmv","StartTimeMs":1447075075000},
"CustomMetadata":{"accountNumber":"123456","department":"sales"}
}`
	rows, err := jsonRows(t, seedFullJSON)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	r := rows[0]
	require.Empty(t, r.err)
	assert.Equal(t, agentRef{'e', "john.smith@acme.com"}, r.agent)
	assert.Equal(t, "America/Chicago", r.tz, "Windows zone stored as IANA")
	assert.Equal(t, "1801", r.called)
	assert.Equal(t, bulkd.Metadata{{Name: "accountNumber", Value: "123456"}, {Name: "department", Value: "sales"}}, r.metadata)
	assert.Equal(t, []recRef{
		{col: "Audio.Location", location: "25.wav", media: bulkd.MediaAudio, offsetMs: 7000},
		{col: "Screen.Location", location: "25.webmv", media: bulkd.MediaScreen, offsetMs: 2000},
	}, r.recs)

	// The seed's short example, backslash and all, in an array with others.
	rows, err = jsonRows(t, "\xef\xbb\xbf[\n"+`{"AgentId":"acme\smithj","ContactStartTimeMs":1447075073000,"Audio":[{"Location":"25.wav"}]},`+
		`{"Audio":{"Location":"26.wav"}},`+
		`{"AgentId":2,"Audio":[{"Location":"27.wav"}],"Colour":"red"},`+
		`{"AgentId":"2","Audio":[{"Location":"28.txt"}]}]`)
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, agentRef{'a', `acme\smithj`}, rows[0].agent)
	assert.Empty(t, rows[0].err)
	assert.Zero(t, rows[1].agent, "no AgentId: the uploading user")
	assert.Empty(t, rows[1].err)
	assert.Contains(t, rows[2].err, `field "Colour" is not a contact field`)
	assert.Contains(t, rows[3].err, `column "Audio.Location": "28.txt" has an unknown recording extension`)
	assert.Equal(t, []int{1, 2, 3, 4}, []int{rows[0].num, rows[1].num, rows[2].num, rows[3].num})
	assert.Equal(t, `{"AgentId":2,"Audio":[{"Location":"27.wav"}],"Colour":"red"}`, rows[2].cells[0], "the report keeps the object as written")

	for src, want := range map[string]string{
		"":                         "the file is empty",
		"AgentId,Recording1\n":     "must start with { or [",
		`[{"AgentId":"2"`:          "JSON syntax error",
		`{"AgentId":"2"} trailing`: "JSON syntax error",
	} {
		_, err := jsonRows(t, src)
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want, src)
	}
}

// TestRow_Recordings: a row's recordings, kept with it when it fails so
// that the doors can show them without reading the row again.
func TestRow_Recordings(t *testing.T) {
	cols, err := mapCSVHeader([]string{"AgentId", "Recording1", "Recording2"})
	require.NoError(t, err)
	assert.Equal(t, []bulkd.Recording{{Location: "a.wav", Media: bulkd.MediaAudio}, {Location: "b.webmv", Media: bulkd.MediaScreen}},
		cols.parse(0, []string{"nobody", "a.wav", "b.webmv"}).recordings())
	assert.Equal(t, []bulkd.Recording{{Location: "25.wav", Media: bulkd.MediaAudio}},
		parseJSON(zoneCache{}, 0, []byte(`{"Audio":{"Location":"25.wav"}}`)).recordings())
	assert.Nil(t, cols.parse(0, []string{"nobody", "", ""}).recordings())
}

func FuzzReadCSV(f *testing.F) {
	f.Add(seedFull)
	f.Add("AgentId,Recording1,Recording2,Recording2Offset\n2,a.wmv,b.wav,5\n")
	f.Fuzz(func(t *testing.T, src string) {
		n := 0
		_, _ = readCSV(strings.NewReader(src), true, func(r *row) error {
			n++
			if r.num != n {
				t.Fatalf("row %d numbered %d", n, r.num)
			}
			if r.err == "" && len(r.recs) == 0 {
				t.Fatalf("row %d valid without recordings", n)
			}
			return nil
		})
	})
}

func FuzzReadJSON(f *testing.F) {
	f.Add(`{"AgentId":"acme\smithj","Audio":[{"Location":"25.wav"}]}`)
	f.Add(`[{"AgentId":2,"Audio":{"Location":"a.wav"},"Screen":[{"Location":"a.webmv","StartTimeMs":5}],"CustomMetadata":{"a":1}}]`)
	f.Fuzz(func(t *testing.T, src string) {
		n := 0
		_ = readJSON(strings.NewReader(src), func(r *row) error {
			n++
			if r.num != n {
				t.Fatalf("row %d numbered %d", n, r.num)
			}
			if r.err == "" && len(r.recs) == 0 {
				t.Fatalf("row %d valid without recordings", n)
			}
			return nil
		})
	})
}
