// Package store keeps bulkd's state in one bbolt file: jobs, their row
// failures, the digests of imported files, and each tenant's records. It is
// the only package that imports bbolt. Large media never go in here.
//
// The bucket tree:
//
//	meta/
//	  version              → "2"
//	jobs/
//	  <job id>             → Job (JSON): the small record, rewritten each batch
//	job_lists/
//	  <job id><list>       → []string (uvarint-length-prefixed, encodeList);
//	                         list is delivered, files, header or ignored,
//	                         each written only when it changes
//	job_media/
//	  <job id><seq>        → recording name, in the order recorded
//	job_media_names/
//	  <job id><name>       → <seq>: which names a job's media list holds
//	jobs_by_tenant/
//	  <tenant>\0<job id>   → (empty)
//	jobs_by_tenant_kind/
//	  <tenant>\0<kind>\0<job id> → (empty)
//	jobs_by_external/
//	  <external id>\0<job id> → (empty)
//	jobs_unfinished/
//	  <job id>             → (empty), while the job is not final
//	failures/
//	  <job id>/            one bucket a job
//	    <row>              → RowFailure (JSON)
//	digests/
//	  <tenant>\0<kind>\0<sha256> → <job id>
//	tenants/
//	  <tenant>/
//	    agents/            <agent id> → Agent (JSON)
//	    agents_by_email/   <lower-case email> → <agent id>
//	    agents_by_acd/     <lower-case ACD login> → <agent id>
//	    contacts/, assist/, assist_by_phone/, schedule/, schedule_by_agent/
//	    objects/           <slug>\0<lower-case key>[\0<lower-case scope>] → ConfigObject (JSON)
//
// Ids, sequence and row numbers are 8-byte big-endian, so cursor order is id
// order: an index read backwards from the end of a prefix is newest first.
// A job's lists and indexes are written in the same transaction as its
// record. Version 1 kept the lists inside the record and had no indexes;
// Open migrates such a store once (migrate.go).
package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// schemaVersion is written to meta/version; a later version that changes
// the encoding upgrades from it at open.
const schemaVersion = "2"

var (
	// bucketMeta holds store-wide keys such as the schema version.
	bucketMeta = []byte("meta")
	// bucketJobs maps job id to the job.
	bucketJobs = []byte("jobs")
	// bucketFailures holds one nested bucket of failed rows per job.
	bucketFailures = []byte("failures")
	// bucketDigests maps tenant, kind and file digest to the job that
	// imported that file.
	bucketDigests = []byte("digests")
	// bucketTenants holds one nested bucket of records per tenant.
	bucketTenants = []byte("tenants")

	keyVersion = []byte("version")
)

// buckets are the top-level buckets, all created at open.
var buckets = [][]byte{
	bucketMeta, bucketJobs, bucketJobLists, bucketJobMedia, bucketJobMediaNames,
	bucketJobsByTenant, bucketJobsByTenantKind, bucketJobsByExternal, bucketJobsUnfinished,
	bucketJobsByIdempotency, bucketOutbox,
	bucketFailures, bucketDigests, bucketTenants,
}

// Store is bulkd's bbolt database.
type Store struct {
	db  *bolt.DB
	now func() time.Time
	// writeTx counts the read-write transactions run (bbolt counts only
	// the read ones).
	writeTx atomic.Int64
	commits committer
	// agentsRev is AgentsRevision: bumped after every agents write.
	agentsRev atomic.Uint64
}

// Open opens (creating if needed) the store at path. It fails fast when
// another process holds the file.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: file is locked: is another bulkd running on this data dir?", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, now: time.Now}
	// One transaction: a store is migrated whole or not at all, so a crash
	// during the upgrade leaves a version-1 store that the next start
	// migrates again.
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keyVersion); {
		case v == nil, string(v) == schemaVersion:
		case string(v) == "1":
			if err := migrateV1(tx); err != nil {
				return fmt.Errorf("migrate schema version 1 to %s: %w", schemaVersion, err)
			}
		default:
			return fmt.Errorf("schema version %s is not %s: this bulkd is older than the data", v, schemaVersion)
		}
		return meta.Put(keyVersion, []byte(schemaVersion))
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database. It is safe to call twice.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// update runs fn in a read-write transaction unless ctx is already done.
func (s *Store) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.writeTx.Add(1)
	return s.db.Update(fn)
}

// Stats are the store's size and bbolt's transaction counters since Open,
// for metrics.
type Stats struct {
	// Size is the file's size in bytes (bbolt grows it in steps and never
	// shrinks it; FreeBytes of it are free pages).
	Size int64
	// ReadTx and WriteTx are the read-only and read-write transactions
	// begun; OpenReadTx the read-only ones open now.
	ReadTx, WriteTx int64
	OpenReadTx      int
	// FreeBytes is what the free and pending pages hold.
	FreeBytes int64
	// PageWrites and WriteTime are the pages written to the file by
	// commits, and the time those writes took.
	PageWrites int64
	WriteTime  time.Duration
}

// Stats reads the store's Stats: bbolt's DB.Stats and the file's size.
func (s *Store) Stats() (Stats, error) {
	st := s.db.Stats()
	out := Stats{
		ReadTx: int64(st.TxN), WriteTx: s.writeTx.Load(), OpenReadTx: st.OpenTxN,
		FreeBytes:  int64(st.FreeAlloc),
		PageWrites: st.TxStats.GetWrite(), WriteTime: st.TxStats.GetWriteTime(),
	}
	fi, err := os.Stat(s.db.Path())
	if err != nil {
		return out, fmt.Errorf("store stats: %w", err)
	}
	out.Size = fi.Size()
	return out, nil
}

func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put(key, buf)
}

// forJob calls fn with each record job imported into b (keyed by
// bulkd.RowID, so they are one key range), in row order.
func forJob(b *bolt.Bucket, jobID uint64, fn func(id uint64, row int, v []byte) error) error {
	c, end := b.Cursor(), bulkd.RowID(jobID+1, 0)
	for k, v := c.Seek(itob(bulkd.RowID(jobID, 0))); k != nil && btoi(k) < end; k, v = c.Next() {
		id := btoi(k)
		if err := fn(id, int(id&bulkd.MaxRows), v); err != nil { // the row is the id's low RowBits
			return err
		}
	}
	return nil
}

// tenantBucket returns the tenant's bucket (nil when it has none and create
// is false).
func tenantBucket(tx *bolt.Tx, tenant string, create bool) (*bolt.Bucket, error) {
	tenants := tx.Bucket(bucketTenants)
	if tb := tenants.Bucket([]byte(tenant)); tb != nil || !create {
		return tb, nil
	}
	tb, err := tenants.CreateBucket([]byte(tenant))
	if err != nil {
		return nil, fmt.Errorf("create tenant %s: %w", tenant, err)
	}
	return tb, nil
}
