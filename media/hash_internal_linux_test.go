package media

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// truncating is a hash that truncates a file at its first Write, as a
// writer still at work could while the file is mapped.
type truncating struct {
	hash.Hash
	file string
	to   int64
	done bool
}

func (h *truncating) Write(p []byte) (int, error) {
	if !h.done {
		h.done = true
		if err := os.Truncate(h.file, h.to); err != nil {
			panic(err)
		}
	}
	return h.Hash.Write(p)
}

func TestHashRest(t *testing.T) {
	data := make([]byte, mapWindow+mapWindow/2+123) // two windows, the last partial
	_, err := rand.Read(data)
	require.NoError(t, err)
	tests := []struct {
		name     string
		size     int
		truncate int64 // -1: not
		want     []byte
		wantErr  bool
	}{
		{"mapped, two windows", len(data), -1, data, false},
		{"small, read", minMapped - 1, -1, data[:minMapped-1], false},
		{"shrunk under the mapping: read again", len(data), mapWindow / 2, data[:mapWindow/2], false},
		{"shrunk below the sniffed bytes", len(data), 10, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			require.NoError(t, os.WriteFile(path, data[:tt.size], 0o644))
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			fi, err := f.Stat()
			require.NoError(t, err)
			const off = 100 // the sniffed bytes, hashed by the caller
			_, err = f.Seek(off, 0)
			require.NoError(t, err)
			var h hash.Hash = sha256.New()
			h.Write(data[:off])
			if tt.truncate >= 0 {
				h = &truncating{Hash: h, file: path, to: tt.truncate}
			}
			n, err := hashRest(h, f, fi, off, make([]byte, 32<<10))
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, int64(len(tt.want)-off), n)
			want := sha256.Sum256(tt.want)
			got := h.Sum(nil)
			assert.True(t, bytes.Equal(want[:], got), "hash of the bytes as they are")
		})
	}
}

// BenchmarkHashRest compares hashing a recording's file mapped (hashRest)
// with reading it into a buffer first and with hashing bytes already in
// memory: the figures the media store's choice of mapping rests on.
func BenchmarkHashRest(b *testing.B) {
	dir := b.TempDir()
	const files, size = 16, 4 << 20
	paths := make([]string, files)
	data := make([][]byte, files)
	for i := range paths {
		data[i] = make([]byte, size)
		if _, err := rand.Read(data[i]); err != nil {
			b.Fatal(err)
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("f%d.wav", i))
		if err := os.WriteFile(paths[i], data[i], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 256<<10)
	each := func(b *testing.B, hash func(f *os.File, fi os.FileInfo) error) {
		b.SetBytes(files * size)
		for b.Loop() {
			for _, p := range paths {
				f, err := os.Open(p)
				if err != nil {
					b.Fatal(err)
				}
				fi, err := f.Stat()
				if err == nil {
					err = hash(f, fi)
				}
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("mapped", func(b *testing.B) {
		each(b, func(f *os.File, fi os.FileInfo) error { _, err := hashRest(sha256.New(), f, fi, 0, buf); return err })
	})
	b.Run("read", func(b *testing.B) {
		each(b, func(f *os.File, _ os.FileInfo) error { _, err := io.CopyBuffer(sha256.New(), f, buf); return err })
	})
	b.Run("in memory", func(b *testing.B) {
		b.SetBytes(files * size)
		for b.Loop() {
			for _, d := range data {
				h := sha256.New()
				h.Write(d)
			}
		}
	})
}
