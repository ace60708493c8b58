// Package watcher turns files that arrive in tenant folders into claims.
// It watches <root> and every <root>/<tenant>/ with fsnotify, scans them at
// start-up and every rescan interval (and at once when fsnotify overflows),
// and hands a file on only once it is complete: its size and mtime unchanged
// for the whole settle window (and, if configured, its <name>.done marker
// present; on Windows, also openable exclusively). Off Windows a file whose
// mtime is already older than the window (one renamed into place) has been
// unchanged that long and is taken at once. On Linux a file some process
// still has open for writing is not complete either. Candidates are checked
// every quarter window, and again just after the first of them is due to
// settle, so a file is taken at most a twentieth of the window (1 to 50 ms)
// after settling rather than up to a poll later; files that
// settle together are handed on together (Config.Take).
//
// Nothing outside the root is followed: only real folders are tenant
// folders and only regular files are candidates (checked with Lstat, never
// Stat). A symbolic link or, on Windows, a junction or other reparse point,
// whether a tenant folder or a file, is ignored and logged once. The claim
// checks again after it has moved a file, which closes the gap between the
// check and the move.
//
// A file whose Take fails is tried again with backoff: after the settle
// window, then twice as long each time up to MaxBackoff, at once again
// when the file changes. The first failure (and a different one) is logged
// at error, its repeats at debug, the take after failures at info.
//
// A regular file that matches no route but whose name is near one (see
// Config.Explain) is a near miss: once it has settled (so the temporary
// name of a write-then-rename is not reported) it is logged once, at warn,
// with the reason, and logged again only if it goes and comes back. Files
// lists, per tenant folder, the candidates and near misses with their
// state; nothing else in the folder (media, markers) is listed.
//
// It is the only package that imports fsnotify. It never reads rows.
package watcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/go-hclog"
)

// DoneSuffix names a file's completion marker: AGENTS.x.csv.done.
const DoneSuffix = ".done"

// Config is what a Watcher needs.
type Config struct {
	Root       string
	Settle     time.Duration
	Rescan     time.Duration
	DoneMarker bool
	// Tenants are folders created at Open; others are discovered.
	Tenants []string
	// ValidTenant reports whether a folder name is a safe tenant name.
	ValidTenant func(string) bool
	// Match reports whether a file name is one to take.
	Match func(name string) bool
	// Rank orders the files that settle in the same check: lower first,
	// then by name. Nil ranks every file the same.
	Rank func(name string) int
	// Take claims complete files that settled together (at most
	// MaxTakeAll), in the order given, and returns an error for each: after
	// nil a file is no longer watched. It is called from one goroutine.
	// TakeEach adapts a function that claims one file.
	Take func(ctx context.Context, files []File) []error
	// MaxBackoff caps the wait between takes of a file whose Take keeps
	// failing; 0 means DefaultMaxBackoff.
	MaxBackoff time.Duration
	// Explain, if set, says why a file Match refuses is not taken when its
	// name looks like an import (nearMiss): such a file is listed by Files
	// and logged once. Nil: files Match refuses are ignored silently.
	Explain func(name string) (reason string, nearMiss bool)
	// Observer, if set, is told of rescans and overflows (for metrics).
	Observer Observer
}

// Observer is told what the watcher does, for metrics. Its methods are
// called from the watcher's goroutine and must return quickly.
type Observer interface {
	// Rescan is called for each full scan after the one at Open: every
	// Config.Rescan, and after an overflow.
	Rescan()
	// Overflow is called when fsnotify reports that it dropped events.
	Overflow()
}

// The states of FileState. A file that is not listed is not the watcher's
// business (media, markers, other files) or is taken already.
const (
	// StateSettling is a file that changed less than Config.Settle ago.
	StateSettling = "settling"
	// StateHeldOpen is a file unchanged for the settle window that is not
	// taken because a process still has it open for writing (Linux leases,
	// Windows exclusive opens).
	StateHeldOpen = "held_open"
	// StateWaitingForMarker is a complete file whose <name>.done marker
	// does not exist yet (Config.DoneMarker).
	StateWaitingForMarker = "waiting_for_marker"
	// StateRetrying is a file whose Take failed; Reason is the last error.
	StateRetrying = "retrying"
	// StateNotAnImport is a near miss (Reason says why) or a link named
	// like an import.
	StateNotAnImport = "not_an_import"
)

// FileState is a file waiting in a tenant folder, as Files lists it.
type FileState struct {
	Name     string
	Size     int64
	Modified time.Time
	// State is one of the State constants.
	State string
	// Reason says why a file is retrying (the last error), not an import,
	// held open or waiting for its marker; settling files have none.
	Reason string
}

// DefaultMaxBackoff is the longest a failing file waits between takes
// unless Config.MaxBackoff says otherwise.
const DefaultMaxBackoff = 5 * time.Minute

// candidate is a matching file being watched until it settles.
type candidate struct {
	tenant, dir, name string

	// After a failed Take: how many in a row, the last error's text, not
	// before when to try again, and the file as it was then (a change
	// ends the backoff).
	failures int
	lastErr  string
	next     time.Time
	size     int64
	mtime    time.Time

	// The file as last seen while it waited, and since when it has been
	// so: unchanged past the settle window but not settled means held
	// open (the Settler says only yes or no).
	seenSize  int64
	seenMtime time.Time
	sameSince time.Time
}

// miss is a file that is not taken but is listed: a near miss, logged once
// it settles, or a link named like an import (logged by warnOnce).
type miss struct {
	tenant, name, reason string
	logged               bool
}

// Watcher watches the tenant folders. Open starts it, Close stops it.
type Watcher struct {
	cfg     Config
	log     hclog.Logger
	settler *fsx.Settler

	// together is how long after the first candidate is due the due
	// timer fires (see settleUntil): a twentieth of the window, 1–50ms.
	together time.Duration

	fsw   *fsnotify.Watcher
	cands map[string]*candidate
	// misses are the listed files that are not candidates, by path.
	misses map[string]*miss
	// warned holds the paths already logged as ignored (a bad tenant
	// name, a link), so each is logged once; a rescan forgets those gone.
	warned map[string]bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	// view is what Files reports, by tenant and name: the loop keeps it
	// up to date as it goes, under viewMu, so that a listing from an HTTP
	// goroutine costs a copy and never waits for a Take.
	viewMu sync.Mutex
	view   map[string]map[string]FileState
}

// New returns a Watcher for cfg.
func New(cfg Config, logger hclog.Logger) *Watcher {
	return &Watcher{cfg: cfg, log: logger, settler: fsx.NewSettler(cfg.Settle, time.Now),
		together: min(max(cfg.Settle/20, time.Millisecond), 50*time.Millisecond),
		cands:    map[string]*candidate{}, misses: map[string]*miss{}, warned: map[string]bool{},
		view: map[string]map[string]FileState{}}
}

// Open creates the root and declared tenant folders, scans them and starts
// watching.
func (w *Watcher) Open(ctx context.Context) error {
	for _, t := range append([]string{""}, w.cfg.Tenants...) {
		if err := os.MkdirAll(filepath.Join(w.cfg.Root, t), 0o755); err != nil {
			return fmt.Errorf("create tenant folder: %w", err)
		}
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("start fsnotify: %w", err)
	}
	if err := fsw.Add(w.cfg.Root); err != nil {
		_ = fsw.Close()
		return fmt.Errorf("watch %s: %w", w.cfg.Root, err)
	}
	w.fsw = fsw
	w.log.Info("watching", "root", w.cfg.Root, "settle", w.cfg.Settle, "rescan", w.cfg.Rescan)
	w.scan()
	ctx, w.cancel = context.WithCancel(ctx)
	w.wg.Add(1)
	go w.loop(ctx)
	return nil
}

// Close stops watching and waits for the loop. It is safe to call twice.
func (w *Watcher) Close() error {
	var err error
	w.once.Do(func() {
		if w.cancel != nil {
			w.cancel()
		}
		w.wg.Wait()
		if w.fsw != nil {
			err = w.fsw.Close()
		}
	})
	return err
}

// Files returns the files of a tenant folder the watcher is waiting for or
// tells about, by name: candidates not yet taken and near misses. It is
// safe to call from any goroutine.
func (w *Watcher) Files(tenant string) []FileState {
	w.viewMu.Lock()
	out := make([]FileState, 0, len(w.view[tenant]))
	for _, f := range w.view[tenant] {
		out = append(out, f)
	}
	w.viewMu.Unlock()
	slices.SortFunc(out, func(a, b FileState) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// show sets what Files says of a file.
func (w *Watcher) show(tenant string, f FileState) {
	w.viewMu.Lock()
	defer w.viewMu.Unlock()
	if w.view[tenant] == nil {
		w.view[tenant] = map[string]FileState{}
	}
	w.view[tenant][f.Name] = f
}

// hide removes a file from what Files says.
func (w *Watcher) hide(tenant, name string) {
	w.viewMu.Lock()
	defer w.viewMu.Unlock()
	delete(w.view[tenant], name)
	if len(w.view[tenant]) == 0 {
		delete(w.view, tenant)
	}
}

func (w *Watcher) loop(ctx context.Context) {
	defer w.wg.Done()
	poll := time.NewTicker(w.settler.PollInterval())
	defer poll.Stop()
	rescan := time.NewTicker(w.cfg.Rescan)
	defer rescan.Stop()
	// due fires when the first candidate that is not settled yet will be,
	// if nothing changes it: checked then, not at the next poll.
	due := time.NewTimer(time.Hour)
	due.Stop()
	defer due.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.event(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("fsnotify overflowed; rescanning")
				if w.cfg.Observer != nil {
					w.cfg.Observer.Overflow()
				}
				w.rescan()
				continue
			}
			w.log.Error("fsnotify", "error", err)
		case <-rescan.C:
			w.rescan()
		case <-poll.C:
			w.settleUntil(ctx, due)
		case <-due.C:
			w.settleUntil(ctx, due)
		}
	}
}

// event notes a new tenant folder or a file that may be a candidate.
func (w *Watcher) event(ev fsnotify.Event) {
	// Remove and Rename (of the old name) let a listed file that went be
	// forgotten at once.
	if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Remove|fsnotify.Rename|fsnotify.Chmod) == 0 {
		return
	}
	dir, name := filepath.Split(ev.Name)
	dir = filepath.Clean(dir)
	switch {
	case dir == filepath.Clean(w.cfg.Root):
		// Lstat: a link to a folder (anywhere) is not a tenant folder.
		if fi, err := os.Lstat(ev.Name); err == nil {
			w.rootEntry(name, fi.Mode())
		}
	case filepath.Dir(dir) == filepath.Clean(w.cfg.Root):
		tenant := filepath.Base(dir)
		if w.cfg.ValidTenant(tenant) {
			w.consider(tenant, dir, strings.TrimSuffix(name, DoneSuffix))
		}
	}
}

// rescan is a scan after the first, told to the Observer.
func (w *Watcher) rescan() {
	if w.cfg.Observer != nil {
		w.cfg.Observer.Rescan()
	}
	w.scan()
}

// scan walks every tenant folder, watching new ones.
func (w *Watcher) scan() {
	for path := range w.warned {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			delete(w.warned, path) // gone: log it again if it comes back
		}
	}
	for path := range w.misses {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			w.forgetMiss(path) // its Remove event was missed (overflow, a folder removed)
		}
	}
	entries, err := os.ReadDir(w.cfg.Root)
	if err != nil {
		w.log.Error("scan root", "root", w.cfg.Root, "error", err)
		return
	}
	for _, e := range entries {
		w.rootEntry(e.Name(), e.Type())
	}
}

// rootEntry scans a folder of the root as a tenant folder, and logs (once)
// a link there: a link to a folder is never a tenant folder, wherever it
// points, so that nothing outside the root is watched, moved or archived.
func (w *Watcher) rootEntry(name string, mode fs.FileMode) {
	switch {
	case fsx.IsRealDir(mode):
		w.scanTenant(name)
	case mode&(fs.ModeSymlink|fs.ModeIrregular) != 0:
		w.warnOnce(filepath.Join(w.cfg.Root, name), "ignoring tenant folder: "+fsx.Describe(mode)+" is not followed")
	}
}

// warnOnce logs msg about path at warn level unless it was logged already.
func (w *Watcher) warnOnce(path, msg string) {
	if w.warned[path] {
		return
	}
	w.warned[path] = true
	w.log.Warn(msg, "path", path)
}

func (w *Watcher) scanTenant(tenant string) {
	dir := filepath.Join(w.cfg.Root, tenant)
	if !w.cfg.ValidTenant(tenant) {
		w.warnOnce(dir, "ignoring folder: not a tenant name ([A-Za-z0-9._-]+)")
		return
	}
	// Checked again here (scanTenant also runs for events and rescans):
	// fsnotify would follow a link to a folder and watch its target.
	if !w.realDir(dir) {
		return
	}
	if err := w.fsw.Add(dir); err != nil {
		w.log.Error("watch tenant folder", "folder", dir, "error", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.log.Error("scan tenant folder", "folder", dir, "error", err)
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			w.consider(tenant, dir, e.Name())
		}
	}
}

// realDir reports whether the tenant folder dir is a folder itself, logging
// (once) a link there.
func (w *Watcher) realDir(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil {
		return false
	}
	if !fsx.IsRealDir(fi.Mode()) {
		w.warnOnce(dir, "ignoring tenant folder: "+fsx.Describe(fi.Mode())+" is not followed")
		return false
	}
	return true
}

// consider starts watching a file whose name matches a route, if it is a
// regular file in a real tenant folder. A link (or any other non-regular
// file) with such a name is logged once and not watched. A regular file
// whose name is a near miss is listed, and logged once it settles. A name
// that went is forgotten.
func (w *Watcher) consider(tenant, dir, name string) {
	path := filepath.Join(dir, name)
	if _, ok := w.cands[path]; ok {
		return
	}
	match := w.cfg.Match(name)
	reason, near := "", false
	if !match {
		if reason, near = w.explain(name); !near {
			return
		}
	}
	if !w.realDir(dir) {
		return
	}
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		w.forgetMiss(path) // gone (a Remove or Rename event), or a marker event for a file not there
		return
	case fi.Mode().IsRegular():
	case fi.IsDir() && fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) == 0:
		return // a folder named like a file: nothing to take
	default:
		if match {
			msg := fsx.Describe(fi.Mode()) + " is not followed or taken"
			w.warnOnce(path, "ignoring file: "+msg)
			w.nearMiss(path, tenant, name, msg, true, fi)
		}
		return
	}
	if !match {
		w.nearMiss(path, tenant, name, reason, false, fi)
		return
	}
	w.forgetMiss(path) // a link by that name before
	now := time.Now()
	w.cands[path] = &candidate{tenant: tenant, dir: dir, name: name,
		seenSize: fi.Size(), seenMtime: fi.ModTime(), sameSince: now}
	w.show(tenant, FileState{Name: name, Size: fi.Size(), Modified: fi.ModTime(), State: StateSettling})
	w.log.Debug("file seen", "tenant", tenant, "file", name)
}

// explain asks Config.Explain about a name Match refused. A completion
// marker is never a near miss: it belongs to the file it names.
func (w *Watcher) explain(name string) (string, bool) {
	if w.cfg.Explain == nil || strings.HasSuffix(name, DoneSuffix) {
		return "", false
	}
	return w.cfg.Explain(name)
}

// nearMiss lists a file that is not taken, or refreshes its size and mtime
// after an event. One not logged yet is looked at by settle until it
// settles; logged is for one logged already.
func (w *Watcher) nearMiss(path, tenant, name, reason string, logged bool, fi fs.FileInfo) {
	m := w.misses[path]
	if m == nil {
		m = &miss{tenant: tenant, name: name, reason: reason, logged: logged}
		w.misses[path] = m
	}
	w.show(tenant, FileState{Name: name, Size: fi.Size(), Modified: fi.ModTime(), State: StateNotAnImport, Reason: m.reason})
}

// forgetMiss stops listing path, so that a file of that name that comes
// later is logged again.
func (w *Watcher) forgetMiss(path string) {
	m := w.misses[path]
	if m == nil {
		return
	}
	delete(w.misses, path)
	w.settler.Forget(path)
	w.hide(m.tenant, m.name)
}

// settleUntil settles, then sets due to fire when the next candidate may
// have settled, plus w.together: files written a few milliseconds apart
// (a CONTACT file and the AGENTS file its rows name) settle in the same
// check, and are taken in Rank order.
func (w *Watcher) settleUntil(ctx context.Context, due *time.Timer) {
	if next, ok := w.settle(ctx); ok {
		due.Reset(max(time.Until(next), 0) + w.together)
	}
}

// settle takes every candidate that has been stable for the whole window,
// in Rank order, so files that settle together are taken in a known order.
// It returns when the first candidate not settled yet will be, if it does
// not change.
func (w *Watcher) settle(ctx context.Context) (next time.Time, ok bool) {
	var ready []string
	now := time.Now()
	for path, c := range w.cands {
		if c.failures > 0 && w.backingOff(path, c, now) {
			continue
		}
		exists, settled := w.settler.Check(path)
		if !exists {
			delete(w.cands, path) // gone (renamed away, deleted) or replaced by a link
			w.hide(c.tenant, c.name)
			continue
		}
		if !settled {
			w.showUnsettled(path, c, now)
			if t, due := w.settler.Due(path); due && t.After(now) && (!ok || t.Before(next)) {
				next, ok = t, true
			}
			continue
		}
		if w.cfg.DoneMarker {
			if _, err := os.Lstat(path + DoneSuffix); err != nil {
				w.showCandidate(c, c.seenSize, c.seenMtime, StateWaitingForMarker, "waiting for "+c.name+DoneSuffix)
				continue
			}
		}
		ready = append(ready, path)
	}
	w.settleMisses()
	rank := func(path string) int {
		if w.cfg.Rank == nil {
			return 0
		}
		return w.cfg.Rank(w.cands[path].name)
	}
	slices.SortFunc(ready, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(w.cands[a].name, w.cands[b].name), cmp.Compare(a, b))
	})
	for len(ready) > 0 {
		chunk := ready[:min(len(ready), MaxTakeAll)]
		ready = ready[len(chunk):]
		files := make([]File, len(chunk))
		for i, path := range chunk {
			c := w.cands[path]
			files[i] = File{Tenant: c.tenant, Dir: c.dir, Name: c.name}
		}
		errs := w.cfg.Take(ctx, files)
		if ctx.Err() != nil {
			return next, ok
		}
		for i, path := range chunk {
			w.taken(path, errs[i])
		}
	}
	return next, ok
}

// taken updates a candidate after its take: forgotten once taken, retried
// with backoff when its take failed.
func (w *Watcher) taken(path string, err error) {
	c := w.cands[path]
	if err != nil {
		w.failed(path, c, err)
		return
	}
	if c.failures > 0 {
		w.log.Info("file taken after failed attempts", "tenant", c.tenant, "file", c.name, "attempts", c.failures+1)
	}
	delete(w.cands, path)
	w.hide(c.tenant, c.name)
	w.settler.Forget(path)
	if w.cfg.DoneMarker {
		if err := os.Remove(path + DoneSuffix); err != nil && !os.IsNotExist(err) {
			w.log.Warn("remove done marker", "file", path+DoneSuffix, "error", err)
		}
	}
}

// File is a file for Take: its tenant, the folder it is in, its name.
type File struct{ Tenant, Dir, Name string }

// MaxTakeAll is the most files one Take is given: the first of a large
// drop start while the rest are claimed.
const MaxTakeAll = 64

// TakeEach is a Take that claims files one at a time with take.
func TakeEach(take func(ctx context.Context, tenant, dir, name string) error) func(context.Context, []File) []error {
	return func(ctx context.Context, files []File) []error {
		errs := make([]error, len(files))
		for i, f := range files {
			if errs[i] = take(ctx, f.Tenant, f.Dir, f.Name); errs[i] != nil && ctx.Err() != nil {
				break
			}
		}
		return errs
	}
}

// failed schedules the next take of a candidate whose Take failed: after
// the settle window the first time, twice as long after each failure in a
// row, at most MaxBackoff. Without the backoff a lasting failure (work
// folder not writable, store full) would be retried, and logged, every few
// hundred milliseconds. A failure is logged at error the first time and
// when its message changes, at debug while it repeats.
func (w *Watcher) failed(path string, c *candidate, err error) {
	c.failures++
	wait := max(w.cfg.Settle, w.settler.PollInterval())
	maxWait := cmp.Or(w.cfg.MaxBackoff, DefaultMaxBackoff)
	for i := 1; i < c.failures && wait < maxWait; i++ {
		wait *= 2
	}
	wait = min(wait, maxWait)
	c.next = time.Now().Add(wait)
	if fi, serr := os.Lstat(path); serr == nil {
		c.size, c.mtime = fi.Size(), fi.ModTime()
	}
	msg := err.Error()
	if msg != c.lastErr {
		w.log.Error("take file; retrying with backoff", "tenant", c.tenant, "file", c.name, "error", err, "retry_in", wait)
	} else {
		w.log.Debug("take file failed again", "tenant", c.tenant, "file", c.name, "error", err,
			"attempts", c.failures, "retry_in", wait)
	}
	c.lastErr = msg
	w.showCandidate(c, c.size, c.mtime, StateRetrying, msg)
}

// showCandidate sets what Files says of a candidate.
func (w *Watcher) showCandidate(c *candidate, size int64, mtime time.Time, state, reason string) {
	w.show(c.tenant, FileState{Name: c.name, Size: size, Modified: mtime, State: state, Reason: reason})
}

// heldOpenReason words StateHeldOpen.
const heldOpenReason = "unchanged, but another process still has it open for writing"

// showUnsettled lists a candidate that is not settled: settling while it
// changes, held open once it has not changed for longer than the window
// (with two polls' slack, as the Settler looked at it a moment before
// this Lstat did), which only a writer that keeps it open explains.
func (w *Watcher) showUnsettled(path string, c *candidate, now time.Time) {
	fi, err := os.Lstat(path)
	if err != nil {
		return // gone: the next settle forgets it
	}
	if fi.Size() != c.seenSize || !fi.ModTime().Equal(c.seenMtime) {
		c.seenSize, c.seenMtime, c.sameSince = fi.Size(), fi.ModTime(), now
	}
	if now.Sub(c.sameSince) > w.cfg.Settle+2*w.settler.PollInterval() {
		w.showCandidate(c, c.seenSize, c.seenMtime, StateHeldOpen, heldOpenReason)
		return
	}
	w.showCandidate(c, c.seenSize, c.seenMtime, StateSettling, "")
}

// settleMisses logs each near miss once it has settled: the temporary name
// a copy writes to before renaming the file into place is never reported.
func (w *Watcher) settleMisses() {
	for path, m := range w.misses {
		if m.logged {
			continue
		}
		exists, settled := w.settler.Check(path)
		if !exists {
			w.forgetMiss(path)
			continue
		}
		if fi, err := os.Lstat(path); err == nil {
			w.show(m.tenant, FileState{Name: m.name, Size: fi.Size(), Modified: fi.ModTime(), State: StateNotAnImport, Reason: m.reason})
		}
		if settled {
			m.logged = true
			w.settler.Forget(path)
			w.log.Warn("ignoring file: not an import", "tenant", m.tenant, "file", m.name, "reason", m.reason)
		}
	}
}

// backingOff reports whether a candidate whose Take failed must wait
// still. A file that changed since the failure is a new file: its backoff
// ends, and the settle window applies to it as to any changed file.
func (w *Watcher) backingOff(path string, c *candidate, now time.Time) bool {
	fi, err := os.Lstat(path)
	if err == nil && (fi.Size() != c.size || !fi.ModTime().Equal(c.mtime)) {
		w.log.Debug("file changed; trying again without backoff", "tenant", c.tenant, "file", c.name)
		c.failures, c.lastErr, c.next = 0, "", time.Time{}
		return false
	}
	return err == nil && now.Before(c.next)
}
