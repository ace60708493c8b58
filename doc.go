// Package bulkd holds bulkd's domain: jobs and their states, import kinds,
// imported records, the error type the HTTP layer maps to status codes, and
// the interfaces that the store, pipeline and sources implement.
//
// It imports no package of this module; every other package depends on it.
package bulkd
