//go:build !linux && !windows

package main

import "github.com/kardianos/service"

// platformManager adapts the service manager through kardianos alone:
// bulkd reads no definitions of launchd or the BSDs' rc.
func platformManager(s service.Service, _ string) manager { return kardianosManager{s} }
