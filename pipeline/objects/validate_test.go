package objects_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/pipeline/objects"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goodRows are one valid row of every type, by slug (for a multi-row type,
// an object's first row).
var goodRows = map[string]map[string]string{
	"worktype":           {"Name": "Sales Idle", "Type": "idle_code"},
	"multimedia-profile": {"Name": "Blended", "Type": "BLENDED", "Voice": "1", "Chat": "3", "Email": "2", "Social": "0"},
	"site":               {"Name": "London_1", "Multimedia Profile": "Blended"},
	"skill-definition":   {"Name": "Language", "Service Level Threshold": "30", "Type": "ENUM", "List Values For Enum": "English | French"},
	"skill-profile":      {"Name": "Sales", "Skill Name": "Language", "Skill Values": "English"},
	"auxiliary-code":     {"Name": "Lunch", "Default": "yes", "Work Type": "Default Idle Work Type"},
	"team": {"Name": "Sales", "Site": "London", "Type": "AGENT", "Multimedia Profile": "Blended",
		"Skill Profile": "Sales", "Desktop Layout": " Global Layout "},
	"audio-file":    {"Name": "welcome.wav", "Description": "Greeting"},
	"outdial-queue": {"Name": "OQ", "Timezone": "Europe/London", "Default Music in Queue": "hold.wav", "Group Teams": "Sales|Support"},
	"queue": {"Name": "Support", "Channel Type": "TELEPHONY", "Max Time In Queue": "600", "Service Level Threshold": "30",
		"Timezone": "America/New_York", "Permit Monitoring": "ON", "Permit Recording": "off", "Record All Calls": "true",
		"Pause or Resume Enabled": "no", "Recording Pause Duration": "10", "Default Music in Queue": "hold.wav",
		"Routing Type": "SKILLS_BASED", "Skill-Based Agent Selection": "BEST_AVAILABLE_AGENT",
		"Distribution Group": "First", "Distribution Group Seq": "1", "Group Teams": "Sales: London|Support"},
	"outdial-entry-point": {"Name": "Outbound", "Service Level Threshold": "20", "Timezone": "UTC", "Outdial Queue": "OQ"},
	"entry-point": {"Name": "Main & Sales_1", "Service Level Threshold": "20", "Timezone": "America/New_York",
		"Channel Type": "SOCIAL CHANNEL", "Social Channel Type": "whatsapp", "Asset Name": "WA Asset"},
	"dn-to-ep-mapping": {"Dialed Number": "+1-800.555", "Entry Point": "Main", "Region": "US"},
	"address-book":     {"Name": "Partners", "Parent Type": "SITE", "Site": "London", "Entry Name": "Acme", "Phone Number": "+1(555)010-0"},
	"outdial-ani":      {"Name": "ANIs", "Entry Name": "Main", "Entry Number": "sip:ops@example.com"},
	"agent-profile": {"Name": "Agents", "Wrap Up Type": "AUTO", "Auto Wrap Up Time": "30", "Wrap Up Options": "SPECIFIC",
		"Wrap Up Codes": "Sale|No Sale", "Idle Options": "ALL", "Transfer Options": "SPECIFIC", "Transfer Targets": "Support",
		"Buddy Team Option": "NONE", "Queue Statistics Option": "ALL", "Team Statistics Option": "SPECIFIC",
		"Selected Teams": "Sales", "Outdial Enabled": "ON", "Consult To Queue": "OFF", "Screen Popups": "yes",
		"Agent Statistics": "no", "Outdial EP": "Outbound", "DN Validation Option": "VALIDATION CRITERIA",
		"Validation Criteria": `^\+1.*`},
	"user-profile": {"Name": "Supervisors", "Profile Type": "SUPERVISOR", "Entry Points Access": "ALL",
		"Sites Access": "SPECIFIC", "Sites": "London", "Queues Access": "NONE", "Teams Access": "ALL"},
	"user": {"Email": "ann@acme.com", "User Profile": "Supervisors", "Contact Center Enabled": "ON",
		"Site": "London", "Teams": "Sales", "Agent Profile": "Agents"},
}

// cells lays values out in typ's template order.
func cells(typ *objects.Type, values map[string]string) []string {
	c := make([]string, len(typ.Columns))
	for i, col := range typ.Columns {
		c[i] = values[col.Name]
	}
	return c
}

// with returns a copy of m with k set to v.
func with(m map[string]string, kv ...string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

func mustType(t *testing.T, slug string) *objects.Type {
	t.Helper()
	typ, ok := objects.Lookup(slug)
	require.True(t, ok, slug)
	return typ
}

// columnsOf returns the columns a problem list names.
func columnsOf(err error) []string {
	var cols []string
	if ps, ok := err.(objects.Problems); ok {
		for _, p := range ps {
			cols = append(cols, p.Column)
		}
	}
	return cols
}

func TestValidate_GoodRows(t *testing.T) {
	require.Len(t, goodRows, len(objects.Types), "a good row for every type")
	for _, typ := range objects.Types {
		t.Run(typ.Slug, func(t *testing.T) {
			row := goodRows[typ.Slug]
			require.NotNil(t, row)
			rec, err := objects.Validate(typ, typ.Header(), cells(typ, row))
			require.NoError(t, err)
			for col, v := range row {
				assert.Equal(t, v != "", rec.Has(col), col)
			}
		})
	}
}

// badValue returns a value column c never accepts.
func badValue(c objects.Column) string {
	switch c.Kind {
	case objects.Int:
		return "ten"
	case objects.Bool:
		return "maybe"
	case objects.Enum:
		return "PHONE"
	case objects.TimeZone:
		return "Mars/Olympus_Mons"
	case objects.Phone:
		return "call me"
	case objects.List:
		return "a||b"
	case objects.Ref:
		return strings.Repeat("r", 300)
	default:
		n := c.MaxLen
		if n == 0 {
			n = objects.DefaultMaxLen
		}
		return strings.Repeat("x", n+1)
	}
}

// TestValidate_BadValues sets every column of every good row, in turn, to
// a value its kind refuses, and to nothing: each fails naming the column.
func TestValidate_BadValues(t *testing.T) {
	for _, typ := range objects.Types {
		for _, c := range typ.Columns {
			if c.Kind == objects.Raw {
				continue // kept as given
			}
			t.Run(typ.Slug+"/"+c.Name, func(t *testing.T) {
				good := goodRows[typ.Slug]
				_, err := objects.Validate(typ, typ.Header(), cells(typ, with(good, c.Name, badValue(c))))
				require.Error(t, err)
				assert.Contains(t, columnsOf(err), c.Name, err.Error())
				assert.Contains(t, err.Error(), fmt.Sprintf("column %q: ", c.Name))
				if good[c.Name] != "" && !c.Optional {
					_, err := objects.Validate(typ, typ.Header(), cells(typ, with(good, c.Name, "  ")))
					require.Error(t, err, "an empty %s", c.Name)
					assert.Contains(t, columnsOf(err), c.Name, err.Error())
				}
			})
		}
	}
}

func TestValidate_Messages(t *testing.T) {
	ep := goodRows["entry-point"]
	tests := []struct {
		name, slug string
		row        map[string]string
		want       string
	}{
		{"enum", "entry-point", with(ep, "Channel Type", "PHONE"),
			`column "Channel Type": "PHONE" is not one of TELEPHONY, CHAT, EMAIL, SOCIAL CHANNEL`},
		{"required when", "entry-point", with(ep, "Social Channel Type", ""),
			`column "Social Channel Type": is required when Channel Type is SOCIAL CHANNEL`},
		{"empty otherwise", "entry-point", with(ep, "Channel Type", "telephony", "Social Channel Type", ""),
			`column "Asset Name": must be empty unless Channel Type is CHAT, EMAIL or SOCIAL CHANNEL (Channel Type is "TELEPHONY")`},
		{"pattern", "entry-point", with(ep, "Name", "1st line"),
			`column "Name": "1st line" is not a letter, then letters, digits, spaces, &, _ and -`},
		{"int", "entry-point", with(ep, "Service Level Threshold", "-1"),
			`column "Service Level Threshold": -1 is out of range (≥ 0)`},
		{"int range", "multimedia-profile", with(goodRows["multimedia-profile"], "Chat", "6"),
			`column "Chat": 6 is out of range (0–5)`},
		{"time zone", "entry-point", with(ep, "Timezone", "EST5"),
			`column "Timezone": "EST5" is not an IANA time zone name (like America/New_York)`},
		{"long value clipped", "worktype", with(goodRows["worktype"], "Name", strings.Repeat("é", 100)),
			`column "Name": "` + strings.Repeat("é", 64) + `…" is 100 characters, over the limit of 80`},
		{"bool", "user", with(goodRows["user"], "Contact Center Enabled", "si"),
			`column "Contact Center Enabled": "si" is not ON or OFF (also true/false, yes/no)`},
		{"list item", "user", with(goodRows["user"], "Teams", "Sales|"),
			`column "Teams": "Sales|": item 2 of the list is empty (items are separated by |)`},
		{"list twice", "user", with(goodRows["user"], "Teams", "Sales| Sales"),
			`column "Teams": "Sales" is listed twice`},
		{"ref rule", "queue", with(goodRows["queue"], "Default Music in Queue", "hold.mp3"),
			`column "Default Music in Queue": "hold.mp3" is not a possible Audio File name: it is not letters, digits, ., _, - and spaces, ending .wav`},
		{"scoped ref", "queue", with(goodRows["queue"], "Group Teams", "Sales:"),
			`column "Group Teams": item 1: "Sales:": a Team with its scope is written as "Name: Scope"`},
		{"phone", "address-book", with(goodRows["address-book"], "Phone Number", "+1 555"),
			`column "Phone Number": "+1 555" is not a phone number (digits, (, ), + and - only)`},
		{"ani", "outdial-ani", with(goodRows["outdial-ani"], "Entry Number", "ops@example.com"),
			`column "Entry Number": "ops@example.com" is not a phone number (digits, (, ), +, -) or a SIP URI (sip:user@host)`},
		{"bool condition", "user", with(goodRows["user"], "Contact Center Enabled", "no"),
			`column "Site": must be empty unless Contact Center Enabled is ON (Contact Center Enabled is "OFF")`},
		{"controlling column empty", "address-book", with(goodRows["address-book"], "Parent Type", ""),
			`column "Site": must be empty unless Parent Type is SITE (Parent Type is empty)`},
		{"no cascade", "team", with(goodRows["team"], "Type", "HUMAN"),
			`column "Type": "HUMAN" is not one of AGENT, CAPACITY`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustType(t, tc.slug)
			_, err := objects.Validate(typ, typ.Header(), cells(typ, tc.row))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if tc.name == "no cascade" {
				assert.Equal(t, []string{"Type"}, columnsOf(err), "dependents of a bad column are not judged")
			}
		})
	}
}

func TestValidate_Conditions(t *testing.T) {
	tests := []struct {
		name, slug string
		row        map[string]string
		bad        []string // columns with problems; none: valid
	}{
		{"chat needs an asset", "entry-point", with(goodRows["entry-point"], "Channel Type", "CHAT", "Social Channel Type", "", "Asset Name", ""), []string{"Asset Name"}},
		{"chat forbids a social type", "entry-point", with(goodRows["entry-point"], "Channel Type", "chat"), []string{"Social Channel Type"}},
		{"telephony", "entry-point", with(goodRows["entry-point"], "Channel Type", "TELEPHONY", "Social Channel Type", "", "Asset Name", ""), nil},
		{"chat queue has no telephony columns", "queue", with(goodRows["queue"], "Channel Type", "CHAT",
			"Permit Monitoring", "", "Permit Recording", "", "Record All Calls", "", "Pause or Resume Enabled", "",
			"Recording Pause Duration", "", "Default Music in Queue", ""), nil},
		{"chat queue with monitoring", "queue", with(goodRows["queue"], "Channel Type", "CHAT",
			"Permit Recording", "", "Record All Calls", "", "Pause or Resume Enabled", "",
			"Recording Pause Duration", "", "Default Music in Queue", ""), []string{"Permit Monitoring"}},
		{"telephony queue: optional pause", "queue", with(goodRows["queue"], "Recording Pause Duration", "", "Default Music in Queue", ""), nil},
		{"telephony queue needs its booleans", "queue", with(goodRows["queue"], "Record All Calls", ""), []string{"Record All Calls"}},
		{"not skills based", "queue", with(goodRows["queue"], "Routing Type", "LINEAR"), []string{"Skill-Based Agent Selection"}},
		{"capacity team", "team", with(goodRows["team"], "Type", "CAPACITY", "Multimedia Profile", "", "Skill Profile", "", "DN", "5551234", "Capacity", "10"), nil},
		{"capacity team with a skill profile", "team", with(goodRows["team"], "Type", "CAPACITY", "Multimedia Profile", "", "DN", "5551234", "Capacity", "0"), []string{"Skill Profile", "Capacity"}},
		{"agent team, no profiles", "team", with(goodRows["team"], "Multimedia Profile", "", "Skill Profile", ""), nil},
		{"agent team with a DN", "team", with(goodRows["team"], "DN", "5551234"), []string{"DN"}},
		{"outdial needs an EP", "agent-profile", with(goodRows["agent-profile"], "Outdial EP", ""), []string{"Outdial EP"}},
		{"no outdial", "agent-profile", with(goodRows["agent-profile"], "Outdial Enabled", "false", "Outdial EP", ""), nil},
		{"manual wrap up", "agent-profile", with(goodRows["agent-profile"], "Wrap Up Type", "MANUAL"), []string{"Auto Wrap Up Time"}},
		{"all codes", "agent-profile", with(goodRows["agent-profile"], "Wrap Up Options", "ALL"), []string{"Wrap Up Codes"}},
		{"specific idle codes", "agent-profile", with(goodRows["agent-profile"], "Idle Options", "SPECIFIC"), []string{"Idle Codes"}},
		{"disabled user", "user", with(goodRows["user"], "Contact Center Enabled", "OFF", "Site", "", "Teams", "", "Agent Profile", ""), nil},
		{"enabled user needs a site", "user", with(goodRows["user"], "Site", ""), []string{"Site"}},
		{"organization book", "address-book", with(goodRows["address-book"], "Parent Type", "ORGANIZATION", "Site", ""), nil},
		{"organization book with a site", "address-book", with(goodRows["address-book"], "Parent Type", "ORGANIZATION"), []string{"Site"}},
		{"no parent type", "address-book", with(goodRows["address-book"], "Parent Type", ""), []string{"Parent Type", "Site"}},
		{"text skill", "skill-definition", with(goodRows["skill-definition"], "Type", "TEXT", "List Values For Enum", ""), nil},
		{"enum skill needs values", "skill-definition", with(goodRows["skill-definition"], "List Values For Enum", ""), []string{"List Values For Enum"}},
		{"specific sites", "user-profile", with(goodRows["user-profile"], "Sites", ""), []string{"Sites"}},
		{"group 1 has no fallback", "queue", with(goodRows["queue"], "Group Fallback Time", "30"), []string{"Group Fallback Time"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := mustType(t, tc.slug)
			_, err := objects.Validate(typ, typ.Header(), cells(typ, tc.row))
			if tc.bad == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ElementsMatch(t, tc.bad, columnsOf(err), err.Error())
		})
	}
}

func TestValidate_Values(t *testing.T) {
	typ := mustType(t, "queue")
	rec, err := objects.Validate(typ, typ.Header(), cells(typ, goodRows["queue"]))
	require.NoError(t, err)
	assert.Equal(t, "TELEPHONY", rec.Text("Channel Type"))
	assert.Equal(t, 600, rec["Max Time In Queue"].Int)
	assert.True(t, rec["Permit Monitoring"].Bool)
	assert.False(t, rec["Permit Recording"].Bool)
	assert.Equal(t, "OFF", rec.Text("Permit Recording"))
	assert.Equal(t, []objects.Reference{{Type: "Audio File", Key: "hold.wav"}}, rec["Default Music in Queue"].Refs)
	assert.Equal(t, []objects.Reference{{Type: "Team", Key: "Sales", Within: "London"}, {Type: "Team", Key: "Support"}},
		rec["Group Teams"].Refs)
	assert.False(t, rec.Has("Group Fallback Time"))

	sd := mustType(t, "skill-definition")
	rec, err = objects.Validate(sd, sd.Header(), cells(sd, goodRows["skill-definition"]))
	require.NoError(t, err)
	assert.Equal(t, []string{"English", "French"}, rec["List Values For Enum"].Items)

	team := mustType(t, "team")
	rec, err = objects.Validate(team, team.Header(), cells(team, goodRows["team"]))
	require.NoError(t, err)
	assert.Equal(t, " Global Layout ", rec.Text("Desktop Layout"), "kept as given")

	wt := mustType(t, "worktype")
	rec, err = objects.Validate(wt, wt.Header(), cells(wt, goodRows["worktype"]))
	require.NoError(t, err)
	assert.Equal(t, "IDLE_CODE", rec.Text("Type"), "an enum keeps its declared spelling")
}

func TestNewHeader(t *testing.T) {
	ep := mustType(t, "entry-point")
	tests := []struct {
		name   string
		header []string
		want   []string // substrings of the error; none: accepted
	}{
		{"template", ep.Header(), nil},
		{"any order, optional and conditional columns left out", []string{"Timezone", "Name", "Channel Type", "Service Level Threshold"}, nil},
		{"unknown with a suggestion", append(ep.Header(), "Chanel Type"), []string{`unknown column "Chanel Type" (did you mean "Channel Type"?)`}},
		{"case differs", []string{"name", "Service Level Threshold", "Timezone", "Channel Type"}, []string{`unknown column "name" (did you mean "Name"?)`, `needs the column(s) "Name"`}},
		{"unknown, nothing near", append(ep.Header(), "Colour"), []string{`unknown column "Colour"; the Entry Point columns are Name, Description`}},
		{"missing required", []string{"Name", "Description"}, []string{`header: Entry Point needs the column(s) "Service Level Threshold", "Timezone", "Channel Type"`}},
		{"spaces around a name", []string{" Name ", "Service Level Threshold", "Timezone", "Channel Type "}, nil},
		{"twice", append(ep.Header(), "Name"), []string{`column "Name" appears twice (columns 1 and 8)`}},
		{"long name clipped", append(ep.Header(), strings.Repeat("z", 500)), []string{strings.Repeat("z", 64) + `…"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := objects.NewHeader(ep, tc.header)
			if tc.want == nil {
				require.NoError(t, err)
				assert.NotNil(t, h)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), strings.Repeat("z", 65))
		})
	}
}

func TestHeader_Parse_AbsentConditionalColumn(t *testing.T) {
	ep := mustType(t, "entry-point")
	h, err := objects.NewHeader(ep, []string{"Name", "Service Level Threshold", "Timezone", "Channel Type"})
	require.NoError(t, err)
	_, ps := h.Parse([]string{"Web", "10", "UTC", "CHAT"})
	require.Len(t, ps, 1)
	assert.Equal(t, `column "Asset Name": is required when Channel Type is CHAT, EMAIL or SOCIAL CHANNEL (the file has no such column)`, ps[0].Error())
	_, ps = h.Parse([]string{"Web", "10", "UTC", "TELEPHONY"})
	assert.Empty(t, ps)
	_, ps = h.Parse([]string{"Web", "10", "UTC"})
	require.NotEmpty(t, ps)
	assert.Equal(t, "the row has 3 cells, the header 4", ps[0].Error())
}
