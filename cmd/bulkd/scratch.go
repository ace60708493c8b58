package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
)

// scratch is a throwaway bulkd for validate: a store, a media store and a
// runner in a temp folder, with every kind's importer built as the daemon
// builds it. Files are imported into it as a folder drop would be, so they
// meet the very checks a real import makes; nothing of a real data dir is
// read or written (the daemon's store is locked by the daemon anyway).
type scratch struct {
	dir    string
	cfg    *config.Config
	kinds  *pipeline.Kinds
	store  *store.Store
	media  *media.Store
	runner *pipeline.Runner
	n      int // files claimed
}

// openScratch makes the temp folder, the store and the media store. The
// runner starts with start, once copyTenant has filled the store.
func openScratch(cfg *config.Config, k *pipeline.Kinds) (s *scratch, err error) {
	s = &scratch{cfg: cfg, kinds: k}
	if s.dir, err = os.MkdirTemp("", "bulkd-validate-"); err != nil {
		return nil, fmt.Errorf("make a scratch folder: %w", err)
	}
	defer func() {
		if err != nil {
			_ = s.close()
		}
	}()
	if s.store, err = store.Open(filepath.Join(s.dir, "bulkd.db")); err != nil {
		return nil, err
	}
	if s.media, err = media.Open(filepath.Join(s.dir, "media")); err != nil {
		return nil, err
	}
	return s, nil
}

// start builds the importers and opens the runner.
func (s *scratch) start(ctx context.Context) error {
	importers, err := s.kinds.Build(pipeline.Deps{Store: s.store, Media: s.media, Tenant: s.cfg.Settings})
	if err != nil {
		return err
	}
	s.runner = pipeline.NewRunner(pipeline.Config{
		WorkDir:   filepath.Join(s.dir, "work"),
		Dedupe:    false, // every file is checked, however often
		Settle:    s.cfg.Watch.SettleDur,
		MediaWait: s.cfg.Watch.MediaWaitDur,
		Kinds:     s.kinds,
		CSV:       s.cfg.CSV(),
		Encoding:  func(t string) string { return s.cfg.Settings(t).Encoding },
		Zip: pipeline.ZipLimits{
			MaxBytes: s.cfg.Limits.ZipMaxBytes, MaxEntries: s.cfg.Limits.ZipMaxEntries, MaxRatio: s.cfg.Limits.ZipMaxRatio,
		},
	}, s.store, importers, hclog.NewNullLogger())
	return s.runner.Open(ctx)
}

// close stops the runner, closes the store and removes the temp folder.
func (s *scratch) close() error {
	var errs []error
	if s.runner != nil {
		errs = append(errs, s.runner.Close())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	errs = append(errs, fsx.RemoveAll(s.dir))
	return errors.Join(errs...)
}

// claim copies the file of in into a folder of its own and claims it for
// tenant as a folder drop. A contacts file is claimed as the real-time
// door claims one, whose recordings come later: its rows are checked, not
// its recordings, which an offline check does not have.
func (s *scratch) claim(ctx context.Context, in input, tenant string) (*bulkd.Job, error) {
	s.n++
	origin := filepath.Join(s.dir, "in", strconv.Itoa(s.n))
	if err := os.MkdirAll(origin, 0o755); err != nil {
		return nil, err
	}
	src, err := os.Open(in.path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if err := fsx.CopyTo(filepath.Join(origin, in.name), src); err != nil {
		return nil, fmt.Errorf("copy %s: %w", in.path, err)
	}
	c := pipeline.Claim{Tenant: tenant, Kind: in.kind, Source: bulkd.SourceFolder, Origin: origin, Files: []string{in.name}, Params: in.params}
	if in.kind == bulkd.KindContacts {
		c.Realtime = true
		// The runner leaves a real-time job's encoding alone (JSON over
		// HTTP is UTF-8); a file is read in the tenant's, as a drop is.
		if enc := s.cfg.Settings(tenant).Encoding; enc != "" && !strings.EqualFold(enc, csvio.EncodingUTF8) {
			c.Params = withParam(c.Params, pipeline.ParamEncoding, enc)
		}
	}
	return s.runner.Claim(ctx, c)
}

// withParam returns params with key set to v (a new map).
func withParam(params map[string]string, key, v string) map[string]string {
	out := map[string]string{key: v}
	for k, x := range params {
		if k != key {
			out[k] = x
		}
	}
	return out
}

// copied says what copyTenant copied.
type copied struct {
	agents, objects int
	// idsDiffer counts agents whose id in the scratch store is not the
	// daemon's: a contact's numeric AgentId names another agent there.
	idsDiffer int
}

// copyTenant copies tenant's agents and, with withObjects, its objects
// from the running bulkd into the scratch store, as records a finished
// job stored, so that the rows' references are checked against them. It
// only reads the daemon (GET /v1/tenants/{t}/agents, GET
// /v1/objects/{type}): nothing is imported there.
func (s *scratch) copyTenant(ctx context.Context, c *client, tenant string, withObjects bool) (copied, error) {
	var out copied
	var list struct {
		Agents []bulkd.Agent `json:"agents"`
	}
	if err := c.getJSON(ctx, "/v1/tenants/"+url.PathEscape(tenant)+"/agents", &list); err != nil {
		return out, fmt.Errorf("copy the tenant's agents: %w", err)
	}
	if len(list.Agents) > 0 {
		slices.SortFunc(list.Agents, func(a, b bulkd.Agent) int { return cmp.Compare(a.ID, b.ID) })
		changes := make([]bulkd.AgentChange, len(list.Agents))
		for i, a := range list.Agents {
			active := a.Active
			changes[i] = bulkd.AgentChange{Row: i + 1, Email: a.Email, FullName: &a.FullName,
				InternalExtension: optional(a.InternalExtension), ExternalPhone: optional(a.ExternalPhone),
				ACDLogin: optional(a.ACDLogin), Team: optional(a.Team), RingGroups: a.RingGroups, Roles: a.Roles, Active: &active}
		}
		err := s.seed(ctx, tenant, bulkd.KindAgents, len(changes), func(id uint64) ([]bulkd.RowFailure, error) {
			return s.store.ApplyAgents(ctx, id, tenant, changes, bulkd.Progress{Done: len(changes)}, agents.Words)
		})
		if err != nil {
			return out, fmt.Errorf("copy the tenant's agents: %w", err)
		}
		here, err := s.store.Agents(ctx, tenant)
		if err != nil {
			return out, err
		}
		ids := map[string]uint64{}
		for _, a := range here {
			ids[strings.ToLower(a.Email)] = a.ID
		}
		for _, a := range list.Agents {
			if ids[strings.ToLower(a.Email)] != a.ID {
				out.idsDiffer++
			}
		}
		out.agents = len(list.Agents)
	}
	if !withObjects {
		return out, nil
	}
	var objs [][]bulkd.ConfigObject // by type, in the order of Types
	for _, t := range objects.Types {
		var list struct {
			Objects []objectJSON `json:"objects"`
		}
		if err := c.getJSON(ctx, "/v1/objects/"+t.Slug, &list); err != nil {
			return out, fmt.Errorf("copy the tenant's objects: %w", err)
		}
		var of []bulkd.ConfigObject
		for _, o := range list.Objects {
			out.objects++
			of = append(of, o.config(t, out.objects))
		}
		if len(of) > 0 {
			objs = append(objs, of)
		}
	}
	if out.objects == 0 {
		return out, nil
	}
	err := s.seed(ctx, tenant, bulkd.KindObjects, out.objects, func(id uint64) ([]bulkd.RowFailure, error) {
		var rejected []bulkd.RowFailure
		for _, of := range objs {
			t, _ := objects.Lookup(of[0].Type)
			r, err := s.store.ApplyObjects(ctx, id, tenant, of, bulkd.Progress{Done: of[len(of)-1].Rows[0]}, objects.Words(t))
			if err != nil {
				return nil, err
			}
			rejected = append(rejected, r...)
		}
		return rejected, nil
	})
	if err != nil {
		return out, fmt.Errorf("copy the tenant's objects: %w", err)
	}
	return out, nil
}

// seed records a finished job of kind for tenant whose apply stores n
// copied records; a record the store rejects is an error.
func (s *scratch) seed(ctx context.Context, tenant string, kind bulkd.Kind, n int, apply func(id uint64) ([]bulkd.RowFailure, error)) error {
	j := &bulkd.Job{Tenant: tenant, Kind: kind, Source: bulkd.SourceAPI, State: bulkd.StateRunning, File: "copied from the daemon"}
	if err := s.store.CreateJob(ctx, j); err != nil {
		return err
	}
	rejected, err := apply(j.ID)
	if err != nil {
		return err
	}
	if len(rejected) > 0 {
		return fmt.Errorf("%d of %d records were refused, the first (record %d): %s", len(rejected), n, rejected[0].Row, rejected[0].Message)
	}
	_, err = s.store.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error {
		now := time.Now().UTC()
		j.State, j.FinishedAt, j.RowsTotal = bulkd.StateSucceeded, &now, n
		return nil
	})
	return err
}

// optional is nil for "", else v.
func optional(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// objectJSON is an object as GET /v1/objects/{type} shows it.
type objectJSON struct {
	Key      string              `json:"key"`
	Fields   map[string]string   `json:"fields"`
	Children []map[string]string `json:"children"`
}

// config makes o, of type t, the object the store keeps: its fields in
// declared order (then any others, such as an audio file's digest), the
// key's scope from its KeyWithin column. row numbers it among the copied.
func (o objectJSON) config(t *objects.Type, row int) bulkd.ConfigObject {
	c := bulkd.ConfigObject{Type: t.Slug, Key: o.Key, Fields: fieldsOf(t, o.Fields, false), Rows: []int{row}, Cells: [][]string{nil}}
	if t.KeyWithin != "" {
		c.Within = o.Fields[t.KeyWithin]
	}
	for _, ch := range o.Children {
		c.Children = append(c.Children, fieldsOf(t, ch, true))
	}
	return c
}

// fieldsOf orders values by t's columns (its child columns with child),
// then the rest by name.
func fieldsOf(t *objects.Type, values map[string]string, child bool) []bulkd.ObjectField {
	var out []bulkd.ObjectField
	seen := map[string]bool{}
	for _, col := range t.Columns {
		if col.Child != child {
			continue
		}
		seen[col.Name] = true
		if v := values[col.Name]; v != "" {
			out = append(out, bulkd.ObjectField{Name: col.Name, Value: v})
		}
	}
	var rest []string
	for name := range values {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		if values[name] != "" {
			out = append(out, bulkd.ObjectField{Name: name, Value: values[name]})
		}
	}
	return out
}
