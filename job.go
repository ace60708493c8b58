package bulkd

import (
	"context"
	"time"
)

// JobState is a job's canonical state. Each documented API translates it
// into its own words (see DESIGN.md).
type JobState string

// The canonical job states. A job moves queued → running → one final state.
const (
	StateQueued    JobState = "queued"
	StateRunning   JobState = "running"
	StatePaused    JobState = "paused"    // stopped by a lack of space or another transient I/O error; resumes by itself
	StateSucceeded JobState = "succeeded" // every row imported
	StatePartial   JobState = "partial"   // finished, some rows failed
	StateFailed    JobState = "failed"    // nothing imported: bad header, over a limit, unreadable
	StateSkipped   JobState = "skipped"   // an identical file was already imported
	StateCanceled  JobState = "canceled"  // canceled while still queued; nothing imported
)

// JobStates lists every state in lifecycle order.
var JobStates = []JobState{StateQueued, StateRunning, StatePaused, StateSucceeded, StatePartial, StateFailed, StateSkipped, StateCanceled}

// Final reports whether s is a state a job never leaves.
func (s JobState) Final() bool {
	switch s {
	case StateSucceeded, StatePartial, StateFailed, StateSkipped, StateCanceled:
		return true
	}
	return false
}

// Source says through which door a job's files arrived.
type Source string

// The sources.
const (
	SourceFolder Source = "folder"
	SourceAPI    Source = "api"
)

// Job is one import of one file set, from claim to final state. Every field
// that must survive a restart lives here. Its JSON is the store's small
// record of the job, rewritten with each batch; the lists (Files, Media,
// Ignored, Delivered, Header), which can be long, are not part of it: the
// store keeps each under a key of its own, written when it changes.
type Job struct {
	ID         uint64     `json:"id"`
	Tenant     string     `json:"tenant"`
	Kind       Kind       `json:"kind"`
	Source     Source     `json:"source"`
	File       string     `json:"file"` // the dropped file's own name
	State      JobState   `json:"state"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	RowsTotal  int        `json:"rows_total"`
	// RowsDone counts the rows whose outcome is committed, failed ones
	// included. Rows are committed in order, so it is also the checkpoint:
	// a job resumed after a crash skips that many rows and imports none twice.
	RowsDone   int    `json:"rows_done"`
	RowsFailed int    `json:"rows_failed"`
	Error      string `json:"error,omitempty"`

	// Files are the names of the job's files in its work folder; File is
	// Files[0]. Origin is the folder they were taken from ("" for uploads);
	// a folder job's files go back under it, to archives/ or penaltyBox/.
	Files  []string `json:"-"`
	Origin string   `json:"origin,omitempty"`
	// Media are the recordings a job is created with (an upload's parts, a
	// folder drop's recordings). They go into the media store, not to the
	// archive. The store keeps them, and those taken while the job runs
	// (JobStore.AddMedia), in a list of the job's own that grows by
	// appends: a job read from the store has no Media; JobStore.JobMedia
	// reads the list.
	Media []string `json:"-"`
	// Ignored are uploaded files that no row referenced.
	Ignored []string `json:"-"`
	// User is who submitted the job over HTTP ("" for folder drops).
	User string `json:"user,omitempty"`
	// ExternalID is the id an API names the job by (a schedule event
	// import's UUID), and Params the options it was submitted with.
	ExternalID string            `json:"external_id,omitempty"`
	Params     map[string]string `json:"params,omitempty"`
	// Realtime marks a contacts job whose recordings arrive later.
	Realtime bool `json:"realtime,omitempty"`
	// SHA256 is the hex digest of the main file, set when the job starts.
	SHA256 string `json:"sha256,omitempty"`
	// DuplicateOf is the earlier job a skipped job repeats.
	DuplicateOf uint64 `json:"duplicate_of,omitempty"`
	// Delivered are where a folder job's files go once final: one path per
	// entry of Files, then the error report's path ("" when there is none).
	// Decided once and stored, so a delivery replayed after a crash puts
	// every file in the same place.
	Delivered []string `json:"-"`
	// Header is the main file's header row, kept for the error report.
	Header []string `json:"-"`
	// Parts are the CSVs of a job that imports several (an objects ZIP),
	// in import order; its rows are numbered across them (see Part), and
	// its error report is a ZIP of one report a part. Header is then unset.
	Parts []Part `json:"parts,omitempty"`
	// Stamp is the main file's size and mtime when the job first started.
	// A file that differs at the end of the import was still being written
	// when it was taken, and the job fails rather than report a truncated
	// read as a success.
	Stamp *FileStamp `json:"stamp,omitempty"`
	// Waiting says which recordings a folder job waits for, while it does.
	Waiting *Waiting `json:"waiting,omitempty"`
	// Discarded is set once the records of a failed job are removed, so
	// that a failed job has imported nothing and a re-drop doubles nothing.
	Discarded bool `json:"discarded,omitempty"`
	// Counts count what a job did to records by outcome, for a kind
	// whose rows may leave a record unchanged (objects: created, updated,
	// unchanged). Written with each batch, in its transaction.
	Counts map[string]int `json:"counts,omitempty"`
	// IdempotencyKey is the Idempotency-Key of the request that created
	// the job: the same request sent again with it (a site bulkd whose
	// answer was lost) is answered for this job, not imported again.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Forward is the job's passage to a central bulkd, on a site that
	// forwards its kind (nil: not forwarded).
	Forward *Forward `json:"forward,omitempty"`
}

// Part is one CSV of a job that imports several. Its data rows are the
// job's rows after those of the parts before it: row n of the second part
// of a job whose first part has 40 rows is the job's row 40+n. One number
// so orders every row of the job, which is what its checkpoint needs.
type Part struct {
	// File is the CSV's name (in its ZIP), which its report keeps.
	File string `json:"file"`
	// Type says what the part holds (objects: a type's slug).
	Type string `json:"type,omitempty"`
	// Rows is how many data rows it has.
	Rows int `json:"rows"`
	// Header is its header row, for its report.
	Header []string `json:"header"`
}

// PartOf returns the part holding the job's row n and the row's number
// within it; ok is false when n is in no part.
func PartOf(parts []Part, n int) (i, row int, ok bool) {
	for i, p := range parts {
		if n <= p.Rows {
			return i, n, n >= 1
		}
		n -= p.Rows
	}
	return 0, 0, false
}

// Waiting is what a job waits for: recordings its rows name that are not
// in the folder yet (the first of them, and how many), until when.
type Waiting struct {
	Recordings []string  `json:"recordings"`
	Missing    int       `json:"missing"`
	Until      time.Time `json:"until"`
}

// FileStamp is what a file looked like: its size and modification time.
type FileStamp struct {
	Size  int64     `json:"size"`
	MTime time.Time `json:"mtime"`
}

// RowFailure is one row that was not imported: its 1-based data row number,
// its original cells, and why (naming the column where there is one).
type RowFailure struct {
	Row     int      `json:"row"`
	Cells   []string `json:"cells"`
	Message string   `json:"message"`
	// Recordings are the recordings a failed contact row names, kept so
	// that a door can show them without reading the row again.
	Recordings []Recording `json:"recordings,omitempty"`
}

// Progress is what a batch of rows adds to its job. A store writes it in the
// same transaction as the batch's records, which is what makes a resumed job
// import each row exactly once.
type Progress struct {
	// Done is the job's RowsDone once the batch is committed: the last data
	// row it covers. A batch whose Done is not past the stored RowsDone was
	// committed already and is ignored.
	Done int
	// Failures are rows that failed before reaching the store.
	Failures []RowFailure
}

// JobFilter selects jobs; zero fields match everything. A store answers
// from the narrowest index the filter allows (external id, unfinished jobs,
// tenant and kind, tenant) and stops at Limit, so a page costs what it
// holds, not what the store holds.
type JobFilter struct {
	Tenant string
	Kind   Kind
	State  JobState
	// Unfinished keeps only jobs in a state that is not final.
	Unfinished bool
	// ExternalID keeps only the job an API names by this id.
	ExternalID string
	// IdempotencyKey keeps only the job created with this key; with
	// Tenant, which it needs.
	IdempotencyKey string
	// Brief leaves out each job's lists (Files, Header, Ignored,
	// Delivered): for listings, which show none of them and so read each
	// job's small record only.
	Brief bool
	Limit int
}

// JobStore keeps jobs, their row failures and the digests of imported files.
type JobStore interface {
	// CreateJob assigns job an ID and CreatedAt and stores it.
	CreateJob(ctx context.Context, job *Job) error
	// CreateJobs is CreateJob for several jobs, at most perTx to a
	// transaction, with ids in their order.
	CreateJobs(ctx context.Context, jobs []*Job, perTx int) error
	// Job returns the job with the given id, or ErrNotFound. Its lists are
	// read with it, but for Media (see JobMedia).
	Job(ctx context.Context, id uint64) (*Job, error)
	// Jobs returns the jobs that match f, newest first, as Job does.
	Jobs(ctx context.Context, f JobFilter) ([]*Job, error)
	// AddMedia appends names to the job's media list, in one transaction
	// whose cost grows with len(names), not with the list. A name the list
	// holds already is not added again, so a replayed take adds nothing.
	AddMedia(ctx context.Context, id uint64, names []string) error
	// JobMedia returns the job's media list in the order it was recorded.
	JobMedia(ctx context.Context, id uint64) ([]string, error)
	// UpdateJob applies fn to the stored job and stores the result. When a
	// job becomes succeeded or partial, its digest is recorded in the same
	// transaction. fn may not set Media: media are added with AddMedia.
	UpdateJob(ctx context.Context, id uint64, fn func(*Job) error) (*Job, error)
	// CommitProgress records a batch that stored no records of its own.
	CommitProgress(ctx context.Context, id uint64, p Progress) error
	// RowFailures calls fn for each failed row of the job, in row order.
	RowFailures(ctx context.Context, id uint64, fn func(RowFailure) error) error
	// ImportedDigest returns the job that imported a file with this digest
	// for this tenant and kind, if one did.
	ImportedDigest(ctx context.Context, tenant string, kind Kind, sha256 string) (uint64, bool, error)
	// DiscardRecords removes the records a job committed (contacts, assist
	// contacts, schedule events: each job's are one key range) and marks it
	// Discarded. Agents are updated in place, not owned by a job, and stay.
	// It can be replayed.
	DiscardRecords(ctx context.Context, id uint64) (*Job, error)
	// PurgeJobs deletes final jobs that finished before cutoff and returns
	// how many it deleted.
	PurgeJobs(ctx context.Context, cutoff time.Time) (int, error)
}
