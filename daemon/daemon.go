// Package daemon wires bulkd together: the store, the pipeline and its
// importers, the folder watcher, the HTTP server and the retention loop.
// cmd/bulkd runs one Daemon; end-to-end tests run the same one in-process.
package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/auth"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/dashboard"
	"github.com/bulkd/bulkd/forward"
	"github.com/bulkd/bulkd/internal/certs"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/metrics"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/bulkd/bulkd/store"
	"github.com/bulkd/bulkd/watcher"
	"github.com/hashicorp/go-hclog"
)

// retentionEvery is how often old jobs and archives are purged.
const retentionEvery = time.Hour

// Daemon is one running bulkd.
type Daemon struct {
	cfg   *config.Config
	log   hclog.Logger
	specs []pipeline.Spec
	kinds *pipeline.Kinds

	store   *store.Store
	media   *media.Store
	metrics *metrics.Metrics // nil with metrics.enabled = false
	runner  *pipeline.Runner
	watcher *watcher.Watcher
	ln      net.Listener
	http    *http.Server
	certs   *certs.Reloader // the listener's, with TLS
	// forwarder sends the outbox to the central (nil: not forwarding).
	forwarder *forward.Forwarder
	hup       chan os.Signal // SIGHUP, caught from Open to Close

	// certsEvery is how often the TLS files are looked at for a renewal.
	certsEvery time.Duration

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New returns a Daemon for cfg importing specs' kinds (kinds.All() when
// none are given). Nothing starts until Open.
func New(cfg *config.Config, logger hclog.Logger, specs ...pipeline.Spec) *Daemon {
	if len(specs) == 0 {
		specs = kinds.All()
	}
	return &Daemon{cfg: cfg, log: logger, specs: specs, certsEvery: certsEvery}
}

// StorePath returns where the daemon keeps its bbolt file.
func StorePath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "bulkd.db") }

// Open starts everything: it replays what a previous run left unfinished
// before the watcher looks at any folder. On error, what was started is
// closed again.
func (d *Daemon) Open(ctx context.Context) (err error) {
	// SIGHUP is caught from the first moment: a reload (a certificate
	// renewal's hook) during a slow start must not stop bulkd. watchCerts
	// acts on it once bulkd listens.
	d.hup = make(chan os.Signal, 1)
	signal.Notify(d.hup, syscall.SIGHUP)
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	// Check is what `bulkd config check` runs too, so the two agree.
	kinds, diags := d.cfg.Kinds(d.specs)
	diags = append(diags, Check(d.cfg, os.Getenv)...)
	if diags.HasErrors() {
		return fmt.Errorf("config: %w", config.Err(diags))
	}
	d.kinds = kinds
	authn, err := auth.New(authConfig(d.cfg), os.Getenv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if d.store, err = store.Open(StorePath(d.cfg)); err != nil {
		return err
	}
	// The observers are set only with metrics on: a nil *Metrics in an
	// interface would not be nil.
	var (
		jobsObs    pipeline.Observer
		watcherObs watcher.Observer
		mediaOpts  []media.Option
	)
	if d.cfg.MetricsEnabled() {
		mc := metrics.Config{Kinds: d.kinds.Names(), Waiting: d.waiting, Store: d.storeStats}
		if d.cfg.Forward != nil {
			mc.Outbox = func() (int, time.Time, error) {
				o, err := d.store.Outbox(context.Background(), "")
				return o.Depth, o.Oldest, err
			}
		}
		d.metrics = metrics.New(mc, d.log.Named("metrics"))
		jobsObs, watcherObs = d.metrics, d.metrics
		mediaOpts = append(mediaOpts, media.WithObserver(d.metrics))
	}
	if d.media, err = openMedia(ctx, d.cfg, mediaOpts); err != nil {
		return err
	}
	// A sweep that fails (a bucket that refuses to list or delete) leaves
	// orphans for the next start; it does not keep bulkd from starting.
	if err := d.sweepMedia(ctx); err != nil {
		d.log.Warn("cannot sweep the media store; orphaned recordings stay until a later start", "error", err)
	}
	importers, err := d.kinds.Build(pipeline.Deps{Store: d.store, Media: d.media, Tenant: d.cfg.Settings})
	if err != nil {
		return err
	}
	var outbox pipeline.Outbox // nil unless forwarding
	if d.cfg.Forward != nil {
		files := forward.NewFiles(outboxDir(d.cfg))
		if d.forwarder, err = d.newForwarder(ctx, files); err != nil {
			return err
		}
		outbox = files
	}
	d.runner = pipeline.NewRunner(pipeline.Config{
		WorkDir:   filepath.Join(d.cfg.DataDir, "work"),
		Dedupe:    *d.cfg.Dedupe,
		Settle:    d.cfg.Watch.SettleDur,
		MediaWait: d.cfg.Watch.MediaWaitDur,
		Kinds:     d.kinds,
		CSV:       d.cfg.CSV(),
		Encoding:  func(t string) string { return d.cfg.Settings(t).Encoding },
		Zip: pipeline.ZipLimits{
			MaxBytes: d.cfg.Limits.ZipMaxBytes, MaxEntries: d.cfg.Limits.ZipMaxEntries, MaxRatio: d.cfg.Limits.ZipMaxRatio,
		},
		Observer: jobsObs,
		Forward:  d.cfg.Forwards,
		Outbox:   outbox,
	}, d.store, importers, d.log.Named("pipeline"))
	if err := d.runner.Open(ctx); err != nil {
		return err
	}
	// Only now, once the runner has moved in the files of uploads claimed
	// just before a stop: what is left was never claimed, nothing to keep.
	if err := os.RemoveAll(filepath.Join(d.cfg.DataDir, "incoming")); err != nil {
		return fmt.Errorf("clear incoming uploads: %w", err)
	}
	d.watcher = watcher.New(watcher.Config{
		Root: d.cfg.Watch.Root, Settle: d.cfg.Watch.SettleDur, Rescan: d.cfg.Watch.RescanDur,
		DoneMarker: d.cfg.Watch.DoneMarker, Tenants: d.cfg.TenantNames(), ValidTenant: bulkd.ValidTenant,
		Match: func(name string) bool {
			_, ok := d.kinds.Match(name)
			return ok
		},
		Rank: func(name string) int {
			kind, _ := d.kinds.Match(name)
			return d.kinds.Rank(kind)
		},
		Take:     d.take,
		Explain:  d.kinds.Explain,
		Observer: watcherObs,
	}, d.log.Named("watcher"))
	if err := d.watcher.Open(ctx); err != nil {
		return err
	}
	if d.cfg.HTTP.TLS() {
		if d.certs, err = certs.Load(d.cfg.HTTP.TLSCertFile, d.cfg.HTTP.TLSKeyFile); err != nil {
			return err
		}
	}
	if d.ln, err = net.Listen("tcp", d.cfg.HTTP.Listen); err != nil {
		return fmt.Errorf("listen on %s: %w", d.cfg.HTTP.Listen, err)
	}
	if d.certs != nil {
		d.ln = tls.NewListener(d.ln, d.certs.ServerConfig())
	}
	var metricsHandler http.Handler
	if d.metrics != nil {
		metricsHandler = d.metrics.Handler()
	}
	deps := api.Deps{
		Jobs: d.store, Agents: d.store, Contacts: d.store, Media: d.media, Pipeline: d.runner,
		Incoming: filepath.Join(d.cfg.DataDir, "incoming"), Auth: authn,
		Schedule: d.store, Tenant: d.cfg.Settings, Assist: d.store, Kinds: d.kinds, Objects: d.store,
		Files: func(tenant string) []api.FolderFile {
			var out []api.FolderFile
			for _, f := range d.watcher.Files(tenant) {
				out = append(out, api.FolderFile{Name: f.Name, Size: f.Size, Modified: f.Modified, State: f.State, Reason: f.Reason})
			}
			return out
		},
		Tenants: d.tenants,
		Limits: api.Limits{
			MaxPartBytes: d.cfg.Limits.UploadMaxFileBytes, MaxBodyBytes: d.cfg.Limits.UploadMaxBytes,
			MaxParts: d.cfg.Limits.UploadMaxParts, MinBodyRate: d.cfg.Limits.MinBodyRate, BodyGrace: d.cfg.Limits.BodyGraceDur,
		},
		Metrics: metricsHandler, MetricsOpen: d.cfg.MetricsOpen(),
	}
	if d.forwarder != nil {
		deps.Outbox = d.outboxView
	}
	srv, err := api.NewServer(deps, d.log.Named("api"))
	if err != nil {
		return err
	}
	dash, err := dashboard.New(dashboard.Deps{API: srv.Handler(), Auth: authn, Kinds: d.kinds.Names(), ObjectTypes: d.objectTypes()}, d.log.Named("dashboard"))
	if err != nil {
		return err
	}
	// The dashboard sends every path it does not serve (/metrics among
	// them) to the API; the requests of both are counted here, by the
	// route that took them.
	handler := dash.Handler()
	if d.metrics != nil {
		handler = d.metrics.Instrument(handler)
	}
	d.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// No ReadTimeout: it would cut off a large recording arriving at
		// a good rate; the API cuts off slow bodies by their rate instead.
	}
	var loopCtx context.Context
	loopCtx, d.cancel = context.WithCancel(context.Background())
	d.watchCerts(loopCtx)
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		if err := d.http.Serve(d.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("http server stopped", "error", err)
		}
	}()
	go func() {
		defer d.wg.Done()
		d.retain(loopCtx)
	}()
	if d.forwarder != nil {
		d.wg.Go(func() { d.forwarder.Run(loopCtx) })
	}
	d.log.Info("bulkd started", "http", d.Addr(), "data_dir", d.cfg.DataDir, "watch_root", d.cfg.Watch.Root)
	return nil
}

// take claims files of tenant folders that settled together.
func (d *Daemon) take(ctx context.Context, files []watcher.File) []error {
	claims := make([]pipeline.Claim, len(files))
	for i, f := range files {
		kind, _ := d.kinds.Match(f.Name)
		claims[i] = pipeline.Claim{Tenant: f.Tenant, Kind: kind, Source: bulkd.SourceFolder, Origin: f.Dir, Files: []string{f.Name}}
	}
	return d.runner.ClaimAll(ctx, claims)
}

// retain purges old jobs and archives now and every retentionEvery.
func (d *Daemon) retain(ctx context.Context) {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		now := time.Now()
		if n, err := d.store.PurgeJobs(ctx, now.Add(-d.cfg.Retention.JobsDur)); err != nil {
			d.log.Error("purge jobs", "error", err)
		} else if n > 0 {
			d.log.Info("purged old jobs", "count", n)
		}
		if n, err := pipeline.PurgeArchives(d.cfg.Watch.Root, now.Add(-d.cfg.Retention.ArchivesDur), time.Local); err != nil {
			d.log.Error("purge archives", "error", err)
		} else if n > 0 {
			d.log.Info("purged old archive folders", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Addr returns the address the HTTP server listens on.
func (d *Daemon) Addr() string {
	if d.ln == nil {
		return ""
	}
	return d.ln.Addr().String()
}

// Close stops the sources first, then the jobs (they resume at the next
// start), then the store. It is safe to call twice.
func (d *Daemon) Close() error {
	var errs []error
	d.once.Do(func() {
		// Once jobs may have run, say what the stop interrupts: those
		// jobs resume at the next start.
		logged := d.runner != nil && d.store != nil
		if logged {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			left, err := d.store.Jobs(ctx, bulkd.JobFilter{Unfinished: true, Brief: true})
			cancel()
			if err != nil {
				d.log.Warn("cannot list unfinished jobs", "error", err)
			}
			// A bulk drop can leave thousands queued: name the oldest few,
			// the ones running.
			slices.Reverse(left)
			const named = 20
			var jobs []string
			for _, j := range left[:min(named, len(left))] {
				jobs = append(jobs, fmt.Sprintf("%d %s/%s %s", j.ID, j.Tenant, j.Kind, j.State))
			}
			d.log.Info("stopping", "unfinished", len(left), "jobs", strings.Join(jobs, ", "))
		}
		if d.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			errs = append(errs, d.http.Shutdown(ctx))
			cancel()
		}
		if d.watcher != nil {
			errs = append(errs, d.watcher.Close())
		}
		if d.cancel != nil {
			d.cancel()
		}
		d.wg.Wait()
		if d.runner != nil {
			errs = append(errs, d.runner.Close())
		}
		if d.store != nil {
			errs = append(errs, d.store.Close())
		}
		if d.hup != nil {
			signal.Stop(d.hup)
		}
		if logged {
			if err := errors.Join(errs...); err != nil {
				d.log.Error("stopped", "error", err)
			} else {
				d.log.Info("stopped")
			}
		}
	})
	return errors.Join(errs...)
}

// authConfig is what the config says of authentication.
func authConfig(cfg *config.Config) auth.Config {
	var a auth.Config
	if cfg.Auth != nil {
		a.JWTSecretEnv = cfg.Auth.JWTSecretEnv
	}
	for _, t := range cfg.Tenants {
		for _, tok := range t.Tokens {
			a.Tokens = append(a.Tokens, auth.Token{Tenant: t.Name, SecretEnv: tok.SecretEnv, Scopes: tok.Scopes})
		}
	}
	return a
}

// sweepAge is how old an unreferenced blob must be to be swept: a margin
// for clocks (a bucket's) that disagree with this machine's.
const sweepAge = time.Hour

// sweepMedia removes the blobs no record names (see media.Store.Sweep),
// before any job or request can store one.
func (d *Daemon) sweepMedia(ctx context.Context) error {
	id, err := d.store.InstanceID(ctx)
	if err != nil {
		return fmt.Errorf("sweep media: %w", err)
	}
	n, err := d.media.Sweep(ctx, id, time.Now().Add(-sweepAge), d.store.MediaDigests)
	if err != nil {
		return fmt.Errorf("sweep media: %w", err)
	}
	if n > 0 {
		d.log.Info("removed recordings no record names", "count", n)
	}
	return nil
}

// openMedia opens the media store the config names: the data dir's media
// folder, or a bucket.
func openMedia(ctx context.Context, cfg *config.Config, opts []media.Option) (*media.Store, error) {
	m := cfg.Media
	if !m.S3() {
		return media.Open(filepath.Join(cfg.DataDir, "media"), opts...)
	}
	pool, err := certs.CAPool(m.CAFile)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return media.OpenS3(ctx, media.S3Config{
		Endpoint: m.Endpoint, Bucket: m.Bucket, Region: m.Region, Prefix: m.Prefix,
		AccessKey: os.Getenv(m.AccessKeyEnv), SecretKey: os.Getenv(m.SecretKeyEnv),
		Insecure: m.Insecure, RootCAs: pool,
	}, opts...)
}

// certsEvery is how often the TLS files are looked at for a renewal.
const certsEvery = 5 * time.Second

// watchCerts reloads the TLS certificate when its files change, and on
// SIGHUP, until ctx ends. Without TLS a SIGHUP (systemctl reload) is
// logged and otherwise ignored: it must not stop bulkd, as it would by
// default.
func (d *Daemon) watchCerts(ctx context.Context) {
	hup := d.hup
	log := d.log.Named("tls")
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if d.certs == nil {
			for {
				select {
				case <-ctx.Done():
					return
				case <-hup:
					log.Info("SIGHUP: nothing to reload (no TLS configured)")
				}
			}
		}
		d.certs.Watch(ctx, d.certsEvery, hup, func(changed bool, err error) {
			if err != nil {
				log.Error("cannot reload the TLS certificate; the one in use stays", "error", err)
				return
			}
			leaf := d.certs.Certificate().Leaf
			log.Info("TLS certificate reloaded", "subject", leaf.Subject.String(), "serial", leaf.SerialNumber.String(), "not_after", leaf.NotAfter)
		})
	}()
}

// tenants are the configured tenants and those with a folder under the
// watched root (a link or a name that is no tenant's is none).
func (d *Daemon) tenants() []string {
	names := d.cfg.TenantNames()
	entries, err := os.ReadDir(d.cfg.Watch.Root)
	if err != nil {
		d.log.Warn("list tenant folders", "error", err)
		return names
	}
	for _, e := range entries {
		if e.IsDir() && bulkd.ValidTenant(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

// waiting counts the files waiting in each tenant folder, for
// bulkd_files_waiting: every tenant bulkd knows (0 when none wait), the
// files the watcher lists but near misses, which wait for nothing.
func (d *Daemon) waiting() map[string]int {
	out := map[string]int{}
	for _, t := range d.tenants() {
		n := 0
		for _, f := range d.watcher.Files(t) {
			if f.State != watcher.StateNotAnImport {
				n++
			}
		}
		out[t] = n
	}
	return out
}

// storeStats reads the store's stats for the bulkd_store_ metrics.
func (d *Daemon) storeStats() (metrics.StoreStats, error) {
	s, err := d.store.Stats()
	return metrics.StoreStats{
		Size: s.Size, FreeBytes: s.FreeBytes, ReadTx: s.ReadTx, WriteTx: s.WriteTx, OpenReadTx: s.OpenReadTx,
		PageWrites: s.PageWrites, WriteSeconds: s.WriteTime.Seconds(),
	}, err
}

// objectTypes are the configuration object types the dashboard offers,
// when the objects kind is registered.
func (d *Daemon) objectTypes() []dashboard.ObjectType {
	if _, ok := d.kinds.Spec(bulkd.KindObjects); !ok {
		return nil
	}
	out := make([]dashboard.ObjectType, 0, len(objects.Types))
	for _, t := range objects.Types {
		out = append(out, dashboard.ObjectType{Slug: t.Slug, Name: t.Name})
	}
	return out
}
