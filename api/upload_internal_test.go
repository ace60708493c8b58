package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"calls.csv", "calls.csv", true},
		{`C:\Users\ann\calls.csv`, "calls.csv", true},
		{"../../etc/passwd", "passwd", true},
		{"", ".", false},
		{"/", "/", false},
		{"..", "..", false},
		{"a\x00b.wav", "a\x00b.wav", false},
	} {
		got, ok := safeName(tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
	}
}
