package contacts

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
)

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
			b, err := r.media.Ingest(r.ctx, filepath.Join(r.dir, p.name), p.name)
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

// waitKnown waits up to d for every one of recs to be known: added
// (stored or being stored), or no more to be added. A row naming one that
// is still unknown after that may wait for the folder as long as
// media_wait.
func (r *recordings) waitKnown(recs []recRef, d time.Duration) bool {
	r.mu.Lock()
	known := r.knownLocked(recs)
	r.mu.Unlock()
	if known {
		return true // nearly every row: no timer
	}
	deadline := time.Now().Add(d)
	t := time.AfterFunc(d, func() {
		r.mu.Lock()
		r.known.Broadcast()
		r.mu.Unlock()
	})
	defer t.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for !r.knownLocked(recs) {
		if !time.Now().Before(deadline) {
			return false
		}
		r.known.Wait()
	}
	return true
}

func (r *recordings) knownLocked(recs []recRef) bool {
	if r.closed || r.noWait {
		return true
	}
	for _, rc := range recs {
		if _, ok := r.byName[rc.location]; !ok {
			return false
		}
	}
	return true
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
