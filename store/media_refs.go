package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// keyInstance names this store among others: what it writes into a shared
// place (a bucket's owner marker) says which store it is.
var keyInstance = []byte("instance")

// InstanceID returns the store's instance id, made (random) the first
// time it is asked for and kept in the file: a copy of the data dir
// carries it, a new data dir has another.
func (s *Store) InstanceID(ctx context.Context) (string, error) {
	var id string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketMeta).Get(keyInstance))
		return nil
	})
	if err != nil || id != "" {
		return id, err
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyInstance); v != nil {
			id = string(v)
			return nil
		}
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		id = hex.EncodeToString(b)
		return meta.Put(keyInstance, []byte(id))
	})
	if err != nil {
		return "", fmt.Errorf("store instance id: %w", err)
	}
	return id, nil
}
