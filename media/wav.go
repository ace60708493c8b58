package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WAVFormat is what a WAV file's fmt chunk says of its samples.
type WAVFormat struct {
	Encoding      string // "PCM", "G.711 μ-law", "G.711 A-law", "IEEE float", or "format 0x…"
	SampleRate    int
	BitsPerSample int
	Channels      int
}

func (f WAVFormat) String() string {
	ch := fmt.Sprintf("%d channels", f.Channels)
	switch f.Channels {
	case 1:
		ch = "mono"
	case 2:
		ch = "stereo"
	}
	return fmt.Sprintf("%s, %d Hz, %d-bit, %s", f.Encoding, f.SampleRate, f.BitsPerSample, ch)
}

// IsPrompt reports whether f is what contact-center prompts play: G.711
// μ-law, 8 kHz, 8-bit, mono.
func (f WAVFormat) IsPrompt() bool {
	return f.Encoding == encodingMuLaw && f.SampleRate == 8000 && f.BitsPerSample == 8 && f.Channels == 1
}

const encodingMuLaw = "G.711 μ-law"

// PromptConversion is a command line that converts a WAV into a prompt.
const PromptConversion = "sox in.wav -r 8000 -c 1 -e mu-law -b 8 out.wav (or: ffmpeg -i in.wav -ar 8000 -ac 1 -acodec pcm_mulaw out.wav)"

// maxWAVHeader bounds how far ReadWAVFormat reads for the fmt chunk: it
// comes first in any real file, after at most a few small chunks.
const maxWAVHeader = 64 << 10

// ReadWAVFormat reads the fmt chunk of the WAV file r: the encoding is
// read from the header, never guessed from a file name.
func ReadWAVFormat(r io.Reader) (WAVFormat, error) {
	r = io.LimitReader(r, maxWAVHeader)
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return WAVFormat{}, errors.New("not a WAV file: it is shorter than a RIFF header")
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return WAVFormat{}, errors.New("not a WAV file: it does not start with RIFF…WAVE")
	}
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return WAVFormat{}, errors.New("not a WAV file: no fmt chunk in its first 64 KiB")
		}
		size := binary.LittleEndian.Uint32(hdr[4:])
		if string(hdr[0:4]) != "fmt " {
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size&1)); err != nil {
				return WAVFormat{}, errors.New("not a WAV file: no fmt chunk in its first 64 KiB")
			}
			continue
		}
		if size < 16 {
			return WAVFormat{}, fmt.Errorf("not a WAV file: its fmt chunk is %d bytes, under 16", size)
		}
		b := make([]byte, min(size, 40))
		if _, err := io.ReadFull(r, b); err != nil {
			return WAVFormat{}, errors.New("not a WAV file: its fmt chunk is cut short")
		}
		tag := binary.LittleEndian.Uint16(b[0:])
		if tag == 0xFFFE && len(b) >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes are the tag
			tag = binary.LittleEndian.Uint16(b[24:])
		}
		return WAVFormat{
			Encoding:      encodingName(tag),
			Channels:      int(binary.LittleEndian.Uint16(b[2:])),
			SampleRate:    int(binary.LittleEndian.Uint32(b[4:])),
			BitsPerSample: int(binary.LittleEndian.Uint16(b[14:])),
		}, nil
	}
}

func encodingName(tag uint16) string {
	switch tag {
	case 1:
		return "PCM"
	case 3:
		return "IEEE float"
	case 6:
		return "G.711 A-law"
	case 7:
		return encodingMuLaw
	}
	return fmt.Sprintf("format 0x%04X", tag)
}

// CheckPrompt says why the WAV file r cannot be a contact-center prompt,
// naming the encoding found and a command line that converts it; nil when
// it can.
func CheckPrompt(r io.Reader) error {
	f, err := ReadWAVFormat(r)
	if err != nil {
		return err
	}
	if !f.IsPrompt() {
		return fmt.Errorf("the WAV is %s; prompts must be G.711 μ-law, 8 kHz, 8-bit, mono: convert it with %s", f, PromptConversion)
	}
	return nil
}
