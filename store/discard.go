package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

// discardChunk is how many records one transaction of DiscardRecords
// removes: a million-row job is removed in bounded transactions rather than
// one that holds every dirty page in memory.
const discardChunk = 1 << 16

// DiscardRecords removes the records job id committed and marks it
// Discarded. A job's contacts, assist contacts and schedule events are keyed
// by bulkd.RowID, so they are one key range; the indexes beside them are
// removed with them. It removes at most discardChunk records a transaction
// and can be replayed after a crash at any point: what is gone stays gone,
// and the job is marked only once nothing of it is left. Agents are updated
// in place, not owned by one job, and stay.
func (s *Store) DiscardRecords(ctx context.Context, id uint64) (*bulkd.Job, error) {
	for {
		var j *bulkd.Job
		more := false
		err := s.update(ctx, func(tx *bolt.Tx) error {
			var err error
			if j, err = getJob(tx, id); err != nil || j.Discarded {
				return err
			}
			tb, err := tenantBucket(tx, j.Tenant, false)
			if err != nil {
				return err
			}
			budget := discardChunk
			if tb != nil {
				for _, d := range discarders {
					n, err := d(tb, id, budget)
					if err != nil {
						return err
					}
					if budget -= n; budget == 0 {
						more = true
						return nil
					}
				}
			}
			j.Discarded = true
			return putRecord(tx, j)
		})
		if err != nil {
			return nil, fmt.Errorf("discard records of job %d: %w", id, err)
		}
		if !more {
			return j, nil
		}
	}
}

// discarders each remove up to max of a job's records from one record
// bucket of a tenant and return how many they removed.
var discarders = []func(tb *bolt.Bucket, jobID uint64, max int) (int, error){
	func(tb *bolt.Bucket, jobID uint64, max int) (int, error) {
		return discardRange(tb.Bucket(bucketContacts), jobID, max, nil)
	},
	func(tb *bolt.Bucket, jobID uint64, max int) (int, error) {
		byPhone := tb.Bucket(bucketAssistByPhone)
		return discardRange(tb.Bucket(bucketAssist), jobID, max, func(id uint64, v []byte) error {
			var c bulkd.AssistContact
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode assist contact %d: %w", id, err)
			}
			if k := byPhone.Get([]byte(c.CellPhone.PhoneNumber)); k != nil && btoi(k) == id {
				return byPhone.Delete([]byte(c.CellPhone.PhoneNumber))
			}
			return nil
		})
	},
	func(tb *bolt.Bucket, jobID uint64, max int) (int, error) {
		idx := tb.Bucket(bucketScheduleByAgent)
		return discardRange(tb.Bucket(bucketSchedule), jobID, max, func(id uint64, v []byte) error {
			var e bulkd.ScheduleEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode schedule event %d: %w", id, err)
			}
			return idx.Delete(scheduleKey(e.AgentID, e.Start.UnixMilli(), e.ID))
		})
	},
}

// discardRange deletes up to max keys of job jobID's range in b (nil: none),
// calling unindex first for each.
func discardRange(b *bolt.Bucket, jobID uint64, max int, unindex func(id uint64, v []byte) error) (int, error) {
	if b == nil {
		return 0, nil
	}
	var keys [][]byte
	err := forJob(b, jobID, func(id uint64, _ int, v []byte) error {
		if len(keys) == max {
			return errEnough
		}
		if unindex != nil {
			if err := unindex(id, v); err != nil {
				return err
			}
		}
		keys = append(keys, itob(id))
		return nil
	})
	if err != nil && err != errEnough {
		return 0, err
	}
	for _, k := range keys { // not while the cursor walks: bbolt cursors skip after a Delete
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// errEnough stops a walk that has found as many records as it may take.
var errEnough = errors.New("enough")
