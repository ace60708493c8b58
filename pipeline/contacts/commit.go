package contacts

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// earlyCommitAfter is how long a row waits for its recordings to be known
// before the rows before it are committed without it.
const earlyCommitAfter = 250 * time.Millisecond

// minRowBytes is a guess at the fewest bytes a row of metadata takes, to
// size the first batch of a small file (a batch still grows past it).
const minRowBytes = 32

// batch is a run of consecutive rows handed from the parser to the writer.
type batch struct {
	contacts *bulkd.ContactBatch
	p        bulkd.Progress
}

// commit parses rows after the job's checkpoint into batches of encoded
// contacts on one goroutine and commits them on this one, which then does
// little but put bytes.
func (im *Importer) commit(ctx context.Context, job *bulkd.Job, meta string, opts csvio.Options, agents *directory, stored *recordings) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	// Committed batches come back to be refilled: once a transaction has
	// committed, bbolt no longer holds its values.
	free := make(chan *bulkd.ContactBatch, 4)
	parseErr := make(chan error, 1)
	go func() {
		defer close(batches)
		size := 256 // bytes a contact, until a batch tells
		// A batch is made for the rows the file can hold, at most a
		// batch's: most files a site's recorders drop hold a few rows,
		// and clearing a megabyte for each cost more than their rows.
		rows := im.batch
		if fi, err := os.Stat(meta); err == nil {
			rows = int(min(int64(rows), fi.Size()/minRowBytes+1))
		}
		next := func() *bulkd.ContactBatch {
			select {
			case b := <-free:
				b.Reset()
				return b
			default:
				return bulkd.NewContactBatch(rows, size)
			}
		}
		cur := batch{contacts: next()}
		send := func(done int) error {
			cur.p.Done = done
			if n := cur.contacts.Len(); n > 0 {
				size = cur.contacts.Bytes()/n + 16
			}
			select {
			case batches <- cur:
			case <-ctx.Done():
				return ctx.Err()
			}
			cur = batch{contacts: next()}
			return nil
		}
		var c bulkd.Contact // reused: a batch holds encodings, not contacts
		// Rows are volatile: a contact is encoded (copied) before the next
		// row is read, and a failed row's cells are cloned.
		last := job.RowsDone
		_, err := readMeta(meta, opts, true, func(r *row) error {
			if r.num <= job.RowsDone {
				return nil
			}
			// A row about to wait for a recording not yet in the folder
			// commits the rows before it first, so that progress moves
			// while the job waits (rows commit in order: the checkpoint).
			// A short grace first: the first pass may not have reached the
			// name yet, and a batch cut short costs a transaction.
			if cur.contacts.Len()+len(cur.p.Failures) > 0 && r.err == "" && !stored.waitKnown(r.recs, earlyCommitAfter) {
				if err := send(last); err != nil {
					return err
				}
			}
			last = r.num
			if r.num > maxRows {
				r.fail("", "a contacts file holds at most %d rows: split it into several files", maxRows)
			}
			ok, err := im.contact(job, r, agents, stored, &c)
			if err != nil {
				return err
			}
			if ok {
				if err := cur.contacts.Add(&c); err != nil {
					return err
				}
			} else {
				cells := make([]string, len(r.cells))
				for i, c := range r.cells {
					cells[i] = strings.Clone(c)
				}
				cur.p.Failures = append(cur.p.Failures, bulkd.RowFailure{Row: r.num, Cells: cells, Message: r.err, Recordings: r.recordings()})
			}
			if cur.contacts.Len()+len(cur.p.Failures) >= im.batch {
				return send(r.num)
			}
			return nil
		})
		if err == nil && cur.contacts.Len()+len(cur.p.Failures) > 0 {
			err = send(last)
		}
		parseErr <- err
	}()
	for b := range batches {
		// The batch's recordings were stored before its rows were built;
		// their names become durable before any contact points at them.
		err := im.media.Sync()
		if err == nil {
			err = im.store.ApplyContacts(ctx, job.ID, job.Tenant, b.contacts, b.p)
		}
		if err != nil {
			cancel()
			for range batches { // let the parser finish
			}
			return err
		}
		select {
		case free <- b.contacts:
		default:
		}
	}
	return <-parseErr
}

// contact builds the contact for a row into c (reusing its slices), or
// sets r.err and returns false. An error is a fault that stops the job
// before this row is committed either way.
func (im *Importer) contact(job *bulkd.Job, r *row, agents *directory, stored *recordings, c *bulkd.Contact) (bool, error) {
	if r.err != "" {
		return false, nil
	}
	agentID, msg := agents.resolve(r.agent, job.User)
	if msg != "" {
		r.fail("AgentId", "%s", msg)
		return false, nil
	}
	*c = bulkd.Contact{
		ID: bulkd.RowID(job.ID, r.num), AgentID: agentID, CallID: r.callID, AssocCallID: r.assocCallID,
		StartTimeMs: r.startMs, Direction: r.direction, CalledAddress: r.called, CallingAddress: r.calling,
		Line: r.line, TimeZone: r.tz, Metadata: r.metadata, JobID: job.ID, Row: r.num, Complete: true,
		Recordings: c.Recordings[:0],
	}
	if !r.hasStart {
		c.StartTimeMs = job.CreatedAt.UnixMilli() // the upload time, as the seed says
	}
	for _, rc := range r.recs {
		rec := bulkd.Recording{Location: rc.location, Media: rc.media, OffsetMs: rc.offsetMs}
		s, ok := stored.get(rc.location)
		switch {
		case ok && s.fault != nil:
			return false, fmt.Errorf("store recording %s: %w", rc.location, s.fault)
		case ok && s.err != "":
			r.fail(rc.col, "%s", s.err)
			return false, nil
		case ok:
			rec.Size, rec.SHA256 = s.blob.Size, s.blob.SHA256
		case job.Realtime:
			c.Complete = false // uploaded later
		default:
			r.fail(rc.col, "recording %s is missing: it was not uploaded with the contact, or did not appear in the folder in time", rc.location)
			return false, nil
		}
		c.Recordings = append(c.Recordings, rec)
	}
	return true, nil
}
