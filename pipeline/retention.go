package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// PurgeArchives removes <root>/<tenant>/archives/<YYYY-MM-DD>/ folders whose
// whole day ended before cutoff. penaltyBox/ is left to the admin.
func PurgeArchives(root string, cutoff time.Time, loc *time.Location) (int, error) {
	tenants, err := os.ReadDir(root)
	if err != nil {
		return 0, fmt.Errorf("purge archives: %w", err)
	}
	n := 0
	for _, t := range tenants {
		if !t.IsDir() {
			continue
		}
		dir := filepath.Join(root, t.Name(), ArchivesDir)
		days, err := os.ReadDir(dir)
		if err != nil {
			continue // no archives yet
		}
		for _, d := range days {
			day, err := time.ParseInLocation("2006-01-02", d.Name(), loc)
			if err != nil || !d.IsDir() || !day.AddDate(0, 0, 1).Before(cutoff) {
				continue
			}
			if err := os.RemoveAll(filepath.Join(dir, d.Name())); err != nil {
				return n, fmt.Errorf("purge archives: %w", err)
			}
			n++
		}
	}
	return n, nil
}
