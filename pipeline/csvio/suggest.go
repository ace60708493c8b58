package csvio

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
)

// Suggest returns ` (did you mean "X"?)` for the known column nearest to
// name (ignoring case and surrounding spaces), or "" when none is near.
func Suggest(name string, known []string) string {
	best, bestDist := "", 4
	for _, c := range known {
		d := levenshtein.Distance(strings.ToLower(strings.TrimSpace(name)), strings.ToLower(c), nil)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
