// Package contacts imports WFO contacts with their recordings, as the
// seed's Bulk Contact Import and Data Server describe: CONTACT.*.csv, .json
// or .zip dropped in a tenant folder with the recordings beside them, a
// multipart upload, or real-time metadata whose recordings arrive later.
// The importer sees only a job's files; it never knows which door they came
// through.
package contacts

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
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
	store Store
	media *media.Store
	batch int
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

// ingestWorkers is how many recordings are stored at once: storing is
// mostly waiting for each file's fsync, and those overlap.
const ingestWorkers = 32

// recordings are the job's recordings being put into the media store, in
// the order rows first name them, alongside both passes. The first pass
// adds them and closes; the row pass gets them, waiting for a name until it
// is added or the first pass has closed.
type recordings struct {
	ctx     context.Context
	dir     string
	media   *media.Store
	noWait  bool // real time: a recording not added is uploaded later
	mu      sync.Mutex
	byName  map[string]*pendingRecording
	queue   []*pendingRecording
	work    *sync.Cond // a worker waits for the queue
	known   *sync.Cond // get waits for its name, or the close
	closed  bool
	workers int
	wg      sync.WaitGroup
}

func newRecordings(ctx context.Context, dir string, ms *media.Store, realtime bool) *recordings {
	r := &recordings{ctx: ctx, dir: dir, media: ms, noWait: realtime, byName: map[string]*pendingRecording{}}
	r.work, r.known = sync.NewCond(&r.mu), sync.NewCond(&r.mu)
	return r
}

type pendingRecording struct {
	name string
	done chan struct{}
	res  stored
}

// add queues a recording to be stored, once.
func (r *recordings) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[name]; ok {
		return
	}
	p := &pendingRecording{name: name, done: make(chan struct{})}
	r.byName[name] = p
	r.queue = append(r.queue, p)
	if r.workers < ingestWorkers {
		r.workers++
		r.wg.Add(1)
		go r.ingest()
	}
	r.work.Signal()
	r.known.Broadcast()
}

func (r *recordings) ingest() {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		for len(r.queue) == 0 && !r.closed {
			r.work.Wait()
		}
		if len(r.queue) == 0 {
			r.mu.Unlock()
			return
		}
		p := r.queue[0]
		r.queue = r.queue[1:]
		r.mu.Unlock()
		if err := r.ctx.Err(); err != nil {
			p.res = stored{err: err.Error()}
		} else {
			b, err := r.media.Ingest(filepath.Join(r.dir, p.name), p.name)
			p.res = storedOf(b, err)
		}
		close(p.done)
	}
}

// close says no more recordings will be added.
func (r *recordings) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.work.Broadcast()
	r.known.Broadcast()
}

// stop closes the queue and waits for the workers, which finish what is
// queued (quickly, once the import's context is cancelled).
func (r *recordings) stop() {
	r.close()
	r.wg.Wait()
}

// get waits for a recording; ok is false when it was not present.
func (r *recordings) get(name string) (stored, bool) {
	r.mu.Lock()
	for {
		if p, ok := r.byName[name]; ok {
			r.mu.Unlock()
			<-p.done
			return p.res, true
		}
		if r.closed || r.noWait {
			r.mu.Unlock()
			return stored{}, false
		}
		r.known.Wait()
	}
}

// stored is what became of one recording file: stored, refused (err, which
// fails its rows), or stopped by a fault of bulkd's own disk (fault, which
// stops the job so that it pauses and resumes, rather than fail good rows).
type stored struct {
	blob  media.Blob
	err   string
	fault error
}

func storedOf(b media.Blob, err error) stored {
	if fsx.Transient(err) {
		return stored{fault: err}
	}
	if err != nil {
		return stored{err: err.Error()}
	}
	return stored{blob: b}
}

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
		next := func() *bulkd.ContactBatch {
			select {
			case b := <-free:
				b.Reset()
				return b
			default:
				return bulkd.NewContactBatch(im.batch, size)
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
				cur.p.Failures = append(cur.p.Failures, bulkd.RowFailure{Row: r.num, Cells: cells, Message: r.err})
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

// scanMeta is the first pass over a metadata file: its header, its row
// count, and the recordings it names (into refs).
func scanMeta(path string, o csvio.Options, refs *refSet) ([]string, int, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if !isJSON(path) {
		return scanCSV(f, o, refs)
	}
	total := 0
	err = readJSONWith(f, o, func(r *row) error {
		total++
		for _, rc := range r.recs {
			refs.add(rc.location)
		}
		return nil
	})
	return jsonHeader, total, err
}

// readHeader checks a metadata file's header (a CSV's columns) and returns
// it.
func readHeader(path string, o csvio.Options) ([]string, error) {
	if isJSON(path) {
		return jsonHeader, nil
	}
	f, err := fsx.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	cr, _, err := openCSV(f, o)
	if err != nil {
		return nil, err
	}
	return cr.Header(), nil
}

// readMeta reads a CSV or JSON metadata file as o says, calling fn per row.
func readMeta(path string, o csvio.Options, volatile bool, fn func(*row) error) ([]string, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if isJSON(path) {
		return jsonHeader, readJSONWith(f, o, fn)
	}
	return readCSVWith(f, o, volatile, fn) // its row count was checked by the first pass
}

func isJSON(path string) bool { return strings.EqualFold(filepath.Ext(path), ".json") }

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
		names, err := extract(filepath.Join(run.Dir, f), run.Dir, run.Job.Files, lim, &written)
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

// extract writes a ZIP's files into dir under their base names, within
// lim (its entry count, and the bytes and compression ratio actually
// written, whatever the headers claim; written counts across a job's ZIPs).
// It can be replayed.
func extract(zipPath, dir string, taken []string, lim pipeline.ZipLimits, written *int64) ([]string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, pipeline.Invalid("%s is not a readable ZIP: %v", filepath.Base(zipPath), err)
	}
	defer zr.Close()
	if len(zr.File) > lim.MaxEntries {
		return nil, pipeline.Invalid("%s holds %d entries, more than the %d a ZIP may hold (limits.zip_max_entries)", filepath.Base(zipPath), len(zr.File), lim.MaxEntries)
	}
	seen := map[string]bool{}
	for _, t := range taken {
		seen[t] = true
	}
	var names []string
	for _, zf := range zr.File {
		name := filepath.Base(filepath.FromSlash(strings.ReplaceAll(zf.Name, `\`, "/")))
		if zf.FileInfo().IsDir() || !pipeline.PlainName(name) || strings.HasPrefix(name, ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		if seen[name] {
			return nil, pipeline.Invalid("%s holds two files named %s (folders are flattened)", filepath.Base(zipPath), name)
		}
		seen[name] = true
		if err := writeEntry(zf, filepath.Join(dir, name), lim, written); err != nil {
			if bulkd.ErrorCode(err) == bulkd.EINVALID {
				return nil, pipeline.Invalid("%s: %v", name, err)
			}
			return nil, fmt.Errorf("unzip %s from %s: %w", name, filepath.Base(zipPath), err)
		}
		names = append(names, name)
	}
	return names, nil
}

// writeEntry unpacks zf to dst, counting what it writes against lim.
func writeEntry(zf *zip.File, dst string, lim pipeline.ZipLimits, written *int64) error {
	in, err := zf.Open()
	if err != nil {
		return err
	}
	defer in.Close()
	return fsx.CopyTo(dst, &boundedEntry{r: in, lim: lim, packed: int64(zf.CompressedSize64), written: written})
}

// boundedEntry reads a ZIP entry and fails once it is over a limit, so
// that a bomb stops at the limit instead of at a full disk.
type boundedEntry struct {
	r       io.Reader
	lim     pipeline.ZipLimits
	packed  int64
	n       int64
	written *int64
}

func (b *boundedEntry) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	*b.written += int64(n)
	switch {
	case *b.written > b.lim.MaxBytes:
		return n, pipeline.Invalid("the ZIP unpacks to more than %d bytes (limits.zip_max_bytes)", b.lim.MaxBytes)
	case b.n > pipeline.RatioFloor && b.n > b.lim.MaxRatio*max(b.packed, 1):
		return n, pipeline.Invalid("the entry unpacks to more than %d times its packed size of %d bytes (limits.zip_max_ratio): "+
			"it looks like a ZIP bomb", b.lim.MaxRatio, b.packed)
	}
	return n, err
}
