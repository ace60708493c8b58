// Package packaging holds the sample config that bulkd is installed with:
// the Linux packages (built by ./build) install it as /etc/bulkd/bulkd.hcl
// and `bulkd service install` on Windows writes it to
// %ProgramData%\bulkd\bulkd.hcl, each with its own data_dir. The systemd
// unit, the package scripts and the Windows install note are files beside
// this one, read by ./build.
package packaging

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
)

// Sample is packaging/bulkd.hcl: every key, at its embedded default.
//
//go:embed bulkd.hcl
var Sample []byte

// dataDirLine is the sample's data_dir line.
var dataDirLine = regexp.MustCompile(`(?m)^data_dir\s*=.*$`)

// Config returns the sample with data_dir set to dir (relative paths
// resolve against the config file's folder) and why as the line's comment.
func Config(dir, why string) []byte {
	if len(dataDirLine.FindAllIndex(Sample, -1)) != 1 {
		panic(fmt.Sprintf("packaging: bulkd.hcl must have one data_dir line, matching %s", dataDirLine))
	}
	line := "data_dir   = " + strconv.Quote(dir)
	if why != "" {
		line += "   # " + why
	}
	return dataDirLine.ReplaceAllLiteral(Sample, []byte(line))
}
