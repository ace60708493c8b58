package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/bulkd/bulkd/auth"
	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/internal/certs"
)

// Check runs every check Open runs before it takes the data dir's lock and
// binds the port, reading secrets with getenv: each token's variable set,
// the JWT secret long enough, tokens distinct, a non-loopback http.listen
// only with authentication and TLS (or http.trusted_network), the TLS
// certificate loading, data_dir and watch.root creatable and
// writable. It reports every problem, each once, at its place in the file,
// so `bulkd config check` says what `bulkd run` would refuse. It writes
// nothing that stays: a folder that does not exist yet is not created.
func Check(cfg *config.Config, getenv func(string) string) config.Diagnostics {
	var diags config.Diagnostics
	bad := func(r config.Range, summary, detail string) {
		diags = append(diags, config.Problem(r, summary, detail))
	}

	// Each secret is checked alone by auth.New, so its rules and words stay
	// in the auth package and every bad one is reported, not the first.
	a := authConfig(cfg)
	if cfg.Auth != nil && cfg.Auth.JWTSecretEnv != "" {
		if _, err := auth.New(auth.Config{JWTSecretEnv: cfg.Auth.JWTSecretEnv}, getenv); err != nil {
			bad(cfg.Auth.JWTSecretEnvRange, "Invalid JWT secret", err.Error()+".")
		}
	}
	owner := map[string]string{} // secret → the variable that first held it
	for _, t := range cfg.Tenants {
		for _, tok := range t.Tokens {
			one := auth.Config{Tokens: []auth.Token{{Tenant: t.Name, SecretEnv: tok.SecretEnv, Scopes: tok.Scopes}}}
			if _, err := auth.New(one, getenv); err != nil {
				bad(tok.SecretEnvRange, "Token variable not set", err.Error()+".")
				continue
			}
			secret := getenv(tok.SecretEnv)
			if first, dup := owner[secret]; dup {
				bad(tok.SecretEnvRange, "Duplicate token", fmt.Sprintf("tenant %q: the token in %s is also the token in %s: tokens must differ.", t.Name, tok.SecretEnv, first))
				continue
			}
			owner[secret] = tok.SecretEnv
		}
	}
	// Configured but broken authentication is reported above; the listen
	// rule is about none being configured at all.
	h := cfg.HTTP
	if !config.Loopback(h.Listen) {
		if a.JWTSecretEnv == "" && len(a.Tokens) == 0 {
			bad(h.ListenRange, "Address needs authentication", fmt.Sprintf("http.listen %q is not a loopback address: without authentication configured (a tenant token or auth.jwt_secret_env) bulkd serves only on 127.0.0.1 or ::1.", h.Listen))
		}
		if !h.TLS() && !h.TrustedNetwork {
			bad(h.ListenRange, "Address needs TLS", fmt.Sprintf("http.listen %q is not a loopback address: tokens would cross the network in clear. Set http.tls_cert_file and http.tls_key_file, or http.trusted_network = true when the network is trusted (a private link, or TLS ended in front of bulkd).", h.Listen))
		}
	}
	if m := cfg.Media; m.S3() {
		for _, e := range []struct {
			name, v string
			r       config.Range
		}{{"access_key_env", m.AccessKeyEnv, m.AccessKeyEnvRange}, {"secret_key_env", m.SecretKeyEnv, m.SecretKeyEnvRange}} {
			if e.v != "" && getenv(e.v) == "" {
				bad(e.r, "Key variable not set", fmt.Sprintf("media.%s: the environment variable %s is not set.", e.name, e.v))
			}
		}
		if _, err := certs.CAPool(m.CAFile); err != nil {
			bad(m.DefRange, "Invalid CA file", "media.ca_file: "+err.Error()+".")
		}
	}
	if f := cfg.Forward; f != nil {
		if f.TokenEnv != "" && getenv(f.TokenEnv) == "" {
			bad(f.TokenEnvRange, "Token variable not set", fmt.Sprintf("forward.token_env: the environment variable %s is not set.", f.TokenEnv))
		}
		for _, t := range cfg.Tenants {
			if t.ForwardTokenEnv != "" && getenv(t.ForwardTokenEnv) == "" {
				bad(t.ForwardEnvRange, "Token variable not set", fmt.Sprintf("tenant %q: forward_token_env: the environment variable %s is not set.", t.Name, t.ForwardTokenEnv))
			}
		}
		if _, err := certs.CAPool(f.CAFile); err != nil {
			bad(f.DefRange, "Invalid CA file", "forward.ca_file: "+err.Error()+".")
		}
	}
	if h.TLS() {
		if _, err := certs.Load(h.TLSCertFile, h.TLSKeyFile); err != nil {
			bad(h.TLSCertFileRange, "Invalid TLS certificate", err.Error()+".")
		}
	}

	dataErr := checkFolder(cfg.DataDir)
	if dataErr != nil {
		bad(cfg.DataDirRange, "Unusable data_dir", fmt.Sprintf("data_dir %s: %v.", cfg.DataDir, dataErr))
	}
	// watch.root inside an unusable data_dir (its default, data_dir/gis)
	// fails for the same reason: said once, at data_dir.
	rel, err := filepath.Rel(cfg.DataDir, cfg.Watch.Root)
	inside := err == nil && filepath.IsLocal(rel)
	if dataErr == nil || !inside {
		rootRange := cfg.Watch.RootRange
		if rootRange.Filename == "" {
			rootRange = cfg.DataDirRange // the default root is data_dir's folder
		}
		if err := checkFolder(cfg.Watch.Root); err != nil {
			bad(rootRange, "Unusable watch.root", fmt.Sprintf("watch.root %s: %v.", cfg.Watch.Root, err))
		}
	}
	return diags
}

// checkFolder reports why dir could not be bulkd's folder: it exists and
// is not a writable folder, or it does not and could not be created in the
// nearest folder above it that exists. It tries by writing a temporary file
// (or folder) and removing it, as permissions alone do not tell (ACLs,
// read-only mounts).
func checkFolder(dir string) error {
	existing := dir
	for {
		fi, err := os.Stat(existing)
		if err == nil {
			if !fi.IsDir() {
				if existing == dir {
					return errors.New("it is a file, not a folder")
				}
				return fmt.Errorf("cannot be created: %s is a file, not a folder", existing)
			}
			break
		}
		// Under a file, a path is "not a directory" rather than absent:
		// the file is found one step up.
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("cannot be used: %w", err)
		}
		up := filepath.Dir(existing)
		if up == existing {
			return fmt.Errorf("cannot be created: %w", err)
		}
		existing = up
	}
	if existing == dir {
		f, err := os.CreateTemp(dir, ".bulkd-check-*")
		if err != nil {
			return fmt.Errorf("cannot be written: %w", err)
		}
		_ = f.Close()
		if err := os.Remove(f.Name()); err != nil {
			return fmt.Errorf("cannot remove the file written to check it: %w", err)
		}
		return nil
	}
	tmp, err := os.MkdirTemp(existing, ".bulkd-check-*")
	if err != nil {
		return fmt.Errorf("cannot be created: %w", err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("cannot remove the folder made to check it: %w", err)
	}
	return nil
}
