package media

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"hash"
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
			var got []byte
			if tr, ok := h.(*truncating); ok {
				got = tr.Sum(nil)
			} else {
				got = h.Sum(nil)
			}
			assert.True(t, bytes.Equal(want[:], got), "hash of the bytes as they are")
		})
	}
}
