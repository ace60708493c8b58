package contacts

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bulkd/bulkd/internal/fsx"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// scanMeta is the first pass over a metadata file: its header, its row
// count, and the recordings it names (into refs).
func scanMeta(path string, o csvio.Options, refs *refSet) ([]string, int, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if !isJSON(path) {
		return scanCSV(f, o, refs)
	}
	total := 0
	err = readJSONWith(f, o, func(r *row) error {
		total++
		for _, rc := range r.recs {
			refs.add(rc.location)
		}
		return nil
	})
	return jsonHeader, total, err
}

// readHeader checks a metadata file's header (a CSV's columns) and returns
// it.
func readHeader(path string, o csvio.Options) ([]string, error) {
	if isJSON(path) {
		return jsonHeader, nil
	}
	f, err := fsx.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	cr, _, err := openCSV(f, o)
	if err != nil {
		return nil, err
	}
	return cr.Header(), nil
}

// readMeta reads a CSV or JSON metadata file as o says, calling fn per row.
func readMeta(path string, o csvio.Options, volatile bool, fn func(*row) error) ([]string, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if isJSON(path) {
		return jsonHeader, readJSONWith(f, o, fn)
	}
	return readCSVWith(f, o, volatile, fn) // its row count was checked by the first pass
}

func isJSON(path string) bool { return strings.EqualFold(filepath.Ext(path), ".json") }
