package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.AssistStore = (*Store)(nil)

// Under a tenant: assist maps a contact's store key (its job id and row) to
// the contact (JSON); assist_by_phone maps an E.164 number to that key.
var (
	bucketAssist        = []byte("assist")
	bucketAssistByPhone = []byte("assist_by_phone")
)

// ApplyAssistContacts stores a batch of assist contacts with the job's
// progress; a contact whose phone number a contact of the tenant already has
// (from this file or an earlier one) is rejected.
func (s *Store) ApplyAssistContacts(ctx context.Context, jobID uint64, tenant string, contacts []bulkd.AssistContact, p bulkd.Progress, words bulkd.Words) ([]bulkd.RowFailure, error) {
	rejected, err := s.applyBatch(ctx, jobID, p, func(tx *bolt.Tx) ([]bulkd.RowFailure, error) {
		tb, err := tenantBucket(tx, tenant, true)
		if err != nil {
			return nil, err
		}
		b, err := tb.CreateBucketIfNotExists(bucketAssist)
		if err != nil {
			return nil, err
		}
		byPhone, err := tb.CreateBucketIfNotExists(bucketAssistByPhone)
		if err != nil {
			return nil, err
		}
		var rejected []bulkd.RowFailure
		for _, c := range contacts {
			if k := byPhone.Get([]byte(c.CellPhone.PhoneNumber)); k != nil {
				var other bulkd.AssistContact
				if err := json.Unmarshal(b.Get(k), &other); err != nil {
					return nil, fmt.Errorf("decode assist contact: %w", err)
				}
				rejected = append(rejected, bulkd.RowFailure{Row: c.Row, Cells: c.Cells, Message: words(bulkd.Conflict{
					Reason: bulkd.ConflictTaken, Field: bulkd.FieldPhone, Value: c.CellPhone.PhoneNumber, Holder: other.ID, HolderName: other.FullName})})
				continue
			}
			key := itob(bulkd.RowID(jobID, c.Row))
			if err := putJSON(b, key, c); err != nil {
				return nil, err
			}
			if err := byPhone.Put([]byte(c.CellPhone.PhoneNumber), key); err != nil {
				return nil, err
			}
		}
		return rejected, nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply assist contacts of job %d: %w", jobID, err)
	}
	return rejected, nil
}

// JobAssistContacts returns the contacts a job created, in row order.
func (s *Store) JobAssistContacts(ctx context.Context, tenant string, jobID uint64) ([]bulkd.AssistContact, error) {
	out := []bulkd.AssistContact{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		tb, err := tenantBucket(tx, tenant, false)
		if err != nil || tb == nil {
			return err
		}
		b := tb.Bucket(bucketAssist)
		if b == nil {
			return nil
		}
		return forJob(b, jobID, func(_ uint64, row int, v []byte) error {
			var a bulkd.AssistContact
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode assist contact: %w", err)
			}
			a.JobID, a.Row = jobID, row
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("assist contacts of job %d: %w", jobID, err)
	}
	return out, nil
}
