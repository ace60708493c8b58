package main

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun makes every screenshot the README shows, as `go run
// ./cmd/bulkshots` does, and checks each is a PNG of the window's size.
func TestRun(t *testing.T) {
	out := t.TempDir()
	require.NoError(t, run(context.Background(), []string{"-out", out, "-root", "../..", "-width", "1024", "-height", "700"}))
	names, err := filepath.Glob(filepath.Join("../../docs", "*.png"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, n := range names {
		f, err := os.Open(filepath.Join(out, filepath.Base(n)))
		require.NoError(t, err, "the README's %s is made", filepath.Base(n))
		cfg, err := png.DecodeConfig(f)
		f.Close()
		require.NoError(t, err)
		assert.Equal(t, 1024, cfg.Width)
		assert.Equal(t, 700, cfg.Height)
	}
}
