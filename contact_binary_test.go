package bulkd_test

import (
	"strings"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fullContact() *bulkd.Contact {
	return &bulkd.Contact{
		ID: bulkd.RowID(3, 7), AgentID: 42, CallID: "30611848", AssocCallID: "1035", StartTimeMs: -5,
		Direction: 1, CalledAddress: "1801", CallingAddress: "+15550100", Line: "ü", TimeZone: "America/Chicago",
		Metadata: bulkd.Metadata{{Name: "a", Value: "1"}, {Name: "empty", Value: ""}}, Complete: false, JobID: 3, Row: 7,
		Recordings: []bulkd.Recording{
			{Location: "call1.wav", Media: bulkd.MediaAudio, OffsetMs: 0, Size: 1644, SHA256: strings.Repeat("0f", 32)},
			{Location: "call1.webmv", Media: bulkd.MediaScreen, OffsetMs: -5000}, // not arrived yet
		},
	}
}

func TestContact_BinaryRoundTrip(t *testing.T) {
	upper := fullContact()
	upper.Recordings[0].SHA256 = strings.ToUpper(upper.Recordings[0].SHA256)
	for name, c := range map[string]*bulkd.Contact{
		"full":      fullContact(),
		"empty":     {ID: 1, Metadata: bulkd.Metadata{}, Recordings: []bulkd.Recording{}},
		"upper hex": upper,
	} {
		t.Run(name, func(t *testing.T) {
			b, err := c.AppendBinary([]byte("prefix"))
			require.NoError(t, err)
			require.Equal(t, "prefix", string(b[:6]), "appends")
			got := &bulkd.Contact{ID: c.ID}
			require.NoError(t, got.UnmarshalBinary(b[6:]))
			want := *c
			want.Recordings = append([]bulkd.Recording{}, c.Recordings...)
			for i := range want.Recordings {
				want.Recordings[i].SHA256 = strings.ToLower(want.Recordings[i].SHA256)
			}
			assert.Equal(t, &want, got)
		})
	}
}

func TestContact_BinaryErrors(t *testing.T) {
	for _, sha := range []string{"abc", strings.Repeat("0g", 32), strings.Repeat("0", 63), strings.Repeat("00", 33)} {
		c := fullContact()
		c.Recordings[0].SHA256 = sha
		_, err := c.AppendBinary(nil)
		assert.ErrorContains(t, err, "is not 64 hex digits", sha)
	}
	b, err := fullContact().AppendBinary(nil)
	require.NoError(t, err)
	for n := range len(b) - 1 {
		assert.ErrorIs(t, new(bulkd.Contact).UnmarshalBinary(b[:n]), bulkd.ErrCorruptContact, "cut at %d", n)
	}
	assert.ErrorContains(t, new(bulkd.Contact).UnmarshalBinary([]byte{9}), "unknown encoding")
}

func TestContactBatch(t *testing.T) {
	b := bulkd.NewContactBatch(1, 8) // grows past its first buffer
	var want []*bulkd.Contact
	for row := 1; row <= 20; row++ {
		c := fullContact()
		c.ID, c.Row, c.CallID = bulkd.RowID(3, row), row, strings.Repeat("x", row)
		require.NoError(t, b.Add(c))
		want = append(want, c)
	}
	require.Equal(t, 20, b.Len())
	for i, c := range want {
		id, v := b.At(i)
		assert.Equal(t, c.ID, id)
		got := &bulkd.Contact{ID: id}
		require.NoError(t, got.UnmarshalBinary(v))
		assert.Equal(t, c.CallID, got.CallID)
	}
	b.Reset()
	assert.Zero(t, b.Len())
	assert.Zero(t, b.Bytes())
}

// FuzzContactUnmarshal checks that no stored bytes make decoding panic, and
// that what decodes encodes back to the same bytes.
func FuzzContactUnmarshal(f *testing.F) {
	b, _ := fullContact().AppendBinary(nil)
	f.Add(b)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, v []byte) {
		c := &bulkd.Contact{}
		if c.UnmarshalBinary(v) != nil {
			return
		}
		again, err := c.AppendBinary(nil)
		if err != nil {
			return // a digest of the wrong length decodes but does not encode
		}
		c2 := &bulkd.Contact{}
		require.NoError(t, c2.UnmarshalBinary(again))
		require.Equal(t, c, c2)
	})
}
