package daemon

import "time"

// SetCertsEvery sets how often the TLS files are looked at, before Open:
// a test of SIGHUP sets it long, so that only the signal can reload.
func (d *Daemon) SetCertsEvery(e time.Duration) { d.certsEvery = e }
