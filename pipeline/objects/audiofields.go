package objects

import "github.com/bulkd/bulkd"

// The fields an Audio File object carries besides its declared columns:
// where its bytes are in the media store (the SHA-256 digest, hex) and how
// many there are. Exports write declared columns only, so these stay out
// of every CSV.
const (
	FieldSHA256 = bulkd.ObjectMediaField
	FieldBytes  = "Bytes"
)
