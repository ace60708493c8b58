package bulkd

// Conflict is a rule of the stored data that one record breaks, as a fact
// for the importer to word: the store knows which agent holds an email,
// the importer knows which column of its file that is.
type Conflict struct {
	Reason ConflictReason
	// Field is the record's field concerned (ConflictField*).
	Field string
	// Value is the field's value in the record.
	Value string
	// Holder is the record that already holds Value (an id), HolderName
	// its name where it has one.
	Holder, HolderName string
}

// ConflictReason says which rule a record breaks.
type ConflictReason string

// The rules a store checks.
const (
	ConflictTaken    ConflictReason = "taken"     // Value belongs to Holder
	ConflictNotFound ConflictReason = "not_found" // no record has Value
	ConflictExists   ConflictReason = "exists"    // the record exists, and the import only creates
	ConflictRequired ConflictReason = "required"  // creating the record needs Field
	ConflictNoKey    ConflictReason = "no_key"    // no field to find the record by
	ConflictFixed    ConflictReason = "fixed"     // Field cannot change once created: Holder is its stored value
)

// The fields a Conflict names.
const (
	FieldEmail        = "email"
	FieldCurrentEmail = "current_email"
	FieldACDLogin     = "acd_login"
	FieldFullName     = "full_name"
	FieldPhone        = "phone"
)

// Words turns a Conflict into the message of its row's failure, naming the
// file's column: each importer words its own.
type Words func(Conflict) string
