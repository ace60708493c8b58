package main

import (
	"io"
	"os"

	"github.com/kardianos/service"
)

// defaultServiceConfig is the config `service install` uses without
// --config: %ProgramData%\bulkd\bulkd.hcl, written from the sample when
// absent (writeDefaultConfig).
func defaultServiceConfig() (string, error) {
	_, path, err := programDataFiles(os.Getenv("ProgramData"))
	return path, err
}

// serviceLog is where bulkd's log goes: the Event Log (source: the
// service's name) when the Windows service manager started it, whose
// stderr goes nowhere; stderr in a console. It reports whether it is the
// Event Log.
func serviceLog(s service.Service, stderr io.Writer) (io.Writer, bool) {
	if service.Interactive() {
		return stderr, false
	}
	l, err := s.SystemLogger(nil)
	if err != nil {
		return stderr, false
	}
	return eventLog{l}, true
}
