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
// It reads one key a waiting job, and the record of each tenant's oldest:
// the outbox is small unless the central has been down long, and then
// this is what its monitoring wants to see.
func (s *Store) Outbox(ctx context.Context, tenant string) (Outbox, error) {
	var out Outbox
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = Outbox{}
		var prefix []byte
		if tenant != "" {
			prefix = tenantPrefix(tenant)
		}
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out.Depth++
		}
		heads, err := outboxHeads(tx)
		for _, j := range heads {
			if (tenant == "" || j.Tenant == tenant) && (out.Oldest.IsZero() || j.CreatedAt.Before(out.Oldest)) {
				out.Oldest = j.CreatedAt
			}
		}
		return err
	})
	return out, err
}

// OutboxHeads returns each tenant's oldest job in the outbox, with its
// lists: what the forwarder sends next (a tenant's jobs go in the order
// they were claimed). It reads one key and one job a tenant.
func (s *Store) OutboxHeads(ctx context.Context) ([]*bulkd.Job, error) {
	var out []*bulkd.Job
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = outboxHeads(tx)
		return err
	})
	return out, err
}

func outboxHeads(tx *bolt.Tx) ([]*bulkd.Job, error) {
	var out []*bulkd.Job
	c := tx.Bucket(bucketOutbox).Cursor()
	for k, _ := c.First(); k != nil; {
		i := bytes.IndexByte(k, 0)
		if i < 0 || len(k) != i+1+8 {
			k, _ = c.Next() // not a key this version writes
			continue
		}
		j, err := getJob(tx, btoi(k[i+1:]))
		if err != nil {
			return nil, err
		}
		out = append(out, j)
		end := prefixEnd(k[:i+1])
		if end == nil {
			break
		}
		k, _ = c.Seek(end)
	}
	return out, nil
}
