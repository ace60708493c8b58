package media_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkd/bulkd/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wav builds a WAV header: an optional chunk before fmt, then fmt with
// tag, channels, rate and bits, then an empty data chunk.
func wav(extra bool, tag uint16, channels uint16, rate uint32, bits uint16) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WAVE")
	if extra {
		b.WriteString("LIST\x03\x00\x00\x00abc\x00") // odd size: padded
	}
	b.WriteString("fmt ")
	_ = binary.Write(&b, binary.LittleEndian, uint32(16))
	blockAlign := channels * bits / 8
	for _, v := range []any{tag, channels, rate, rate * uint32(blockAlign), blockAlign, bits} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data\x00\x00\x00\x00")
	return b.Bytes()
}

func TestCheckPrompt(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" for a prompt
	}{
		{"mu-law 8 kHz 8-bit mono", wav(false, 7, 1, 8000, 8), ""},
		{"after another chunk", wav(true, 7, 1, 8000, 8), ""},
		{"PCM stereo", wav(false, 1, 2, 44100, 16), "the WAV is PCM, 44100 Hz, 16-bit, stereo; prompts must be G.711 μ-law"},
		{"A-law", wav(false, 6, 1, 8000, 8), "the WAV is G.711 A-law, 8000 Hz, 8-bit, mono"},
		{"mu-law at 16 kHz", wav(false, 7, 1, 16000, 8), "16000 Hz"},
		{"not RIFF", []byte("OggS\x00\x02not a wav at all"), "not a WAV file: it does not start with RIFF"},
		{"short", []byte("RIFF"), "shorter than a RIFF header"},
		{"no fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"), "no fmt chunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := media.CheckPrompt(bytes.NewReader(tc.b))
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if bytes.HasPrefix(tc.b, []byte("RIFF")) && len(tc.b) > 40 {
				assert.Contains(t, err.Error(), "sox in.wav -r 8000 -c 1 -e mu-law -b 8 out.wav", "says how to convert it")
			}
		})
	}
}

func TestReadWAVFormat_Fixture(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "media", "call1.wav"))
	require.NoError(t, err)
	defer f.Close()
	got, err := media.ReadWAVFormat(f)
	require.NoError(t, err)
	assert.NotEmpty(t, got.Encoding)
	assert.Positive(t, got.SampleRate)
}

// FuzzReadWAVFormat: any bytes give a format or an error, never a panic,
// and a format read is one whose fields came from the header.
func FuzzReadWAVFormat(f *testing.F) {
	f.Add(wav(false, 7, 1, 8000, 8))
	f.Add(wav(true, 1, 2, 44100, 16))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x28\x00\x00\x00\xfe\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := media.ReadWAVFormat(bytes.NewReader(b))
		if err == nil && got.Encoding == "" {
			t.Fatalf("a format with no encoding from %q", b)
		}
	})
}
