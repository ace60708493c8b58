package pipeline

import (
	"archive/zip"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
)

// Unzip writes the files of the ZIP at zipPath into dir under their base
// names (folders flattened), within lim: its entry count, and the bytes and
// compression ratio actually written, whatever the headers claim. written
// counts the bytes across a job's ZIPs, so pass the same counter for each.
// Folders, dot files and __MACOSX/ entries are skipped; an entry whose name
// is in taken (the job's own files) or repeats another fails the ZIP. It
// returns the names written, in the ZIP's order, and can be replayed: a
// second run over the same ZIP writes the same files again.
//
// A ZIP that is unreadable, duplicates a name or breaks a limit fails with
// an EINVALID error (see Invalid); other errors are the disk's, wrapped.
func Unzip(zipPath, dir string, taken []string, lim ZipLimits, written *int64) ([]string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, Invalid("%s is not a readable ZIP: %v", filepath.Base(zipPath), err)
	}
	defer zr.Close()
	if len(zr.File) > lim.MaxEntries {
		return nil, Invalid("%s holds %d entries, more than the %d a ZIP may hold (limits.zip_max_entries)", filepath.Base(zipPath), len(zr.File), lim.MaxEntries)
	}
	seen := map[string]bool{}
	for _, t := range taken {
		seen[t] = true
	}
	var names []string
	for _, zf := range zr.File {
		name := filepath.Base(filepath.FromSlash(strings.ReplaceAll(zf.Name, `\`, "/")))
		if zf.FileInfo().IsDir() || !PlainName(name) || strings.HasPrefix(name, ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		if seen[name] {
			return nil, Invalid("%s holds two files named %s (folders are flattened)", filepath.Base(zipPath), name)
		}
		seen[name] = true
		if err := writeEntry(zf, filepath.Join(dir, name), lim, written); err != nil {
			if bulkd.ErrorCode(err) == bulkd.EINVALID {
				return nil, Invalid("%s: %v", name, err)
			}
			return nil, fmt.Errorf("unzip %s from %s: %w", name, filepath.Base(zipPath), err)
		}
		names = append(names, name)
	}
	return names, nil
}

// writeEntry unpacks zf to dst, counting what it writes against lim.
func writeEntry(zf *zip.File, dst string, lim ZipLimits, written *int64) error {
	in, err := zf.Open()
	if err != nil {
		return corrupt(err)
	}
	defer in.Close()
	return fsx.CopyTo(dst, &boundedEntry{r: in, lim: lim, packed: int64(zf.CompressedSize64), written: written})
}

// boundedEntry reads a ZIP entry and fails once it is over a limit, so
// that a bomb stops at the limit instead of at a full disk.
type boundedEntry struct {
	r       io.Reader
	lim     ZipLimits
	packed  int64
	n       int64
	written *int64
}

func (b *boundedEntry) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	*b.written += int64(n)
	switch {
	case *b.written > b.lim.MaxBytes:
		return n, Invalid("the ZIP unpacks to more than %d bytes (limits.zip_max_bytes)", b.lim.MaxBytes)
	case b.n > RatioFloor && b.n > b.lim.MaxRatio*max(b.packed, 1):
		return n, Invalid("the entry unpacks to more than %d times its packed size of %d bytes (limits.zip_max_ratio): "+
			"it looks like a ZIP bomb", b.lim.MaxRatio, b.packed)
	}
	if err != nil && err != io.EOF {
		err = corrupt(err)
	}
	return n, err
}

// corrupt turns an error reading an entry into the ZIP's fault (a bad
// offset, checksum or compressed stream), unless it is the disk's.
func corrupt(err error) error {
	if fsx.Transient(err) {
		return err
	}
	return Invalid("the entry cannot be read: %v", err)
}
