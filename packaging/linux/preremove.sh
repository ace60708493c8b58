#!/bin/sh
# bulkd package: before the files are removed (deb prerm, rpm %preun).
# deb: $1 is "remove" on a removal, "upgrade" on an upgrade; rpm: $1 is 0
# on a removal, 1 or more on an upgrade. On a removal it stops and disables
# the service; an upgrade leaves it running (postinstall restarts it).
set -e

case "$1" in
remove | 0) ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	systemctl stop bulkd.service || true
fi
if command -v systemctl >/dev/null; then
	systemctl disable bulkd.service >/dev/null 2>&1 || true
fi
