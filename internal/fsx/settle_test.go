package fsx_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step moves the clock, maybe writes the file, and says what Check answers.
type step struct {
	advance time.Duration
	write   bool
	want    bool
}

func TestSettler_Check(t *testing.T) {
	const window = time.Minute
	base := time.Now()
	for _, tc := range []struct {
		name  string
		mtime time.Duration // relative to base
		steps []step
	}{
		{name: "fresh file waits the whole window", mtime: 0, steps: []step{{0, false, false}, {window / 2, false, false}, {window, false, true}}},
		{name: "a write restarts the window", mtime: 0, steps: []step{{0, false, false}, {window - time.Second, true, false}, {window - time.Second, false, false}, {2 * time.Second, false, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
			now := base
			require.NoError(t, os.Chtimes(path, now, now))
			s := fsx.NewSettler(window, func() time.Time { return now })
			for i, st := range tc.steps {
				now = now.Add(st.advance)
				if st.write {
					require.NoError(t, os.WriteFile(path, []byte("xy"), 0o644))
					require.NoError(t, os.Chtimes(path, now, now))
				}
				exists, settled := s.Check(path)
				assert.True(t, exists)
				assert.Equal(t, st.want, settled, "step %d", i)
			}
		})
	}
}

func TestSettler_OldFileRestartAndForget(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows copies keep the source's mtime; there an old mtime proves nothing")
	}
	now := time.Now()
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
	old := now.Add(-time.Hour)
	require.NoError(t, os.Chtimes(path, old, old))
	s := fsx.NewSettler(time.Minute, func() time.Time { return now })

	_, settled := s.Check(path)
	assert.True(t, settled, "an mtime older than the window: settled at first sight")
	s.Restart(path)
	_, settled = s.Check(path)
	assert.False(t, settled, "after a failed take it waits a whole window again")

	require.NoError(t, os.Remove(path))
	exists, settled := s.Check(path)
	assert.False(t, exists)
	assert.False(t, settled)
	assert.Equal(t, 250*time.Millisecond, fsx.NewSettler(time.Second, time.Now).PollInterval())
	assert.Equal(t, 20*time.Millisecond, fsx.NewSettler(0, time.Now).PollInterval())
}
