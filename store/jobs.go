package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.JobStore = (*Store)(nil)

// CreateJob assigns job an ID (and CreatedAt when unset) and stores it with
// its lists, its media and its index entries.
func (s *Store) CreateJob(ctx context.Context, job *bulkd.Job) error {
	return s.group(ctx, func(tx *bolt.Tx) error { return createJob(tx, job, s.now) })
}

// CreateJobs stores jobs as CreateJob does, at most perTx to a
// transaction, with ids in their order: how the runner claims a folder's
// files that settle together, and bulkbench fills a store with many jobs,
// without a commit for each.
func (s *Store) CreateJobs(ctx context.Context, jobs []*bulkd.Job, perTx int) error {
	for len(jobs) > 0 {
		n := min(perTx, len(jobs))
		err := s.group(ctx, func(tx *bolt.Tx) error {
			for _, j := range jobs[:n] {
				if err := createJob(tx, j, s.now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("create jobs: %w", err)
		}
		jobs = jobs[n:]
	}
	return nil
}

func createJob(tx *bolt.Tx, job *bulkd.Job, now func() time.Time) error {
	id, err := tx.Bucket(bucketJobs).NextSequence()
	if err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	job.ID = id
	if job.CreatedAt.IsZero() {
		job.CreatedAt = now().UTC()
	}
	if err := putRecord(tx, job); err != nil {
		return err
	}
	if err := putLists(tx, &bulkd.Job{ID: id}, job); err != nil {
		return err
	}
	if err := appendMedia(tx, id, job.Media); err != nil {
		return err
	}
	return indexJob(tx, nil, job)
}

// getRecord reads job id's record alone, without its lists: what a batch
// needs, at a cost that does not grow with the job.
func getRecord(tx *bolt.Tx, id uint64) (*bulkd.Job, error) {
	v := tx.Bucket(bucketJobs).Get(itob(id))
	if v == nil {
		return nil, bulkd.Errorf(bulkd.ENOTFOUND, "job %d not found", id)
	}
	var j bulkd.Job
	if err := json.Unmarshal(v, &j); err != nil {
		return nil, fmt.Errorf("decode job %d: %w", id, err)
	}
	return &j, nil
}

// putRecord stores j's record (its JSON leaves the lists out).
func putRecord(tx *bolt.Tx, j *bulkd.Job) error {
	return putJSON(tx.Bucket(bucketJobs), itob(j.ID), j)
}

// getJob reads job id with its lists but for media.
func getJob(tx *bolt.Tx, id uint64) (*bulkd.Job, error) {
	j, err := getRecord(tx, id)
	if err != nil {
		return nil, err
	}
	if err := readLists(tx, j); err != nil {
		return nil, err
	}
	return j, nil
}

// Job returns the job with the given id, with its lists but for media.
func (s *Store) Job(ctx context.Context, id uint64) (*bulkd.Job, error) {
	var j *bulkd.Job
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		j, err = getJob(tx, id)
		return err
	})
	return j, err
}

// UpdateJob applies fn to the stored job and stores it; a job that becomes
// succeeded or partial has its digest recorded in the same transaction. Its
// lists are rewritten only when fn changed them, and its index entries when
// fn changed what they are keyed by.
func (s *Store) UpdateJob(ctx context.Context, id uint64, fn func(*bulkd.Job) error) (*bulkd.Job, error) {
	var j *bulkd.Job
	var fnErr error
	err := s.group(ctx, func(tx *bolt.Tx) error {
		var err error
		fnErr = nil
		if j, err = getJob(tx, id); err != nil {
			return err
		}
		before := cloneJob(j) // fn may change the lists in place
		if fnErr = fn(j); fnErr != nil {
			// Nothing written: the shared transaction goes on without
			// this write rather than being rolled back and run again.
			return nil
		}
		if len(j.Media) > 0 {
			return fmt.Errorf("media are added with AddMedia, not UpdateJob")
		}
		if before.State != j.State && (j.State == bulkd.StateSucceeded || j.State == bulkd.StatePartial) && j.SHA256 != "" {
			if err := tx.Bucket(bucketDigests).Put(digestKey(j.Tenant, j.Kind, j.SHA256), itob(j.ID)); err != nil {
				return fmt.Errorf("record digest: %w", err)
			}
		}
		if err := putLists(tx, before, j); err != nil {
			return err
		}
		if err := indexJob(tx, before, j); err != nil {
			return err
		}
		return putRecord(tx, j)
	})
	if err == nil {
		err = fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update job %d: %w", id, err)
	}
	return j, nil
}

// cloneJob copies j deeply enough to compare it with j after an update.
func cloneJob(j *bulkd.Job) *bulkd.Job {
	c := *j
	c.Files, c.Ignored, c.Delivered, c.Header = slices.Clone(j.Files), slices.Clone(j.Ignored), slices.Clone(j.Delivered), slices.Clone(j.Header)
	c.Parts = slices.Clone(j.Parts)
	if j.Forward != nil { // fn may change it in place, and the outbox index follows it
		f := *j.Forward
		c.Forward = &f
	}
	return &c
}

// CommitProgress records a batch that stored no records of its own.
func (s *Store) CommitProgress(ctx context.Context, id uint64, p bulkd.Progress) error {
	return s.applyGrouped(ctx, id, p, nil)
}

// applyBatch runs apply (which stores a batch's records and returns the rows
// it rejected) and records the batch's progress, in one transaction. A batch
// committed already, before a restart, is skipped whole: this is what makes
// a resumed job import each row exactly once. It reads and writes the job's
// record only, never its lists.
func (s *Store) applyBatch(ctx context.Context, id uint64, p bulkd.Progress, apply func(*bolt.Tx) ([]bulkd.RowFailure, error)) ([]bulkd.RowFailure, error) {
	return s.applyBatchJob(ctx, id, p, func(tx *bolt.Tx, _ *bulkd.Job) ([]bulkd.RowFailure, error) { return apply(tx) })
}

// applyGrouped is applyBatch in a transaction shared with other writers
// (see committer): apply must be safe to run twice, as a put of records
// keyed by the job's rows is.
func (s *Store) applyGrouped(ctx context.Context, id uint64, p bulkd.Progress, apply func(*bolt.Tx) error) error {
	var fn func(*bolt.Tx, *bulkd.Job) ([]bulkd.RowFailure, error)
	if apply != nil {
		fn = func(tx *bolt.Tx, _ *bulkd.Job) ([]bulkd.RowFailure, error) { return nil, apply(tx) }
	}
	_, err := s.applyBatchIn(ctx, s.group, id, p, fn)
	return err
}

// applyBatchJob is applyBatch for a kind whose batch also changes its job's
// record (Counts): apply gets the job's record, which is written with the
// progress in the same transaction.
func (s *Store) applyBatchJob(ctx context.Context, id uint64, p bulkd.Progress, apply func(*bolt.Tx, *bulkd.Job) ([]bulkd.RowFailure, error)) ([]bulkd.RowFailure, error) {
	return s.applyBatchIn(ctx, s.update, id, p, apply)
}

// applyBatchIn is applyBatchJob in a transaction of write's (s.update, or
// s.group for an apply safe to run twice).
func (s *Store) applyBatchIn(ctx context.Context, write func(context.Context, func(*bolt.Tx) error) error, id uint64, p bulkd.Progress, apply func(*bolt.Tx, *bulkd.Job) ([]bulkd.RowFailure, error)) ([]bulkd.RowFailure, error) {
	var rejected []bulkd.RowFailure
	err := write(ctx, func(tx *bolt.Tx) error {
		rejected = nil
		j, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		if p.Done <= j.RowsDone {
			return nil
		}
		if apply != nil {
			if rejected, err = apply(tx, j); err != nil {
				return err
			}
		}
		return commitProgress(tx, j, p, rejected)
	})
	return rejected, err
}

// commitProgress adds a batch's outcome to its job j (its record) inside tx.
func commitProgress(tx *bolt.Tx, j *bulkd.Job, p bulkd.Progress, rejected []bulkd.RowFailure) error {
	fb, err := tx.Bucket(bucketFailures).CreateBucketIfNotExists(itob(j.ID))
	if err != nil {
		return fmt.Errorf("failures of job %d: %w", j.ID, err)
	}
	for _, list := range [][]bulkd.RowFailure{p.Failures, rejected} {
		for _, f := range list {
			if err := putJSON(fb, itob(uint64(f.Row)), f); err != nil {
				return err
			}
		}
	}
	j.RowsDone = p.Done
	j.RowsFailed += len(p.Failures) + len(rejected)
	return putRecord(tx, j)
}

// RowFailures calls fn for each failed row of the job, in row order.
func (s *Store) RowFailures(ctx context.Context, id uint64, fn func(bulkd.RowFailure) error) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		fb := tx.Bucket(bucketFailures).Bucket(itob(id))
		if fb == nil {
			return nil
		}
		return fb.ForEach(func(_, v []byte) error {
			var f bulkd.RowFailure
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("decode failure of job %d: %w", id, err)
			}
			return fn(f)
		})
	})
}

func digestKey(tenant string, kind bulkd.Kind, sha string) []byte {
	return []byte(tenant + "\x00" + string(kind) + "\x00" + sha)
}

// ImportedDigest returns the job that imported a file with this digest.
func (s *Store) ImportedDigest(ctx context.Context, tenant string, kind bulkd.Kind, sha string) (uint64, bool, error) {
	var id uint64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketDigests).Get(digestKey(tenant, kind, sha)); v != nil {
			id = btoi(v)
		}
		return nil
	})
	return id, id != 0, err
}

// PurgeJobs deletes final jobs that finished before cutoff (but for those
// still to forward), with their
// lists, media, index entries, failures and digests. It reads every job's
// record: it runs once a day.
func (s *Store) PurgeJobs(ctx context.Context, cutoff time.Time) (int, error) {
	n := 0
	err := s.update(ctx, func(tx *bolt.Tx) error {
		jobs, failures, digests := tx.Bucket(bucketJobs), tx.Bucket(bucketFailures), tx.Bucket(bucketDigests)
		var doomed []*bulkd.Job
		err := jobs.ForEach(func(k, v []byte) error {
			var j bulkd.Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("decode job %d: %w", btoi(k), err)
			}
			// A job still to forward stays: its record is the outbox's.
			if j.State.Final() && j.FinishedAt != nil && j.FinishedAt.Before(cutoff) && !j.Forward.Pending() {
				doomed = append(doomed, &j)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, j := range doomed {
			if err := jobs.Delete(itob(j.ID)); err != nil {
				return err
			}
			if err := indexJob(tx, j, nil); err != nil {
				return err
			}
			for _, b := range [][]byte{bucketJobLists, bucketJobMedia, bucketJobMediaNames} {
				if err := deletePrefix(tx.Bucket(b), itob(j.ID)); err != nil {
					return fmt.Errorf("delete %s of job %d: %w", b, j.ID, err)
				}
			}
			if failures.Bucket(itob(j.ID)) != nil {
				if err := failures.DeleteBucket(itob(j.ID)); err != nil {
					return err
				}
			}
			if j.SHA256 != "" {
				dk := digestKey(j.Tenant, j.Kind, j.SHA256)
				if v := digests.Get(dk); v != nil && btoi(v) == j.ID {
					if err := digests.Delete(dk); err != nil {
						return err
					}
				}
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge jobs: %w", err)
	}
	return n, nil
}
