package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.ScheduleStore = (*Store)(nil)

// Under a tenant: schedule maps event id to the event (JSON: a file holds
// at most 5 MB of them); schedule_by_agent indexes it by agent id, start
// (Unix ms) and event id, with empty values.
var (
	bucketSchedule        = []byte("schedule")
	bucketScheduleByAgent = []byte("schedule_by_agent")
)

func scheduleKey(agent uint64, startMs int64, id uint64) []byte {
	k := make([]byte, 24)
	binary.BigEndian.PutUint64(k, agent)
	binary.BigEndian.PutUint64(k[8:], uint64(startMs)^(1<<63)) // signed order
	binary.BigEndian.PutUint64(k[16:], id)
	return k
}

// ApplyScheduleEvents stores a batch of events with the job's progress.
func (s *Store) ApplyScheduleEvents(ctx context.Context, jobID uint64, tenant string, events []bulkd.ScheduleEvent, p bulkd.Progress) error {
	_, err := s.applyBatch(ctx, jobID, p, func(tx *bolt.Tx) ([]bulkd.RowFailure, error) {
		tb, err := tenantBucket(tx, tenant, true)
		if err != nil {
			return nil, err
		}
		b, err := tb.CreateBucketIfNotExists(bucketSchedule)
		if err != nil {
			return nil, err
		}
		idx, err := tb.CreateBucketIfNotExists(bucketScheduleByAgent)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			if err := putJSON(b, itob(e.ID), e); err != nil {
				return nil, err
			}
			if err := idx.Put(scheduleKey(e.AgentID, e.Start.UnixMilli(), e.ID), nil); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("apply schedule events of job %d: %w", jobID, err)
	}
	return nil
}

// ScheduleEvents returns the tenant's events f selects, by agent, then start.
func (s *Store) ScheduleEvents(ctx context.Context, tenant string, f bulkd.ScheduleFilter) ([]bulkd.ScheduleEvent, error) {
	out := []bulkd.ScheduleEvent{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		tb, err := tenantBucket(tx, tenant, false)
		if err != nil || tb == nil {
			return err
		}
		b, idx := tb.Bucket(bucketSchedule), tb.Bucket(bucketScheduleByAgent)
		if b == nil || idx == nil {
			return nil
		}
		from, to := int64(-1<<63), int64(1<<63-1)
		if !f.From.IsZero() {
			from = f.From.UnixMilli()
		}
		if !f.To.IsZero() {
			to = f.To.UnixMilli()
		}
		c := idx.Cursor()
		k, _ := c.First()
		if f.AgentID != 0 {
			k, _ = c.Seek(scheduleKey(f.AgentID, from, 0))
		}
		for ; k != nil; k, _ = c.Next() {
			agent, start := btoi(k[:8]), int64(btoi(k[8:16])^(1<<63))
			if f.AgentID != 0 && agent != f.AgentID {
				break
			}
			if start < from || start >= to {
				continue
			}
			var e bulkd.ScheduleEvent
			if err := json.Unmarshal(b.Get(k[16:24]), &e); err != nil {
				return fmt.Errorf("decode schedule event %d: %w", btoi(k[16:24]), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schedule events of %s: %w", tenant, err)
	}
	return out, nil
}
