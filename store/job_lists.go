package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var (
	// bucketJobLists maps a job id and a list's name to that list of the
	// job (encodeList), so that a job's record stays small however long
	// they are.
	bucketJobLists = []byte("job_lists")
	// bucketJobMedia maps a job id and a sequence number to one name of
	// the job's media list: the list grows by appends.
	bucketJobMedia = []byte("job_media")
	// bucketJobMediaNames maps a job id and a name to its sequence number
	// in bucketJobMedia, so that a name is recorded once.
	bucketJobMediaNames = []byte("job_media_names")
)

// jobList is one of a job's lists kept under its own key.
type jobList struct {
	name string
	of   func(*bulkd.Job) *[]string
}

// jobLists are the lists of a job read with it. Media are not: they can
// be long and few readers need them (AddMedia, JobMedia).
var jobLists = []jobList{
	{"delivered", func(j *bulkd.Job) *[]string { return &j.Delivered }},
	{"files", func(j *bulkd.Job) *[]string { return &j.Files }},
	{"header", func(j *bulkd.Job) *[]string { return &j.Header }},
	{"ignored", func(j *bulkd.Job) *[]string { return &j.Ignored }},
}

// jobKey is a job id followed by suffix: a key of a job's range.
func jobKey(id uint64, suffix []byte) []byte {
	return append(itob(id), suffix...)
}

// readLists sets j's lists from the store: one cursor over the job's range.
func readLists(tx *bolt.Tx, j *bulkd.Job) error {
	prefix := itob(j.ID)
	c := tx.Bucket(bucketJobLists).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		name := string(k[len(prefix):])
		i := slices.IndexFunc(jobLists, func(l jobList) bool { return l.name == name })
		if i < 0 {
			return fmt.Errorf("job %d has an unknown list %q", j.ID, name)
		}
		list, err := decodeList(v)
		if err != nil {
			return fmt.Errorf("decode %s of job %d: %w", name, j.ID, err)
		}
		*jobLists[i].of(j) = list
	}
	return nil
}

// putLists writes the lists of after that differ from before's (nil: none
// stored), and deletes those it no longer has.
func putLists(tx *bolt.Tx, before, after *bulkd.Job) error {
	b := tx.Bucket(bucketJobLists)
	for _, l := range jobLists {
		old, cur := *l.of(before), *l.of(after)
		if (old == nil) == (cur == nil) && slices.Equal(old, cur) {
			continue
		}
		key := jobKey(after.ID, []byte(l.name))
		if cur == nil {
			if err := b.Delete(key); err != nil {
				return fmt.Errorf("delete %s of job %d: %w", l.name, after.ID, err)
			}
			continue
		}
		if err := b.Put(key, encodeList(cur)); err != nil {
			return fmt.Errorf("store %s of job %d: %w", l.name, after.ID, err)
		}
	}
	return nil
}

// appendMedia adds the names job id's media list does not hold yet to its
// end. Its cost grows with len(names), not with the list.
func appendMedia(tx *bolt.Tx, id uint64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	media, byName := tx.Bucket(bucketJobMedia), tx.Bucket(bucketJobMediaNames)
	media.FillPercent = 0.95 // appends: the job's keys grow in order
	seq := uint64(0)
	if k := lastWithPrefix(media.Cursor(), itob(id)); k != nil {
		seq = btoi(k[8:])
	}
	for _, n := range names {
		nk := jobKey(id, []byte(n))
		if byName.Get(nk) != nil {
			continue // recorded already: a replayed take, or a name given twice
		}
		seq++
		if err := byName.Put(nk, itob(seq)); err != nil {
			return fmt.Errorf("record medium %s of job %d: %w", n, id, err)
		}
		if err := media.Put(jobKey(id, itob(seq)), []byte(n)); err != nil {
			return fmt.Errorf("record medium %s of job %d: %w", n, id, err)
		}
	}
	return nil
}

// AddMedia appends the names the job's media list does not hold yet, in one
// transaction whose cost grows with len(names), not with the list: a
// replayed take adds nothing.
func (s *Store) AddMedia(ctx context.Context, id uint64, names []string) error {
	err := s.group(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketJobs).Get(itob(id)) == nil {
			return bulkd.Errorf(bulkd.ENOTFOUND, "job %d not found", id)
		}
		return appendMedia(tx, id, names)
	})
	if err != nil {
		return fmt.Errorf("add media to job %d: %w", id, err)
	}
	return nil
}

// JobMedia returns the job's media list in the order it was recorded.
func (s *Store) JobMedia(ctx context.Context, id uint64) ([]string, error) {
	var out []string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketJobs).Get(itob(id)) == nil {
			return bulkd.Errorf(bulkd.ENOTFOUND, "job %d not found", id)
		}
		prefix := itob(id)
		c := tx.Bucket(bucketJobMedia).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			out = append(out, string(v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("media of job %d: %w", id, err)
	}
	return out, nil
}

// deletePrefix deletes every key of b that starts with prefix.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
	}
	for _, k := range keys { // not while the cursor walks: bbolt cursors skip after a Delete
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// encodeList encodes a list as its length, then each string's length and
// bytes (uvarints): read with every job a listing returns, it decodes
// several times faster than JSON.
func encodeList(list []string) []byte {
	n := binary.MaxVarintLen64
	for _, s := range list {
		n += binary.MaxVarintLen64 + len(s)
	}
	b := binary.AppendUvarint(make([]byte, 0, n), uint64(len(list)))
	for _, s := range list {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeList decodes what encodeList encoded. The strings share one copy
// of v, which bbolt owns only for the transaction.
func decodeList(v []byte) ([]string, error) {
	n, pos := binary.Uvarint(v)
	if pos <= 0 || n > uint64(len(v)) {
		return nil, fmt.Errorf("bad list length")
	}
	all := string(v)
	out := make([]string, 0, n)
	for range n {
		l, k := binary.Uvarint(v[pos:])
		if k <= 0 || l > uint64(len(v)-pos-k) {
			return nil, fmt.Errorf("bad list entry")
		}
		pos += k
		out = append(out, all[pos:pos+int(l)])
		pos += int(l)
	}
	if pos != len(v) {
		return nil, fmt.Errorf("%d bytes after the list", len(v)-pos)
	}
	return out, nil
}
