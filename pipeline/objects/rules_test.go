package objects_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// step is one import of a rules test and what it must give.
type step struct {
	file, src string
	msgs      map[int]string // every failed row's message, by row
	counts    map[string]int
}

func runSteps(t *testing.T, im *importer, steps []step) {
	t.Helper()
	for _, s := range steps {
		j, msgs := im.run(s.file, s.src)
		assert.Equal(t, s.msgs, msgs, s.file)
		if s.counts != nil {
			assert.Equal(t, s.counts, j.Counts, s.file)
		}
	}
}

const skillDefs = "Name,Service Level Threshold,Type,List Values For Enum\n" +
	"French,30,PROFICIENCY,\nVIP,30,BOOLEAN,\nNotes,30,TEXT,\nTier,30,ENUM,Gold|Silver\n"

// TestRules_SkillProfile: skill values by the skill's type; Delete rows
// remove a skill of the stored profile, and the skills a file does not
// name stay.
func TestRules_SkillProfile(t *testing.T) {
	im := newImporter(t, 0)
	hdr := "Name,Skill Name,Skill Values,Delete\n"
	runSteps(t, im, []step{
		{file: "OBJECTS.skill-definition.a.csv", src: skillDefs, msgs: map[int]string{}},
		{file: "OBJECTS.skill-profile.a.csv", src: hdr +
			"Agents,French,7,\nAgents,VIP,true,\nAgents,Notes,speaks slowly,\nAgents,Tier,gold,\n" +
			"Bad,French,11,\nBad,VIP,maybe,\nBad,Tier,Bronze,\n" +
			"New,French,1,Yes\n",
			msgs: map[int]string{
				5: `column "Skill Values": "11": skill "French" is a PROFICIENCY, a whole number from 0 to 10`,
				6: `column "Skill Values": "maybe": skill "VIP" is a BOOLEAN, True or False`,
				7: `column "Skill Values": "Bronze": skill "Tier" is an ENUM, one of Gold, Silver`,
				8: `column "Delete": is ON, but Skill Profile "New" does not exist yet: nothing to delete from`,
			}, counts: map[string]int{"created": 1}},
		{file: "OBJECTS.skill-profile.b.csv", src: hdr + "Agents,VIP,False,\nAgents,French,1,yes\n",
			msgs: map[int]string{}, counts: map[string]int{"updated": 1}},
		{file: "OBJECTS.skill-profile.c.csv", src: hdr + "Agents,VIP,False,\nAgents,French,1,yes\n",
			msgs: map[int]string{}, counts: map[string]int{"unchanged": 1}},
		{file: "OBJECTS.skill-profile.d.csv", src: hdr + "Agents,VIP,x,yes\nAgents,Notes,x,yes\nAgents,Tier,x,yes\n",
			msgs: map[int]string{
				1: `column "Delete": would leave Skill Profile "Agents" without a skill: a profile has at least one`,
				2: `not imported: Skill Profile "Agents" is imported as a whole and its row(s) 1 failed`,
				3: `not imported: Skill Profile "Agents" is imported as a whole and its row(s) 1 failed`,
			}},
	})
	var skills []string
	for _, ch := range im.object("skill-profile", "Agents", "").Children {
		skills = append(skills, ch[0].Value+"="+ch[1].Value)
	}
	assert.Equal(t, []string{"VIP=False", "Notes=speaks slowly", "Tier=Gold"}, skills, "French deleted, VIP updated, the others kept")
}

// TestRules_AuxiliaryCodes: one default a work type; the first code of a
// work type becomes its default; moving the default takes setting the old
// one OFF in the same file.
func TestRules_AuxiliaryCodes(t *testing.T) {
	im := newImporter(t, 0)
	hdr := "Name,Default,Work Type\n"
	idle := "Default Idle Work Type"
	runSteps(t, im, []step{
		{file: "OBJECTS.auxiliary-code.a.csv", src: hdr + "Lunch,OFF," + idle + "\nBreak,OFF," + idle + "\n", msgs: map[int]string{}},
		{file: "OBJECTS.auxiliary-code.b.csv", src: hdr + "Break,ON," + idle + "\n", msgs: map[int]string{
			1: `column "Default": work type "Default Idle Work Type" already has the default code "Lunch": set its Default OFF in the same file to make "Break" the default`}},
		{file: "OBJECTS.auxiliary-code.c.csv", src: hdr + "Break,ON," + idle + "\nLunch,OFF," + idle + "\nMeeting,ON," + idle + "\n", msgs: map[int]string{
			3: `column "Default": work type "Default Idle Work Type" has one default code, and row 1 of OBJECTS.auxiliary-code.c.csv makes another one its default`},
			counts: map[string]int{"updated": 2}},
	})
	assert.Equal(t, "OFF", im.object("auxiliary-code", "Lunch", "").Value("Default"))
	assert.Equal(t, "ON", im.object("auxiliary-code", "Break", "").Value("Default"))
}

// TestRules_References: an agent profile's codes are of the right work
// type, a user's teams are agent teams, a dialed number is mapped once
// however it is written.
func TestRules_References(t *testing.T) {
	im := newImporter(t, 0)
	im.agents("ann@acme.com")

	apHdr := "Name,Wrap Up Type,Wrap Up Options,Wrap Up Codes,Idle Options,Idle Codes,Transfer Options,Buddy Team Option,Queue Statistics Option,Team Statistics Option,Outdial Enabled,Consult To Queue,Screen Popups,Agent Statistics,DN Validation Option\n"
	runSteps(t, im, []step{
		{file: "OBJECTS.auxiliary-code.a.csv", src: "Name,Default,Work Type\nLunch,ON,Default Idle Work Type\nSold,ON,Default Wrapup Work Type\n", msgs: map[int]string{}},
		{file: "OBJECTS.agent-profile.a.csv", src: apHdr +
			"Good,MANUAL,SPECIFIC,Sold,SPECIFIC,Lunch,ALL,ALL,ALL,ALL,OFF,ON,ON,ON,UNRESTRICTED\n" +
			"Swapped,MANUAL,SPECIFIC,Lunch,SPECIFIC,Sold,ALL,ALL,ALL,ALL,OFF,ON,ON,ON,UNRESTRICTED\n",
			msgs: map[int]string{2: `column "Idle Codes": Auxiliary Code "Sold" is of work type "Default Wrapup Work Type" (WRAP_UP_CODE): Idle Codes name codes of IDLE_CODE work types; ` +
				`column "Wrap Up Codes": Auxiliary Code "Lunch" is of work type "Default Idle Work Type" (IDLE_CODE): Wrap Up Codes name codes of WRAP_UP_CODE work types`}},
		{file: "OBJECTS.multimedia-profile.a.csv", src: profiles, msgs: map[int]string{}},
		{file: "OBJECTS.site.a.csv", src: "Name,Multimedia Profile\nLondon,Gold\n", msgs: map[int]string{}},
		{file: "OBJECTS.team.a.csv", src: "Name,Site,Type,DN,Capacity\nSales,London,AGENT,,\nOverflow,London,CAPACITY,+442071234567,3\n", msgs: map[int]string{}},
		{file: "OBJECTS.user-profile.a.csv", src: "Name,Profile Type,Entry Points Access,Sites Access,Queues Access,Teams Access\nBasic,STANDARD_AGENT,ALL,ALL,ALL,ALL\n", msgs: map[int]string{}},
		{file: "OBJECTS.user.a.csv", src: "Email,User Profile,Contact Center Enabled,Site,Teams,Agent Profile\nann@acme.com,Basic,ON,London,Sales|Overflow,Good\n",
			msgs: map[int]string{1: `column "Teams": Team "Overflow" is a CAPACITY team: a user belongs to AGENT teams only`}},
		{file: "OBJECTS.entry-point.a.csv", src: "Name,Service Level Threshold,Timezone,Channel Type\nMain,30,Europe/London,TELEPHONY\nSpare,30,Europe/London,TELEPHONY\n", msgs: map[int]string{}},
		{file: "OBJECTS.dn-to-ep-mapping.a.csv", src: "Dialed Number,Entry Point\n+44-20-7123-4567,Main\n+44.20.7123.4567,Spare\n",
			msgs: map[int]string{2: `column "Dialed Number": "+44.20.7123.4567" is the number already mapped as "+44-20-7123-4567" (to Entry Point "Main"): a dialed number is mapped once; write it "+44-20-7123-4567" to change its mapping`}},
		{file: "OBJECTS.dn-to-ep-mapping.b.csv", src: "Dialed Number,Entry Point\n+44-20-7123-4567,Spare\n", msgs: map[int]string{}, counts: map[string]int{"updated": 1}},
	})
}
