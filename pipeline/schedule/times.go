package schedule

import (
	"fmt"
	"slices"
	"time"

	"github.com/bulkd/bulkd"
)

// parseTime reads a wall-clock value in format f and zone loc and returns
// the instant. A wall time the clocks skip (a DST gap) is an error; one
// they pass twice (a DST overlap) is its first occurrence, the one still
// on the earlier offset, as a planner writing "01:30" on that night means
// the first 01:30 unless told otherwise.
func parseTime(v, f string, loc *time.Location) (time.Time, error) {
	layout, _ := bulkd.DateFormatLayout(f)
	wall, err := time.Parse(layout, v) // the wall clock, read as if UTC
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time in the format %s", v, f)
	}
	// The instant is wall minus the zone's offset at that instant; try the
	// offsets in force a day either side, which covers every transition.
	var found []time.Time
	for _, probe := range []time.Time{wall.Add(-24 * time.Hour), wall.Add(24 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(t.In(loc), wall) && !slices.ContainsFunc(found, t.Equal) {
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		// The offset changed more than once within two days: ask Go.
		t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, loc)
		if !sameWall(t, wall) {
			return time.Time{}, fmt.Errorf("%s does not exist in %s: the clocks skip it (daylight saving time)", v, loc)
		}
		return t.UTC(), nil
	}
	slices.SortFunc(found, func(a, b time.Time) int { return a.Compare(b) })
	return found[0].UTC(), nil
}

// sameWall reports whether t's wall clock reads w's (to the minute).
func sameWall(t, w time.Time) bool {
	return t.Year() == w.Year() && t.Month() == w.Month() && t.Day() == w.Day() && t.Hour() == w.Hour() && t.Minute() == w.Minute()
}
