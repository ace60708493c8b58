package main

import "github.com/bulkd/bulkd/packaging"

// linuxDataDir is the packages' data_dir; the tenant folders are in its
// gis/ (watch.root's default), inside the unit's ReadWritePaths.
const linuxDataDir = "/var/lib/bulkd"

// linuxConfig is /etc/bulkd/bulkd.hcl: the sample, its data in
// linuxDataDir.
func linuxConfig() []byte {
	return packaging.Config(linuxDataDir, "the packages'; the embedded default is ./bulkd-data")
}
