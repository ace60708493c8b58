//go:build !windows

package main

import (
	"io"

	"github.com/kardianos/service"
)

// defaultServiceConfig is "": without --config the installed service runs
// on the embedded defaults in the folder it was installed from.
func defaultServiceConfig() (string, error) { return "", nil }

// serviceLog is stderr: the journal or the SysV init script's log keep it.
func serviceLog(_ service.Service, stderr io.Writer) (io.Writer, bool) { return stderr, false }
