package bulkd

import (
	"context"
	"time"
)

// ConfigObject is one contact-center configuration object of a tenant (a
// Site, a Queue, a Team…), as the objects kind stores it: its type's slug,
// its key, and its values as canonical text, so that a re-import of the
// same values is recognised as unchanged. The columns themselves are
// declared in pipeline/objects; the store knows only names and text.
type ConfigObject struct {
	// Type is the type's slug ("multimedia-profile").
	Type string `json:"type"`
	// Key is the value of the type's key column, as last imported.
	Key string `json:"key"`
	// Within scopes the key for a type whose key is unique only within
	// another object (a Team's Site); "" for every other type.
	Within string `json:"within,omitempty"`
	// Fields are the object's own columns in declared order; empty cells
	// are left out.
	Fields []ObjectField `json:"fields"`
	// Children are the child rows of a multi-row object (a Queue's
	// distribution groups), each its child columns in declared order.
	Children [][]ObjectField `json:"children,omitempty"`
	// JobID is the last job that created or changed the object.
	JobID     uint64    `json:"job_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Fixed names the fields that cannot change once the object is
	// created; the importer sets it from the declarations, the store
	// checks it on update.
	Fixed []string `json:"-"`
	// Rows and Cells are the object's data rows and their original cells,
	// so that a rejected object reports every one of its rows.
	Rows  []int      `json:"-"`
	Cells [][]string `json:"-"`
	// Outcome is set by ApplyObjects: what became of the object.
	Outcome ObjectOutcome `json:"-"`
}

// ObjectMediaField is the field of a configuration object that names a
// blob of the media store by its digest (an Audio File's bytes).
const ObjectMediaField = "SHA256"

// ObjectField is one column's value, as canonical text.
type ObjectField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Value returns the value of the field called name ("" when absent).
func (o *ConfigObject) Value(name string) string {
	for _, f := range o.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// ObjectOutcome is what applying an object did.
type ObjectOutcome string

// The outcomes, which are also the keys of Job.Counts of an objects job.
const (
	ObjectCreated   ObjectOutcome = "created"
	ObjectUpdated   ObjectOutcome = "updated"
	ObjectUnchanged ObjectOutcome = "unchanged"
	ObjectRejected  ObjectOutcome = "rejected"
)

// ObjectStore keeps each tenant's configuration objects. Objects are
// upserts, as agents are: they belong to no job, so a failed job's objects
// are not discarded.
type ObjectStore interface {
	// ApplyObjects creates or updates objects and records p and the rows
	// it rejects, in one transaction; each object's Outcome is set, and
	// the job's Counts grow by the outcomes. An object whose values equal
	// the stored ones is unchanged (and keeps its JobID). An object that
	// changes a Fixed field is rejected, every one of its rows with the
	// message words gives the Conflict (ConflictFixed).
	ApplyObjects(ctx context.Context, jobID uint64, tenant string, objects []ConfigObject, p Progress, words Words) ([]RowFailure, error)
	// Objects returns the tenant's objects of the type slug, by key.
	Objects(ctx context.Context, tenant, slug string) ([]ConfigObject, error)
	// Object returns one object by its key (and scope, for a Team), any
	// case, or ErrNotFound.
	Object(ctx context.Context, tenant, slug, key, within string) (*ConfigObject, error)
}
