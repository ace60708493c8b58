package bulkd

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error codes shared by every package. The HTTP layer maps them to status
// codes in one place.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized" // no, or bad, credentials
	EFORBIDDEN    = "forbidden"    // good credentials without the scope
)

// Sentinels checked with errors.Is.
var (
	// ErrNotFound is returned for a job, record or tenant that does not exist
	// (or belongs to another tenant: the two are indistinguishable on purpose).
	ErrNotFound = &Error{Code: ENOTFOUND, Message: "not found"}
	// ErrConflict is returned when an operation clashes with current state.
	ErrConflict = &Error{Code: ECONFLICT, Message: "conflict"}
)

// Error is an error with a machine-readable code and a message meant for the
// user. It is what the HTTP API renders as {"code":…, "message":…}.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrNotFound) true for any *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EINTERNAL when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// MaxMessage is the most bytes of a job's stored error message: whatever a
// file holds, a job record and every listing of jobs stay small.
const MaxMessage = 1024

// Truncate returns s cut to at most n bytes at a rune boundary, with "…"
// marking the cut (within the n bytes).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
