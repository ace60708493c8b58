// Package agents imports agents' settings files (AGENTS.*.csv): create or
// update, matched by Current Email or Email, at most 1000 rows a file, as
// the hosted product's bulk import does.
package agents

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// MaxRows is the most data rows an agents file may have (one header line
// and 1000 agents, as the seed says).
const MaxRows = 1000

// ParamType is the job parameter holding a bulkd.AgentMode (set by the
// bulk-imports API; a folder import creates or updates).
const ParamType = "type"

// DefaultBatch is how many rows are committed per transaction.
const DefaultBatch = 250

// Importer is the agents importer.
type Importer struct {
	store bulkd.AgentStore
	batch int
}

// New returns an agents importer that commits batch rows a transaction
// (DefaultBatch when batch <= 0).
func New(store bulkd.AgentStore, batch int) *Importer {
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Importer{store: store, batch: batch}
}

// Kind returns bulkd.KindAgents.
func (im *Importer) Kind() bulkd.Kind { return bulkd.KindAgents }

// Import validates the whole file, then commits its rows in batches from the
// job's checkpoint on.
func (im *Importer) Import(ctx context.Context, run *pipeline.Run) error {
	f, err := fsx.Open(run.Path())
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	header, changes, failures, err := Parse(f, run.CSVOptions())
	if err != nil {
		return err
	}
	mode := bulkd.AgentMode(run.Job.Params[ParamType])
	for i := range changes {
		changes[i].Mode = mode
	}
	total := len(changes) + len(failures)
	if err := run.Begin(ctx, header, total); err != nil {
		return err
	}
	// Merge the two lists back into row order and commit batch by batch.
	ci, fi := 0, 0
	for done := run.Job.RowsDone; done < total; {
		end := min(done+im.batch, total)
		var p bulkd.Progress
		var batch []bulkd.AgentChange
		for ; ci < len(changes) && changes[ci].Row <= end; ci++ {
			if changes[ci].Row > done {
				batch = append(batch, changes[ci])
			}
		}
		for ; fi < len(failures) && failures[fi].Row <= end; fi++ {
			if failures[fi].Row > done {
				p.Failures = append(p.Failures, failures[fi])
			}
		}
		p.Done = end
		if _, err := im.store.ApplyAgents(ctx, run.Job.ID, run.Job.Tenant, batch, p, Words); err != nil {
			return err
		}
		done = end
	}
	return nil
}

// Parse reads a whole agents file, as o says. It returns the valid rows as
// changes and the rest as failures, each in row order, or an EINVALID error
// when the file as a whole is unusable (bad header, unknown column, too
// many rows).
func Parse(r io.Reader, o csvio.Options) (header []string, changes []bulkd.AgentChange, failures []bulkd.RowFailure, err error) {
	rd, err := csvio.NewReaderOptions(r, o)
	if err != nil {
		return nil, nil, nil, pipeline.Invalid("%v", err)
	}
	cols, err := mapColumns(rd.Header())
	if err != nil {
		return nil, nil, nil, err
	}
	seen := make(map[string]int) // lower-case email → the row that uses it
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if row.Num > MaxRows {
			return nil, nil, nil, pipeline.Invalid("more than %d data rows: an agents file holds at most 1 header line and %d agents; split it into several files", MaxRows, MaxRows)
		}
		if row.Err != "" {
			failures = append(failures, bulkd.RowFailure{Row: row.Num, Cells: row.Cells, Message: row.Err})
			continue
		}
		ch, msg := cols.change(row.Cells)
		if msg == "" {
			msg = claimEmails(seen, row.Num, ch)
		}
		if msg != "" {
			failures = append(failures, bulkd.RowFailure{Row: row.Num, Cells: row.Cells, Message: msg})
			continue
		}
		ch.Row, ch.Cells = row.Num, row.Cells
		changes = append(changes, ch)
	}
	return rd.Header(), changes, failures, nil
}
