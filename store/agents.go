package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bulkd/bulkd"
	bolt "go.etcd.io/bbolt"
)

var _ bulkd.AgentStore = (*Store)(nil)

var (
	// bucketAgents (under a tenant) maps agent id to the agent.
	bucketAgents = []byte("agents")
	// bucketAgentsByEmail (under a tenant) maps lower-case email to agent id.
	bucketAgentsByEmail = []byte("agents_by_email")
	// bucketAgentsByACD (under a tenant) maps lower-case ACD login to agent id.
	bucketAgentsByACD = []byte("agents_by_acd")
)

// agentBuckets are one tenant's agent buckets inside a transaction.
type agentBuckets struct {
	agents, byEmail, byACD *bolt.Bucket
}

func openAgentBuckets(tx *bolt.Tx, tenant string, create bool) (*agentBuckets, error) {
	tb, err := tenantBucket(tx, tenant, create)
	if tb == nil || err != nil {
		return nil, err
	}
	var ab agentBuckets
	for _, p := range []struct {
		dst  **bolt.Bucket
		name []byte
	}{{&ab.agents, bucketAgents}, {&ab.byEmail, bucketAgentsByEmail}, {&ab.byACD, bucketAgentsByACD}} {
		b := tb.Bucket(p.name)
		if b == nil {
			if !create {
				return nil, nil
			}
			var err error
			if b, err = tb.CreateBucket(p.name); err != nil {
				return nil, fmt.Errorf("create bucket %s: %w", p.name, err)
			}
		}
		*p.dst = b
	}
	return &ab, nil
}

func lookup(b *bolt.Bucket, key string) (uint64, bool) {
	if v := b.Get([]byte(strings.ToLower(key))); v != nil {
		return btoi(v), true
	}
	return 0, false
}

func (ab *agentBuckets) get(id uint64) (*bulkd.Agent, error) {
	v := ab.agents.Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("agent %d is indexed but missing", id)
	}
	var a bulkd.Agent
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("decode agent %d: %w", id, err)
	}
	return &a, nil
}

// ApplyAgents creates or updates agents and records the batch's progress in
// the same transaction. A batch committed already is ignored.
func (s *Store) ApplyAgents(ctx context.Context, jobID uint64, tenant string, changes []bulkd.AgentChange, p bulkd.Progress, words bulkd.Words) ([]bulkd.RowFailure, error) {
	defer s.agentsRev.Add(1) // after the commit, whatever its outcome
	rejected, err := s.applyBatch(ctx, jobID, p, func(tx *bolt.Tx) ([]bulkd.RowFailure, error) {
		ab, err := openAgentBuckets(tx, tenant, true)
		if err != nil {
			return nil, err
		}
		now := s.now().UTC()
		var rejected []bulkd.RowFailure
		for i := range changes {
			c, err := ab.apply(&changes[i], jobID, now)
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", changes[i].Row, err)
			}
			if c != nil {
				rejected = append(rejected, bulkd.RowFailure{Row: changes[i].Row, Cells: changes[i].Cells, Message: words(*c)})
			}
		}
		return rejected, nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply agents of job %d: %w", jobID, err)
	}
	return rejected, nil
}

// apply applies one change. It returns the Conflict of a change that breaks
// a rule only the stored agents can check, and an error for a store fault.
func (ab *agentBuckets) apply(ch *bulkd.AgentChange, jobID uint64, now time.Time) (*bulkd.Conflict, error) {
	var a *bulkd.Agent
	switch {
	case ch.CurrentEmail != "":
		id, ok := lookup(ab.byEmail, ch.CurrentEmail)
		if !ok {
			return &bulkd.Conflict{Reason: bulkd.ConflictNotFound, Field: bulkd.FieldCurrentEmail, Value: ch.CurrentEmail}, nil
		}
		var err error
		if a, err = ab.get(id); err != nil {
			return nil, err
		}
	case ch.Email != "":
		if id, ok := lookup(ab.byEmail, ch.Email); ok {
			var err error
			if a, err = ab.get(id); err != nil {
				return nil, err
			}
		}
	default:
		return &bulkd.Conflict{Reason: bulkd.ConflictNoKey}, nil
	}
	create := a == nil
	switch {
	case create && ch.Mode == bulkd.AgentUpdateOnly:
		return &bulkd.Conflict{Reason: bulkd.ConflictNotFound, Field: bulkd.FieldEmail, Value: ch.Email}, nil
	case !create && ch.Mode == bulkd.AgentCreateOnly:
		return &bulkd.Conflict{Reason: bulkd.ConflictExists, Field: bulkd.FieldEmail, Value: a.Email, Holder: strconv.FormatUint(a.ID, 10)}, nil
	}
	if create {
		if ch.FullName == nil {
			return &bulkd.Conflict{Reason: bulkd.ConflictRequired, Field: bulkd.FieldFullName, Value: ch.Email}, nil
		}
		a = &bulkd.Agent{Active: true, RingGroups: []string{"agent"}, CreatedAt: now}
	}
	oldEmail, oldACD := a.Email, a.ACDLogin
	if ch.Email != "" && !strings.EqualFold(ch.Email, a.Email) {
		if id, ok := lookup(ab.byEmail, ch.Email); ok && id != a.ID {
			return &bulkd.Conflict{Reason: bulkd.ConflictTaken, Field: bulkd.FieldEmail, Value: ch.Email, Holder: strconv.FormatUint(id, 10)}, nil
		}
	}
	if ch.ACDLogin != nil && !strings.EqualFold(*ch.ACDLogin, a.ACDLogin) {
		if id, ok := lookup(ab.byACD, *ch.ACDLogin); ok && (create || id != a.ID) {
			return &bulkd.Conflict{Reason: bulkd.ConflictTaken, Field: bulkd.FieldACDLogin, Value: *ch.ACDLogin, Holder: strconv.FormatUint(id, 10)}, nil
		}
	}
	if ch.Email != "" {
		a.Email = ch.Email
	}
	setString(&a.FullName, ch.FullName)
	setString(&a.InternalExtension, ch.InternalExtension)
	setString(&a.ExternalPhone, ch.ExternalPhone)
	setString(&a.ACDLogin, ch.ACDLogin)
	setString(&a.Team, ch.Team)
	if ch.RingGroups != nil {
		a.RingGroups = ch.RingGroups
	}
	if ch.Roles != nil {
		a.Roles = ch.Roles
	}
	if ch.Active != nil {
		a.Active = *ch.Active
	}
	a.UpdatedAt, a.JobID = now, jobID
	if create {
		id, err := ab.agents.NextSequence()
		if err != nil {
			return nil, fmt.Errorf("next agent id: %w", err)
		}
		a.ID = id
	}
	if err := putJSON(ab.agents, itob(a.ID), a); err != nil {
		return nil, err
	}
	if err := reindex(ab.byEmail, oldEmail, a.Email, a.ID); err != nil {
		return nil, err
	}
	return nil, reindex(ab.byACD, oldACD, a.ACDLogin, a.ID)
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// reindex moves id's index entry from old to new (case-insensitively).
func reindex(b *bolt.Bucket, old, new string, id uint64) error {
	old, new = strings.ToLower(old), strings.ToLower(new)
	if old == new && old != "" {
		return nil
	}
	if old != "" {
		if err := b.Delete([]byte(old)); err != nil {
			return fmt.Errorf("unindex %s: %w", old, err)
		}
	}
	if new == "" {
		return nil
	}
	return b.Put([]byte(new), itob(id))
}

// Agents returns the tenant's agents in id order.
func (s *Store) Agents(ctx context.Context, tenant string) ([]*bulkd.Agent, error) {
	out := []*bulkd.Agent{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ab, err := openAgentBuckets(tx, tenant, false)
		if err != nil || ab == nil {
			return err
		}
		return ab.agents.ForEach(func(k, v []byte) error {
			var a bulkd.Agent
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode agent %d: %w", btoi(k), err)
			}
			out = append(out, &a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list agents of %s: %w", tenant, err)
	}
	return out, nil
}

// AgentsRevision implements bulkd.AgentStore: the store is the only writer
// of its file, so a count of its agents writes is enough.
func (s *Store) AgentsRevision() uint64 { return s.agentsRev.Load() }
