package objects

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// builtIn are the objects every tenant has without importing them
// (OBJECTS.md: every tenant starts with the two default work types).
var builtIn = map[string][]string{
	"Worktype": {"Default Idle Work Type", "Default Wrapup Work Type"},
}

// resolver checks references against the tenant's stored objects and the
// objects this import has stored so far. Each referenced type is read from
// the store once, when first needed: a file is at most MaxRows rows, and
// its references name a few types.
type resolver struct {
	store  bulkd.ObjectStore
	agents bulkd.AgentStore
	tenant string
	// known maps a type's name to its objects by lower-case key; a
	// scoped key (a Team's name) may have several, one a scope.
	known  map[string]map[string][]bulkd.ConfigObject
	emails map[string]bool
	mails  []string
}

func newResolver(store bulkd.ObjectStore, agents bulkd.AgentStore, tenant string) *resolver {
	return &resolver{store: store, agents: agents, tenant: tenant, known: map[string]map[string][]bulkd.ConfigObject{}}
}

// load returns the objects of type name, reading them once.
func (r *resolver) load(ctx context.Context, name string) (map[string][]bulkd.ConfigObject, error) {
	if m, ok := r.known[name]; ok {
		return m, nil
	}
	t, ok := ByName(name)
	if !ok {
		return nil, fmt.Errorf("resolve: undeclared type %q", name)
	}
	objs, err := r.store.Objects(ctx, r.tenant, t.Slug)
	if err != nil {
		return nil, err
	}
	m := map[string][]bulkd.ConfigObject{}
	for _, k := range builtIn[name] {
		m[strings.ToLower(k)] = []bulkd.ConfigObject{{Type: t.Slug, Key: k}}
	}
	r.known[name] = m
	for _, o := range objs {
		r.add(o)
	}
	return m, nil
}

// add makes o known to later references, when its type has been loaded
// (a type loaded later reads o from the store).
func (r *resolver) add(o bulkd.ConfigObject) {
	if o.Outcome == bulkd.ObjectRejected {
		return
	}
	t, ok := Lookup(o.Type)
	if !ok {
		return
	}
	m, ok := r.known[t.Name]
	if !ok {
		return
	}
	k := strings.ToLower(o.Key)
	i := slices.IndexFunc(m[k], func(x bulkd.ConfigObject) bool { return strings.EqualFold(x.Within, o.Within) })
	if i >= 0 {
		m[k][i] = o
	} else {
		m[k] = append(m[k], o)
	}
}

// resolve adds a problem to o for each reference that names no object, and,
// for a User, when its email is no agent of the tenant.
func (r *resolver) resolve(ctx context.Context, t *Type, o *Object) error {
	for _, c := range t.Columns {
		if c.Ref == "" {
			continue
		}
		recs, rows := []Record{o.Own}, []int{o.Rows[0]}
		if c.Child {
			recs, rows = o.Children, o.Rows
		}
		for i, rec := range recs {
			for _, ref := range rec[c.Name].Refs {
				msg, err := r.check(ctx, ref)
				if err != nil {
					return err
				}
				if msg != "" {
					o.Problems = append(o.Problems, RowProblem{rows[i], Problem{Column: c.Name, Message: msg}})
				}
			}
		}
	}
	if t.Name == "User" && o.Key != "" {
		return r.agent(ctx, t, o)
	}
	return nil
}

// check returns why ref names no object ("" when it names one).
func (r *resolver) check(ctx context.Context, ref Reference) (string, error) {
	m, err := r.load(ctx, ref.Type)
	if err != nil {
		return "", err
	}
	t, _ := ByName(ref.Type)
	found := m[strings.ToLower(ref.Key)]
	if ref.Within != "" {
		found = slices.DeleteFunc(slices.Clone(found), func(o bulkd.ConfigObject) bool { return !strings.EqualFold(o.Within, ref.Within) })
	}
	switch {
	case len(found) == 1:
		return "", nil
	case len(found) > 1:
		var scopes []string
		for _, o := range found {
			scopes = append(scopes, o.Within)
		}
		slices.Sort(scopes)
		return fmt.Sprintf("%s %q is in several %ss (%s): name one as %q",
			t.Name, csvio.Clip(ref.Key), strings.ToLower(t.KeyWithin), strings.Join(scopes, ", "), ref.Key+": "+scopes[0]), nil
	}
	var keys []string
	for _, objs := range m {
		for _, o := range objs {
			if ref.Within != "" && o.Within != "" {
				keys = append(keys, o.Key+": "+o.Within)
			} else {
				keys = append(keys, o.Key)
			}
		}
	}
	slices.Sort(keys) // Suggest keeps the first of equally near keys: the same one every run
	name := ref.Key
	if ref.Within != "" {
		name = refText(ref)
	}
	return fmt.Sprintf("no %s %q exists%s: import it first (OBJECTS.%s.csv)",
		t.Name, csvio.Clip(name), csvio.Suggest(name, keys), t.Slug), nil
}

// agent fails a User whose email is no agent of the tenant: a contact
// center user is an agent first, imported by the agents kind.
func (r *resolver) agent(ctx context.Context, t *Type, o *Object) error {
	if r.emails == nil {
		agents, err := r.agents.Agents(ctx, r.tenant)
		if err != nil {
			return err
		}
		r.emails = map[string]bool{}
		for _, a := range agents {
			r.emails[strings.ToLower(a.Email)] = true
			r.mails = append(r.mails, a.Email)
		}
	}
	if !r.emails[strings.ToLower(o.Key)] {
		o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: t.Key, Message: fmt.Sprintf(
			"no agent of the tenant has the email %q%s: import the agent first (AGENTS.*.csv)", csvio.Clip(o.Key), csvio.Suggest(o.Key, r.mails))}})
	}
	return nil
}
