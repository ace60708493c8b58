package bulkd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// MediaType says what a recording holds.
type MediaType string

// The media types, decided by a recording's extension.
const (
	MediaAudio    MediaType = "audio"
	MediaScreen   MediaType = "screen"
	MediaCombined MediaType = "combined" // audio and video
)

// HasAudio reports whether a recording of type m carries the call's audio.
func (m MediaType) HasAudio() bool { return m == MediaAudio || m == MediaCombined }

// RowBits is how many low bits of a record's id hold its row: the contacts,
// schedule events and assist contacts a job imports have the id
// job_id<<RowBits | row, so a job's records are one contiguous key range and
// their ids are stable when the job resumes.
const RowBits = 24

// MaxRows is the most rows one job of those kinds may have.
const MaxRows = 1<<RowBits - 1

// RowID returns the id of the record imported from row of job.
func RowID(job uint64, row int) uint64 { return job<<RowBits | uint64(row) }

// Contact is one imported WFO contact (a call) with its recordings.
type Contact struct {
	ID             uint64   `json:"id"`
	AgentID        uint64   `json:"agent_id"`
	CallID         string   `json:"call_id"`
	AssocCallID    string   `json:"assoc_call_id"`
	StartTimeMs    int64    `json:"start_time_ms"`
	Direction      int      `json:"direction"` // 0 inbound, 1 outbound
	CalledAddress  string   `json:"called_address"`
	CallingAddress string   `json:"calling_address"`
	Line           string   `json:"line"`
	TimeZone       string   `json:"time_zone"` // IANA
	Metadata       Metadata `json:"metadata"`
	// Complete is true once every recording's bytes are stored.
	Complete   bool        `json:"complete"`
	Recordings []Recording `json:"recordings"`
	JobID      uint64      `json:"job_id"`
	Row        int         `json:"row"`
}

// Recording is one recording of a contact. SHA256 and Size are set once
// its bytes are in the media store.
type Recording struct {
	Location string    `json:"location"`
	Media    MediaType `json:"media"`
	OffsetMs int64     `json:"offset_ms"`
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`
}

// ContactStore keeps each tenant's contacts.
type ContactStore interface {
	// ApplyContacts stores a batch of contacts and records p, in one
	// transaction. A batch committed already is ignored.
	ApplyContacts(ctx context.Context, jobID uint64, tenant string, batch *ContactBatch, p Progress) error
	// Contacts returns up to limit contacts with ids after `after`, in id
	// order, and the id to continue after (0 at the end).
	Contacts(ctx context.Context, tenant string, after uint64, limit int) ([]*Contact, uint64, error)
	// JobContacts returns the contacts a job imported, in row order.
	JobContacts(ctx context.Context, tenant string, jobID uint64) ([]*Contact, error)
	// Contact returns one contact, or ErrNotFound.
	Contact(ctx context.Context, tenant string, id uint64) (*Contact, error)
	// StoreRecording records the arrival of a recording's bytes and returns
	// the updated contact (Complete once all have arrived).
	StoreRecording(ctx context.Context, tenant string, id uint64, location string, size int64, sha256 string) (*Contact, error)
}

// Field is one custom metadata field of a contact.
type Field struct {
	Name, Value string
}

// Metadata is a contact's custom metadata in the order it was given. It is
// a JSON object on the wire; a list in memory, because a million-row import
// builds one per row and a map costs an allocation and hashing each.
type Metadata []Field

// MarshalJSON writes the fields as one JSON object, in order.
func (m Metadata) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(f.Name)
		if err != nil {
			return nil, err
		}
		value, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a JSON object of string values, keeping its order.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("metadata: want a JSON object")
	}
	out := Metadata{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("metadata: %w", err)
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("metadata %v: %w", t, err)
		}
		out = append(out, Field{Name: t.(string), Value: v})
	}
	*m = out
	return nil
}
