package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

// MediaDigests calls fn with the digest of every blob a stored record
// names: each contact's recordings and each configuration object's
// bulkd.ObjectMediaField, in every tenant. It reads everything: it runs when
// the media store is swept, at start-up.
func (s *Store) MediaDigests(ctx context.Context, fn func(sha string)) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTenants).ForEach(func(name, v []byte) error {
			tb := tx.Bucket(bucketTenants).Bucket(name)
			if v != nil || tb == nil {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if cb := tb.Bucket(bucketContacts); cb != nil {
				err := cb.ForEach(func(k, v []byte) error {
					c, err := decodeContact(btoi(k), v)
					if err != nil {
						return err
					}
					for _, r := range c.Recordings {
						if r.SHA256 != "" {
							fn(r.SHA256)
						}
					}
					return nil
				})
				if err != nil {
					return fmt.Errorf("contacts of %s: %w", name, err)
				}
			}
			if ob := tb.Bucket(bucketObjects); ob != nil {
				err := ob.ForEach(func(k, v []byte) error {
					var o bulkd.ConfigObject
					if err := json.Unmarshal(v, &o); err != nil {
						return fmt.Errorf("decode object %q: %w", k, err)
					}
					if sha := o.Value(bulkd.ObjectMediaField); sha != "" {
						fn(sha)
					}
					return nil
				})
				if err != nil {
					return fmt.Errorf("objects of %s: %w", name, err)
				}
			}
			return nil
		})
	})
}
