package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
)

// pkgVersion is a version the way deb and rpm order it: Version, then
// Prerelease after a '~' (sorting before Version alone), then Metadata
// after a '+' (sorting after what precedes it).
type pkgVersion struct {
	Version, Prerelease, Metadata string
}

// String is the version as -version takes it back: semver's spelling.
func (v pkgVersion) String() string {
	s := v.Version
	if v.Prerelease != "" {
		s += "-" + v.Prerelease
	}
	if v.Metadata != "" {
		s += "+" + v.Metadata
	}
	return s
}

// Deb is the version as dpkg spells it (no revision: bulkd is its own
// upstream); rpm spells it the same.
func (v pkgVersion) Deb() string {
	s := v.Version
	if v.Prerelease != "" {
		s += "~" + v.Prerelease
	}
	if v.Metadata != "" {
		s += "+" + v.Metadata
	}
	return s
}

var (
	// semverRE is a tag: v1.2.3, 1.2.3-rc.1, 1.2.3+meta.
	semverRE = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$`)
	// describeRE is git describe past a tag: v1.2.3-4-gabcdef0, with
	// -dirty when the tree has changes.
	describeRE = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.-]+?))?-(\d+)-g([0-9a-f]{4,40})(-dirty)?$`)
	// commitRE is git describe --always without a tag: a commit.
	commitRE = regexp.MustCompile(`^([0-9a-f]{7,40})(-dirty)?$`)
	// pseudoRE is a Go pseudo-version: v0.0.0-20261125171723-abcdef012345,
	// or vX.Y.Z-0.… (or -pre.0.…) after a tag, +dirty with changes.
	pseudoRE = regexp.MustCompile(`^v(\d+\.\d+\.\d+)-((?:(.+)\.)?0\.)?(\d{14})-([0-9a-f]{12})(\+dirty)?$`)
	// partRE is what a prerelease or metadata may hold once '-' is '.'.
	partRE = regexp.MustCompile(`^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$`)
)

// parseVersion reads a version given to -version, printed by git describe
// --tags --always --dirty, or stamped by Go in the build info. commits is
// the number of commits (git rev-list --count HEAD, 0 if unknown): a
// build with no tag is 0.0.0+<commits>.g<commit>, so that later commits
// are newer packages.
func parseVersion(s string, commits int) (pkgVersion, error) {
	var v pkgVersion
	switch {
	case describeRE.MatchString(s):
		m := describeRE.FindStringSubmatch(s)
		v = pkgVersion{Version: m[1], Prerelease: m[2], Metadata: m[3] + ".g" + m[4]}
		if m[5] != "" {
			v.Metadata += ".dirty"
		}
	case pseudoRE.MatchString(s):
		m := pseudoRE.FindStringSubmatch(s)
		stamp := m[4] + ".g" + m[5]
		if m[2] == "" {
			// No tag before it.
			v = pkgVersion{Version: m[1], Metadata: stamp}
		} else {
			// After a tag, it counts towards the next version (m[1]) or
			// prerelease (m[3]), and sorts before it.
			v = pkgVersion{Version: m[1], Prerelease: strings.TrimPrefix(m[3]+".0."+stamp, ".")}
		}
		if m[6] != "" {
			v.addMetadata("dirty")
		}
	case strings.HasSuffix(s, "-dirty") && semverRE.MatchString(strings.TrimSuffix(s, "-dirty")):
		v, _ = parseVersion(strings.TrimSuffix(s, "-dirty"), commits)
		v.addMetadata("dirty")
	case semverRE.MatchString(s):
		m := semverRE.FindStringSubmatch(s)
		v = pkgVersion{Version: m[1], Prerelease: m[2], Metadata: m[3]}
	case commitRE.MatchString(s):
		m := commitRE.FindStringSubmatch(s)
		v = pkgVersion{Version: "0.0.0", Metadata: "g" + m[1]}
		if commits > 0 {
			v.Metadata = strconv.Itoa(commits) + "." + v.Metadata
		}
		if m[2] != "" {
			v.Metadata += ".dirty"
		}
	default:
		return pkgVersion{}, fmt.Errorf("version %q: want a tag such as v1.2.3, 1.2.3-rc.1 or 1.2.3+build.5, git describe's v1.2.3-4-gabcdef0, or a commit", s)
	}
	// deb reads a '-' as the start of a revision and rpm refuses one.
	v.Prerelease = strings.ReplaceAll(v.Prerelease, "-", ".")
	v.Metadata = strings.ReplaceAll(v.Metadata, "-", ".")
	for _, p := range []string{v.Prerelease, v.Metadata} {
		if p != "" && !partRE.MatchString(p) {
			return pkgVersion{}, fmt.Errorf("version %q: %q is not dot-separated letters and digits", s, p)
		}
	}
	return v, nil
}

func (v *pkgVersion) addMetadata(s string) {
	if v.Metadata != "" {
		s = v.Metadata + "." + s
	}
	v.Metadata = s
}

// defaultVersion is the version of the source being packaged: git describe
// in root, or else this program's own build info (the same source, when
// run with go run). It says where the version came from.
func defaultVersion(root string) (pkgVersion, string, error) {
	if desc, err := git(root, "describe", "--tags", "--always", "--dirty"); err == nil {
		commits := 0
		if n, err := git(root, "rev-list", "--count", "HEAD"); err == nil {
			commits, _ = strconv.Atoi(n)
		}
		v, err := parseVersion(desc, commits)
		return v, "git describe: " + desc, err
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v, err := parseVersion(bi.Main.Version, 0)
			return v, "build info: " + bi.Main.Version, err
		}
		var rev, dirty string
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "-dirty"
			}
		}
		if len(rev) >= 12 {
			v, err := parseVersion(rev[:12]+dirty, 0)
			return v, "build info: vcs.revision " + rev, err
		}
	}
	return pkgVersion{}, "", fmt.Errorf("cannot tell the version: no git describe in %s and no version in the build info; pass -version", root)
}

// git runs git in dir and returns its trimmed output.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
