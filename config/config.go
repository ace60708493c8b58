// Package config decodes bulkd's HCL configuration (hcl/v2 with gohcl),
// applies defaults, resolves relative paths against the config file's
// folder and validates, reporting every problem as FILE:LINE:COL. It is the
// only package that imports hcl.
package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Config is bulkd's whole configuration. Durations are strings in the file
// and parsed into the time.Duration fields beside them.
type Config struct {
	DataDir   string `hcl:"data_dir,optional"`
	LogLevel  string `hcl:"log_level,optional"`
	LogFormat string `hcl:"log_format,optional"`
	// Dedupe skips a file byte-identical to one the tenant already imported
	// as the same kind within retention.jobs.
	Dedupe *bool `hcl:"dedupe,optional"`

	HTTP      *HTTP      `hcl:"http,block"`
	Auth      *Auth      `hcl:"auth,block"`
	Watch     *Watch     `hcl:"watch,block"`
	Retention *Retention `hcl:"retention,block"`
	Limits    *Limits    `hcl:"limits,block"`
	Metrics   *Metrics   `hcl:"metrics,block"`
	Media     *Media     `hcl:"media,block"`
	Forward   *Forward   `hcl:"forward,block"`
	Routes    []*Route   `hcl:"route,block"`
	Tenants   []*Tenant  `hcl:"tenant,block"`

	DataDirRange   hcl.Range `hcl:"data_dir,attr_value_range"`
	LogLevelRange  hcl.Range `hcl:"log_level,attr_value_range"`
	LogFormatRange hcl.Range `hcl:"log_format,attr_value_range"`
}

// HTTP configures the HTTP listener.
type HTTP struct {
	Listen      string    `hcl:"listen,optional"`
	ListenRange hcl.Range `hcl:"listen,attr_value_range"`
	// TLSCertFile and TLSKeyFile (PEM, both or neither) serve HTTPS; the
	// files are read again when they change and on SIGHUP.
	TLSCertFile      string    `hcl:"tls_cert_file,optional"`
	TLSCertFileRange hcl.Range `hcl:"tls_cert_file,attr_value_range"`
	TLSKeyFile       string    `hcl:"tls_key_file,optional"`
	TLSKeyFileRange  hcl.Range `hcl:"tls_key_file,attr_value_range"`
	// TrustedNetwork allows plain HTTP on an address that is not loopback:
	// the network between bulkd and its clients is trusted (a private
	// link, or TLS ended in front of bulkd).
	TrustedNetwork      bool      `hcl:"trusted_network,optional"`
	TrustedNetworkRange hcl.Range `hcl:"trusted_network,attr_value_range"`
}

// TLS reports whether the listener serves HTTPS.
func (h *HTTP) TLS() bool { return h.TLSCertFile != "" }

// Auth configures HS256 JWTs; static tokens are per tenant. Secrets are
// never in the file: it names the environment variables that hold them.
type Auth struct {
	JWTSecretEnv      string    `hcl:"jwt_secret_env,optional"`
	JWTSecretEnvRange hcl.Range `hcl:"jwt_secret_env,attr_value_range"`
}

// Token is a tenant's static bearer token: the variable holding it, and
// the scopes it grants.
type Token struct {
	SecretEnv      string    `hcl:"secret_env"`
	Scopes         []string  `hcl:"scopes"`
	SecretEnvRange hcl.Range `hcl:"secret_env,attr_value_range"`
	ScopesRange    hcl.Range `hcl:"scopes,attr_value_range"`
}

// Forward sends what this bulkd takes on to a central bulkd, through the
// central's upload doors: imported here as well (mode "forward") or only
// sent (mode "relay"). A tenant's forward_url sends its jobs to another
// central node. The token is never in the file: TokenEnv names the
// variable that holds it; without one the central must be an open bulkd
// on this machine.
type Forward struct {
	URL      string   `hcl:"url"`
	TokenEnv string   `hcl:"token_env,optional"`
	CAFile   string   `hcl:"ca_file,optional"`
	Mode     string   `hcl:"mode,optional"`
	Kinds    []string `hcl:"kinds,optional"`
	Timeout  string   `hcl:"timeout,optional"`
	Parallel int      `hcl:"parallel,optional"`

	URLRange      hcl.Range `hcl:"url,attr_value_range"`
	TokenEnvRange hcl.Range `hcl:"token_env,attr_value_range"`
	ModeRange     hcl.Range `hcl:"mode,attr_value_range"`
	KindsRange    hcl.Range `hcl:"kinds,attr_value_range"`
	TimeoutRange  hcl.Range `hcl:"timeout,attr_value_range"`
	DefRange      hcl.Range `hcl:",def_range"`

	TimeoutDur time.Duration // Timeout, parsed
}

// The forward modes.
const (
	ForwardImport = "forward" // import here and forward
	ForwardRelay  = "relay"   // forward only
)

// Forwards reports whether jobs of kind are forwarded, and whether only
// forwarded (relay mode).
func (c *Config) Forwards(kind bulkd.Kind) (forward, relay bool) {
	f := c.Forward
	if f == nil || len(f.Kinds) > 0 && !slices.Contains(f.Kinds, string(kind)) {
		return false, false
	}
	return true, f.Mode == ForwardRelay
}

// Media is where recordings are stored: the data dir's media folder
// (backend "local", the default) or an S3-compatible bucket ("s3"), which
// must exist. The keys are never in the file: it names the variables that
// hold them.
type Media struct {
	Backend      string `hcl:"backend,optional"`
	Endpoint     string `hcl:"endpoint,optional"` // host[:port]
	Bucket       string `hcl:"bucket,optional"`
	Region       string `hcl:"region,optional"`
	Prefix       string `hcl:"prefix,optional"` // "" or ending in "/"
	AccessKeyEnv string `hcl:"access_key_env,optional"`
	SecretKeyEnv string `hcl:"secret_key_env,optional"`
	// Insecure is plain HTTP, for an endpoint on this machine only.
	Insecure bool `hcl:"insecure,optional"`
	// CAFile verifies an endpoint whose certificate a private CA signed.
	CAFile string `hcl:"ca_file,optional"`

	BackendRange      hcl.Range `hcl:"backend,attr_value_range"`
	EndpointRange     hcl.Range `hcl:"endpoint,attr_value_range"`
	PrefixRange       hcl.Range `hcl:"prefix,attr_value_range"`
	AccessKeyEnvRange hcl.Range `hcl:"access_key_env,attr_value_range"`
	SecretKeyEnvRange hcl.Range `hcl:"secret_key_env,attr_value_range"`
	InsecureRange     hcl.Range `hcl:"insecure,attr_value_range"`
	DefRange          hcl.Range `hcl:",def_range"`
}

// S3 reports whether recordings go to a bucket.
func (m *Media) S3() bool { return m != nil && m.Backend == "s3" }

// Metrics configures GET /metrics, the Prometheus metrics. Served by
// default; with authentication configured it takes a token with the
// metrics:read scope unless Open.
type Metrics struct {
	// Enabled serves /metrics (true unless the file says false).
	Enabled *bool `hcl:"enabled,optional"`
	// Open serves /metrics without a token even with authentication
	// configured, for a scraper that sends none.
	Open bool `hcl:"open,optional"`

	EnabledRange hcl.Range `hcl:"enabled,attr_value_range"`
	OpenRange    hcl.Range `hcl:"open,attr_value_range"`
}

// MetricsEnabled reports whether GET /metrics is served (metrics.enabled).
func (c *Config) MetricsEnabled() bool {
	return c.Metrics == nil || c.Metrics.Enabled == nil || *c.Metrics.Enabled
}

// MetricsOpen reports whether GET /metrics is served without a token
// (metrics.open).
func (c *Config) MetricsOpen() bool { return c.Metrics != nil && c.Metrics.Open }

// Watch configures the tenant folders and how files are detected.
type Watch struct {
	Root      string `hcl:"root,optional"`
	Settle    string `hcl:"settle,optional"`
	Rescan    string `hcl:"rescan,optional"`
	MediaWait string `hcl:"media_wait,optional"`
	// DoneMarker makes a file complete only once <name>.done exists beside
	// it, for senders that write a marker after the data.
	DoneMarker bool `hcl:"done_marker,optional"`

	RootRange      hcl.Range `hcl:"root,attr_value_range"`
	SettleRange    hcl.Range `hcl:"settle,attr_value_range"`
	RescanRange    hcl.Range `hcl:"rescan,attr_value_range"`
	MediaWaitRange hcl.Range `hcl:"media_wait,attr_value_range"`

	SettleDur, RescanDur, MediaWaitDur time.Duration
}

// Retention configures how long finished jobs and archived files are kept.
type Retention struct {
	Jobs     string `hcl:"jobs,optional"`
	Archives string `hcl:"archives,optional"`

	JobsRange     hcl.Range `hcl:"jobs,attr_value_range"`
	ArchivesRange hcl.Range `hcl:"archives,attr_value_range"`

	JobsDur, ArchivesDur time.Duration
}

// Route gives a kind file name patterns of its own, for a site whose
// files are named otherwise (route "contacts" { patterns = ["contact_*.csv"] }):
// added to the kind's default patterns and tried before them, or with
// replace = true used instead of them.
type Route struct {
	Kind     string   `hcl:"kind,label"`
	Patterns []string `hcl:"patterns"`
	Replace  bool     `hcl:"replace,optional"`

	KindRange     hcl.Range `hcl:"kind,label_range"`
	PatternsRange hcl.Range `hcl:"patterns,attr_value_range"`
}

// Limits bound every input. Unset (or 0) is the default, given in the
// README's limits table; a negative value is an error.
type Limits struct {
	// MaxRecordBytes bounds one CSV record (or one JSON contact), and
	// MaxColumns a CSV header's columns.
	MaxRecordBytes int `hcl:"max_record_bytes,optional"`
	MaxColumns     int `hcl:"max_columns,optional"`
	// ZipMaxBytes, ZipMaxEntries and ZipMaxRatio bound what a job's ZIPs
	// unpack to: bytes written, files, and unpacked over packed size.
	ZipMaxBytes   int64 `hcl:"zip_max_bytes,optional"`
	ZipMaxEntries int   `hcl:"zip_max_entries,optional"`
	ZipMaxRatio   int64 `hcl:"zip_max_ratio,optional"`
	// UploadMaxFileBytes, UploadMaxBytes and UploadMaxParts bound a
	// contacts upload: one file (a recording), the whole request, its parts.
	UploadMaxFileBytes int64 `hcl:"upload_max_file_bytes,optional"`
	UploadMaxBytes     int64 `hcl:"upload_max_bytes,optional"`
	UploadMaxParts     int   `hcl:"upload_max_parts,optional"`
	// MinBodyRate (bytes a second) and BodyGrace: a request body slower
	// than the rate on average, once the grace has passed, is cut off.
	MinBodyRate int64  `hcl:"min_body_rate,optional"`
	BodyGrace   string `hcl:"body_grace,optional"`

	DefRange       hcl.Range `hcl:",def_range"`
	BodyGraceRange hcl.Range `hcl:"body_grace,attr_value_range"`

	BodyGraceDur time.Duration
}

// Tenant declares a tenant; tenants are also discovered as folders.
type Tenant struct {
	Name   string   `hcl:"name,label"`
	Tokens []*Token `hcl:"token,block"`
	// Schedule imports from the tenant folder read times in TimeZone and
	// DateFormat; EventTypes are the event type names a schedule may use.
	TimeZone   string   `hcl:"time_zone,optional"`
	DateFormat string   `hcl:"date_format,optional"`
	EventTypes []string `hcl:"event_types,optional"`
	// RequestsPerMinute caps the tenant's schedule event import requests
	// (429 beyond it).
	RequestsPerMinute int `hcl:"requests_per_minute,optional"`
	// Encoding is the text encoding of the tenant's CSV and JSON files
	// (one of csvio.Encodings; UTF-8 by default). Real-time JSON is UTF-8
	// whatever it says (RFC 8259).
	Encoding string `hcl:"encoding,optional"`

	// ForwardURL and ForwardTokenEnv send the tenant's jobs to another
	// central node than forward.url says, with its own token: a tenant
	// belongs to one central node.
	ForwardURL      string    `hcl:"forward_url,optional"`
	ForwardTokenEnv string    `hcl:"forward_token_env,optional"`
	ForwardURLRange hcl.Range `hcl:"forward_url,attr_value_range"`
	ForwardEnvRange hcl.Range `hcl:"forward_token_env,attr_value_range"`

	EncodingRange   hcl.Range `hcl:"encoding,attr_value_range"`
	NameRange       hcl.Range `hcl:"name,label_range"`
	TimeZoneRange   hcl.Range `hcl:"time_zone,attr_value_range"`
	DateFormatRange hcl.Range `hcl:"date_format,attr_value_range"`
	RPMRange        hcl.Range `hcl:"requests_per_minute,attr_value_range"`

	Location *time.Location // TimeZone, loaded
}

// DefaultRequestsPerMinute is a tenant's rate of schedule event import
// requests unless its config says otherwise.
const DefaultRequestsPerMinute = 60

// Tenant returns the settings of the named tenant: its block, or the
// defaults for a tenant only discovered as a folder.
func (c *Config) Tenant(name string) *Tenant {
	t := &Tenant{Name: name}
	for _, d := range c.Tenants {
		if d.Name == name {
			cp := *d
			t = &cp
		}
	}
	t.fill()
	return t
}

// Diagnostics are the problems found in a config, each at its place in
// the file; Range is such a place. The aliases let the daemon's checks
// report at a config's places without importing hcl.
type (
	Diagnostics = hcl.Diagnostics
	Range       = hcl.Range
)

// Problem is an error diagnostic: summary and detail at r, or nowhere for
// the zero range of an attribute the file does not set (its default).
func Problem(r Range, summary, detail string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if r.Filename != "" {
		d.Subject = r.Ptr()
	}
	return d
}

// Err is every error of diags, one a line (hcl's own Error shows only the
// first), or nil.
func Err(diags Diagnostics) error {
	var errs []error
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	return errors.Join(errs...)
}

// Settings returns what importers and doors need of the tenant named:
// its block, or the defaults for a tenant only discovered as a folder.
func (c *Config) Settings(name string) bulkd.TenantSettings {
	t := c.Tenant(name)
	return bulkd.TenantSettings{Name: t.Name, Location: t.Location, DateFormat: t.DateFormat, EventTypes: t.EventTypes,
		RequestsPerMinute: t.RequestsPerMinute, Encoding: t.Encoding}
}

// fill gives unset settings their defaults.
func (t *Tenant) fill() {
	if t.TimeZone == "" {
		t.TimeZone = "UTC"
	}
	if t.Location == nil {
		t.Location, _ = time.LoadLocation(t.TimeZone)
	}
	if t.DateFormat == "" {
		t.DateFormat = bulkd.DefaultDateFormat
	}
	if len(t.EventTypes) == 0 {
		t.EventTypes = bulkd.DefaultEventTypes
	}
	if t.RequestsPerMinute == 0 {
		t.RequestsPerMinute = DefaultRequestsPerMinute
	}
}

// envNameRE is what an environment variable name may be.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Default returns the embedded default configuration, paths relative to
// the working folder.
func Default() *Config {
	t, on := true, true
	return &Config{
		DataDir: "./bulkd-data", LogLevel: "info", LogFormat: "text", Dedupe: &t,
		HTTP:      &HTTP{Listen: "127.0.0.1:8765"},
		Watch:     &Watch{Settle: "2s", Rescan: "30s", MediaWait: "5m"},
		Retention: &Retention{Jobs: "480h", Archives: "168h"},
		Limits:    &Limits{BodyGrace: "30s"},
		Metrics:   &Metrics{Enabled: &on},
	}
}

// Load reads the config at path (the embedded default when path is ""),
// returning the config and every diagnostic. The config is nil when the
// diagnostics have errors.
func Load(path string) (*Config, hcl.Diagnostics, map[string]*hcl.File) {
	cfg := Default()
	parser := hclparse.NewParser()
	base, err := filepath.Abs(".")
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot resolve working folder", Detail: err.Error()}}, parser.Files()
	}
	if path != "" {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read config", Detail: err.Error()}}, parser.Files()
		}
		file, diags := parser.ParseHCL(src, path)
		if diags.HasErrors() {
			return nil, diags, parser.Files()
		}
		// gohcl leaves unset optional attributes and absent blocks alone, so
		// decoding onto the defaults keeps them. Blocks are decoded onto
		// fresh structs, then their defaults filled in by finish.
		def := Default()
		cfg.HTTP, cfg.Watch, cfg.Retention, cfg.Limits, cfg.Metrics = nil, nil, nil, nil, nil
		decodeDiags := gohcl.DecodeBody(file.Body, nil, cfg)
		fillBlocks(cfg, def)
		abs, err := filepath.Abs(filepath.Dir(path))
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot resolve config folder", Detail: err.Error()}}, parser.Files()
		}
		base = abs
		if decodeDiags.HasErrors() {
			// gohcl decodes what it can past an unknown key or a wrong type,
			// so the values' own checks still run and every problem shows at
			// once. A check with no place in the file is dropped: it is about
			// an attribute gohcl already reported missing.
			diags := decodeDiags
			for _, d := range cfg.finish(base) {
				if d.Subject != nil && d.Subject.Filename != "" {
					diags = append(diags, d)
				}
			}
			return nil, diags, parser.Files()
		}
	}
	if diags := cfg.finish(base); diags.HasErrors() {
		return nil, diags, parser.Files()
	}
	return cfg, nil, parser.Files()
}

// fillBlocks gives absent blocks, and unset attributes of present ones,
// their defaults.
func fillBlocks(cfg, def *Config) {
	if cfg.HTTP == nil {
		cfg.HTTP = def.HTTP
	} else if cfg.HTTP.Listen == "" {
		cfg.HTTP.Listen = def.HTTP.Listen
	}
	if cfg.Watch == nil {
		cfg.Watch = def.Watch
	} else {
		orDefault(&cfg.Watch.Settle, def.Watch.Settle)
		orDefault(&cfg.Watch.Rescan, def.Watch.Rescan)
		orDefault(&cfg.Watch.MediaWait, def.Watch.MediaWait)
	}
	if cfg.Limits == nil {
		cfg.Limits = def.Limits
	} else {
		orDefault(&cfg.Limits.BodyGrace, def.Limits.BodyGrace)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = def.Metrics
	} else if cfg.Metrics.Enabled == nil {
		cfg.Metrics.Enabled = def.Metrics.Enabled
	}
	if cfg.Retention == nil {
		cfg.Retention = def.Retention
	} else {
		orDefault(&cfg.Retention.Jobs, def.Retention.Jobs)
		orDefault(&cfg.Retention.Archives, def.Retention.Archives)
	}
}

func orDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

// finish parses durations, resolves paths against base and validates.
func (c *Config) finish(base string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	bad := func(r hcl.Range, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()})
	}
	dur := func(dst *time.Duration, s string, r hcl.Range, name string, min time.Duration) {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			bad(r, "Invalid duration", fmt.Sprintf("%s = %q is not a duration such as \"2s\", \"5m\" or \"480h\".", name, s))
		case d < min:
			bad(r, "Duration too short", fmt.Sprintf("%s must be at least %s.", name, min))
		default:
			*dst = d
		}
	}
	dur(&c.Watch.SettleDur, c.Watch.Settle, c.Watch.SettleRange, "watch.settle", 0)
	dur(&c.Watch.RescanDur, c.Watch.Rescan, c.Watch.RescanRange, "watch.rescan", time.Second)
	dur(&c.Watch.MediaWaitDur, c.Watch.MediaWait, c.Watch.MediaWaitRange, "watch.media_wait", 0)
	dur(&c.Retention.JobsDur, c.Retention.Jobs, c.Retention.JobsRange, "retention.jobs", time.Hour)
	dur(&c.Retention.ArchivesDur, c.Retention.Archives, c.Retention.ArchivesRange, "retention.archives", time.Hour)
	dur(&c.Limits.BodyGraceDur, c.Limits.BodyGrace, c.Limits.BodyGraceRange, "limits.body_grace", time.Second)
	l := c.Limits
	for _, lv := range []struct {
		name string
		v    int64
	}{
		{"max_record_bytes", int64(l.MaxRecordBytes)}, {"max_columns", int64(l.MaxColumns)},
		{"zip_max_bytes", l.ZipMaxBytes}, {"zip_max_entries", int64(l.ZipMaxEntries)}, {"zip_max_ratio", l.ZipMaxRatio},
		{"upload_max_file_bytes", l.UploadMaxFileBytes}, {"upload_max_bytes", l.UploadMaxBytes},
		{"upload_max_parts", int64(l.UploadMaxParts)}, {"min_body_rate", l.MinBodyRate},
	} {
		name, v := lv.name, lv.v
		if v < 0 {
			bad(l.DefRange, "Invalid limit", fmt.Sprintf("limits.%s = %d: a limit is a positive number (or 0 for the default).", name, v))
		}
	}
	if l.MaxRecordBytes > 0 && l.MaxRecordBytes < csvio.MinRecordBytes {
		bad(l.DefRange, "Invalid limit", fmt.Sprintf("limits.max_record_bytes = %d: it must be at least %d.", l.MaxRecordBytes, csvio.MinRecordBytes))
	}

	switch c.LogLevel {
	case "trace", "debug", "info", "warn", "error":
	default:
		bad(c.LogLevelRange, "Invalid log level", fmt.Sprintf("log_level = %q: use trace, debug, info, warn or error.", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad(c.LogFormatRange, "Invalid log format", fmt.Sprintf("log_format = %q: use text or json.", c.LogFormat))
	}
	if m := c.Media; m != nil {
		switch m.Backend {
		case "", "local":
		case "s3":
			for _, req := range []struct {
				name, v string
			}{{"endpoint", m.Endpoint}, {"bucket", m.Bucket}, {"access_key_env", m.AccessKeyEnv}, {"secret_key_env", m.SecretKeyEnv}} {
				if req.v == "" {
					bad(m.DefRange, "Incomplete media block", fmt.Sprintf("media.%s is required with backend = \"s3\".", req.name))
				}
			}
			for _, e := range []struct {
				name, v string
				r       hcl.Range
			}{{"access_key_env", m.AccessKeyEnv, m.AccessKeyEnvRange}, {"secret_key_env", m.SecretKeyEnv, m.SecretKeyEnvRange}} {
				if e.v != "" {
					envName(bad, e.r, "media."+e.name, e.v, "key")
				}
			}
			if strings.Contains(m.Endpoint, "://") || strings.Contains(m.Endpoint, "/") {
				bad(m.EndpointRange, "Invalid endpoint", fmt.Sprintf("media.endpoint = %q: give host[:port] only; HTTPS is the default (insecure = true for plain HTTP on this machine).", m.Endpoint))
			}
			if m.Prefix != "" && !strings.HasSuffix(m.Prefix, "/") {
				bad(m.PrefixRange, "Invalid prefix", fmt.Sprintf("media.prefix = %q: it ends in \"/\".", m.Prefix))
			}
			if m.Insecure && !Loopback(m.Endpoint) {
				bad(m.InsecureRange, "Plain HTTP off this machine", fmt.Sprintf("media.insecure = true sends recordings in clear: only for an endpoint on this machine, and %q is not one.", m.Endpoint))
			}
		default:
			bad(m.BackendRange, "Unknown media backend", fmt.Sprintf("media.backend = %q: use \"local\" (the data dir's media folder) or \"s3\".", m.Backend))
		}
	}
	if f := c.Forward; f != nil {
		c.checkForward(f, bad)
		if f.Timeout != "" {
			dur(&f.TimeoutDur, f.Timeout, f.TimeoutRange, "forward.timeout", time.Second)
		}
	}
	if c.MetricsOpen() && !c.MetricsEnabled() {
		bad(c.Metrics.OpenRange, "Conflicting settings", "metrics.open = true opens /metrics, which metrics.enabled = false turns off: drop one of them.")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad(c.HTTP.ListenRange, "Invalid listen address", fmt.Sprintf("http.listen = %q: %v (expected host:port such as 127.0.0.1:8765).", c.HTTP.Listen, err))
	}
	if (c.HTTP.TLSCertFile == "") != (c.HTTP.TLSKeyFile == "") {
		r := c.HTTP.TLSCertFileRange
		if c.HTTP.TLSCertFile == "" {
			r = c.HTTP.TLSKeyFileRange
		}
		bad(r, "Incomplete TLS", "http.tls_cert_file and http.tls_key_file go together: set both to serve HTTPS, or neither.")
	}
	if c.DataDir == "" {
		bad(c.DataDirRange, "Invalid data_dir", "data_dir must not be empty.")
	}
	seen := map[string]bool{}
	for _, t := range c.Tenants {
		if !bulkd.ValidTenant(t.Name) {
			bad(t.NameRange, "Invalid tenant name", fmt.Sprintf("tenant %q: a tenant name is letters, digits, '.', '_' and '-' only.", t.Name))
		}
		if seen[t.Name] {
			bad(t.NameRange, "Duplicate tenant", fmt.Sprintf("tenant %q is declared twice.", t.Name))
		}
		seen[t.Name] = true
		if t.TimeZone != "" {
			loc, err := bulkd.LoadZone(t.TimeZone)
			if err != nil {
				bad(t.TimeZoneRange, "Invalid time zone", fmt.Sprintf("tenant %q: time_zone: %v.", t.Name, err))
			}
			t.Location = loc
		}
		if _, ok := bulkd.DateFormatLayout(t.DateFormat); t.DateFormat != "" && !ok {
			bad(t.DateFormatRange, "Invalid date format", fmt.Sprintf("tenant %q: date_format = %q is not one of %s.", t.Name, t.DateFormat, strings.Join(bulkd.DateFormats(), ", ")))
		}
		if err := (csvio.Options{Encoding: t.Encoding}).Validate(); err != nil {
			bad(t.EncodingRange, "Unknown encoding", fmt.Sprintf("tenant %q: %v.", t.Name, err))
		}
		if t.RequestsPerMinute < 0 {
			bad(t.RPMRange, "Invalid rate", fmt.Sprintf("tenant %q: requests_per_minute must be positive.", t.Name))
		}
		t.fill()
		for _, tok := range t.Tokens {
			envName(bad, tok.SecretEnvRange, fmt.Sprintf("tenant %q: token.secret_env", t.Name), tok.SecretEnv, "token")
			if len(tok.Scopes) == 0 {
				bad(tok.ScopesRange, "No scopes", fmt.Sprintf("tenant %q: a token needs at least one scope.", t.Name))
			}
		}
	}
	for _, r := range c.Routes {
		if len(r.Patterns) == 0 {
			bad(r.PatternsRange, "No patterns", fmt.Sprintf("route %q: patterns needs at least one file name pattern such as \"contact_*.csv\".", r.Kind))
		}
		for _, p := range r.Patterns {
			if err := pipeline.CheckPattern(p); err != nil {
				bad(r.PatternsRange, "Invalid pattern", fmt.Sprintf("route %q: %v.", r.Kind, err))
			}
		}
	}
	if c.Auth != nil && c.Auth.JWTSecretEnv != "" {
		envName(bad, c.Auth.JWTSecretEnvRange, "auth.jwt_secret_env", c.Auth.JWTSecretEnv, "secret")
	}
	c.DataDir = resolve(base, c.DataDir)
	paths := []*string{&c.HTTP.TLSCertFile, &c.HTTP.TLSKeyFile}
	if c.Media != nil {
		paths = append(paths, &c.Media.CAFile)
	}
	if c.Forward != nil {
		paths = append(paths, &c.Forward.CAFile)
	}
	for _, f := range paths {
		if *f != "" {
			*f = resolve(base, *f)
		}
	}
	if c.Watch.Root == "" {
		c.Watch.Root = filepath.Join(c.DataDir, "gis")
	} else {
		c.Watch.Root = resolve(base, c.Watch.Root)
	}
	return diags
}

// Loopback reports whether an address, host or host:port, is this machine
// only (localhost, 127.0.0.0/8, ::1). A wildcard host ("", 0.0.0.0) is not.
func Loopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func resolve(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// Kinds returns the registered kinds with the config's route blocks
// applied, and a diagnostic for each route naming no kind and each token
// scope no kind (nor bulkd itself) uses: what a config can only be checked
// against once the kinds are known.
func (c *Config) Kinds(specs []pipeline.Spec) (*pipeline.Kinds, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	bad := func(r hcl.Range, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()})
	}
	probe, err := pipeline.NewKinds(specs, nil)
	if err != nil {
		bad(hcl.Range{}, "Invalid kinds", err.Error())
		return nil, diags
	}
	var overrides []pipeline.RouteOverride
	for _, r := range c.Routes {
		if _, ok := probe.Spec(bulkd.Kind(r.Kind)); !ok {
			bad(r.KindRange, "Unknown kind", fmt.Sprintf("route %q: the kinds are %s.", r.Kind, strings.Join(probe.Names(), ", ")))
			continue
		}
		overrides = append(overrides, pipeline.RouteOverride{Kind: bulkd.Kind(r.Kind), Patterns: r.Patterns, Replace: r.Replace})
	}
	if c.Forward != nil {
		for _, k := range c.Forward.Kinds {
			if spec, ok := probe.Spec(bulkd.Kind(k)); !ok || spec.Door == nil {
				bad(c.Forward.KindsRange, "Unknown kind", fmt.Sprintf("forward.kinds names %q: the kinds are %s.", k, strings.Join(probe.Names(), ", ")))
			}
		}
	}
	known := append(slices.Clone(bulkd.CoreScopes), probe.Scopes()...)
	for _, t := range c.Tenants {
		for _, tok := range t.Tokens {
			for _, sc := range tok.Scopes {
				if !slices.Contains(known, sc) {
					bad(tok.ScopesRange, "Unknown scope", fmt.Sprintf("tenant %q: scope %q is not one of %s.", t.Name, sc, strings.Join(known, ", ")))
				}
			}
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	k, err := pipeline.NewKinds(specs, overrides)
	if err != nil {
		bad(hcl.Range{}, "Invalid routes", err.Error())
		return nil, diags
	}
	return k, nil
}

// CSV returns how importers read CSV and JSON text: the limits (the
// encoding is each tenant's own).
func (c *Config) CSV() csvio.Options {
	return csvio.Options{MaxRecordBytes: c.Limits.MaxRecordBytes, MaxColumns: c.Limits.MaxColumns}
}

// TenantNames returns the declared tenants' names.
func (c *Config) TenantNames() []string {
	out := make([]string, 0, len(c.Tenants))
	for _, t := range c.Tenants {
		out = append(out, t.Name)
	}
	return out
}

// WriteDiagnostics prints each diagnostic once to w: a greppable
// FILE:LINE:COL: summary: detail line, then the source line with a caret
// under the place. A diagnostic with no place is shown at the config file
// when there is one file.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	only := ""
	if len(files) == 1 {
		for name := range files {
			only = name
		}
	}
	// In file order, whichever check found them.
	diags = slices.Clone(diags)
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		if a.Subject == nil || b.Subject == nil {
			return cmpBool(a.Subject != nil, b.Subject != nil)
		}
		return cmp.Or(strings.Compare(a.Subject.Filename, b.Subject.Filename), cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte))
	})
	var b strings.Builder
	for _, d := range diags {
		loc := "config"
		if only != "" {
			loc = only
		}
		subject := d.Subject
		if subject != nil && subject.Filename == "" {
			subject = nil // a zero range: an attribute absent from the file
		}
		if subject != nil {
			loc = fmt.Sprintf("%s:%d:%d", subject.Filename, subject.Start.Line, subject.Start.Column)
		}
		if d.Severity == hcl.DiagWarning {
			loc += ": warning"
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		fmt.Fprintf(&b, "%s: %s\n", loc, msg)
		if subject != nil {
			if f := files[subject.Filename]; f != nil {
				writeSnippet(&b, f.Bytes, *subject)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// writeSnippet writes the source line where r starts, numbered, and a row
// of carets under r (to the end of that line when r spans several).
func writeSnippet(b *strings.Builder, src []byte, r hcl.Range) {
	start := r.Start.Byte
	if start < 0 || start > len(src) {
		return
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	end := min(max(r.End.Byte, start), lineEnd)
	line := strings.TrimRight(string(src[lineStart:lineEnd]), "\r")
	gutter := fmt.Sprintf("%5d | ", r.Start.Line)
	fmt.Fprintf(b, "%s%s\n", gutter, line)
	// Tabs stay tabs so the carets line up however the terminal shows them.
	pad := strings.Map(func(c rune) rune {
		if c == '\t' {
			return c
		}
		return ' '
	}, string(src[lineStart:start]))
	carets := max(1, utf8.RuneCount(src[start:end]))
	fmt.Fprintf(b, "%s| %s%s\n", strings.Repeat(" ", len(gutter)-2), pad, strings.Repeat("^", carets))
}

// checkForward validates the forward block and the tenants' forward_url.
func (c *Config) checkForward(f *Forward, bad func(hcl.Range, string, string)) {
	switch f.Mode {
	case "":
		f.Mode = ForwardImport
	case ForwardImport, ForwardRelay:
	default:
		bad(f.ModeRange, "Unknown forward mode", fmt.Sprintf("forward.mode = %q: use \"forward\" (import here and forward) or \"relay\" (forward only).", f.Mode))
	}
	if f.Parallel < 0 {
		bad(f.DefRange, "Invalid limit", fmt.Sprintf("forward.parallel = %d: a positive number (or 0 for the default).", f.Parallel))
	}
	central := func(name, raw, tokenEnv string, r hcl.Range) {
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https":
			bad(r, "Invalid URL", fmt.Sprintf("%s = %q: give the central bulkd's base URL, such as https://central.example.com:8765.", name, raw))
		case u.Scheme == "http" && !Loopback(u.Host):
			bad(r, "Plain HTTP off this machine", fmt.Sprintf("%s = %q: a token must not cross a network in clear; use https:// (ca_file for a private CA).", name, raw))
		case tokenEnv == "" && !Loopback(u.Host):
			bad(r, "No token for the central", fmt.Sprintf("%s = %q names another machine, and no token_env is set: a central off this machine has authentication on.", name, raw))
		}
	}
	if f.TokenEnv != "" {
		envName(bad, f.TokenEnvRange, "forward.token_env", f.TokenEnv, "token")
	}
	central("forward.url", f.URL, f.TokenEnv, f.URLRange)
	for _, t := range c.Tenants {
		if t.ForwardTokenEnv != "" {
			envName(bad, t.ForwardEnvRange, fmt.Sprintf("tenant %q: forward_token_env", t.Name), t.ForwardTokenEnv, "token")
		}
		if t.ForwardURL != "" || t.ForwardTokenEnv != "" {
			central(fmt.Sprintf("tenant %q: forward_url", t.Name), cmp.Or(t.ForwardURL, f.URL), cmp.Or(t.ForwardTokenEnv, f.TokenEnv), t.ForwardURLRange)
		}
	}
}

// envName refuses a setting whose value v is not an environment variable
// name: it names the variable that holds a secret (what), which never goes
// in the file.
func envName(bad func(hcl.Range, string, string), r hcl.Range, setting, v, what string) {
	if !envNameRE.MatchString(v) {
		bad(r, "Invalid variable name", fmt.Sprintf("%s is not an environment variable name (letters, digits and _): it names the variable that holds the %s; the %s itself never goes in this file.", setting, what, what))
	}
}
