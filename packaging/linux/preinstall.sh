#!/bin/sh
# bulkd package: before the files are unpacked (deb preinst, rpm %pre).
# Creates the system group and user bulkd that the service runs as; an
# existing one is kept as it is.
set -e

if ! getent group bulkd >/dev/null; then
	groupadd --system bulkd
fi
if ! getent passwd bulkd >/dev/null; then
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/sbin/nologin
	useradd --system --gid bulkd --home-dir /var/lib/bulkd --no-create-home \
		--shell "$nologin" --comment "bulkd bulk-import daemon" bulkd
fi
