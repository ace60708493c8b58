// Command build writes bulkd's packages: a deb and an rpm for Linux (built
// with nfpm as a library) and a zip for Windows. From the repository root:
//
//	go run ./packaging/build [-version V] [-out DIR] [-arch amd64|arm64]
//
// The version defaults to git describe --tags --always --dirty (0.0.0+
// <commits>.g<commit> without a tag), or else to this program's build
// info. The packages hold the binary, the config /etc/bulkd/bulkd.hcl (the
// sample with data_dir /var/lib/bulkd, a conffile), the systemd unit and
// the scripts in packaging/linux; the zip holds bulkd.exe, the sample
// config and packaging/windows/INSTALL.txt.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "build:", err)
		}
		os.Exit(1)
	}
}

// options are the command line's.
type options struct {
	version    string
	out        string
	arch       string
	maintainer string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.version, "version", "", "the packages' `VERSION` (v1.2.3, 1.2.3-rc.1, …); default: git describe --tags --always --dirty, else the build info")
	fs.StringVar(&o.out, "out", "dist", "write the packages into `DIR`")
	fs.StringVar(&o.arch, "arch", "amd64", "the Linux packages' `GOARCH`: amd64 or arm64 (the Windows zip is amd64)")
	fs.StringVar(&o.maintainer, "maintainer", "bulkd maintainers <noreply@bulkd.invalid>", "the packages' `MAINTAINER`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.arch != "amd64" && o.arch != "arm64" {
		return fmt.Errorf("-arch %s: want amd64 or arm64", o.arch)
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	var v pkgVersion
	if o.version != "" {
		v, err = parseVersion(o.version, 0)
	} else {
		var from string
		v, from, err = defaultVersion(root)
		if err == nil {
			fmt.Fprintf(stdout, "version %s (from %s)\n", v, from)
		}
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	tmp, err := os.MkdirTemp("", "bulkd-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "linux", "bulkd")
	if err := goBuild(ctx, root, "linux", o.arch, v.String(), bin); err != nil {
		return err
	}
	exe := filepath.Join(tmp, "windows", "bulkd.exe")
	if err := goBuild(ctx, root, "windows", "amd64", v.String(), exe); err != nil {
		return err
	}
	cfg := filepath.Join(tmp, "bulkd.hcl")
	if err := os.WriteFile(cfg, linuxConfig(), 0o644); err != nil {
		return err
	}
	info := packageInfo(v, o.arch, o.maintainer, bin, cfg, filepath.Join(root, "packaging", "linux"))
	var wrote []string
	for _, format := range []string{"deb", "rpm"} {
		path, err := writePackage(info, format, o.out)
		if err != nil {
			return err
		}
		wrote = append(wrote, path)
	}
	zipPath := filepath.Join(o.out, fmt.Sprintf("bulkd_%s_windows_amd64.zip", v))
	if err := writeZip(zipPath, exe, filepath.Join(root, "packaging")); err != nil {
		return err
	}
	wrote = append(wrote, zipPath)
	for _, p := range wrote {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", p, fi.Size())
	}
	return nil
}

// moduleRoot is the folder of bulkd's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not in a module: run from bulkd's repository")
	}
	return filepath.Dir(mod), nil
}

// goBuild builds cmd/bulkd for goos/goarch into out: static, without the
// build machine's paths, without the symbol table (stack traces keep
// their function names), and with the package's version, which `bulkd
// version` prints.
func goBuild(ctx context.Context, root, goos, goarch, version, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w -X main.packageVersion="+version, "-o", out, "./cmd/bulkd")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s/%s: %w", goos, goarch, err)
	}
	return nil
}

// writePackage writes the deb or rpm of info into dir, under its
// conventional name.
func writePackage(info *nfpm.Info, format, dir string) (string, error) {
	p, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	// The packagers change the Info they get (the arch's spelling): each
	// gets its own copy.
	c := nfpm.Config{Info: *info}
	fi, err := c.Get(format)
	if err != nil {
		return "", err
	}
	fi = nfpm.WithDefaults(fi)
	if err := nfpm.Validate(fi); err != nil {
		return "", fmt.Errorf("%s: %w", format, err)
	}
	path := filepath.Join(dir, p.ConventionalFileName(fi))
	if err := writeFile(path, func(w io.Writer) error { return p.Package(fi, w) }); err != nil {
		return "", fmt.Errorf("%s: %w", format, err)
	}
	return path, nil
}

// writeFile writes path atomically (so no half package is ever left under
// its name), readable by all.
func writeFile(path string, write func(io.Writer) error) error {
	return fsx.WriteAtomic(path, func(f *os.File) error {
		if err := write(f); err != nil {
			return err
		}
		return f.Chmod(0o644)
	})
}

// Where the packages put things.
const (
	binPath    = "/usr/bin/bulkd"
	configPath = "/etc/bulkd/bulkd.hcl"
	unitPath   = "/usr/lib/systemd/system/bulkd.service"
)

// packageInfo describes the Linux packages: bin is the binary, cfg the
// config, linux the folder of the unit and the scripts.
func packageInfo(v pkgVersion, arch, maintainer, bin, cfg, linux string) *nfpm.Info {
	return &nfpm.Info{
		Name:            "bulkd",
		Arch:            arch,
		Platform:        "linux",
		Version:         v.Version,
		Prerelease:      v.Prerelease,
		VersionMetadata: v.Metadata,
		VersionSchema:   "none",
		Section:         "net",
		Priority:        "optional",
		Maintainer:      maintainer,
		Homepage:        "https://github.com/bulkd/bulkd",
		Description: "bulk-import daemon for contact-center data\n" +
			"bulkd takes CSV, JSON and ZIP files and call recordings dropped in\n" +
			"per-tenant folders or posted to its local HTTP API, validates every\n" +
			"row, stores the good ones, and reports every job and bad row over HTTP.",
		Overridables: nfpm.Overridables{
			Contents: files.Contents{
				{Source: bin, Destination: binPath, FileInfo: &files.ContentFileInfo{Mode: 0o755}},
				{Destination: "/etc/bulkd", Type: files.TypeDir, FileInfo: &files.ContentFileInfo{Mode: 0o755}},
				// noreplace: rpm keeps an edited config on upgrade (deb
				// conffiles always do).
				{Source: cfg, Destination: configPath, Type: files.TypeConfigNoReplace, FileInfo: &files.ContentFileInfo{Mode: 0o644}},
				{Source: filepath.Join(linux, "bulkd.service"), Destination: unitPath, FileInfo: &files.ContentFileInfo{Mode: 0o644}},
			},
			Scripts: nfpm.Scripts{
				PreInstall:  filepath.Join(linux, "preinstall.sh"),
				PostInstall: filepath.Join(linux, "postinstall.sh"),
				PreRemove:   filepath.Join(linux, "preremove.sh"),
				PostRemove:  filepath.Join(linux, "postremove.sh"),
			},
			RPM: nfpm.RPM{Group: "System Environment/Daemons"},
		},
	}
}
