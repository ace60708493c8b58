package metrics

import (
	"io"
	"net/http"
	"strconv"
)

// RouteUnmatched is the route label of a request no pattern took: an
// unknown path (the API's catch-all "/" answers it 404), a method the
// path does not allow (405), a redirect to the cleaned path. Raw paths
// never become labels, so their number stays that of the routes.
const RouteUnmatched = "unmatched"

// Instrument counts each request next answers in bulkd_http_requests_total,
// by route and status code. The route is the http.ServeMux pattern that
// took the request ("GET /v1/jobs/{id}"), read from r.Pattern once next has
// answered: a ServeMux sets it on the request it is handed, and the muxes
// on the way (the dashboard's, then the API's) hand on the same request, so
// the innermost pattern is the one read. "/" is a catch-all, so it counts
// as RouteUnmatched.
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route(r), strconv.Itoa(sw.status())).Inc()
	})
}

// route is r's route label.
func route(r *http.Request) string {
	switch r.Pattern {
	case "", "/":
		return RouteUnmatched
	}
	return r.Pattern
}

// statusWriter remembers the status code a handler answers with. Unwrap
// lets http.ResponseController reach the connection (the API sets read
// deadlines through it); ReadFrom keeps sendfile for recordings.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 { // 1xx are informational: the status comes after
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush sends what is buffered, when the connection can.
func (w *statusWriter) Flush() {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status is the code answered: 200 when the handler wrote nothing.
func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
