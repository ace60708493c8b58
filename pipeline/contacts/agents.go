package contacts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// directory resolves AgentId values against a tenant's agents, so that
// resolving a million rows does not touch the store. Its index is shared by
// the jobs that read the same revision of the agents (see agentIndexes);
// known is the job's own.
type directory struct {
	*agentIndex
	known map[agentRef]uint64 // refs resolved before, as written
}

// agentIndex is a tenant's agents by id, email and ACD login; read-only
// once built.
type agentIndex struct {
	ids    map[uint64]bool
	emails map[string]uint64
	logins map[string]uint64
}

// agentIndexes keeps each tenant's agentIndex between jobs, for the store's
// revision of the agents it was built from: a site's recorders drop many
// small files, and reading a tenant's agents again for each cost more than
// the rows of a 10-row file.
type agentIndexes struct {
	mu      sync.Mutex
	rev     uint64
	tenants map[string]*agentIndex
}

// maxKnown caps directory.known.
const maxKnown = 1 << 16

func (im *Importer) directory(ctx context.Context, tenant string) (*directory, error) {
	x, err := im.agentIndex(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return &directory{agentIndex: x, known: map[agentRef]uint64{}}, nil
}

func (im *Importer) agentIndex(ctx context.Context, tenant string) (*agentIndex, error) {
	c := &im.agents
	rev := im.store.AgentsRevision()
	c.mu.Lock()
	if c.rev != rev {
		c.rev, c.tenants = rev, nil
	}
	x := c.tenants[tenant]
	c.mu.Unlock()
	if x != nil {
		return x, nil
	}
	agents, err := im.store.Agents(ctx, tenant)
	if err != nil {
		return nil, err
	}
	x = &agentIndex{ids: map[uint64]bool{}, emails: map[string]uint64{}, logins: map[string]uint64{}}
	for _, a := range agents {
		x.ids[a.ID] = true
		x.emails[strings.ToLower(a.Email)] = a.ID
		if a.ACDLogin != "" {
			x.logins[strings.ToLower(a.ACDLogin)] = a.ID
		}
	}
	// Kept only when no agents write came while they were read: a write
	// after the read bumps the revision, so the next job reads again.
	c.mu.Lock()
	if c.rev == rev && im.store.AgentsRevision() == rev {
		if c.tenants == nil {
			c.tenants = map[string]*agentIndex{}
		}
		c.tenants[tenant] = x
	}
	c.mu.Unlock()
	return x, nil
}

// resolve returns the agent a row names, or the uploading user's agent when
// it names none. The message explains a failure.
func (d *directory) resolve(ref agentRef, user string) (uint64, string) {
	if ref.kind == 0 {
		if user == "" {
			return 0, "required: there is no authenticated user to stand for a missing AgentId"
		}
		if id, ok := d.emails[strings.ToLower(user)]; ok {
			return id, ""
		}
		if id, ok := d.logins[strings.ToLower(user)]; ok {
			return id, ""
		}
		return 0, fmt.Sprintf("missing, and the authenticated user %s is not an agent of this tenant", user)
	}
	if id, ok := d.known[ref]; ok {
		return id, "" // the same few agents name most rows: skip lowering
	}
	id, msg := d.lookup(ref)
	if msg == "" && len(d.known) < maxKnown {
		d.known[agentRef{ref.kind, strings.Clone(ref.value)}] = id
	}
	return id, msg
}

func (d *directory) lookup(ref agentRef) (uint64, string) {
	switch ref.kind {
	case 'i':
		id, err := strconv.ParseUint(ref.value, 10, 64)
		if err == nil && d.ids[id] {
			return id, ""
		}
		return 0, fmt.Sprintf("no agent has the id %s", ref.value)
	case 'e':
		if id, ok := d.emails[strings.ToLower(ref.value)]; ok {
			return id, ""
		}
		return 0, fmt.Sprintf("no agent has the email %s", ref.value)
	default:
		if id, ok := d.logins[strings.ToLower(ref.value)]; ok {
			return id, ""
		}
		return 0, fmt.Sprintf("no agent has the ACD login %s", ref.value)
	}
}
