package store

import (
	"bytes"
	"context"
	"time"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

// Outbox is what waits to be forwarded to a central bulkd.
type Outbox struct {
	// Depth is how many jobs wait (not final here yet, or queued).
	Depth int
	// Oldest is when the oldest of them was created (zero: none waits).
	Oldest time.Time
}

// Outbox counts the outbox, or tenant's part of it ("": every tenant's).
// It reads one key a waiting job, and the record of the oldest (ids grow
// with claims): the outbox is small unless the central has been down
// long, and then this is what its monitoring wants to see.
func (s *Store) Outbox(ctx context.Context, tenant string) (Outbox, error) {
	var out Outbox
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = Outbox{}
		var prefix []byte
		if tenant != "" {
			prefix = tenantPrefix(tenant)
		}
		var oldest uint64
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out.Depth++
			if id := btoi(k[len(k)-8:]); oldest == 0 || id < oldest {
				oldest = id
			}
		}
		if oldest == 0 {
			return nil
		}
		j, err := getRecord(tx, oldest)
		if err == nil {
			out.Oldest = j.CreatedAt
		}
		return err
	})
	return out, err
}

// OutboxHeads returns each tenant's oldest job in the outbox, with its
// lists: what the forwarder sends next (a tenant's jobs go in the order
// they were claimed). It reads one key and one job a tenant, skipping from
// one tenant's keys to the next.
func (s *Store) OutboxHeads(ctx context.Context) ([]*bulkd.Job, error) {
	var out []*bulkd.Job
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.First(); k != nil; {
			j, err := getJob(tx, btoi(k[len(k)-8:]))
			if err != nil {
				return err
			}
			out = append(out, j)
			end := prefixEnd(tenantPrefix(j.Tenant))
			if end == nil {
				break
			}
			k, _ = c.Seek(end)
		}
		return nil
	})
	return out, err
}
