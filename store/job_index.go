package store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

// The job indexes. Each key ends in the job's 8-byte id and has an empty
// value; a prefix read backwards is the matching jobs, newest first.
var (
	// bucketJobsByTenant indexes jobs by tenant.
	bucketJobsByTenant = []byte("jobs_by_tenant")
	// bucketJobsByTenantKind indexes jobs by tenant and kind.
	bucketJobsByTenantKind = []byte("jobs_by_tenant_kind")
	// bucketJobsByExternal indexes jobs by the id an API names them by.
	bucketJobsByExternal = []byte("jobs_by_external")
	// bucketJobsUnfinished holds the jobs not in a final state: the jobs a
	// start resumes and an exclusivity check looks for.
	bucketJobsUnfinished = []byte("jobs_unfinished")
	// bucketJobsByIdempotency indexes jobs by tenant and the
	// Idempotency-Key of the request that created them.
	bucketJobsByIdempotency = []byte("jobs_by_idempotency")
	// bucketOutbox holds the jobs still to be forwarded to a central bulkd
	// (bulkd.Forward.Pending) by tenant, oldest first: the outbox.
	bucketOutbox = []byte("outbox")
)

// indexEntry is one index key of a job.
type indexEntry struct {
	bucket []byte
	key    []byte
}

// indexEntries returns j's index keys (none for nil).
func indexEntries(j *bulkd.Job) []indexEntry {
	if j == nil {
		return nil
	}
	id := itob(j.ID)
	out := []indexEntry{
		{bucketJobsByTenant, append(tenantPrefix(j.Tenant), id...)},
		{bucketJobsByTenantKind, append(tenantKindPrefix(j.Tenant, j.Kind), id...)},
	}
	if j.ExternalID != "" {
		out = append(out, indexEntry{bucketJobsByExternal, append(externalPrefix(j.ExternalID), id...)})
	}
	if !j.State.Final() {
		out = append(out, indexEntry{bucketJobsUnfinished, id})
	}
	if j.IdempotencyKey != "" {
		out = append(out, indexEntry{bucketJobsByIdempotency, append(idempotencyPrefix(j.Tenant, j.IdempotencyKey), id...)})
	}
	if j.Forward.Pending() {
		out = append(out, indexEntry{bucketOutbox, append(tenantPrefix(j.Tenant), id...)})
	}
	return out
}

func tenantPrefix(tenant string) []byte { return []byte(tenant + "\x00") }

func tenantKindPrefix(tenant string, kind bulkd.Kind) []byte {
	return []byte(tenant + "\x00" + string(kind) + "\x00")
}

func externalPrefix(id string) []byte { return []byte(id + "\x00") }
func idempotencyPrefix(tenant, key string) []byte {
	return []byte(tenant + "\x00" + key + "\x00")
}

// indexJob moves a job's index entries from what before was keyed by to
// what after is (either nil: a job created or deleted). Only entries that
// differ are written, so an update that changes no key writes none.
func indexJob(tx *bolt.Tx, before, after *bulkd.Job) error {
	old, cur := indexEntries(before), indexEntries(after)
	has := func(list []indexEntry, e indexEntry) bool {
		for _, o := range list {
			if bytes.Equal(o.bucket, e.bucket) && bytes.Equal(o.key, e.key) {
				return true
			}
		}
		return false
	}
	for _, e := range old {
		if !has(cur, e) {
			if err := tx.Bucket(e.bucket).Delete(e.key); err != nil {
				return fmt.Errorf("unindex job in %s: %w", e.bucket, err)
			}
		}
	}
	for _, e := range cur {
		if !has(old, e) {
			if err := tx.Bucket(e.bucket).Put(e.key, nil); err != nil {
				return fmt.Errorf("index job in %s: %w", e.bucket, err)
			}
		}
	}
	return nil
}

// lastWithPrefix moves c to the last key that starts with prefix and
// returns it, or nil when there is none.
func lastWithPrefix(c *bolt.Cursor, prefix []byte) []byte {
	var k []byte
	if end := prefixEnd(prefix); end == nil {
		k, _ = c.Last()
	} else if k, _ = c.Seek(end); k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil
	}
	return k
}

// prefixEnd returns the first key past every key that starts with prefix
// (nil: there is none, or prefix is empty).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// jobScan is where Jobs reads the candidates for a filter: the keys of
// bucket that start with prefix, each ending in a job id.
type jobScan struct {
	bucket []byte
	prefix []byte
}

// scanFor picks the narrowest index for f. States other than the final
// ones are few at any time, so a state filter that is not final reads the
// unfinished set; a final one has no index of its own and reads the
// tenant's (or every) job until Limit match.
func scanFor(f bulkd.JobFilter) jobScan {
	switch {
	case f.IdempotencyKey != "":
		return jobScan{bucketJobsByIdempotency, idempotencyPrefix(f.Tenant, f.IdempotencyKey)}
	case f.ExternalID != "":
		return jobScan{bucketJobsByExternal, externalPrefix(f.ExternalID)}
	case f.Unfinished || f.State != "" && !f.State.Final():
		return jobScan{bucketJobsUnfinished, nil}
	case f.Tenant != "" && f.Kind != "":
		return jobScan{bucketJobsByTenantKind, tenantKindPrefix(f.Tenant, f.Kind)}
	case f.Tenant != "":
		return jobScan{bucketJobsByTenant, tenantPrefix(f.Tenant)}
	}
	return jobScan{bucketJobs, nil}
}

func matches(f bulkd.JobFilter, j *bulkd.Job) bool {
	return (f.Tenant == "" || j.Tenant == f.Tenant) && (f.Kind == "" || j.Kind == f.Kind) &&
		(f.State == "" || j.State == f.State) && (!f.Unfinished || !j.State.Final()) &&
		(f.ExternalID == "" || j.ExternalID == f.ExternalID) &&
		(f.IdempotencyKey == "" || j.IdempotencyKey == f.IdempotencyKey)
}

// Jobs returns the jobs matching f, newest first, each as Job returns it.
// It reads the narrowest index for f backwards and stops at f.Limit
// matches: a page costs what it holds (and, for a filter on a final state,
// the jobs it skips).
func (s *Store) Jobs(ctx context.Context, f bulkd.JobFilter) ([]*bulkd.Job, error) {
	var out []*bulkd.Job
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = nil
		scan := scanFor(f)
		c := tx.Bucket(scan.bucket).Cursor()
		for k := lastWithPrefix(c, scan.prefix); k != nil && bytes.HasPrefix(k, scan.prefix); k, _ = c.Prev() {
			if len(k) != len(scan.prefix)+8 {
				continue // another tenant's or id's key that shares the prefix (a name holding \0)
			}
			j, err := getRecord(tx, btoi(k[len(scan.prefix):]))
			if err != nil {
				return err
			}
			if !matches(f, j) {
				continue
			}
			if !f.Brief {
				if err := readLists(tx, j); err != nil {
					return err
				}
			}
			out = append(out, j)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}
