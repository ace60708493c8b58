package agents

import (
	"fmt"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// columnOf is the column of an agents file each field the store checks
// comes from.
var columnOf = map[string]string{
	bulkd.FieldEmail:        "Email",
	bulkd.FieldCurrentEmail: "Current Email",
	bulkd.FieldACDLogin:     "ACD Login",
	bulkd.FieldFullName:     "Full Name",
}

// Words words the store's verdict on a row, naming its column.
func Words(c bulkd.Conflict) string {
	col, v := columnOf[c.Field], csvio.Clip(c.Value)
	switch c.Reason {
	case bulkd.ConflictNoKey:
		return fmt.Sprintf("columns %q and %q are both empty: one is needed to find or create the agent", "Current Email", "Email")
	case bulkd.ConflictNotFound:
		if c.Field == bulkd.FieldEmail {
			return fmt.Sprintf("column %q: no agent has the email %s, and this import only updates agents", col, v)
		}
		return fmt.Sprintf("column %q: no agent has the email %q", col, v)
	case bulkd.ConflictExists:
		return fmt.Sprintf("column %q: the agent %s already exists, and this import only creates agents", col, v)
	case bulkd.ConflictRequired:
		return fmt.Sprintf("column %q: required to create the agent %s", col, v)
	case bulkd.ConflictTaken:
		return fmt.Sprintf("column %q: %s already belongs to agent %s", col, v, c.Holder)
	}
	return fmt.Sprintf("column %q: %s: %s", col, v, c.Reason)
}
