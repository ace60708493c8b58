package bulkd

import (
	"context"
	"time"
)

// AssistContact is a contact of the agent-assist product, as its
// import-contacts API answers it.
type AssistContact struct {
	ID             string    `json:"id"`
	Status         string    `json:"status"` // ACTIVE
	FirstName      string    `json:"firstName"`
	LastName       string    `json:"lastName"`
	Salutation     string    `json:"salutation"`
	FullName       string    `json:"fullName"`
	CellPhone      CellPhone `json:"cellPhone"`
	AccountID      string    `json:"accountId"` // the tenant
	StreamID       string    `json:"streamId,omitempty"`
	CreatedBy      string    `json:"createdBy"`
	Address        []string  `json:"address"`
	TwitterDetails []string  `json:"twitterDetails"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	JobID          uint64    `json:"-"`
	Row            int       `json:"-"`
	Cells          []string  `json:"-"` // the row, for a rejection's report
}

// CellPhone is an assist contact's phone: the number in E.164.
type CellPhone struct {
	PhoneNumber string `json:"phoneNumber"`
	CountryCode string `json:"countryCode"`
	Extension   string `json:"extension"`
}

// AssistStore keeps each tenant's assist contacts; a phone number belongs
// to one contact of a tenant.
type AssistStore interface {
	// ApplyAssistContacts stores contacts and records p, in one
	// transaction, and returns the rows it rejected (a phone number taken:
	// a Conflict, worded by words).
	ApplyAssistContacts(ctx context.Context, jobID uint64, tenant string, contacts []AssistContact, p Progress, words Words) ([]RowFailure, error)
	// JobAssistContacts returns the contacts a job created, in row order.
	JobAssistContacts(ctx context.Context, tenant string, jobID uint64) ([]AssistContact, error)
}
