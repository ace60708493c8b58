package bulkd

import "time"

// ForwardState is where a job stands in being forwarded to a central bulkd.
type ForwardState string

// The forward states. A job is waiting until it is final here, queued in
// the outbox until the central answers, then sent, rejected or not sent.
const (
	ForwardWaiting  ForwardState = "waiting"  // the job is not final here yet
	ForwardQueued   ForwardState = "queued"   // its files are in the outbox; sent, and sent again, until the central answers
	ForwardSent     ForwardState = "sent"     // the central took it (2xx)
	ForwardRejected ForwardState = "rejected" // the central refused it for good (a 4xx that sending again cannot change)
	ForwardNotSent  ForwardState = "not_sent" // nothing to send: skipped or canceled here, or its files were lost at the claim
)

// Forward is a job's passage to the central bulkd, kept in its record.
type Forward struct {
	State ForwardState `json:"state"`
	// Relay marks a job not imported here: the central imports it.
	Relay bool `json:"relay,omitempty"`
	// Attempts counts the requests sent; NextAt is when the next is due
	// after a failed one, and LastError why it failed.
	Attempts  int        `json:"attempts,omitempty"`
	NextAt    *time.Time `json:"next_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	// SentAt is when the central answered; Status is its HTTP status and
	// CentralJob the job it made (its Bulkd-Job header).
	SentAt     *time.Time `json:"sent_at,omitempty"`
	Status     int        `json:"status,omitempty"`
	CentralJob uint64     `json:"central_job,omitempty"`
}

// Pending reports whether f is still to be sent: in the outbox.
func (f *Forward) Pending() bool {
	return f != nil && (f.State == ForwardWaiting || f.State == ForwardQueued)
}
