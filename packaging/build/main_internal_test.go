package main

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/packaging"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeBinary writes a stand-in for a built bulkd.
func fakeBinary(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\necho bulkd\n"), 0o755))
	return path
}

// testInfo is the packages' description with a stand-in binary.
func testInfo(t *testing.T) (pkgVersion, string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "bulkd.hcl")
	require.NoError(t, os.WriteFile(cfg, linuxConfig(), 0o644))
	return pkgVersion{Version: "1.2.3", Metadata: "4.gabcdef0"}, cfg
}

func TestPackageInfo(t *testing.T) {
	v, cfg := testInfo(t)
	info := packageInfo(v, "amd64", "m <m@example.org>", "/tmp/bulkd", cfg, filepath.Join("..", "linux"))
	got := map[string]*files.Content{}
	for _, c := range info.Contents {
		got[c.Destination] = c
	}
	assert.Equal(t, files.TypeConfigNoReplace, got[configPath].Type, "the config is a conffile, kept when edited")
	assert.Equal(t, os.FileMode(0o755), got[binPath].FileInfo.Mode)
	require.Contains(t, got, unitPath)
	for _, s := range []string{info.Scripts.PreInstall, info.Scripts.PostInstall, info.Scripts.PreRemove, info.Scripts.PostRemove} {
		assert.FileExists(t, s)
	}

	unit, err := os.ReadFile(got[unitPath].Source)
	require.NoError(t, err)
	for _, line := range []string{
		"Type=notify", "User=bulkd", "ExecStart=" + binPath + " run --config " + configPath, "Restart=on-failure",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "ReadWritePaths=" + linuxDataDir,
	} {
		assert.Contains(t, strings.Split(string(unit), "\n"), line)
	}
}

// TestWritePackage: the deb and rpm hold the files where they belong,
// checked with dpkg-deb and rpm where they are installed (CI has both).
func TestWritePackage(t *testing.T) {
	v, cfg := testInfo(t)
	out := t.TempDir()
	info := packageInfo(v, "amd64", "m <m@example.org>", fakeBinary(t, "bulkd"), cfg, filepath.Join("..", "linux"))
	deb, err := writePackage(info, "deb", out)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "bulkd_1.2.3+4.gabcdef0_amd64.deb"), deb)
	rpm, err := writePackage(info, "rpm", out)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "bulkd-1.2.3+4.gabcdef0-1.x86_64.rpm"), rpm)
	assert.Equal(t, "amd64", info.Arch, "each packager has its own copy of the info")

	if tool(t, "dpkg-deb") {
		list := output(t, "dpkg-deb", "-c", deb)
		for _, p := range []string{"./usr/bin/bulkd", "./etc/bulkd/bulkd.hcl", "./usr/lib/systemd/system/bulkd.service"} {
			assert.Contains(t, list, " "+p+"\n")
		}
		assert.Equal(t, "/etc/bulkd/bulkd.hcl\n", output(t, "dpkg-deb", "-I", deb, "conffiles"))
		assert.Equal(t, "1.2.3+4.gabcdef0\n", output(t, "dpkg-deb", "-f", deb, "Version"))
	}
	if tool(t, "rpm") {
		flags := output(t, "rpm", "-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]", rpm)
		assert.Contains(t, flags, "cn /etc/bulkd/bulkd.hcl\n", "a config file rpm never replaces once edited")
		assert.Contains(t, flags, " /usr/bin/bulkd\n")
		assert.Contains(t, flags, " /usr/lib/systemd/system/bulkd.service\n")
		assert.Contains(t, output(t, "rpm", "-qp", "--scripts", rpm), "useradd --system")
	}
}

// tool reports whether name is installed; CI (BULKD_CI=1) has it.
func tool(t *testing.T, name string) bool {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("BULKD_CI") == "1" {
			t.Fatalf("BULKD_CI=1 but %s is not installed (.ci/packages installs it)", name)
		}
		t.Logf("%s is not installed: not checked", name)
		return false
	}
	return true
}

func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	require.NoError(t, err, "%s %s", name, strings.Join(args, " "))
	return string(out)
}

func TestWriteZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulkd.zip")
	require.NoError(t, writeZip(path, fakeBinary(t, "bulkd.exe"), ".."))
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	got := map[string]string{}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		r, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		got[f.Name] = string(b)
	}
	assert.Equal(t, []string{"bulkd.exe", "bulkd.hcl", "INSTALL.txt"}, names)
	assert.Equal(t, "#!/bin/sh\necho bulkd\n", got["bulkd.exe"], "the binary as it is")
	assert.Equal(t, strings.ReplaceAll(string(packaging.Sample), "\n", "\r\n"), got["bulkd.hcl"], "the sample, Windows line ends")
	assert.Contains(t, got["INSTALL.txt"], "bulkd.exe service install\r\n")
	assert.NotContains(t, strings.ReplaceAll(got["INSTALL.txt"], "\r\n", ""), "\n")
}
