package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bulkd/bulkd/internal/fsx"
)

// PurgeArchives removes <root>/<tenant>/archives/<YYYY-MM-DD>/ folders whose
// whole day ended before cutoff. penaltyBox/ is left to the admin. A tenant
// folder, archives/ or date folder that is a symbolic link is not followed:
// removing through one could delete folders outside the root.
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
		if fsx.CheckRealDir(dir) != nil {
			continue // none yet, or a link: never purge through one
		}
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
