package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/packaging"
	"github.com/hashicorp/go-hclog"
	"github.com/kardianos/service"
)

// windowsDataDir is the data_dir of the config `service install` writes on
// Windows: relative, so it resolves against the config's folder,
// %ProgramData%\bulkd\data.
const windowsDataDir = "./data"

// programDataFiles returns the folder and the config file that `bulkd
// service install` uses on Windows without --config: bulkd under
// programData (%ProgramData%, usually C:\ProgramData). It joins with
// backslashes on every OS, so that it is tested where the tests run.
func programDataFiles(programData string) (dir, config string, err error) {
	if !windowsAbs(programData) {
		return "", "", fmt.Errorf("%%ProgramData%% is %q, not an absolute path", programData)
	}
	dir = strings.TrimRight(programData, `\/`) + `\bulkd`
	return dir, dir + `\bulkd.hcl`, nil
}

// windowsAbs reports whether p is an absolute Windows path: a drive letter
// and a separator, or a UNC path.
func windowsAbs(p string) bool {
	if strings.HasPrefix(p, `\\`) {
		return len(p) > 2
	}
	return len(p) >= 3 && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// writeDefaultConfig writes the sample config, with data_dir
// windowsDataDir, to path unless a file is there already: an edited config
// is never replaced. It says what it did on w.
func writeDefaultConfig(w io.Writer, path string) error {
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(w, "using the config %s\n", path)
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create config folder: %w", err)
	}
	src := packaging.Config(windowsDataDir, `%ProgramData%\bulkd\data; the embedded default is ./bulkd-data`)
	if err := fsx.WriteAtomic(path, func(f *os.File) error {
		_, err := f.Write(src)
		return err
	}); err != nil {
		return fmt.Errorf("write config %s: %w", path, err)
	}
	fmt.Fprintf(w, "wrote the sample config to %s (data in %s)\n", path, filepath.Join(filepath.Dir(path), windowsDataDir))
	return nil
}

// eventLog is an hclog output that writes each line as one event of a
// kardianos service.Logger: under the Windows service manager, the Event
// Log. hclog gives every line's level (LevelWrite); anything else written
// (a config's problems, why bulkd stopped) is an error.
type eventLog struct {
	l service.Logger
}

var _ hclog.LevelWriter = eventLog{}

// Write logs p as an error.
func (e eventLog) Write(p []byte) (int, error) { return e.LevelWrite(hclog.Error, p) }

// LevelWrite logs p at level: Error, Warning, or Info for the levels below.
func (e eventLog) LevelWrite(level hclog.Level, p []byte) (int, error) {
	msg := strings.TrimRight(string(p), "\r\n")
	if msg == "" {
		return len(p), nil
	}
	var err error
	switch {
	case level >= hclog.Error:
		err = e.l.Error(msg)
	case level == hclog.Warn:
		err = e.l.Warning(msg)
	default:
		err = e.l.Info(msg)
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
}
