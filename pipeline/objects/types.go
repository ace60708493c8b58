package objects

// The declarations of OBJECTS.md, one per type. The helpers below only
// spell common columns shortly; every rule is a field of Column, read by
// the validator, the template writer and the README table alike.

// Patterns named by several types.
var (
	teamName  = NewPattern(`^[^:]*$`, "no colon: references write Team: Site")
	siteName  = NewPattern(`^[\p{L}\p{Nd}_ -]+$`, "letters, digits, -, _ and spaces")
	epName    = NewPattern(`^\p{L}[\p{L}\p{Nd} &_-]*$`, "a letter, then letters, digits, spaces, &, _ and -")
	letter1st = NewPattern(`^\p{L}`, "starts with a letter")
	wavName   = NewPattern(`(?i)^[\p{L}\p{Nd}._ -]*\.wav$`, "letters, digits, ., _, - and spaces, ending .wav")
	dialed    = NewPattern(`^\+?[0-9][0-9.-]*$`, "an optional +, a digit, then digits, . and -")
	region    = NewPattern(`^[A-Za-z]{2}$`, "a two-letter country code")
	aniNumber = NewPattern(`^(\+?[0-9()+-]*[0-9][0-9()+-]*|(?i:sips?):[^\s@]+@[^\s]+)$`, "a phone number (digits, (, ), +, -) or a SIP URI (sip:user@host)")
)

// Values shared by several enums.
var (
	channels  = []string{"TELEPHONY", "CHAT", "EMAIL", "SOCIAL CHANNEL"}
	access    = []string{"ALL", "SPECIFIC", "NONE"}
	allOrSome = []string{"ALL", "SPECIFIC"}
)

func name() Column         { return Column{Name: "Name", Kind: Text} }
func text(n string) Column { return Column{Name: n, Kind: Text} }
func desc() Column {
	return Column{Name: "Description", Kind: Text, MaxLen: DescriptionMaxLen, Optional: true}
}
func secs(n string) Column              { return Column{Name: n, Kind: Int, Min: 0, Max: Unbounded} }
func ints(n string, lo, hi int) Column  { return Column{Name: n, Kind: Int, Min: lo, Max: hi} }
func boolean(n string) Column           { return Column{Name: n, Kind: Bool} }
func tz() Column                        { return Column{Name: "Timezone", Kind: TimeZone} }
func enum(n string, v ...string) Column { return Column{Name: n, Kind: Enum, Values: v} }
func ref(n, target string) Column       { return Column{Name: n, Kind: Ref, Ref: target} }
func refs(n, target string) Column      { return Column{Name: n, Kind: List, Item: Ref, Ref: target} }
func list(n string) Column              { return Column{Name: n, Kind: List, Item: Text} }

// opt returns c optional.
func (c Column) opt() Column { c.Optional = true; return c }

// when returns c limited to rows where column is one of in.
func (c Column) when(column string, in ...string) Column {
	c.When = &When{Column: column, In: in}
	return c
}

func (c Column) child() Column          { c.Child = true; return c }
func (c Column) fixed() Column          { c.Fixed = true; return c }
func (c Column) unique() Column         { c.Unique = true; return c }
func (c Column) like(p *Pattern) Column { c.Pattern = p; return c }
func (c Column) upTo(n int) Column      { c.MaxLen = n; return c }

// Types are all declared types in dependency order: a type's references
// name only types before it, so a ZIP's CSVs are imported in this order.
var Types = []*Type{
	{Name: "Worktype", Slug: "worktype", Key: "Name", Columns: []Column{
		name(), desc(), enum("Type", "IDLE_CODE", "WRAP_UP_CODE"),
	}, Notes: "every tenant starts with Default Idle Work Type and Default Wrapup Work Type"},

	{Name: "Multimedia Profile", Slug: "multimedia-profile", Key: "Name", Columns: []Column{
		name(), desc(), enum("Type", "BLENDED", "BLENDED_REALTIME", "EXCLUSIVE"),
		ints("Voice", 0, 1), ints("Chat", 0, 5), ints("Email", 0, 5), ints("Social", 0, 5),
	}},

	{Name: "Site", Slug: "site", Key: "Name", Columns: []Column{
		name().like(siteName), ref("Multimedia Profile", "Multimedia Profile"),
	}},

	{Name: "Skill Definition", Slug: "skill-definition", Key: "Name", Columns: []Column{
		name().like(letter1st), desc(), secs("Service Level Threshold"),
		enum("Type", "TEXT", "PROFICIENCY", "BOOLEAN", "ENUM").fixed(),
		list("List Values For Enum").when("Type", "ENUM"),
	}},

	{Name: "Skill Profile", Slug: "skill-profile", Key: "Name", MultiRow: true, Columns: []Column{
		name(), desc(),
		ref("Skill Name", "Skill Definition").child().unique(),
		text("Skill Values").upTo(100).child(),
		boolean("Delete").opt().child(),
	}, Notes: "Skill Values are checked against the skill's type: PROFICIENCY 0–10, BOOLEAN True/False, TEXT ≤ 100, ENUM one of its values; a row with Delete ON removes its skill from the stored profile (its value is not read); skills an update does not name stay"},

	{Name: "Auxiliary Code", Slug: "auxiliary-code", Key: "Name", Columns: []Column{
		name(), desc(), boolean("Default"), ref("Work Type", "Worktype"),
	}, Notes: "one default per work type: the first code of a work type becomes its default; to move the default, set the old one OFF in the same file"},

	{Name: "Team", Slug: "team", Key: "Name", KeyWithin: "Site", Columns: []Column{
		name().like(teamName), ref("Site", "Site").fixed(), enum("Type", "AGENT", "CAPACITY").fixed(),
		ref("Multimedia Profile", "Multimedia Profile").opt().when("Type", "AGENT"),
		ref("Skill Profile", "Skill Profile").opt().when("Type", "AGENT"),
		Column{Name: "DN", Kind: Phone}.when("Type", "CAPACITY"),
		ints("Capacity", 1, Unbounded).when("Type", "CAPACITY"),
		Column{Name: "Desktop Layout", Kind: Raw, Optional: true},
	}, Notes: "the name is unique within its site"},

	{Name: "Audio File", Slug: "audio-file", Key: "Name", Media: true, Columns: []Column{
		name().like(wavName), desc(),
	}, Notes: "not a CSV: .wav files in a ZIP (any folder), G.711 μ-law 8 kHz 8-bit mono; an optional AudioFiles.csv gives Name,Description, and a row of it naming no .wav of the ZIP changes a stored file's description"},

	{Name: "Outdial Queue", Slug: "outdial-queue", Key: "Name", Columns: []Column{
		name(), desc(), tz().opt(), ref("Default Music in Queue", "Audio File").opt(),
		refs("Group Teams", "Team"),
	}},

	{Name: "Queue", Slug: "queue", Key: "Name", MultiRow: true, Columns: []Column{
		name(), desc(), enum("Channel Type", channels...),
		secs("Max Time In Queue"), secs("Service Level Threshold"), tz().opt(),
		boolean("Permit Monitoring").when("Channel Type", "TELEPHONY"),
		boolean("Permit Recording").when("Channel Type", "TELEPHONY"),
		boolean("Record All Calls").when("Channel Type", "TELEPHONY"),
		boolean("Pause or Resume Enabled").when("Channel Type", "TELEPHONY"),
		secs("Recording Pause Duration").opt().when("Channel Type", "TELEPHONY"),
		ref("Default Music in Queue", "Audio File").opt().when("Channel Type", "TELEPHONY"),
		enum("Routing Type", "LONGEST_AVAILABLE_AGENT", "SKILLS_BASED", "CIRCULAR", "LINEAR"),
		enum("Skill-Based Agent Selection", "LONGEST_AVAILABLE_AGENT", "BEST_AVAILABLE_AGENT").when("Routing Type", "SKILLS_BASED"),
		text("Distribution Group").child().unique(),
		Column{Name: "Distribution Group Seq", Kind: Int, Min: 1, Max: Unbounded, Child: true, Seq: true},
		Column{Name: "Group Fallback Time", Kind: Int, Min: 0, Max: Unbounded, Child: true,
			When: &When{Column: "Distribution Group Seq", In: []string{"1"}, Not: true}},
		refs("Group Teams", "Team").child(),
	}},

	{Name: "Outdial Entry Point", Slug: "outdial-entry-point", Key: "Name", Columns: []Column{
		name(), desc(), secs("Service Level Threshold"), tz(), ref("Outdial Queue", "Outdial Queue"),
	}, Notes: "telephony only"},

	{Name: "Entry Point", Slug: "entry-point", Key: "Name", Columns: []Column{
		name().like(epName), desc(), secs("Service Level Threshold"), tz(),
		enum("Channel Type", channels...),
		enum("Social Channel Type", "SMS", "WHATSAPP", "FACEBOOK MESSENGER", "APPLE BUSINESS CHAT", "GOOGLE BUSINESS MESSAGES").
			when("Channel Type", "SOCIAL CHANNEL"),
		text("Asset Name").when("Channel Type", "CHAT", "EMAIL", "SOCIAL CHANNEL"),
	}},

	{Name: "DN to EP Mapping", Slug: "dn-to-ep-mapping", Key: "Dialed Number", Columns: []Column{
		text("Dialed Number").like(dialed).upTo(20), ref("Entry Point", "Entry Point"),
		text("Region").like(region).opt(),
	}, Notes: "a dialed number is mapped once, however it is written (its dots and dashes aside)"},

	{Name: "Address Book", Slug: "address-book", Key: "Name", MultiRow: true, Columns: []Column{
		name(), desc(), enum("Parent Type", "ORGANIZATION", "SITE").fixed(),
		ref("Site", "Site").when("Parent Type", "SITE"),
		text("Entry Name").child().unique(),
		Column{Name: "Phone Number", Kind: Phone, Child: true},
	}},

	{Name: "Outdial ANI", Slug: "outdial-ani", Key: "Name", MultiRow: true, Columns: []Column{
		name(), desc(),
		text("Entry Name").child().unique(),
		text("Entry Number").like(aniNumber).upTo(255).child(),
	}},

	{Name: "Agent Profile", Slug: "agent-profile", Key: "Name", Columns: []Column{
		name(), desc(), ref("Parent Site", "Site").opt(),
		enum("Wrap Up Type", "MANUAL", "AUTO"),
		secs("Auto Wrap Up Time").when("Wrap Up Type", "AUTO"),
		enum("Wrap Up Options", allOrSome...),
		refs("Wrap Up Codes", "Auxiliary Code").when("Wrap Up Options", "SPECIFIC"),
		enum("Idle Options", allOrSome...),
		refs("Idle Codes", "Auxiliary Code").when("Idle Options", "SPECIFIC"),
		enum("Transfer Options", access...),
		refs("Transfer Targets", "Queue").when("Transfer Options", "SPECIFIC"),
		enum("Buddy Team Option", access...),
		refs("Buddy Teams", "Team").when("Buddy Team Option", "SPECIFIC"),
		enum("Queue Statistics Option", access...),
		refs("Selected Queues", "Queue").when("Queue Statistics Option", "SPECIFIC"),
		enum("Team Statistics Option", access...),
		refs("Selected Teams", "Team").when("Team Statistics Option", "SPECIFIC"),
		boolean("Outdial Enabled"), boolean("Consult To Queue"), boolean("Screen Popups"), boolean("Agent Statistics"),
		ref("Outdial EP", "Outdial Entry Point").when("Outdial Enabled", "ON"),
		ref("Address Book", "Address Book").opt(),
		ref("Outdial ANI", "Outdial ANI").opt(),
		enum("DN Validation Option", "UNRESTRICTED", "PROVISIONED VALUE", "VALIDATION CRITERIA"),
		list("Validation Criteria").when("DN Validation Option", "VALIDATION CRITERIA"),
	}, Notes: "Wrap Up Codes name codes of a wrap-up work type, Idle Codes of an idle one (checked by the resolver)"},

	{Name: "User Profile", Slug: "user-profile", Key: "Name", Columns: []Column{
		name(), desc(),
		enum("Profile Type", "ADMINISTRATOR", "ADMINISTRATOR_ONLY", "SUPERVISOR", "PREMIUM_AGENT", "STANDARD_AGENT",
			"ANALYZER_ADMINISTRATOR", "ANALYZER_SUPERVISOR", "ANALYZER_USER"),
		enum("Entry Points Access", access...), enum("Sites Access", access...),
		enum("Queues Access", access...), enum("Teams Access", access...),
		refs("Entry Points", "Entry Point").when("Entry Points Access", "SPECIFIC"),
		refs("Sites", "Site").when("Sites Access", "SPECIFIC"),
		refs("Queues", "Queue").when("Queues Access", "SPECIFIC"),
		refs("Teams", "Team").when("Teams Access", "SPECIFIC"),
	}},

	{Name: "User", Slug: "user", Key: "Email", Columns: []Column{
		text("Email").like(NewPattern(`^[^\s@]+@[^\s@]+\.[^\s@]+$`, "an email address")).upTo(254),
		ref("User Profile", "User Profile"),
		boolean("Contact Center Enabled"),
		ref("Site", "Site").when("Contact Center Enabled", "ON"),
		refs("Teams", "Team").when("Contact Center Enabled", "ON"),
		ref("Skill Profile", "Skill Profile").opt(),
		ref("Agent Profile", "Agent Profile").when("Contact Center Enabled", "ON"),
		ref("Multimedia Profile", "Multimedia Profile").opt(),
		text("External Id").opt(),
		Column{Name: "Default DN", Kind: Phone, Optional: true},
	}, Notes: "the email must be an agent of the tenant (imported by the agents kind); Teams are agent teams"},
}
