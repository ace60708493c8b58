package csvio

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
)

// Suggest returns ` (did you mean "X"?)` for the known column nearest to
// name (ignoring case and surrounding spaces), or "" when none is near.
func Suggest(name string, known []string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	best, bestDist := "", 4
	for _, c := range known {
		if len(name) > 4*len(c)+4*bestDist {
			continue // too long to be near (a rune is at most 4 bytes); spares a huge name's quadratic distance
		}
		d := levenshtein.Distance(name, strings.ToLower(c), nil)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", Clip(best))
}
