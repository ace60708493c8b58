package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// TestGroup_SharesTransactions runs many writers at once, some of which
// fail, and checks that every write that succeeded is stored, every
// failure is its caller's own, the failures stored nothing, and writes
// shared transactions.
func TestGroup_SharesTransactions(t *testing.T) {
	tests := []struct {
		name    string
		writers int
		fails   func(i int) bool
	}{
		{"all succeed", 200, func(int) bool { return false }},
		{"every seventh fails", 200, func(i int) bool { return i%7 == 3 }},
		{"every one fails", 50, func(int) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(filepath.Join(t.TempDir(), "bulkd.db"))
			require.NoError(t, err)
			defer s.Close()
			ctx := context.Background()
			bucket := []byte("group-test")
			require.NoError(t, s.update(ctx, func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }))
			before := s.writeTx.Load()

			errs := make([]error, tt.writers)
			var wg sync.WaitGroup
			for i := range tt.writers {
				wg.Go(func() {
					errs[i] = s.group(ctx, func(tx *bolt.Tx) error {
						b := tx.Bucket(bucket)
						// Each write adds to a counter: a write run twice
						// in one committed transaction would show.
						n := uint64(0)
						if v := b.Get([]byte("count")); v != nil {
							n = binary.BigEndian.Uint64(v)
						}
						if err := b.Put([]byte("count"), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
							return err
						}
						if err := b.Put(fmt.Appendf(nil, "w%04d", i), nil); err != nil {
							return err
						}
						if tt.fails(i) {
							return fmt.Errorf("writer %d fails", i)
						}
						return nil
					})
				})
			}
			wg.Wait()

			ok := 0
			for i, err := range errs {
				if tt.fails(i) {
					assert.EqualError(t, err, fmt.Sprintf("writer %d fails", i))
					continue
				}
				assert.NoError(t, err, "writer %d", i)
				ok++
			}
			require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				count := uint64(0)
				if v := b.Get([]byte("count")); v != nil {
					count = binary.BigEndian.Uint64(v)
				}
				assert.Equal(t, uint64(ok), count, "each successful write counted once")
				for i := range tt.writers {
					got := b.Get(fmt.Appendf(nil, "w%04d", i)) != nil
					assert.Equal(t, !tt.fails(i), got, "writer %d stored", i)
				}
				return nil
			}))
			if ok == tt.writers {
				assert.Less(t, s.writeTx.Load()-before, int64(tt.writers), "writers shared transactions")
			}
		})
	}
}

func TestGroup_CanceledContext(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.group(ctx, func(*bolt.Tx) error { return nil })
	assert.True(t, errors.Is(err, context.Canceled))
}

// TestGroup_Panic: a write that panics fails its group with an error, and
// writes after it go on.
func TestGroup_Panic(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	err = s.group(ctx, func(*bolt.Tx) error { panic("boom") })
	assert.ErrorContains(t, err, "store write panicked: boom")
	require.NoError(t, s.group(ctx, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("after"))
		return err
	}), "the store is not wedged")
}

// TestGroup_PanicAlone: a write that fails in its group and then panics
// when run again alone gets an error; the ones before it commit.
func TestGroup_PanicAlone(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bulkd.db"))
	require.NoError(t, err)
	defer s.Close()
	runs := 0
	calls := []*groupCall{
		{fn: func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("before")); return err }, done: make(chan struct{})},
		{fn: func(*bolt.Tx) error {
			if runs++; runs == 1 {
				return errors.New("first run fails")
			}
			panic("boom alone")
		}, done: make(chan struct{})},
	}
	s.runGroup(calls)
	require.NoError(t, calls[0].err)
	assert.ErrorContains(t, calls[1].err, "store write panicked: boom alone")
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.NotNil(t, tx.Bucket([]byte("before")), "the write before it committed")
		return nil
	}))
}
