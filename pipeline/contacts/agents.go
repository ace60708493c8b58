package contacts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// directory resolves AgentId values against a tenant's agents, loaded once
// per job so that resolving a million rows does not touch the store.
type directory struct {
	ids    map[uint64]bool
	emails map[string]uint64
	logins map[string]uint64
	known  map[agentRef]uint64 // refs resolved before, as written
}

// maxKnown caps directory.known.
const maxKnown = 1 << 16

func (im *Importer) directory(ctx context.Context, tenant string) (*directory, error) {
	agents, err := im.store.Agents(ctx, tenant)
	if err != nil {
		return nil, err
	}
	d := &directory{ids: map[uint64]bool{}, emails: map[string]uint64{}, logins: map[string]uint64{}, known: map[agentRef]uint64{}}
	for _, a := range agents {
		d.ids[a.ID] = true
		d.emails[strings.ToLower(a.Email)] = a.ID
		if a.ACDLogin != "" {
			d.logins[strings.ToLower(a.ACDLogin)] = a.ID
		}
	}
	return d, nil
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
