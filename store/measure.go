package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MeasurePuts times bbolt alone storing n pre-encoded values of size bytes
// under sequential 8-byte keys, perTx to a transaction, in a fresh file in
// dir, with the same bucket settings the contacts bucket uses. It is the
// baseline bulkbench holds the contacts import against.
func MeasurePuts(dir string, n, size, perTx int) (time.Duration, error) {
	path := filepath.Join(dir, "measure.db")
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	values := make([][]byte, perTx) // pre-encoded: the loop only puts
	for i := range values {
		values[i] = make([]byte, size)
		for j := range values[i] {
			values[i][j] = byte('a' + (i+j)%26)
		}
	}
	start := time.Now()
	var key [8]byte
	for done := 0; done < n; {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("values"))
			if err != nil {
				return err
			}
			b.FillPercent = 0.95
			for i := 0; i < perTx && done < n; i++ {
				done++
				binary.BigEndian.PutUint64(key[:], uint64(done))
				if err := b.Put(key[:], values[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("measure puts: %w", err)
		}
	}
	return time.Since(start), nil
}

// ContactStats returns how many contacts the tenant has and their average
// encoded size in bytes.
func (s *Store) ContactStats(ctx context.Context, tenant string) (int, float64, error) {
	n, total := 0, 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := contactsBucket(tx, tenant, false)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(_, v []byte) error {
			n++
			total += len(v)
			return nil
		})
	})
	if n == 0 {
		return 0, 0, err
	}
	return n, float64(total) / float64(n), err
}
