package objects_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"slices"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zipOf returns a ZIP of the entries, name then content, in that order.
func zipOf(t *testing.T, entries ...string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		require.NoError(t, err)
		_, err = io.WriteString(w, entries[i+1])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.String()
}

// wav returns a WAV file of n bytes of samples in the given format.
func wav(tag uint16, rate uint32, bits, channels uint16, n int) string {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(4 + 8 + 16 + 8 + n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(tag)
	le(channels)
	le(rate)
	le(rate * uint32(bits/8) * uint32(channels))
	le(bits / 8 * channels)
	le(bits)
	b.WriteString("data")
	le(uint32(n))
	b.Write(bytes.Repeat([]byte{0x7f}, n))
	return b.String()
}

var (
	muLaw = wav(7, 8000, 8, 1, 800)
	pcm   = wav(1, 16000, 16, 2, 800)
)

// unzipAll reads a ZIP: its entries' names in order, and their contents.
func unzipAll(t *testing.T, b []byte) ([]string, map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	var names []string
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		names, out[f.Name] = append(names, f.Name), string(data)
	}
	return names, out
}

// report reads a ZIP error report: each entry's CSV text by name.
func report(t *testing.T, im *importer, j *bulkd.Job) map[string]string {
	t.Helper()
	require.True(t, pipeline.ReportIsZip(j))
	var buf bytes.Buffer
	require.NoError(t, pipeline.WriteReport(context.Background(), im.st, j, &buf))
	_, out := unzipAll(t, buf.Bytes())
	return out
}

// TestImporter_Zip: a ZIP's CSVs import in dependency order whatever
// their order in it, naming each other's objects; its .wav files become
// Audio File objects; its report is a ZIP of the failed rows a CSV, under
// the CSVs' names and row numbers.
func TestImporter_Zip(t *testing.T) {
	im := newImporter(t, 2)
	src := zipOf(t,
		"setup/Queue.csv", queueHdr[:len(queueHdr)-1]+",Default Music in Queue,Permit Monitoring,Permit Recording,Record All Calls,Pause or Resume Enabled\n"+
			"Support,TELEPHONY,600,30,LINEAR,G1,1,,Sales,welcome.wav,ON,ON,OFF,OFF\n"+
			"Night,TELEPHONY,600,30,LINEAR,N1,1,,Ops,welcome.wav,ON,ON,OFF,OFF\n",
		"setup/Team.csv", "Name,Site,Type\nSales,London,AGENT\nOps,Londn,AGENT\n",
		"notes.txt", "read me",
		"prompts/welcome.wav", muLaw,
		"prompts/loud.wav", pcm,
		"AudioFiles.csv", "Name,Description\nwelcome.wav,Played first\n",
		"OBJECTS.site.csv", "Name,Multimedia Profile\nLondon,Gold\n",
		"MultimediaProfiles.csv", profiles,
	)
	j, msgs := im.run("OBJECTS.setup.zip", src)
	require.Equal(t, bulkd.StatePartial, j.State, j.Error)

	var files []string
	for _, p := range j.Parts {
		files = append(files, p.File)
	}
	assert.Equal(t, []string{"MultimediaProfiles.csv", "OBJECTS.site.csv", "Team.csv", "AudioFiles.csv", "Queue.csv"}, files, "dependency order")
	assert.Equal(t, 2+1+2+2+2, j.RowsTotal)
	assert.Equal(t, j.RowsTotal, j.RowsDone)
	assert.Equal(t, []string{"notes.txt"}, j.Ignored)
	assert.Equal(t, map[string]int{"created": 2 + 1 + 1 + 1 + 1}, j.Counts)
	assert.Len(t, msgs, 3)

	a := im.object("audio-file", "welcome.wav", "")
	assert.Equal(t, "Played first", a.Value("Description"))
	assert.Len(t, a.Value(objects.FieldSHA256), 64)
	assert.Equal(t, "844", a.Value(objects.FieldBytes), "the whole file: 44 bytes of header, 800 of samples")
	q := im.object("queue", "Support", "")
	assert.Equal(t, "welcome.wav", q.Value("Default Music in Queue"), "names an audio file of the same ZIP")

	rep := report(t, im, j)
	assert.Equal(t, []string{"AudioFiles.csv", "Queue.csv", "Team.csv"}, keys(rep))
	assert.Equal(t, "Name,Site,Type,Row,Error Message\n"+
		`Ops,Londn,AGENT,2,"column ""Site"": no Site ""Londn"" exists (did you mean ""London""?): import it first (OBJECTS.site.csv)"`+"\n", rep["Team.csv"])
	assert.Contains(t, rep["Queue.csv"], `Night,TELEPHONY,600,30,LINEAR,N1,1,,Ops,welcome.wav,ON,ON,OFF,OFF,2,"column ""Group Teams"": Team ""Ops"" is not imported: its own row failed (row 2 of Team.csv)"`)
	assert.Contains(t, rep["AudioFiles.csv"], "loud.wav,,2,")
	assert.Contains(t, rep["AudioFiles.csv"], "the WAV is PCM, 16000 Hz, 16-bit, stereo; prompts must be G.711 μ-law, 8 kHz, 8-bit, mono: convert it with sox")

	// The report, fixed, goes back as it is: the good rows are unchanged,
	// the fixed one is created.
	fixed := zipOf(t, "Team.csv", "Name,Site,Type,Row,Error Message\nOps,London,AGENT,2,\n", "MultimediaProfiles.csv", profiles)
	j, msgs = im.run("OBJECTS.fix.zip", fixed)
	assert.Equal(t, bulkd.StateSucceeded, j.State, msgs)
	assert.Equal(t, map[string]int{"created": 1, "unchanged": 2}, j.Counts)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestImporter_ZipFailsWhole: a CSV of the ZIP that fails as a file fails
// the ZIP, naming it, and nothing of the ZIP is imported.
func TestImporter_ZipFailsWhole(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"bad header", zipOf(t, "MultimediaProfile.csv", profiles, "Site.csv", "Name,Multimedia Profle\nLondon,Gold\n"),
			`Site.csv: header: unknown column "Multimedia Profle"`},
		{"no type", zipOf(t, "MultimediaProfile.csv", profiles, "skills.csv", "Name\n"),
			"skills.csv in the ZIP does not name an object type: name each CSV after its type"},
		{"nothing", zipOf(t, "readme.txt", "hello"), "the ZIP holds no CSV and no .wav file to import"},
		{"two audio CSVs", zipOf(t, "AudioFiles.csv", "Name\n", "OBJECTS.audio-file.csv", "Name\n"), "the ZIP holds 2 CSVs of Audio File"},
		{"not a zip", "PK not really", "is not a readable ZIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := newImporter(t, 0)
			j, _ := im.run("OBJECTS.setup.zip", tc.src)
			assert.Equal(t, bulkd.StateFailed, j.State)
			assert.Contains(t, j.Error, tc.want)
			objs, err := im.st.Objects(context.Background(), "acme", "multimedia-profile")
			require.NoError(t, err)
			assert.Empty(t, objs)
		})
	}
}

// TestImporter_ZipAudioUpdate: a row of AudioFiles.csv naming no .wav of
// the ZIP changes a stored Audio File's description and keeps its bytes;
// naming none stored, it fails.
func TestImporter_ZipAudioUpdate(t *testing.T) {
	im := newImporter(t, 0)
	j, _ := im.run("OBJECTS.a.zip", zipOf(t, "welcome.wav", muLaw))
	require.Equal(t, bulkd.StateSucceeded, j.State, j.Error)
	sha := im.object("audio-file", "welcome.wav", "").Value(objects.FieldSHA256)

	j, msgs := im.run("OBJECTS.b.zip", zipOf(t, "AudioFiles.csv", "Name,Description\nWelcome.wav,Say hello\nbye.wav,Say bye\n"))
	assert.Equal(t, bulkd.StatePartial, j.State)
	assert.Equal(t, map[string]int{"updated": 1}, j.Counts)
	assert.Equal(t, map[int]string{2: `column "Name": the ZIP holds no bye.wav, and no Audio File of that name exists: add the .wav file to the ZIP`}, msgs)
	a := im.object("audio-file", "welcome.wav", "")
	assert.Equal(t, "Say hello", a.Value("Description"))
	assert.Equal(t, sha, a.Value(objects.FieldSHA256))

	j, msgs = im.run("OBJECTS.c.zip", zipOf(t, "not-audio.wav", "just text"))
	assert.Equal(t, bulkd.StateFailed, j.State)
	assert.Contains(t, msgs[1], "not-audio.wav: ")
}
