package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.ContactStore = (*Store)(nil)

// bucketContacts (under a tenant) maps contact id to the contact in the
// binary encoding below. Ids grow with job ids, so writes are appends.
var bucketContacts = []byte("contacts")

func decodeContact(id uint64, v []byte) (*bulkd.Contact, error) {
	c := &bulkd.Contact{ID: id}
	if err := c.UnmarshalBinary(v); err != nil {
		return nil, err
	}
	return c, nil
}

// contactsBucket returns the tenant's contacts bucket (nil when it has none
// and create is false).
func contactsBucket(tx *bolt.Tx, tenant string, create bool) (*bolt.Bucket, error) {
	tb, err := tenantBucket(tx, tenant, create)
	if tb == nil || err != nil {
		return nil, err
	}
	if !create {
		return tb.Bucket(bucketContacts), nil
	}
	return tb.CreateBucketIfNotExists(bucketContacts)
}

// ApplyContacts stores a batch of encoded contacts with the job's progress.
func (s *Store) ApplyContacts(ctx context.Context, jobID uint64, tenant string, batch *bulkd.ContactBatch, p bulkd.Progress) error {
	err := s.applyGrouped(ctx, jobID, p, func(tx *bolt.Tx) error {
		b, err := contactsBucket(tx, tenant, true)
		if err != nil {
			return err
		}
		b.FillPercent = 0.95 // keys are appended in order
		var key [8]byte
		for i := range batch.Len() {
			id, val := batch.At(i)
			binary.BigEndian.PutUint64(key[:], id)
			if err := b.Put(key[:], val); err != nil {
				return fmt.Errorf("put contact %d: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply contacts of job %d: %w", jobID, err)
	}
	return nil
}

// Contacts returns a page of the tenant's contacts after the given id.
func (s *Store) Contacts(ctx context.Context, tenant string, after uint64, limit int) ([]*bulkd.Contact, uint64, error) {
	out := []*bulkd.Contact{}
	var next uint64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := contactsBucket(tx, tenant, false)
		if err != nil || b == nil {
			return err
		}
		c := b.Cursor()
		k, v := c.Seek(itob(after + 1))
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			ct, err := decodeContact(btoi(k), v)
			if err != nil {
				return err
			}
			out = append(out, ct)
		}
		if k != nil && len(out) > 0 {
			next = out[len(out)-1].ID
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list contacts of %s: %w", tenant, err)
	}
	return out, next, nil
}

// JobContacts returns the contacts imported by a job, in row order.
func (s *Store) JobContacts(ctx context.Context, tenant string, jobID uint64) ([]*bulkd.Contact, error) {
	out := []*bulkd.Contact{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := contactsBucket(tx, tenant, false)
		if err != nil || b == nil {
			return err
		}
		return forJob(b, jobID, func(id uint64, _ int, v []byte) error {
			ct, err := decodeContact(id, v)
			if err == nil {
				out = append(out, ct)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("contacts of job %d: %w", jobID, err)
	}
	return out, nil
}

// Contact returns one contact of the tenant.
func (s *Store) Contact(ctx context.Context, tenant string, id uint64) (*bulkd.Contact, error) {
	var ct *bulkd.Contact
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		ct, err = getContact(tx, tenant, id)
		return err
	})
	return ct, err
}

func getContact(tx *bolt.Tx, tenant string, id uint64) (*bulkd.Contact, error) {
	b, err := contactsBucket(tx, tenant, false)
	if err != nil {
		return nil, err
	}
	var v []byte
	if b != nil {
		v = b.Get(itob(id))
	}
	if v == nil {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "contact %d not found", id)
	}
	return decodeContact(id, v)
}

// StoreRecording records that a recording's bytes arrived.
func (s *Store) StoreRecording(ctx context.Context, tenant string, id uint64, location string, size int64, sha string) (*bulkd.Contact, error) {
	var ct *bulkd.Contact
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if ct, err = getContact(tx, tenant, id); err != nil {
			return err
		}
		i := slices.IndexFunc(ct.Recordings, func(r bulkd.Recording) bool { return r.Location == location })
		if i < 0 {
			return bulkd.Errorf(bulkd.ENOTFOUND, "contact %d has no recording %q", id, location)
		}
		ct.Recordings[i].Size, ct.Recordings[i].SHA256 = size, sha
		ct.Complete = !slices.ContainsFunc(ct.Recordings, func(r bulkd.Recording) bool { return r.SHA256 == "" })
		b, err := contactsBucket(tx, tenant, false)
		if err != nil {
			return err
		}
		v, err := ct.AppendBinary(nil)
		if err != nil {
			return err
		}
		return b.Put(itob(id), v)
	})
	if err != nil {
		return nil, err
	}
	return ct, nil
}
