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
var builtIn = map[string][]bulkd.ConfigObject{
	"Worktype": {
		{Type: "worktype", Key: "Default Idle Work Type", Fields: []bulkd.ObjectField{{Name: "Name", Value: "Default Idle Work Type"}, {Name: "Type", Value: "IDLE_CODE"}}},
		{Type: "worktype", Key: "Default Wrapup Work Type", Fields: []bulkd.ObjectField{{Name: "Name", Value: "Default Wrapup Work Type"}, {Name: "Type", Value: "WRAP_UP_CODE"}}},
	},
}

// resolver checks references against the tenant's stored objects and the
// objects this import has taken so far (add), and applies the rules that
// compare an object with others (rules.go). Each referenced type is read
// from the store once, when first needed: a file is at most MaxRows rows,
// and its references name a few types.
type resolver struct {
	store  bulkd.ObjectStore
	agents bulkd.AgentStore
	tenant string
	// known maps a type's name to its objects by lower-case key; a
	// scoped key (a Team's name) may have several, one a scope.
	known map[string]map[string][]bulkd.ConfigObject
	// lost maps a type's name and lower-case key to where an object of
	// this import failed, so a reference to it says why it is missing.
	lost   map[string]map[string]string
	emails map[string]bool
	mails  []string
	// aux is the Auxiliary Code rules' view of the import, defaults the
	// default code of each work type, and dialed the dialed numbers
	// mapped by their digits (rules.go).
	aux      *auxPlan
	defaults map[string]string
	dialed   map[string]bulkd.ConfigObject
}

func newResolver(store bulkd.ObjectStore, agents bulkd.AgentStore, tenant string) *resolver {
	return &resolver{store: store, agents: agents, tenant: tenant,
		known: map[string]map[string][]bulkd.ConfigObject{}, lost: map[string]map[string]string{}}
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
	for _, o := range builtIn[name] {
		m[strings.ToLower(o.Key)] = []bulkd.ConfigObject{o}
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

// failed notes that o, of part p, failed: a later reference to its key
// names the row, rather than only saying no such object exists.
func (r *resolver) failed(t *Type, o *Object, p *part) {
	if o.Key == "" {
		return
	}
	if r.lost[t.Name] == nil {
		r.lost[t.Name] = map[string]string{}
	}
	r.lost[t.Name][strings.ToLower(o.Key)] = fmt.Sprintf("row %d of %s", o.Rows[0], p.file)
}

// stored returns the object o would update (nil when o creates one).
func (r *resolver) stored(t *Type, o *Object) *bulkd.ConfigObject {
	within := ""
	if t.KeyWithin != "" {
		within = o.Own.Text(t.KeyWithin)
	}
	for _, x := range r.known[t.Name][strings.ToLower(o.Key)] {
		if strings.EqualFold(x.Within, within) {
			return &x
		}
	}
	return nil
}

// resolve adds a problem to o for each reference that names no object, and
// for each rule of its type it breaks (rules.go). Its own type must be
// loaded.
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
	if !o.OK() {
		return nil // the rules below read what the references name
	}
	r.fixed(t, o)
	if t.Name == "User" && o.Key != "" {
		if err := r.agent(ctx, t, o); err != nil {
			return err
		}
	}
	if rule := rules[t.Name]; rule != nil && o.OK() {
		rule(r, t, o)
	}
	return nil
}

// find returns the one object ref names, which check has found.
func (r *resolver) find(ref Reference) *bulkd.ConfigObject {
	for _, o := range r.known[ref.Type][strings.ToLower(ref.Key)] {
		if ref.Within == "" || strings.EqualFold(o.Within, ref.Within) {
			return &o
		}
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
	name := ref.Key
	if ref.Within != "" {
		name = refText(ref)
	}
	if where, ok := r.lost[t.Name][strings.ToLower(ref.Key)]; ok {
		return fmt.Sprintf("%s %q is not imported: its own row failed (%s)", t.Name, csvio.Clip(name), where), nil
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
	hint := "import it first (OBJECTS." + t.Slug + ".csv)"
	if t.Media {
		hint = "send its .wav in a ZIP first"
	}
	return fmt.Sprintf("no %s %q exists%s: %s", t.Name, csvio.Clip(name), csvio.Suggest(name, keys), hint), nil
}

// fixed fails an update that would change a column fixed once created.
// The store refuses such an update too; checking here as well keeps what
// the resolver knows equal to what the store will hold.
func (r *resolver) fixed(t *Type, o *Object) {
	was := r.stored(t, o)
	if was == nil {
		return
	}
	for _, c := range t.Columns {
		if !c.Fixed || c.Child {
			continue
		}
		if v, old := o.Own.Text(c.Name), was.Value(c.Name); v != old {
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Message: fixedMessage(t, c.Name, v, was.Key, old)}})
		}
	}
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
