package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/bulkd/bulkd"
)

// Limits bound what one request may send. Zero fields take the defaults.
type Limits struct {
	// MaxPartBytes bounds one file of a contacts upload (a recording can
	// be large); the other doors have smaller limits of their own.
	MaxPartBytes int64
	// MaxBodyBytes bounds a whole contacts upload.
	MaxBodyBytes int64
	// MaxParts bounds the parts of a contacts upload, files and fields
	// together; the other doors take at most 16.
	MaxParts int
	// MinBodyRate is the slowest a request body may arrive, in bytes a
	// second on average, once BodyGrace has passed since the request came:
	// a body trickling slower is cut off (408) rather than held open.
	MinBodyRate int64
	BodyGrace   time.Duration
}

// The default limits.
const (
	DefaultMaxPartBytes = 1 << 30
	DefaultMaxBodyBytes = 8 << 30
	DefaultMaxParts     = 10_000
	DefaultMinBodyRate  = 1024
	DefaultBodyGrace    = 30 * time.Second
)

// WithDefaults returns l with every zero limit at its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = DefaultMaxPartBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = DefaultMinBodyRate
	}
	if l.BodyGrace <= 0 {
		l.BodyGrace = DefaultBodyGrace
	}
	return l
}

// ETOOSLOW is a request whose body arrived slower than Limits.MinBodyRate
// (408).
const ETOOSLOW = "too_slow"

// minRate cuts off request bodies that arrive slower than the configured
// rate: without it a client sending a byte a second holds a connection,
// a goroutine and an upload file open for as long as it likes. A server
// ReadTimeout cannot do this: it would also cut off a large recording
// arriving at a good rate.
func (s *Server) minRate(next http.Handler) http.Handler {
	lim := s.Limits.WithDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &rateBody{ReadCloser: r.Body, ctl: http.NewResponseController(w), start: s.now(), now: s.now, lim: lim}
		}
		next.ServeHTTP(w, r)
	})
}

// rateBody moves the connection's read deadline along with the bytes read:
// BodyGrace from the start, plus the time the bytes read so far may take at
// MinBodyRate.
type rateBody struct {
	io.ReadCloser
	ctl   *http.ResponseController
	start time.Time
	now   func() time.Time
	lim   Limits
	n     int64
}

func (b *rateBody) Read(p []byte) (int, error) {
	allowed := b.lim.BodyGrace + time.Duration(float64(b.n)/float64(b.lim.MinBodyRate)*float64(time.Second))
	_ = b.ctl.SetReadDeadline(b.start.Add(allowed)) // unsupported only for test recorders
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, bulkd.Errorf(ETOOSLOW, "the request body arrived slower than %d bytes a second (%d bytes in %s): send it faster, or in smaller requests",
			b.lim.MinBodyRate, b.n, b.now().Sub(b.start).Round(time.Second))
	}
	return n, err
}
