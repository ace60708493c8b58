package daemon

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/bulkd/bulkd/api"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/forward"
	"github.com/bulkd/bulkd/internal/certs"
)

// newForwarder builds the forwarder the forward block describes, on the
// outbox folder files.
func (d *Daemon) newForwarder(ctx context.Context, files *forward.Files) (*forward.Forwarder, error) {
	f := d.cfg.Forward
	pool, err := certs.CAPool(f.CAFile)
	if err != nil {
		return nil, fmt.Errorf("forward.ca_file: %w", err)
	}
	site, err := d.store.InstanceID(ctx)
	if err != nil {
		return nil, err
	}
	routes := map[string]forward.Central{}
	base, err := central(f.URL, f.TokenEnv)
	if err != nil {
		return nil, err
	}
	for _, t := range d.cfg.Tenants {
		if t.ForwardURL == "" && t.ForwardTokenEnv == "" {
			continue
		}
		c, err := central(cmp.Or(t.ForwardURL, f.URL), cmp.Or(t.ForwardTokenEnv, f.TokenEnv))
		if err != nil {
			return nil, fmt.Errorf("tenant %q: %w", t.Name, err)
		}
		routes[t.Name] = c
	}
	var obs forward.Observer
	if d.metrics != nil {
		obs = d.metrics
	}
	return forward.New(forward.Config{
		Route: func(tenant string) forward.Central {
			if c, ok := routes[tenant]; ok {
				return c
			}
			return base
		},
		Client: &http.Client{Transport: certs.Transport(pool)},
		Kinds:  d.kinds, Tenant: d.cfg.Settings, Site: site,
		Parallel: f.Parallel, Timeout: f.TimeoutDur, Observer: obs,
	}, d.store, files, d.log.Named("forward")), nil
}

// central is a central node: its URL and the token in tokenEnv.
func central(raw, tokenEnv string) (forward.Central, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return forward.Central{}, fmt.Errorf("forward url %q: %w", raw, err)
	}
	c := forward.Central{URL: u}
	if tokenEnv != "" {
		if c.Token = os.Getenv(tokenEnv); c.Token == "" {
			return forward.Central{}, fmt.Errorf("forward token_env: the environment variable %s is not set", tokenEnv)
		}
	}
	return c, nil
}

// outboxDir is where forwarded jobs' files wait.
func outboxDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "outbox") }

// outboxView reads the outbox for GET /v1/outbox.
func (d *Daemon) outboxView(ctx context.Context, tenant string) (api.OutboxView, error) {
	o, err := d.store.Outbox(ctx, tenant)
	if err != nil {
		return api.OutboxView{}, err
	}
	v := api.OutboxView{Depth: o.Depth}
	if !o.Oldest.IsZero() {
		v.Oldest, v.AgeSeconds = &o.Oldest, max(0, time.Since(o.Oldest).Seconds())
	}
	if msg, since := d.forwarder.Failing(); msg != "" {
		v.Failing, v.Since = msg, &since
	}
	return v, nil
}
