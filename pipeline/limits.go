package pipeline

// ZipLimits bound what unpacking one ZIP may write, whatever its headers
// claim: a small ZIP can otherwise fill the disk (a "ZIP bomb").
type ZipLimits struct {
	// MaxBytes bounds the bytes written for all of a job's ZIP entries.
	MaxBytes int64
	// MaxEntries bounds the files one ZIP may hold.
	MaxEntries int
	// MaxRatio bounds an entry's unpacked size over its packed size, once
	// it is past ratioFloor bytes (small files may compress very well).
	MaxRatio int64
}

// Default ZIP limits: far above a real upload of CSVs and recordings.
const (
	DefaultZipMaxBytes   = 16 << 30
	DefaultZipMaxEntries = 100_000
	DefaultZipMaxRatio   = 200
)

// RatioFloor is the unpacked size below which an entry's compression
// ratio is not checked.
const RatioFloor = 1 << 20

// WithDefaults returns l with every zero limit at its default.
func (l ZipLimits) WithDefaults() ZipLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultZipMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultZipMaxEntries
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultZipMaxRatio
	}
	return l
}

// ZipLimits returns the limits for unpacking the job's ZIPs.
func (r *Run) ZipLimits() ZipLimits { return r.runner.cfg.Zip.WithDefaults() }
