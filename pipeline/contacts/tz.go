package contacts

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones resolve the same on every machine, Windows included

	"github.com/yaegashi/wtz.go"
)

// preferredOffsetZone overrides CLDR's pick for an offset shared by several
// zones where one is far more common (+05:30: India, not Sri Lanka).
var preferredOffsetZone = map[int]string{19800: "India Standard Time"}

var offsetRE = regexp.MustCompile(`^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$`)

// NormalizeTimeZone turns a client time zone into an IANA name. It accepts
// IANA names (America/Chicago), UTC offsets (-06:00, +0530, UTC-6, with a
// Unicode minus or dash too) and Windows names (Central Standard Time, which
// the Desktop Recording client sends). A whole-hour offset becomes
// Etc/GMT±N (whose sign is inverted, as IANA defines it); other offsets
// become the CLDR zone for that standard offset (+05:30 → Asia/Calcutta).
func NormalizeTimeZone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	norm := strings.NewReplacer("\u2013", "-", "\u2212", "-", "\u2014", "-").Replace(s)
	if m := offsetRE.FindStringSubmatch(norm); m != nil {
		h, _ := strconv.Atoi(m[2])
		min := 0
		if m[3] != "" {
			min, _ = strconv.Atoi(m[3])
		}
		secs := h*3600 + min*60
		if m[1] == "-" {
			secs = -secs
		}
		if min >= 60 || secs < -12*3600 || secs > 14*3600 {
			return "", fmt.Errorf("%q is not a UTC offset between -12:00 and +14:00", s)
		}
		switch {
		case secs == 0:
			return "UTC", nil
		case min == 0 && secs > 0:
			return fmt.Sprintf("Etc/GMT-%d", h), nil
		case min == 0:
			return fmt.Sprintf("Etc/GMT+%d", h), nil
		}
		name, ok := preferredOffsetZone[secs]
		if !ok {
			name, ok = wtz.OffsetToWindowsMap[secs]
		}
		if ok {
			if loc, err := wtz.NameToLocation(name); err == nil {
				return loc.String(), nil
			}
		}
		return "", fmt.Errorf("%q: no time zone has that offset", s)
	}
	if s != "Local" && (s == "UTC" || strings.Contains(s, "/")) { // Windows names have no slash
		if loc, err := time.LoadLocation(s); err == nil {
			return loc.String(), nil
		}
	}
	if loc, err := wtz.NameToLocation(s); err == nil {
		return loc.String(), nil
	}
	return "", fmt.Errorf("%q is not an IANA time zone (America/Chicago), a UTC offset (-06:00) or a Windows time zone (Central Standard Time)", s)
}

// zoneCache remembers NormalizeTimeZone's answers for one file, where the
// same few zones repeat on every row.
type zoneCache map[string]zoneAnswer

type zoneAnswer struct {
	name string
	err  error
}

func (c zoneCache) normalize(s string) (string, error) {
	if a, ok := c[s]; ok {
		return a.name, a.err
	}
	s = strings.Clone(s) // kept as the key, and the answer may be s itself
	name, err := NormalizeTimeZone(s)
	if len(c) < 1024 {
		c[s] = zoneAnswer{name, err}
	}
	return name, err
}
