package contacts

import (
	"context"
	"slices"
	"strings"

	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
)

// firstPass reads the metadata for its row count and the recordings it
// names, has them stored, and records both on the job. Recordings already
// in the work folder are stored as they are found, and a folder job's
// recordings still in its origin are taken as found: storing is mostly
// waiting for fsyncs, which overlap the reading. Those not there yet are
// gathered after the reading.
func (im *Importer) firstPass(ctx context.Context, run *pipeline.Run, meta string, unpacked []string, stored *recordings) error {
	defer stored.close() // rows waiting for a recording no one will add go on
	// The job's files besides its metadata. What the first pass gathers is
	// named by rows, so never among the ignored: this list serves both.
	taken, err := run.Media(ctx)
	if err != nil {
		return err
	}
	files := append(taken, unpacked...)
	inDir := map[string]bool{}
	var early *pipeline.Early
	if !run.Job.Realtime { // real-time recordings come later, one by one
		for _, n := range files {
			inDir[n] = true
		}
		early = run.StartEarly(ctx, func(names []string) {
			for _, n := range names {
				stored.add(n)
			}
		})
	}
	refs := &refSet{seen: map[string]bool{}, added: func(n string) {
		switch {
		case inDir[n]:
			stored.add(n)
		case early != nil:
			early.Offer(n)
		}
	}}
	header, total, err := scanMeta(meta, run.CSVOptions(), refs)
	if early != nil {
		if err := early.Stop(); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	if err := run.Begin(ctx, header, total); err != nil {
		return err
	}
	if !run.Job.Realtime {
		present, err := run.Gather(ctx, refs.order)
		if err != nil {
			return err
		}
		for _, n := range refs.order {
			if present[n] {
				stored.add(n) // those that waited for Gather
			}
		}
	}
	var ignored []string
	for _, n := range files {
		if !refs.seen[n] && !IsMetadata(n) {
			ignored = append(ignored, n)
		}
	}
	if len(ignored) > 0 && !slices.Equal(ignored, run.Job.Ignored) {
		return run.SetIgnored(ctx, ignored)
	}
	return nil
}

// refSet is the recordings a file names, in the order rows first name them.
type refSet struct {
	seen  map[string]bool
	order []string
	added func(string) // called with each new name
}

// add records a recording name. Names a row will be failed for (folders,
// unknown extensions, too long) are left out, so nothing is ever looked for
// under them.
func (s *refSet) add(loc string) {
	if s.seen[loc] {
		return // most rows name a recording seen before
	}
	if _, ok := media.TypeOf(loc); !ok || !pipeline.PlainName(loc) || len([]rune(loc)) > maxLocation {
		return
	}
	loc = strings.Clone(loc) // not pinning the reader's memory for the whole job
	s.seen[loc] = true
	s.order = append(s.order, loc)
	if s.added != nil {
		s.added(loc)
	}
}
