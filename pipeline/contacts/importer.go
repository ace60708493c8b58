// Package contacts imports WFO contacts with their recordings, as the
// seed's Bulk Contact Import and Data Server describe: CONTACT.*.csv, .json
// or .zip dropped in a tenant folder with the recordings beside them, a
// multipart upload, or real-time metadata whose recordings arrive later.
// The importer sees only a job's files; it never knows which door they came
// through.
package contacts

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
)

// maxRows is the most contacts one job may hold (ids keep the row in 24 bits).
const maxRows = bulkd.MaxRows

// DefaultBatch is how many rows are committed per transaction.
const DefaultBatch = 4096

// Store is what the importer needs of the store.
type Store interface {
	bulkd.ContactStore
	bulkd.AgentStore
}

// Importer is the contacts importer.
type Importer struct {
	store  Store
	media  *media.Store
	batch  int
	agents agentIndexes
}

// New returns a contacts importer committing batch rows a transaction
// (DefaultBatch when batch <= 0).
func New(store Store, ms *media.Store, batch int) *Importer {
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Importer{store: store, media: ms, batch: batch}
}

// Kind returns bulkd.KindContacts.
func (im *Importer) Kind() bulkd.Kind { return bulkd.KindContacts }

// IsMetadata reports whether a file name is contact metadata (CSV or JSON),
// as opposed to a recording or a ZIP.
func IsMetadata(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".json":
		return true
	}
	return false
}

// Import reads the job's metadata twice, at once. The first pass learns
// the rows and the recordings they name, and gathers and stores those
// recordings; the second builds contacts, which a third goroutine commits in
// batches. A row waits only until its own recordings are stored, or known
// to be missing. A JSON file is read whole by the first pass before any
// row is stored: a syntax error anywhere makes it unusable, where a CSV
// file's bad rows fail alone.
func (im *Importer) Import(ctx context.Context, run *pipeline.Run) error {
	meta, unpacked, err := unpack(run)
	if err != nil {
		return err
	}
	header, err := readHeader(meta, run.CSVOptions())
	if err != nil {
		return err
	}
	if err := run.Begin(ctx, header, run.Job.RowsTotal); err != nil {
		return err
	}
	agents, err := im.directory(ctx, run.Job.Tenant)
	if err != nil {
		return err
	}
	job, opts := run.Job, run.CSVOptions() // the first pass updates run.Job from here on
	ctx, cancel := context.WithCancel(ctx)
	stored := newRecordings(ctx, run.Dir, im.media, job.Realtime)
	defer func() {
		cancel()
		stored.stop()
	}()
	first := make(chan error, 1)
	go func() {
		err := im.firstPass(ctx, run, meta, unpacked, stored)
		if err != nil {
			cancel() // the row pass stops too
		}
		first <- err
	}()
	var firstErr error
	if isJSON(meta) {
		if firstErr = <-first; firstErr != nil {
			return firstErr
		}
		first = nil
	}
	err = im.commit(ctx, job, meta, opts, agents, stored)
	if first != nil {
		if err != nil {
			cancel()
		}
		firstErr = <-first
	}
	if firstErr != nil {
		return firstErr // the cause, where err may only be the cancellation
	}
	return err
}

// unpack extracts the job's ZIPs into its work folder (folders flattened)
// and finds its one metadata file. It returns the metadata file's path and
// the names unpacked.
func unpack(run *pipeline.Run) (string, []string, error) {
	var metas, unpacked []string
	lim, written := run.ZipLimits(), int64(0)
	for _, f := range run.Job.Files {
		if !strings.EqualFold(filepath.Ext(f), ".zip") {
			if IsMetadata(f) {
				metas = append(metas, f)
			}
			continue
		}
		names, err := pipeline.Unzip(filepath.Join(run.Dir, f), run.Dir, run.Job.Files, lim, &written)
		if err != nil {
			return "", nil, err
		}
		for _, n := range names {
			if IsMetadata(n) {
				metas = append(metas, n)
			}
		}
		unpacked = append(unpacked, names...)
	}
	switch len(metas) {
	case 0:
		return "", nil, pipeline.Invalid("no contact metadata: a CSV or JSON file is needed")
	case 1:
		return filepath.Join(run.Dir, metas[0]), unpacked, nil
	}
	return "", nil, pipeline.Invalid("more than one metadata file (%s): send one CSV or JSON per upload", strings.Join(metas, ", "))
}
