package bulkd

import (
	"context"
	"time"
)

// Agent is a contact-center agent of one tenant. ID is stable and unique
// within the tenant; Email and ACDLogin are unique within it too, since other
// kinds resolve agents by any of the three.
type Agent struct {
	ID                uint64    `json:"id"`
	Email             string    `json:"email"`
	FullName          string    `json:"full_name"`
	InternalExtension string    `json:"internal_extension,omitempty"`
	ExternalPhone     string    `json:"external_phone,omitempty"`
	RingGroups        []string  `json:"ring_groups"`
	Active            bool      `json:"active"`
	ACDLogin          string    `json:"acd_login,omitempty"`
	Team              string    `json:"team,omitempty"`
	Roles             []string  `json:"roles,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	JobID             uint64    `json:"job_id"` // the last job that changed it
}

// AgentChange is one validated row of an agents file. Nil fields were not
// given (column absent or cell empty) and are left alone on update.
type AgentChange struct {
	Row   int
	Cells []string
	// CurrentEmail, when set, selects the agent to update (it must exist)
	// and Email, when also set, renames it. Otherwise Email selects the
	// agent, which is created when there is none.
	CurrentEmail      string
	Email             string
	FullName          *string
	InternalExtension *string
	ExternalPhone     *string
	ACDLogin          *string
	Team              *string
	RingGroups        []string
	Roles             []string
	Active            *bool
	// Mode limits the change to creating or to updating an agent.
	Mode AgentMode
}

// AgentMode says whether an agents import may create agents, update them,
// or both (the default).
type AgentMode string

// The agent import modes, named as the bulk-imports API's type.
const (
	AgentCreateOrUpdate AgentMode = ""
	AgentCreateOnly     AgentMode = "CREATE_USERS"
	AgentUpdateOnly     AgentMode = "UPDATE_USERS"
)

// AgentStore keeps each tenant's agents.
type AgentStore interface {
	// ApplyAgents creates or updates the agents of changes, and records p
	// and the rows it rejects, all in one transaction: a change that breaks
	// a rule of the stored agents is rejected with the message words gives
	// its Conflict. It returns the rows it rejected.
	ApplyAgents(ctx context.Context, jobID uint64, tenant string, changes []AgentChange, p Progress, words Words) ([]RowFailure, error)
	// Agents returns the tenant's agents in id order.
	Agents(ctx context.Context, tenant string) ([]*Agent, error)
	// AgentsRevision changes whenever the agents of any tenant may have
	// changed: what a reader derived from Agents while it read the same
	// revision before and after is still current.
	AgentsRevision() uint64
}
