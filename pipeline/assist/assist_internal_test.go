package assist

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalise(t *testing.T) {
	for _, tc := range []struct{ number, code, want, wantCC, err string }{
		{"98765 43210", "+91", "+919876543210", "+91", ""},
		{"+919876543210", "91", "+919876543210", "+91", ""},
		{"(415) 555-2671", "1", "+14155552671", "+1", ""},
		{"020 7946 0018", "+44", "+442079460018", "+44", ""},
		{"123", "+91", "", "", `"123" is not a valid phone number for +91`},
		{"+14155552671", "+91", "", "", "is not a valid phone number for +91"}, // another country's number
		{"4155552671", "+999", "", "", `"+999" is not a country calling code`},
		{"4155552671", "one", "", "", "is not a country calling code"},
	} {
		got, cc, msg := normalise(tc.number, tc.code)
		if tc.err != "" {
			assert.Contains(t, msg, tc.err, tc.number)
			continue
		}
		assert.Empty(t, msg, tc.number)
		assert.Equal(t, [2]string{tc.want, tc.wantCC}, [2]string{got, cc}, tc.number)
	}
}
