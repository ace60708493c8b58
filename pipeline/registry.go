package pipeline

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
)

// Spec declares an import kind: everything the pipeline, the watcher and
// the daemon need to know of it, in one value its importer package returns.
// Matching file names, the order of files taken together, the waits for
// other kinds' jobs and the one-active-job rule are all derived from the
// Specs; nothing else lists kinds.
type Spec struct {
	// Kind names the kind (in job records, URLs and config).
	Kind bulkd.Kind
	// Routes are the default file name patterns of the kind's files in a
	// tenant folder: path.Match globs, case-sensitive ("AGENTS.?*.csv").
	// A route block in the config adds to them or replaces them.
	Routes []string
	// DependsOn are kinds whose earlier jobs of the same tenant a job of
	// this kind waits for (its rows name their records); files of those
	// kinds that settle together with this kind's are taken first.
	DependsOn []bulkd.Kind
	// Exclusive allows one unfinished job per tenant for claims from an
	// API door: another is refused with a *BusyError (the WFM seed's 409).
	// Folder drops queue instead, one at a time as every lane does.
	Exclusive bool
	// Overlap lets a tenant's jobs of the kind run several at once (up to
	// Config.Parallel), for a kind whose jobs cannot change each other's
	// outcome: each job's records are its own, keyed by its rows, so the
	// order they commit in does not matter. Many small drops then share
	// the store's commits and the machine's cores. A job identical to one
	// still running waits for it, so that dedupe still skips it.
	Overlap bool
	// Scopes are the token scopes the kind's HTTP doors use.
	Scopes []string
	// Limits says, for people (config check, the README), what bounds the
	// kind's files.
	Limits string
	// New builds the kind's importer.
	New func(Deps) (Importer, error)
	// Check, if set, is called by Claim for a claim from an API door before
	// anything is recorded, with the main file's path and the claim's
	// params: an error (EINVALID) refuses the claim, so that a door can
	// answer a bad header or option at once, in its own words, instead of
	// queuing a job that is bound to fail. Folder drops are not checked
	// there: their job fails with the same message.
	Check func(path string, params map[string]string) error
	// Template writes the kind's blank template to w: the header row of
	// every column, in an order and combination the kind's own header
	// check accepts. of names which template of a kind whose files hold
	// one of several shapes (objects: a type's slug or name); it is "" for
	// the others. An of the kind has no template for is an EINVALID
	// error that lists the ones it has.
	Template func(w io.Writer, of string) error
	// Door, if set, says how a job of the kind is forwarded to a central
	// bulkd: through the door a client of the kind would use. A kind
	// without one is not forwarded.
	Door func(in DoorInput) (Door, error)
	// ImportToForward says a job's files to forward are known only once
	// it is imported (a dropped contacts file's recordings are found by
	// reading its rows): in relay mode such a kind is imported here too.
	ImportToForward bool
	// Unresolved, if set, reports whether a row failure's message says
	// only that the row names a record the tenant lacks (an agent, an
	// object), in the kind's own words. bulkd validate, which checks a
	// file offline against an empty tenant, marks such failures as not
	// checked rather than as the file's fault.
	Unresolved func(message string) bool
}

// WriteHeader writes a template of one header row to w, as CSV.
func WriteHeader(w io.Writer, header []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	return nil
}

// OneTemplate is a Template for a kind whose files have one shape: header,
// and no of.
func OneTemplate(kind bulkd.Kind, header []string) func(io.Writer, string) error {
	return func(w io.Writer, of string) error {
		if of != "" {
			return bulkd.Errorf(bulkd.EINVALID, "%s has one template: there is no %q of it", kind, of)
		}
		return WriteHeader(w, header)
	}
}

// Deps are what importers are built from. Store is the store, which each
// importer asserts to the interface of the records it keeps, so a new kind
// needs no field here.
type Deps struct {
	Store  any
	Media  *media.Store
	Tenant func(name string) bulkd.TenantSettings
	// Batch is the rows a transaction commits (0: the importer's default).
	Batch int
}

// StoreAs returns d.Store as the interface S a kind needs, or an error
// naming the kind.
func StoreAs[S any](d Deps, kind bulkd.Kind) (S, error) {
	s, ok := d.Store.(S)
	if !ok {
		var zero S
		return zero, fmt.Errorf("kind %s: the store does not keep its records (%T)", kind, d.Store)
	}
	return s, nil
}

// Kinds are the registered kinds with their effective routes. It is built
// once and read from many goroutines.
type Kinds struct {
	specs  []Spec
	routes []route
}

// route sends a file name matching pattern to kind.
type route struct {
	pattern string
	kind    bulkd.Kind
}

// RouteOverride is a config route block: patterns added to a kind's
// defaults, or, with Replace, in place of them.
type RouteOverride struct {
	Kind     bulkd.Kind
	Patterns []string
	Replace  bool
}

// NewKinds checks specs (unique kinds, known dependencies, valid patterns)
// and returns them with overrides applied to their routes. Configured
// patterns are tried before the defaults, so a site's own pattern wins.
func NewKinds(specs []Spec, overrides []RouteOverride) (*Kinds, error) {
	k := &Kinds{specs: slices.Clone(specs)}
	seen := map[bulkd.Kind]bool{}
	for _, s := range specs {
		if s.Kind == "" || seen[s.Kind] {
			return nil, fmt.Errorf("kind %q is registered twice or has no name", s.Kind)
		}
		seen[s.Kind] = true
	}
	replaced := map[bulkd.Kind]bool{}
	for _, o := range overrides {
		if !seen[o.Kind] {
			return nil, fmt.Errorf("route %q: no such kind (kinds: %s)", o.Kind, strings.Join(k.Names(), ", "))
		}
		for _, p := range o.Patterns {
			if err := CheckPattern(p); err != nil {
				return nil, fmt.Errorf("route %q: %w", o.Kind, err)
			}
			k.routes = append(k.routes, route{p, o.Kind})
		}
		replaced[o.Kind] = replaced[o.Kind] || o.Replace
	}
	for _, s := range specs {
		for _, d := range s.DependsOn {
			if !seen[d] {
				return nil, fmt.Errorf("kind %s depends on %s, which is not registered", s.Kind, d)
			}
		}
		if replaced[s.Kind] {
			continue
		}
		for _, p := range s.Routes {
			if err := CheckPattern(p); err != nil {
				return nil, fmt.Errorf("kind %s: %w", s.Kind, err)
			}
			k.routes = append(k.routes, route{p, s.Kind})
		}
	}
	return k, nil
}

// CheckPattern refuses a route pattern path.Match cannot use, or one that
// could name a file in another folder.
func CheckPattern(p string) error {
	if _, err := path.Match(p, ""); err != nil || p == "" || strings.ContainsAny(p, `/\`) {
		return fmt.Errorf("pattern %q is not a file name pattern (* ? [a-z], no folders)", p)
	}
	return nil
}

// Specs returns the registered specs, in registration order.
func (k *Kinds) Specs() []Spec { return k.specs }

// Names returns the kinds' names, in registration order.
func (k *Kinds) Names() []string {
	names := make([]string, len(k.specs))
	for i, s := range k.specs {
		names[i] = string(s.Kind)
	}
	return names
}

// Spec returns the spec of kind (none on a nil Kinds).
func (k *Kinds) Spec(kind bulkd.Kind) (Spec, bool) {
	if k == nil {
		return Spec{}, false
	}
	i := slices.IndexFunc(k.specs, func(s Spec) bool { return s.Kind == kind })
	if i < 0 {
		return Spec{}, false
	}
	return k.specs[i], true
}

// Routes returns the effective patterns of kind, configured ones first.
func (k *Kinds) Routes(kind bulkd.Kind) []string {
	var out []string
	for _, r := range k.routes {
		if r.kind == kind {
			out = append(out, r.pattern)
		}
	}
	return out
}

// Match returns the kind of the first route name matches. An error report
// dropped back (<file>.errors.csv) matches as the file it reports on does.
func (k *Kinds) Match(name string) (bulkd.Kind, bool) {
	for _, r := range k.routes {
		if ok, _ := path.Match(r.pattern, name); ok {
			return r.kind, true
		}
	}
	return "", false
}

// Rank orders kinds for taking files that settle together: kinds that
// others depend on first (0), then the rest (1).
func (k *Kinds) Rank(kind bulkd.Kind) int {
	for _, s := range k.specs {
		if slices.Contains(s.DependsOn, kind) {
			return 0
		}
	}
	return 1
}

// Scopes returns every scope the kinds' doors use, sorted, with none twice.
func (k *Kinds) Scopes() []string {
	var out []string
	for _, s := range k.specs {
		out = append(out, s.Scopes...)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(a, b) })
	return slices.Compact(out)
}

// Build builds every kind's importer from deps.
func (k *Kinds) Build(deps Deps) ([]Importer, error) {
	out := make([]Importer, 0, len(k.specs))
	for _, s := range k.specs {
		if s.New == nil {
			return nil, fmt.Errorf("kind %s has no importer", s.Kind)
		}
		im, err := s.New(deps)
		if err != nil {
			return nil, fmt.Errorf("build importer %s: %w", s.Kind, err)
		}
		if im.Kind() != s.Kind {
			return nil, fmt.Errorf("kind %s: its importer says it is %s", s.Kind, im.Kind())
		}
		out = append(out, im)
	}
	return out, nil
}

// BusyError is a claim refused because its kind is Exclusive and Job, of
// the same tenant and kind, is not finished yet. It is an ECONFLICT, which
// each door answers in its own words (409/1580026 for the WFM seed).
type BusyError struct {
	Job *bulkd.Job
}

func (e *BusyError) Error() string {
	name := e.Job.ExternalID
	if name == "" {
		name = fmt.Sprintf("job %d (%s)", e.Job.ID, e.Job.File)
	}
	return fmt.Sprintf("the %s import %s is still %s: one %s import at a time", e.Job.Kind, name, e.Job.State, e.Job.Kind)
}

// Unwrap makes a BusyError a bulkd.ErrConflict.
func (e *BusyError) Unwrap() error { return bulkd.ErrConflict }

// Explain says why a file name that matches no route sits in a tenant
// folder, when the name looks like an import meant for one: it matches a
// route but for letter case ("the prefix is case-sensitive: did you mean
// CONTACT.lower.csv?"), it has a route's prefix and another ending
// ("CONTACT. files end in .csv, .json or .zip"), or it ends as routes do
// with a prefix no kind takes ("no kind takes FOO.*: the patterns are …").
// Anything else (media, hidden files, error reports, a name that matches a
// route) is no near miss: ("", false), so that only files a person most
// likely meant as imports are reported. The rules live here, beside the
// routes, because they are derived from them, config routes included.
func (k *Kinds) Explain(name string) (reason string, nearMiss bool) {
	if _, ok := k.Match(name); ok || name == "" ||
		strings.HasPrefix(name, ".") || // hidden, and the temp names of copies (rsync, WriteAtomic)
		strings.HasPrefix(name, "~$") || // an office suite's lock file beside a file it has open
		strings.HasSuffix(strings.ToLower(name), ReportSuffix) || strings.HasSuffix(strings.ToLower(name), ReportZipSuffix) {
		return "", false
	}
	for _, r := range k.routes {
		if ok, _ := path.Match(strings.ToLower(r.pattern), strings.ToLower(name)); ok {
			return caseReason(r.pattern, name), true
		}
	}
	if reason, ok := k.prefixReason(name); ok {
		return reason, true
	}
	ext := path.Ext(name)
	for _, r := range k.routes {
		if ext != "" && strings.EqualFold(path.Ext(literalSuffix(r.pattern)), ext) {
			return fmt.Sprintf("no kind takes %s*: the patterns are %s", name[:strings.IndexByte(name, '.')+1], strings.Join(k.patterns(), ", ")), true
		}
	}
	return "", false
}

// caseReason words a name that matches pattern only when case is ignored,
// with the name it was most likely meant to have.
func caseReason(pattern, name string) string {
	prefix, suffix := literalPrefix(pattern), literalSuffix(pattern)
	what := "file names are case-sensitive"
	switch {
	case !strings.HasPrefix(name, prefix):
		what = "the prefix is case-sensitive"
	case !strings.HasSuffix(name, suffix):
		what = "the extension is case-sensitive"
	}
	if !strings.ContainsAny(pattern, globMeta) {
		return fmt.Sprintf("file names are case-sensitive: did you mean %s?", pattern) // a route naming one file
	}
	if len(name) >= len(prefix)+len(suffix) {
		meant := prefix + name[len(prefix):len(name)-len(suffix)] + suffix
		if ok, _ := path.Match(pattern, meant); ok {
			return fmt.Sprintf("%s: did you mean %s?", what, meant)
		}
	}
	return fmt.Sprintf("%s: the pattern is %s", what, pattern)
}

// prefixReason words a name that starts as some routes do (letter case
// aside) but matches none of them: its ending is not theirs, or the part
// between is not.
func (k *Kinds) prefixReason(name string) (string, bool) {
	var prefix string
	for _, r := range k.routes {
		p := literalPrefix(r.pattern)
		if p == r.pattern {
			continue // a route naming one file: no other name is near it
		}
		if p != "" && len(p) > len(prefix) && len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
			prefix = p
		}
	}
	if prefix == "" {
		return "", false
	}
	var patterns, suffixes []string
	endsRight := false
	for _, r := range k.routes {
		if literalPrefix(r.pattern) != prefix {
			continue
		}
		s := literalSuffix(r.pattern)
		patterns = append(patterns, r.pattern)
		if s != "" && !slices.Contains(suffixes, s) {
			suffixes = append(suffixes, s)
		}
		endsRight = endsRight || strings.HasSuffix(strings.ToLower(name), strings.ToLower(s))
	}
	reason := fmt.Sprintf("%s files are named %s", prefix, orList(patterns))
	if !endsRight && len(suffixes) > 0 {
		reason = fmt.Sprintf("%s files end in %s", prefix, orList(suffixes))
	}
	if !strings.HasPrefix(name, prefix) {
		reason += " (and the prefix is case-sensitive)"
	}
	return reason, true
}

// patterns returns every route's pattern once, in the order they are tried.
func (k *Kinds) patterns() []string {
	var out []string
	for _, r := range k.routes {
		if !slices.Contains(out, r.pattern) {
			out = append(out, r.pattern)
		}
	}
	return out
}

// globMeta are the characters path.Match gives a meaning.
const globMeta = `*?[]\`

// literalPrefix is what every name pattern matches starts with:
// "CONTACT." of "CONTACT.?*.csv".
func literalPrefix(pattern string) string {
	if i := strings.IndexAny(pattern, globMeta); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// literalSuffix is what every name pattern matches ends with: ".csv" of
// "CONTACT.?*.csv".
func literalSuffix(pattern string) string {
	return pattern[strings.LastIndexAny(pattern, globMeta)+1:]
}

// orList joins "a", "b" and "c" as "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
