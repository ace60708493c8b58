#!/bin/sh
# bulkd package: after the files are unpacked (deb postinst, rpm %post).
# deb: $1 is "configure" and $2 the version upgraded from ("" on a first
# install); rpm: $1 is 1 on a first install, 2 or more on an upgrade.
# Creates the data dir and the tenant root if missing (existing ones keep
# their owner and mode), and restarts a running service on an upgrade. A
# first install neither enables nor starts the service: edit the config
# first.
set -e

case "$1" in
configure) upgrade=${2:+yes} ;;
1) upgrade= ;;
[2-9]*) upgrade=yes ;;
*) exit 0 ;; # deb: abort-upgrade, abort-remove, …
esac

# The data dir: bulkd's alone. The tenant root: bulkd's, and writable by
# the group bulkd (the setgid bit passes the group on), so that users added
# to the group can drop files.
if [ ! -d /var/lib/bulkd ]; then
	install -d -o bulkd -g bulkd -m 0750 /var/lib/bulkd
fi
if [ ! -d /var/lib/bulkd/gis ]; then
	install -d -o bulkd -g bulkd -m 2770 /var/lib/bulkd/gis
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	if [ -n "$upgrade" ]; then
		systemctl try-restart bulkd.service || true
	fi
fi
if [ -z "$upgrade" ]; then
	echo "bulkd: installed, not started. Check /etc/bulkd/bulkd.hcl, then: systemctl enable --now bulkd"
fi
