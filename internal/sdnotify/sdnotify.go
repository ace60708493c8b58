// Package sdnotify tells systemd how a Type=notify service is doing: it
// sends "READY=1" once the service is up and "STOPPING=1" when it begins to
// stop, as datagrams to the socket named by $NOTIFY_SOCKET (sd_notify(3)).
// Without $NOTIFY_SOCKET (a terminal, SysV init, another OS) it does
// nothing, so callers need not know how they were started.
package sdnotify

// Ready tells the service manager that the service is up: with systemd's
// Type=notify, `systemctl start` returns only now.
func Ready() error { return Notify("READY=1") }

// Stopping tells the service manager that the service is stopping.
func Stopping() error { return Notify("STOPPING=1") }

// Notify sends state (newline-separated VAR=value assignments, see
// sd_notify(3)) to $NOTIFY_SOCKET. It returns nil, sending nothing, when
// the variable is unset or empty, and always on systems other than Linux.
func Notify(state string) error { return notify(state) }
