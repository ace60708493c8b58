package store

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.ContactStore = (*Store)(nil)

// bucketContacts (under a tenant) maps contact id to the contact in the
// binary encoding below. Ids grow with job ids, so writes are appends.
var bucketContacts = []byte("contacts")

// contactEncoding is the first byte of an encoded contact.
const contactEncoding = 1

// appendContact encodes c compactly (a 200-byte CSV row is about 150 bytes):
// varints, length-prefixed strings, raw digests. The id is the key.
func appendContact(b []byte, c *bulkd.Contact) []byte {
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	b = append(b, contactEncoding)
	b = binary.AppendUvarint(b, c.AgentID)
	str(c.CallID)
	str(c.AssocCallID)
	b = binary.AppendVarint(b, c.StartTimeMs)
	b = binary.AppendUvarint(b, uint64(c.Direction))
	str(c.CalledAddress)
	str(c.CallingAddress)
	str(c.Line)
	str(c.TimeZone)
	b = binary.AppendUvarint(b, uint64(len(c.Metadata)))
	for _, f := range c.Metadata {
		str(f.Name)
		str(f.Value)
	}
	if c.Complete {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Recordings)))
	for _, r := range c.Recordings {
		str(r.Location)
		str(string(r.Media))
		b = binary.AppendVarint(b, r.OffsetMs)
		b = binary.AppendVarint(b, r.Size)
		sum, _ := hex.DecodeString(r.SHA256) // written by us: valid hex or empty
		str(string(sum))
	}
	b = binary.AppendUvarint(b, c.JobID)
	return binary.AppendUvarint(b, uint64(c.Row))
}

var errCorrupt = errors.New("corrupt contact encoding")

// decoder reads the encoding; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = errCorrupt, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = errCorrupt, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = errCorrupt, nil
		return ""
	}
	s := string(d.b[:n]) // copies out of the transaction's memory
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func decodeContact(id uint64, v []byte) (*bulkd.Contact, error) {
	d := &decoder{b: v}
	if d.byte() != contactEncoding {
		return nil, fmt.Errorf("contact %d: unknown encoding", id)
	}
	c := &bulkd.Contact{ID: id}
	c.AgentID = d.uvarint()
	c.CallID, c.AssocCallID = d.str(), d.str()
	c.StartTimeMs = d.varint()
	c.Direction = int(d.uvarint())
	c.CalledAddress, c.CallingAddress, c.Line, c.TimeZone = d.str(), d.str(), d.str(), d.str()
	c.Metadata = bulkd.Metadata{}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		c.Metadata = append(c.Metadata, bulkd.Field{Name: d.str(), Value: d.str()})
	}
	c.Complete = d.byte() == 1
	c.Recordings = []bulkd.Recording{}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		r := bulkd.Recording{Location: d.str(), Media: bulkd.MediaType(d.str()), OffsetMs: d.varint(), Size: d.varint()}
		r.SHA256 = hex.EncodeToString([]byte(d.str()))
		c.Recordings = append(c.Recordings, r)
	}
	c.JobID = d.uvarint()
	c.Row = int(d.uvarint())
	if d.err != nil {
		return nil, fmt.Errorf("contact %d: %w", id, d.err)
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

// ApplyContacts stores a batch of contacts with the job's progress.
func (s *Store) ApplyContacts(ctx context.Context, jobID uint64, tenant string, contacts []*bulkd.Contact, p bulkd.Progress) error {
	_, err := s.applyBatch(ctx, jobID, p, func(tx *bolt.Tx) ([]bulkd.RowFailure, error) {
		b, err := contactsBucket(tx, tenant, true)
		if err != nil {
			return nil, err
		}
		b.FillPercent = 0.95 // keys are appended in order
		// bbolt keeps each value (not each key) until commit, so values are
		// carved from an arena rather than one reused buffer.
		var key [8]byte
		arena := make([]byte, 0, 1<<20)
		for _, c := range contacts {
			binary.BigEndian.PutUint64(key[:], c.ID)
			enc := appendContact(arena, c)
			val := enc[len(arena):len(enc):len(enc)]
			if arena = enc; cap(arena)-len(arena) < 4096 {
				arena = make([]byte, 0, 1<<20)
			}
			if err := b.Put(key[:], val); err != nil {
				return nil, fmt.Errorf("put contact %d: %w", c.ID, err)
			}
		}
		return nil, nil
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
		c := b.Cursor()
		end := bulkd.ContactID(jobID+1, 0)
		for k, v := c.Seek(itob(bulkd.ContactID(jobID, 0))); k != nil && btoi(k) < end; k, v = c.Next() {
			ct, err := decodeContact(btoi(k), v)
			if err != nil {
				return err
			}
			out = append(out, ct)
		}
		return nil
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
		return b.Put(itob(id), appendContact(nil, ct))
	})
	if err != nil {
		return nil, err
	}
	return ct, nil
}
