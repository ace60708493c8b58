// Package watcher turns files that arrive in tenant folders into claims.
// It watches <root> and every <root>/<tenant>/ with fsnotify, scans them at
// start-up and every rescan interval (and at once when fsnotify overflows),
// and hands a file on only once it is complete: its size and mtime unchanged
// for the whole settle window (and, if configured, its <name>.done marker
// present; on Windows, also openable exclusively). Off Windows a file whose
// mtime is already older than the window (one renamed into place) has been
// unchanged that long and is taken at once. On Linux a file some process
// still has open for writing is not complete either.
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
	// Take claims a complete file. It is called from one goroutine, one
	// file at a time; after it returns nil the file is no longer watched.
	Take func(ctx context.Context, tenant, dir, name string) error
	// MaxBackoff caps the wait between takes of a file whose Take keeps
	// failing; 0 means DefaultMaxBackoff.
	MaxBackoff time.Duration
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
}

// Watcher watches the tenant folders. Open starts it, Close stops it.
type Watcher struct {
	cfg     Config
	log     hclog.Logger
	settler *fsx.Settler

	fsw   *fsnotify.Watcher
	cands map[string]*candidate
	// warned holds the paths already logged as ignored (a bad tenant
	// name, a link), so each is logged once; a rescan forgets those gone.
	warned map[string]bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New returns a Watcher for cfg.
func New(cfg Config, logger hclog.Logger) *Watcher {
	return &Watcher{cfg: cfg, log: logger, settler: fsx.NewSettler(cfg.Settle, time.Now),
		cands: map[string]*candidate{}, warned: map[string]bool{}}
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

func (w *Watcher) loop(ctx context.Context) {
	defer w.wg.Done()
	poll := time.NewTicker(w.settler.PollInterval())
	defer poll.Stop()
	rescan := time.NewTicker(w.cfg.Rescan)
	defer rescan.Stop()
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
				w.scan()
				continue
			}
			w.log.Error("fsnotify", "error", err)
		case <-rescan.C:
			w.scan()
		case <-poll.C:
			w.settle(ctx)
		}
	}
}

// event notes a new tenant folder or a file that may be a candidate.
func (w *Watcher) event(ev fsnotify.Event) {
	if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Chmod) == 0 {
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

// scan walks every tenant folder, watching new ones.
func (w *Watcher) scan() {
	for path := range w.warned {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			delete(w.warned, path) // gone: log it again if it comes back
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
// file) with such a name is logged once and not watched.
func (w *Watcher) consider(tenant, dir, name string) {
	path := filepath.Join(dir, name)
	if _, ok := w.cands[path]; ok || !w.cfg.Match(name) {
		return
	}
	if !w.realDir(dir) {
		return
	}
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return // gone already, or a marker event for a file not there
	case fi.Mode().IsRegular():
	case fi.IsDir() && fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) == 0:
		return // a folder named like a file: nothing to take
	default:
		w.warnOnce(path, "ignoring file: "+fsx.Describe(fi.Mode())+" is not followed or taken")
		return
	}
	w.cands[path] = &candidate{tenant: tenant, dir: dir, name: name}
	w.log.Debug("file seen", "tenant", tenant, "file", name)
}

// settle takes every candidate that has been stable for the whole window,
// in Rank order, so files that settle together are taken in a known order.
func (w *Watcher) settle(ctx context.Context) {
	var ready []string
	now := time.Now()
	for path, c := range w.cands {
		if c.failures > 0 && w.backingOff(path, c, now) {
			continue
		}
		exists, settled := w.settler.Check(path)
		if !exists {
			delete(w.cands, path) // gone (renamed away, deleted) or replaced by a link
			continue
		}
		if !settled {
			continue
		}
		if w.cfg.DoneMarker {
			if _, err := os.Lstat(path + DoneSuffix); err != nil {
				continue
			}
		}
		ready = append(ready, path)
	}
	rank := func(path string) int {
		if w.cfg.Rank == nil {
			return 0
		}
		return w.cfg.Rank(w.cands[path].name)
	}
	slices.SortFunc(ready, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(w.cands[a].name, w.cands[b].name), cmp.Compare(a, b))
	})
	for _, path := range ready {
		c := w.cands[path]
		if err := w.cfg.Take(ctx, c.tenant, c.dir, c.name); err != nil {
			if ctx.Err() != nil {
				return
			}
			w.failed(path, c, err)
			continue
		}
		if c.failures > 0 {
			w.log.Info("file taken after failed attempts", "tenant", c.tenant, "file", c.name, "attempts", c.failures+1)
		}
		delete(w.cands, path)
		w.settler.Forget(path)
		if w.cfg.DoneMarker {
			if err := os.Remove(path + DoneSuffix); err != nil && !os.IsNotExist(err) {
				w.log.Warn("remove done marker", "file", path+DoneSuffix, "error", err)
			}
		}
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
