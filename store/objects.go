package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.ObjectStore = (*Store)(nil)

// bucketObjects (under a tenant) maps an object's identity (objectKey) to
// the object (JSON). One bucket for every type: the slug leads the key, so
// a type's objects are one key range, in key order.
var bucketObjects = []byte("objects")

// objectKey is an object's identity: its type's slug, its key in lower case
// (keys are matched in any case, as agents' emails are) and, for a key that
// is unique only within another object (a Team's name within its Site),
// that scope in lower case after it, so a type's objects sort by key.
func objectKey(slug, key, within string) []byte {
	k := slug + "\x00" + strings.ToLower(key)
	if within != "" {
		k += "\x00" + strings.ToLower(within)
	}
	return []byte(k)
}

// ApplyObjects creates, updates or leaves alone each object and records the
// batch's progress, the rows it rejects and the job's counts by outcome,
// all in one transaction. A batch committed already is ignored. Objects
// are upserts owned by no job: a failed job's objects stay (as agents do).
func (s *Store) ApplyObjects(ctx context.Context, jobID uint64, tenant string, objects []bulkd.ConfigObject, p bulkd.Progress, words bulkd.Words) ([]bulkd.RowFailure, error) {
	rejected, err := s.applyBatchJob(ctx, jobID, p, func(tx *bolt.Tx, j *bulkd.Job) ([]bulkd.RowFailure, error) {
		tb, err := tenantBucket(tx, tenant, true)
		if err != nil {
			return nil, err
		}
		b, err := tb.CreateBucketIfNotExists(bucketObjects)
		if err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", bucketObjects, err)
		}
		now := s.now().UTC()
		var rejected []bulkd.RowFailure
		for i := range objects {
			o := &objects[i]
			c, err := applyObject(b, o, jobID, now)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", o.Type, o.Key, err)
			}
			if c != nil {
				msg := words(*c)
				for n, row := range o.Rows {
					f := bulkd.RowFailure{Row: row, Message: msg}
					if n < len(o.Cells) {
						f.Cells = o.Cells[n]
					}
					rejected = append(rejected, f)
				}
			}
			if o.Outcome == bulkd.ObjectRejected {
				continue // counted as the job's failed rows
			}
			if j.Counts == nil {
				j.Counts = map[string]int{}
			}
			j.Counts[string(o.Outcome)]++
		}
		return rejected, nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply objects of job %d: %w", jobID, err)
	}
	return rejected, nil
}

// applyObject stores o unless it equals the stored object or changes a
// fixed field, and sets its Outcome. It returns the Conflict of a rejected
// object and an error for a store fault.
func applyObject(b *bolt.Bucket, o *bulkd.ConfigObject, jobID uint64, now time.Time) (*bulkd.Conflict, error) {
	key := objectKey(o.Type, o.Key, o.Within)
	o.JobID, o.CreatedAt, o.UpdatedAt = jobID, now, now
	v := b.Get(key)
	if v == nil {
		o.Outcome = bulkd.ObjectCreated
		return nil, putJSON(b, key, o)
	}
	var old bulkd.ConfigObject
	if err := json.Unmarshal(v, &old); err != nil {
		return nil, fmt.Errorf("decode stored object: %w", err)
	}
	for _, name := range o.Fixed {
		// Canonical text compares exactly but for references, which
		// resolve in any case: "london" names the same Site as "London".
		if was, is := old.Value(name), o.Value(name); !strings.EqualFold(was, is) {
			o.Outcome = bulkd.ObjectRejected
			return &bulkd.Conflict{Reason: bulkd.ConflictFixed, Field: name, Value: is, Holder: was, HolderName: old.Key}, nil
		}
	}
	if old.Key == o.Key && slices.Equal(old.Fields, o.Fields) &&
		slices.EqualFunc(old.Children, o.Children, slices.Equal[[]bulkd.ObjectField]) {
		o.Outcome, o.JobID, o.CreatedAt, o.UpdatedAt = bulkd.ObjectUnchanged, old.JobID, old.CreatedAt, old.UpdatedAt
		return nil, nil
	}
	o.Outcome, o.CreatedAt = bulkd.ObjectUpdated, old.CreatedAt
	return nil, putJSON(b, key, o)
}

// Objects returns the tenant's objects of the type slug, in key order.
func (s *Store) Objects(ctx context.Context, tenant, slug string) ([]bulkd.ConfigObject, error) {
	out := []bulkd.ConfigObject{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := objectsBucket(tx, tenant)
		if b == nil || err != nil {
			return err
		}
		prefix := []byte(slug + "\x00")
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var o bulkd.ConfigObject
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("decode object %q: %w", k, err)
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s objects of %s: %w", slug, tenant, err)
	}
	return out, nil
}

// Object returns the tenant's object of the type slug with key (and scope
// within, for a type that has one), in any case, or bulkd.ErrNotFound.
func (s *Store) Object(ctx context.Context, tenant, slug, key, within string) (*bulkd.ConfigObject, error) {
	var out *bulkd.ConfigObject
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := objectsBucket(tx, tenant)
		if b == nil || err != nil {
			return err
		}
		v := b.Get(objectKey(slug, key, within))
		if v == nil {
			return nil
		}
		out = &bulkd.ConfigObject{}
		return json.Unmarshal(v, out)
	})
	if err != nil {
		return nil, fmt.Errorf("read %s %q of %s: %w", slug, key, tenant, err)
	}
	if out == nil {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "no %s %q in tenant %s", slug, key, tenant)
	}
	return out, nil
}

// objectsBucket returns the tenant's objects bucket, nil when it has none.
func objectsBucket(tx *bolt.Tx, tenant string) (*bolt.Bucket, error) {
	tb, err := tenantBucket(tx, tenant, false)
	if tb == nil || err != nil {
		return nil, err
	}
	return tb.Bucket(bucketObjects), nil
}
