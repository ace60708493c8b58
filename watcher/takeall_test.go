package watcher_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkd/bulkd/watcher"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWatcher_TakeAll: files that settle together reach Take in calls
// of at most MaxTakeAll, in name order; a file whose take failed is
// offered again, the others not.
func TestWatcher_TakeAll(t *testing.T) {
	root := filepath.Join(t.TempDir(), "gis")
	n := watcher.MaxTakeAll + 6
	require.NoError(t, os.MkdirAll(filepath.Join(root, "acme"), 0o755))
	for i := range n {
		path := filepath.Join(root, "acme", fmt.Sprintf("AGENTS.%03d.csv", i))
		require.NoError(t, os.WriteFile(path, []byte("Email\n"), 0o644))
		old := time.Now().Add(-time.Minute) // settled at the first look: all in one check
		require.NoError(t, os.Chtimes(path, old, old))
	}
	var (
		mu      sync.Mutex
		calls   [][]string
		taken   []string
		refused = true // the first take of AGENTS.007.csv fails
	)
	takeAll := func(_ context.Context, files []watcher.File) []error {
		mu.Lock()
		defer mu.Unlock()
		errs := make([]error, len(files))
		var names []string
		for i, f := range files {
			names = append(names, f.Name)
			if f.Name == "AGENTS.007.csv" && refused {
				refused, errs[i] = false, errors.New("not now")
				continue
			}
			errs[i] = os.Remove(filepath.Join(f.Dir, f.Name))
			taken = append(taken, f.Name)
		}
		calls = append(calls, names)
		return errs
	}
	w := watcher.New(watcher.Config{
		Root: root, Settle: 50 * time.Millisecond, Rescan: time.Hour, MaxBackoff: 100 * time.Millisecond,
		Tenants: []string{"acme"}, ValidTenant: func(string) bool { return true },
		Match: func(name string) bool { return strings.HasPrefix(name, "AGENTS.") },
		Take:  takeAll,
	}, hclog.NewNullLogger())
	require.NoError(t, w.Open(context.Background()))
	defer w.Close()
	waitFor(t, "every file taken", func() bool { mu.Lock(); defer mu.Unlock(); return len(taken) == n })

	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(calls), 3, "two calls for the files, one for the retry: %v", calls)
	assert.Len(t, calls[0], watcher.MaxTakeAll)
	assert.Len(t, calls[1], n-watcher.MaxTakeAll)
	assert.True(t, slices.IsSorted(slices.Concat(calls[0], calls[1])), "in name order")
	assert.Equal(t, []string{"AGENTS.007.csv"}, calls[len(calls)-1], "only the refused file again")
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(taken))), n, "each taken once")
}
