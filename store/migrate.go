package store

import (
	"encoding/json"
	"fmt"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

// v1Lists are the lists a version-1 job record held inside it.
type v1Lists struct {
	Files     []string `json:"files"`
	Media     []string `json:"media"`
	Ignored   []string `json:"ignored"`
	Delivered []string `json:"delivered"`
	Header    []string `json:"header"`
}

// migrateV1 upgrades a version-1 store inside tx: each job's lists move out
// of its record under keys of their own, its media into its media list, and
// the job indexes are built. It runs in Open's transaction, so the upgrade
// happens whole or not at all; records, failures, digests and tenants'
// records are otherwise as version 1 wrote them.
func migrateV1(tx *bolt.Tx) error {
	jobs := tx.Bucket(bucketJobs)
	var ids []uint64
	if err := jobs.ForEach(func(k, _ []byte) error { ids = append(ids, btoi(k)); return nil }); err != nil {
		return err
	}
	for _, id := range ids { // rewritten after the walk: bbolt cursors must not see their bucket change
		v := jobs.Get(itob(id))
		var j bulkd.Job
		var l v1Lists
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("decode job %d: %w", id, err)
		}
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("decode lists of job %d: %w", id, err)
		}
		j.Files, j.Ignored, j.Delivered, j.Header = l.Files, l.Ignored, l.Delivered, l.Header
		if err := putLists(tx, &bulkd.Job{ID: id}, &j); err != nil {
			return err
		}
		// Version 1 could record a name twice (a take replayed after a
		// crash); appendMedia keeps its first place only.
		if err := appendMedia(tx, id, l.Media); err != nil {
			return err
		}
		if err := indexJob(tx, nil, &j); err != nil {
			return err
		}
		if err := putRecord(tx, &j); err != nil {
			return err
		}
	}
	return nil
}
