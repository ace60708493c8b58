package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in      string
		commits int
		want    string // as deb and rpm spell it
	}{
		{in: "v1.2.3", want: "1.2.3"},
		{in: "1.2.3", want: "1.2.3"},
		{in: "v1.2.3-rc.1", want: "1.2.3~rc.1"},
		{in: "1.2.3-rc-1", want: "1.2.3~rc.1"},
		{in: "1.2.3+build.5", want: "1.2.3+build.5"},
		{in: "v1.2.3-dirty", want: "1.2.3+dirty"},
		// git describe past a tag: after it.
		{in: "v1.2.3-4-gabcdef0", want: "1.2.3+4.gabcdef0"},
		{in: "v1.2.3-4-gabcdef0-dirty", want: "1.2.3+4.gabcdef0.dirty"},
		{in: "v1.2.3-rc.1-4-gabcdef0", want: "1.2.3~rc.1+4.gabcdef0"},
		// No tag: a commit, numbered by the commits before it.
		{in: "abcdef0", commits: 61, want: "0.0.0+61.gabcdef0"},
		{in: "abcdef0-dirty", commits: 61, want: "0.0.0+61.gabcdef0.dirty"},
		{in: "abcdef0", want: "0.0.0+gabcdef0"},
		// Go's pseudo-versions (the build info).
		{in: "v0.0.0-20261125171723-abcdef012345", want: "0.0.0+20261125171723.gabcdef012345"},
		{in: "v0.0.0-20261125171723-abcdef012345+dirty", want: "0.0.0+20261125171723.gabcdef012345.dirty"},
		{in: "v1.2.4-0.20261125171723-abcdef012345", want: "1.2.4~0.20261125171723.gabcdef012345"},
		{in: "v1.2.4-rc.1.0.20261125171723-abcdef012345", want: "1.2.4~rc.1.0.20261125171723.gabcdef012345"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, err := parseVersion(tc.in, tc.commits)
			require.NoError(t, err)
			assert.Equal(t, tc.want, v.Deb())
			// What the build prints, -version takes back.
			again, err := parseVersion(v.String(), 0)
			require.NoError(t, err)
			assert.Equal(t, v, again)
		})
	}
}

func TestParseVersion_Errors(t *testing.T) {
	for _, in := range []string{"", "latest", "1.2", "v1.2.3 beta", "1.2.3-rc_1", "1.2.3-rc..1", "xyz1234"} {
		t.Run(in, func(t *testing.T) {
			_, err := parseVersion(in, 0)
			assert.Error(t, err)
		})
	}
}

// TestVersionOrder: the versions sort as releases do, by dpkg's rules
// (rpm's agree for these).
func TestVersionOrder(t *testing.T) {
	ordered := []string{"1.2.3~rc.1", "1.2.3~rc.1+4.gabcdef0", "1.2.3", "1.2.3+4.gabcdef0", "1.2.3+5.g0123456", "1.2.4~0.20261125171723.gabcdef012345", "1.2.4"}
	for i := 1; i < len(ordered); i++ {
		assert.Negative(t, debCompare(ordered[i-1], ordered[i]), "%s < %s", ordered[i-1], ordered[i])
	}
}

// debCompare compares two upstream versions as dpkg does (deb-version(7)):
// alternately non-digit parts, where '~' sorts before everything, even
// the end, and letters before other characters, and digit parts by value.
func debCompare(a, b string) int {
	order := func(c byte) int {
		switch {
		case c == '~':
			return -1
		case c >= '0' && c <= '9':
			return 0
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			return int(c)
		}
		return int(c) + 256
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for a != "" || b != "" {
		for (a != "" && !isDigit(a[0])) || (b != "" && !isDigit(b[0])) {
			var ac, bc int
			if a != "" {
				ac = order(a[0])
			}
			if b != "" {
				bc = order(b[0])
			}
			if ac != bc {
				return ac - bc
			}
			a, b = a[1:], b[1:]
		}
		var an, bn int
		for a != "" && isDigit(a[0]) {
			an, a = an*10+int(a[0]-'0'), a[1:]
		}
		for b != "" && isDigit(b[0]) {
			bn, b = bn*10+int(b[0]-'0'), b[1:]
		}
		if an != bn {
			return an - bn
		}
	}
	return 0
}
