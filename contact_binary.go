package bulkd

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// contactEncoding is the first byte of a contact's binary encoding.
const contactEncoding = 1

// AppendBinary appends c's compact storage encoding to b: varints,
// length-prefixed strings and raw digests, about 170 bytes for a 130-byte
// CSV row. The id is not in it: the store keeps it as the key.
func (c *Contact) AppendBinary(b []byte) ([]byte, error) {
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
		if r.SHA256 == "" {
			b = append(b, 0)
			continue
		}
		var ok bool
		b = binary.AppendUvarint(b, sha256.Size)
		if b, ok = appendUnhex(b, r.SHA256); !ok || len(r.SHA256) != 2*sha256.Size {
			return nil, fmt.Errorf("contact %d: recording %s: SHA-256 %q is not 64 hex digits", c.ID, r.Location, r.SHA256)
		}
	}
	b = binary.AppendUvarint(b, c.JobID)
	return binary.AppendUvarint(b, uint64(c.Row)), nil
}

// unhex maps a hex digit to its value and anything else to 0xff.
var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	for i, c := range "ABCDEF" {
		t[c] = byte(10 + i)
	}
	return t
}()

// appendUnhex appends the bytes that hex digits s spell; encoding/hex
// would allocate per call, and this runs for every recording of a
// million-row import.
func appendUnhex(b []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return b, false
	}
	for i := 0; i < len(s); i += 2 {
		hi, lo := unhex[s[i]], unhex[s[i+1]]
		if hi > 15 || lo > 15 {
			return b, false
		}
		b = append(b, hi<<4|lo)
	}
	return b, true
}

// ErrCorruptContact is returned for bytes that are not a contact encoding.
var ErrCorruptContact = errors.New("corrupt contact encoding")

// UnmarshalBinary decodes what AppendBinary wrote; c.ID is left as it is.
func (c *Contact) UnmarshalBinary(v []byte) error {
	d := &decoder{b: v}
	if v := d.byte(); d.err != nil || v != contactEncoding {
		return fmt.Errorf("contact %d: %w: unknown encoding %d", c.ID, ErrCorruptContact, v)
	}
	*c = Contact{ID: c.ID}
	c.AgentID = d.uvarint()
	c.CallID, c.AssocCallID = d.str(), d.str()
	c.StartTimeMs = d.varint()
	c.Direction = int(d.uvarint())
	c.CalledAddress, c.CallingAddress, c.Line, c.TimeZone = d.str(), d.str(), d.str(), d.str()
	c.Metadata = Metadata{}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		c.Metadata = append(c.Metadata, Field{Name: d.str(), Value: d.str()})
	}
	c.Complete = d.byte() == 1
	c.Recordings = []Recording{}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		r := Recording{Location: d.str(), Media: MediaType(d.str()), OffsetMs: d.varint(), Size: d.varint()}
		r.SHA256 = hex.EncodeToString([]byte(d.str()))
		c.Recordings = append(c.Recordings, r)
	}
	c.JobID = d.uvarint()
	c.Row = int(d.uvarint())
	if d.err != nil {
		return fmt.Errorf("contact %d: %w", c.ID, d.err)
	}
	return nil
}

// decoder reads the encoding; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = ErrCorruptContact, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = ErrCorruptContact, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = ErrCorruptContact, nil
		return ""
	}
	s := string(d.b[:n]) // copies out of the transaction's memory
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = ErrCorruptContact
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// ContactBatch is a run of contacts encoded for the store. The importer
// encodes each contact as it builds it, so the store's single writer only
// puts bytes. Values are carved from one buffer that is never reused: bbolt
// holds on to a value until its transaction commits.
type ContactBatch struct {
	ids  []uint64
	ends []int
	data []byte
}

// NewContactBatch returns a batch with room for n contacts of about size
// bytes each.
func NewContactBatch(n, size int) *ContactBatch {
	return &ContactBatch{ids: make([]uint64, 0, n), ends: make([]int, 0, n), data: make([]byte, 0, n*size)}
}

// Add encodes c into the batch.
func (b *ContactBatch) Add(c *Contact) error {
	data, err := c.AppendBinary(b.data)
	if err != nil {
		return err
	}
	b.data = data
	b.ids = append(b.ids, c.ID)
	b.ends = append(b.ends, len(data))
	return nil
}

// Reset empties the batch for reuse, which is safe once the store has
// committed it.
func (b *ContactBatch) Reset() {
	b.ids, b.ends, b.data = b.ids[:0], b.ends[:0], b.data[:0]
}

// Len returns how many contacts the batch holds.
func (b *ContactBatch) Len() int { return len(b.ids) }

// Bytes returns the size of the batch's encoded contacts.
func (b *ContactBatch) Bytes() int { return len(b.data) }

// At returns the i-th contact's id and encoding.
func (b *ContactBatch) At(i int) (uint64, []byte) {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.ids[i], b.data[start:b.ends[i]:b.ends[i]]
}
