package contacts

import (
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	overLimit = "the record is over 1048576 bytes (the limit is limits.max_record_bytes); is this a CSV file with line breaks?"
	cp1252    = `; it looks like Windows-1252: set encoding = "windows-1252" for this tenant`
)

// readRows reads src as a CSV or JSON metadata file with o; each row's
// error, or its agent when it has none.
func readRows(t *testing.T, src string, json bool, o csvio.Options) ([]string, error) {
	t.Helper()
	var got []string
	fn := func(r *row) error {
		if r.err != "" {
			got = append(got, r.err)
		} else {
			got = append(got, "ok "+r.agent.value+" "+r.callID)
		}
		return nil
	}
	var err error
	if json {
		err = readJSONWith(strings.NewReader(src), o, fn)
	} else {
		_, err = readCSVWith(strings.NewReader(src), o, true, fn)
	}
	return got, err
}

func TestReadMeta_FileFails(t *testing.T) {
	huge := strings.Repeat("x", 3<<20)
	for _, tc := range []struct {
		name, src string
		json      bool
		want      string
	}{
		{"csv without newlines", huge, false, "header: line 1: " + overLimit},
		{"a million metadata columns", "AgentId,Recording1" + strings.Repeat(",metadata.x", 1<<20) + "\n", false, "header: line 1: " + overLimit},
		{"too many columns", "AgentId,Recording1" + strings.Repeat(",metadata.x", 1999) + "\n", false, "header: line 1: 2001 columns, over the limit of 2000 (limits.max_columns)"},
		{"a long unknown column", "AgentId,Recording1," + strings.Repeat("u", 1000) + "\n", false, `header: unknown column "` + strings.Repeat("u", 64) + `…"`},
		{"a long metadata name", "AgentId,Recording1,metadata." + strings.Repeat("m", 1000) + "\n", false, `header: column "metadata.` + strings.Repeat("m", 55) + `…": a metadata field name has at most 39 characters, this one 1000`},
		{"a header not UTF-8", "AgentId,Recording1,metadata.Stra\xdfe\n", false, `header: line 1: the text is not valid UTF-8 (byte 0xDF after "metadata.Stra")` + cp1252},
		{"a 3 MB JSON string", `{"AgentId":"` + huge + `"}`, true, "contact 1, from byte 0: the contact is over 1048576 bytes (the limit is limits.max_record_bytes)"},
		{"a long array element", `[{"AgentId":"1","Audio":{"Location":"a.wav"}},` + "\n" + `{"AgentId":"` + huge + `"}]`, true, "contact 2, from byte 45: the contact is over 1048576 bytes"},
		{"a long run of spaces", `{"AgentId":"1","Audio":{"Location":"a.wav"}}` + strings.Repeat(" ", 2<<20), true, "contact 2, from byte 44: the contact is over 1048576 bytes"},
		{"utf-16 without a BOM", `{"AgentId":"1"}`, true, "the file has no UTF-16 byte order mark"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := csvio.Options{}
			if tc.name == "utf-16 without a BOM" {
				o.Encoding = "utf-16"
			}
			_, err := readRows(t, tc.src, tc.json, o)
			require.Error(t, err)
			assert.Equal(t, bulkd.EINVALID, bulkd.ErrorCode(err))
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 400, "the message quotes no more than a prefix")
		})
	}
}

func TestReadCSV_RowsFailAlone(t *testing.T) {
	src := "AgentId,CallId,Recording1\n" +
		"1,c1,a.wav\n" +
		"2,Jos\xe9,b.wav\n" +
		"3," + strings.Repeat("c", 2<<20) + ",c.wav\n" +
		strings.Repeat("4", 1000) + ",c4,d.wav\n" +
		"5,c5,e.wav\n"
	got, err := readRows(t, src, false, csvio.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"ok 1 c1",
		`line 3: the text is not valid UTF-8 (byte 0xE9 after "Jos")` + cp1252,
		"line 4: " + overLimit,
		`column "AgentId": 1000 characters, at most 254`,
		"ok 5 c5",
	}, got)
}

func TestReadJSON_ContactsFailAlone(t *testing.T) {
	src := `[{"AgentId":"1","CallId":"c1","Audio":{"Location":"a.wav"}},` +
		`{"AgentId":"2","CallId":"Jos` + "\xe9" + `","Audio":{"Location":"b.wav"}},` +
		`{"AgentId":"3","CallId":"c3","Audio":{"Location":"c.wav"},"` + strings.Repeat("k", 1000) + `":1},` +
		`{"AgentId":{"x":"` + strings.Repeat("v", 1000) + `"},"Audio":{"Location":"d.wav"}},` +
		`{"AgentId":"5","CallId":"c5","Audio":{"Location":"e.wav"}}]`
	got, err := readRows(t, src, true, csvio.Options{})
	require.NoError(t, err)
	require.Len(t, got, 5)
	assert.Equal(t, "ok 1 c1", got[0])
	assert.Equal(t, `the text is not valid UTF-8 (byte 0xE9 after "Jos")`+cp1252, got[1])
	assert.Equal(t, `field "`+strings.Repeat("k", 64)+`…" is not a contact field`, got[2])
	assert.Contains(t, got[3], `{"x":"`+strings.Repeat("v", 58)+`… is not a string or a number`)
	assert.Less(t, len(got[3]), 300)
	assert.Equal(t, "ok 5 c5", got[4])
}

func TestReadMeta_Encodings(t *testing.T) {
	csv1252 := "AgentId,CallId,Recording1\n1,Jos\xe9 M\xfcller,a.wav\n"
	json1252 := `{"AgentId":"1","CallId":"Jos` + "\xe9 M\xfc" + `ller","Audio":{"Location":"a.wav"}}`
	utf16 := func(s string) string {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	for _, tc := range []struct {
		name, src, enc string
		json           bool
	}{
		{"csv windows-1252", csv1252, "windows-1252", false},
		{"csv iso-8859-1", csv1252, "iso-8859-1", false},
		{"csv utf-16", utf16("AgentId,CallId,Recording1\r\n1,José Müller,a.wav\r\n"), "", false},
		{"json windows-1252", json1252, "windows-1252", true},
		{"json utf-16", utf16(`{"AgentId":"1","CallId":"José Müller","Audio":{"Location":"a.wav"}}`), "utf-16", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readRows(t, tc.src, tc.json, csvio.Options{Encoding: tc.enc})
			require.NoError(t, err)
			assert.Equal(t, []string{"ok 1 José Müller"}, got)
		})
	}
}

// endlessJSON is `{"AgentId":"` and then n bytes of 'x', made as read.
type endlessJSON struct {
	head string
	n    int
}

func (e *endlessJSON) Read(p []byte) (int, error) {
	if e.head != "" {
		k := copy(p, e.head)
		e.head = e.head[k:]
		return k, nil
	}
	if e.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), e.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	e.n -= k
	return k, nil
}

// TestReadJSON_BoundedMemory reads a 200 MB JSON string and checks that
// the heap stays within a few MiB.
func TestReadJSON_BoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200 MB")
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.TotalAlloc
	err := readJSONWith(&endlessJSON{head: `{"AgentId":"`, n: 200 << 20}, csvio.Options{}, func(*row) error { return nil })
	require.ErrorContains(t, err, "contact 1, from byte 0: the contact is over 1048576 bytes")
	runtime.ReadMemStats(&ms)
	alloc := ms.TotalAlloc - base
	t.Logf("allocated while reading: %.1f MiB", float64(alloc)/(1<<20))
	assert.Less(t, alloc, uint64(16<<20), "a value is refused at the limit, not read whole")
}
