// Package watcher turns files that arrive in tenant folders into claims.
// It watches <root> and every <root>/<tenant>/ with fsnotify, scans them at
// start-up and every rescan interval (and at once when fsnotify overflows),
// and hands a file on only once it is complete: its size and mtime unchanged
// for the whole settle window (and, if configured, its <name>.done marker
// present; on Windows, also openable exclusively). Off Windows a file whose
// mtime is already older than the window (one renamed into place) has been
// unchanged that long and is taken at once. It is the only package
// that imports fsnotify. It never reads rows.
package watcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
}

// candidate is a matching file being watched until it settles.
type candidate struct {
	tenant, dir, name string
}

// Watcher watches the tenant folders. Open starts it, Close stops it.
type Watcher struct {
	cfg     Config
	log     hclog.Logger
	settler *fsx.Settler

	fsw    *fsnotify.Watcher
	cands  map[string]*candidate
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
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
			w.scanTenant(name)
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
	entries, err := os.ReadDir(w.cfg.Root)
	if err != nil {
		w.log.Error("scan root", "root", w.cfg.Root, "error", err)
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			w.scanTenant(e.Name())
		}
	}
}

func (w *Watcher) scanTenant(tenant string) {
	if !w.cfg.ValidTenant(tenant) {
		if !w.warned[tenant] {
			w.warned[tenant] = true
			w.log.Warn("ignoring folder: not a tenant name ([A-Za-z0-9._-]+)", "folder", tenant)
		}
		return
	}
	dir := filepath.Join(w.cfg.Root, tenant)
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

// consider starts watching a file whose name matches a route.
func (w *Watcher) consider(tenant, dir, name string) {
	path := filepath.Join(dir, name)
	if _, ok := w.cands[path]; ok || !w.cfg.Match(name) {
		return
	}
	w.cands[path] = &candidate{tenant: tenant, dir: dir, name: name}
	w.log.Debug("file seen", "tenant", tenant, "file", name)
}

// settle takes every candidate that has been stable for the whole window,
// in Rank order, so files that settle together are taken in a known order.
func (w *Watcher) settle(ctx context.Context) {
	var ready []string
	for path := range w.cands {
		exists, settled := w.settler.Check(path)
		if !exists {
			delete(w.cands, path) // gone: renamed away or deleted
			continue
		}
		if !settled {
			continue
		}
		if w.cfg.DoneMarker {
			if _, err := os.Stat(path + DoneSuffix); err != nil {
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
			w.log.Error("take file", "tenant", c.tenant, "file", c.name, "error", err)
			w.settler.Restart(path) // try again after another settle window
			continue
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
