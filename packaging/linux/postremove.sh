#!/bin/sh
# bulkd package: after the files are removed (deb postrm, rpm %postun).
# deb: $1 is "remove", then "purge" when purged; rpm: $1 is 0 on a
# removal, 1 or more on an upgrade. Neither removal nor purge deletes the
# data dir /var/lib/bulkd (imported records, tenant folders and their
# archives) or the user bulkd, who owns it: that is for the administrator.
# A purge (deb) removes /etc/bulkd, as dpkg does for every conffile.
set -e

case "$1" in
remove | purge | 0) ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
if [ "$1" != purge ] && [ -d /var/lib/bulkd ]; then
	echo "bulkd: kept /var/lib/bulkd (data and tenant folders) and the user bulkd; to delete them: rm -rf /var/lib/bulkd && userdel bulkd"
fi
