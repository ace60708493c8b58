package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/bulkd/bulkd/pipeline/agents"
	"github.com/bulkd/bulkd/pipeline/objects"
)

// The objects benchmark's data, generated here so that the command needs
// no file of the repository: a consistent tenant of every configuration
// object type (genTenant), the agents its users are, a User CSV and two
// μ-law prompts. Every value follows the declarations of pipeline/objects;
// a column name they do not declare panics, as a bad regexp.MustCompile does.

// agentTeams is how many AGENT teams a site has (and one CAPACITY team).
const agentTeams = 8

// Names shared by the generated objects.
var (
	workTypes  = []string{"Sales Wrap-up", "Support Wrap-up", "Breaks", "Back Office"}
	mmProfiles = []string{"Voice Only", "Blended Digital", "Realtime Chat", "Digital Only"}
	zones      = []string{"Europe/London", "America/New_York", "America/Sao_Paulo", "Asia/Tokyo"}
	prompts    = []string{"welcome.wav", "hold-music.wav"}
)

// table is one type's rows, columns in declared order.
type table struct {
	t    *objects.Type
	rows [][]string
	// starts are the index of each object's first row.
	starts []int
}

func newTable(typ string) *table {
	t, ok := objects.ByName(typ)
	if !ok {
		panic("bulkbench: no object type " + typ)
	}
	return &table{t: t}
}

// add appends one object: its row, then for a multi-row type a row for
// each further child, which carries the key and the child's columns.
func (tb *table) add(own map[string]string, more ...map[string]string) {
	tb.starts = append(tb.starts, len(tb.rows))
	tb.rows = append(tb.rows, tb.row(own))
	for _, m := range more {
		m[tb.t.Key] = own[tb.t.Key]
		tb.rows = append(tb.rows, tb.row(m))
	}
}

func (tb *table) row(m map[string]string) []string {
	r := make([]string, len(tb.t.Columns))
	for col, v := range m {
		i := slices.IndexFunc(tb.t.Columns, func(c objects.Column) bool { return c.Name == col })
		if i < 0 {
			panic(fmt.Sprintf("bulkbench: %s has no column %q", tb.t.Name, col))
		}
		r[i] = v
	}
	return r
}

// fileName is the name of the table's CSV in a ZIP ("Team.csv",
// "AudioFiles.csv"); part n > 0 of a table split at objects.MaxRows
// rows is "Team.2.csv".
func (tb *table) fileName(n int) string {
	base := strings.ReplaceAll(tb.t.Name, " ", "")
	if tb.t.Media {
		base = strings.TrimSuffix(objects.AudioCSV, ".csv")
	}
	if n > 0 {
		return fmt.Sprintf("%s.%d.csv", base, n)
	}
	return base + ".csv"
}

// csvs returns the table as CSVs of at most objects.MaxRows rows each,
// never splitting an object's rows.
func (tb *table) csvs() ([][]byte, error) {
	var out [][]byte
	for from := 0; from < len(tb.rows); {
		to := len(tb.rows)
		if to-from > objects.MaxRows {
			i, _ := slices.BinarySearch(tb.starts, from+objects.MaxRows+1)
			if to = tb.starts[i-1]; to == from { // one object of more rows: alone, its CSV fails
				to = len(tb.rows)
				if i < len(tb.starts) {
					to = tb.starts[i]
				}
			}
		}
		b, err := writeCSV(tb.t.Header(), tb.rows[from:to], false)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		from = to
	}
	return out, nil
}

func writeCSV(header []string, rows [][]string, crlf bool) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = crlf
	_ = w.Write(header)
	_ = w.WriteAll(rows) // flushes
	return buf.Bytes(), w.Error()
}

// tenantSet is a generated tenant: its tables in dependency order, its
// prompts and the emails of its users (who must be agents first).
type tenantSet struct {
	tables []*table
	wavs   map[string][]byte
	emails []string
}

func (ts *tenantSet) table(typ string) *table {
	for _, tb := range ts.tables {
		if tb.t.Name == typ {
			return tb
		}
	}
	panic("bulkbench: no table " + typ)
}

// rows and objects count the tenant's CSV rows and the objects they are.
func (ts *tenantSet) rows() (rows, objs int) {
	for _, tb := range ts.tables {
		rows, objs = rows+len(tb.rows), objs+len(tb.starts)
	}
	return rows, objs
}

// genTenant generates a tenant of every object type: a few shared objects
// (work types and their codes, multimedia profiles, skills, user
// profiles, a directory, two prompts), then for each site its skill
// profiles, agent teams and a capacity team (named alike in every site,
// so queues name it "Overflow: <site>"), queues of three channels with
// distribution groups, outdial queue and entry point, entry points and
// their dialed numbers, address book, outdial ANIs, agent and user
// profiles, and siteUsers users.
func genTenant(sites, siteUsers int) *tenantSet {
	ts := &tenantSet{wavs: map[string][]byte{}}
	for _, t := range objects.Types {
		ts.tables = append(ts.tables, newTable(t.Name))
	}
	tb := ts.table
	for i, wt := range workTypes {
		typ := "WRAP_UP_CODE"
		if i >= 2 {
			typ = "IDLE_CODE"
		}
		tb("Worktype").add(map[string]string{"Name": wt, "Description": "Codes of " + wt, "Type": typ})
		for k := 1; k <= 5; k++ {
			def := "OFF"
			if k == 1 {
				def = "ON"
			}
			tb("Auxiliary Code").add(map[string]string{"Name": auxCode(wt, k), "Default": def, "Work Type": wt})
		}
	}
	for i, p := range mmProfiles {
		typ := []string{"EXCLUSIVE", "BLENDED", "BLENDED_REALTIME", "BLENDED"}[i]
		v := []string{"1", "1", "1", "0"}[i]
		tb("Multimedia Profile").add(map[string]string{"Name": p, "Type": typ, "Voice": v,
			"Chat": fmt.Sprint(i), "Email": fmt.Sprint(i), "Social": fmt.Sprint(i)})
	}
	for _, s := range [][]string{
		{"Language", "ENUM", "English|French|Spanish|Portuguese"}, {"Product Knowledge", "PROFICIENCY", ""},
		{"VIP Certified", "BOOLEAN", ""}, {"Notes", "TEXT", ""}, {"Region", "ENUM", "North America|Europe|Latin America"},
	} {
		tb("Skill Definition").add(map[string]string{"Name": s[0], "Service Level Threshold": "30", "Type": s[1], "List Values For Enum": s[2]})
	}
	for i, name := range prompts {
		ts.wavs[name] = mulawWAV(8000, i)
		tb("Audio File").add(map[string]string{"Name": name, "Description": "Prompt " + name})
	}
	tb("Address Book").add(map[string]string{"Name": "Company Directory", "Parent Type": "ORGANIZATION", "Entry Name": "Head Office", "Phone Number": "+44(20)7946-0000"},
		map[string]string{"Entry Name": "IT Helpdesk", "Phone Number": "+44-20-7946-0001"},
		map[string]string{"Entry Name": "New York Office", "Phone Number": "+1(212)555-0150"})
	tb("User Profile").add(map[string]string{"Name": "Administrators", "Profile Type": "ADMINISTRATOR",
		"Entry Points Access": "ALL", "Sites Access": "ALL", "Queues Access": "ALL", "Teams Access": "ALL"})
	tb("User Profile").add(map[string]string{"Name": "Standard Agents", "Profile Type": "STANDARD_AGENT",
		"Entry Points Access": "NONE", "Sites Access": "NONE", "Queues Access": "NONE", "Teams Access": "NONE"})

	n := 0
	for s := 1; s <= sites; s++ {
		genSite(ts, s)
		for range siteUsers {
			n++
			tb("User").add(userFields(n, s, fmt.Sprintf("EMP-%05d", n)))
			ts.emails = append(ts.emails, userEmail(n))
		}
	}
	return ts
}

// genSite adds site s's objects but its users.
func genSite(ts *tenantSet, s int) {
	tb := ts.table
	site, zone := siteName(s), zones[s%len(zones)]
	team := func(k int) string { return teamName(s, k) }
	tb("Skill Profile").add(map[string]string{"Name": site + " Senior", "Description": "Senior agents of " + site, "Skill Name": "Language", "Skill Values": "English"},
		map[string]string{"Skill Name": "Product Knowledge", "Skill Values": "8"},
		map[string]string{"Skill Name": "VIP Certified", "Skill Values": "True"},
		map[string]string{"Skill Name": "Region", "Skill Values": "North America"})
	tb("Skill Profile").add(map[string]string{"Name": site + " Basic", "Skill Name": "Language", "Skill Values": "French"},
		map[string]string{"Skill Name": "Product Knowledge", "Skill Values": "5"},
		map[string]string{"Skill Name": "Notes", "Skill Values": "Generalists of " + site})
	tb("Site").add(map[string]string{"Name": site, "Multimedia Profile": mmProfiles[s%len(mmProfiles)]})
	for k := 1; k <= agentTeams; k++ {
		m := map[string]string{"Name": team(k), "Site": site, "Type": "AGENT"}
		switch k {
		case 1:
			m["Multimedia Profile"], m["Skill Profile"], m["Desktop Layout"] = "Blended Digital", site+" Senior", "Sales Desktop"
		case 2:
			m["Skill Profile"] = site + " Basic"
		case 3:
			m["Multimedia Profile"] = "Voice Only"
		}
		tb("Team").add(m)
	}
	tb("Team").add(map[string]string{"Name": "Overflow", "Site": site, "Type": "CAPACITY", "DN": fmt.Sprintf("+1(212)555-%04d", s%10000), "Capacity": "25"})
	tb("Outdial Queue").add(map[string]string{"Name": site + " Outbound", "Description": "Campaign calls of " + site, "Timezone": zone,
		"Default Music in Queue": "hold-music.wav", "Group Teams": team(1) + "|" + team(2)})
	tb("Queue").add(map[string]string{"Name": site + " Voice", "Description": "Inbound calls of " + site, "Channel Type": "TELEPHONY",
		"Max Time In Queue": "900", "Service Level Threshold": "30", "Timezone": zone, "Permit Monitoring": "ON", "Permit Recording": "ON",
		"Record All Calls": "OFF", "Pause or Resume Enabled": "ON", "Recording Pause Duration": "20", "Default Music in Queue": "welcome.wav",
		"Routing Type": "SKILLS_BASED", "Skill-Based Agent Selection": "BEST_AVAILABLE_AGENT",
		"Distribution Group": "Primary", "Distribution Group Seq": "1", "Group Teams": team(1) + "|" + team(2)},
		map[string]string{"Distribution Group": "Secondary", "Distribution Group Seq": "2", "Group Fallback Time": "60", "Group Teams": team(3) + "|" + team(4)},
		map[string]string{"Distribution Group": "Overflow", "Distribution Group Seq": "3", "Group Fallback Time": "120", "Group Teams": "Overflow: " + site})
	tb("Queue").add(map[string]string{"Name": site + " Chat", "Channel Type": "CHAT", "Max Time In Queue": "600", "Service Level Threshold": "45",
		"Routing Type": "CIRCULAR", "Distribution Group": "All Chat", "Distribution Group Seq": "1", "Group Teams": team(5) + "|" + team(6)},
		map[string]string{"Distribution Group": "Backup", "Distribution Group Seq": "2", "Group Fallback Time": "90", "Group Teams": team(7)})
	tb("Queue").add(map[string]string{"Name": site + " Email", "Channel Type": "EMAIL", "Max Time In Queue": "86400", "Service Level Threshold": "3600",
		"Timezone": zone, "Routing Type": "LINEAR", "Distribution Group": "Email Desk", "Distribution Group Seq": "1", "Group Teams": team(8)},
		map[string]string{"Distribution Group": "Backup", "Distribution Group Seq": "2", "Group Fallback Time": "300", "Group Teams": team(1) + "|" + team(8)})
	tb("Outdial Entry Point").add(map[string]string{"Name": site + " Outdial", "Service Level Threshold": "20", "Timezone": zone, "Outdial Queue": site + " Outbound"})
	tb("Entry Point").add(map[string]string{"Name": site + " Main", "Description": "Main number of " + site, "Service Level Threshold": "20", "Timezone": zone, "Channel Type": "TELEPHONY"})
	tb("Entry Point").add(map[string]string{"Name": site + " Sales", "Service Level Threshold": "30", "Timezone": zone, "Channel Type": "TELEPHONY"})
	tb("Entry Point").add(map[string]string{"Name": site + " Chat", "Service Level Threshold": "60", "Timezone": zone, "Channel Type": "CHAT", "Asset Name": site + " Widget"})
	tb("Entry Point").add(map[string]string{"Name": site + " WhatsApp", "Service Level Threshold": "120", "Timezone": zone, "Channel Type": "SOCIAL CHANNEL",
		"Social Channel Type": "WHATSAPP", "Asset Name": "WhatsApp " + site})
	for k := range 10 {
		m := map[string]string{"Dialed Number": fmt.Sprintf("+1800%03d%04d", s, k), "Entry Point": site + " Main", "Region": "US"}
		if k%2 == 1 {
			m["Dialed Number"], m["Entry Point"], m["Region"] = fmt.Sprintf("+1-800-%03d-%04d", s, k), site+" Sales", ""
		}
		tb("DN to EP Mapping").add(m)
	}
	tb("Address Book").add(map[string]string{"Name": site + " Contacts", "Parent Type": "SITE", "Site": site, "Entry Name": "Reception", "Phone Number": fmt.Sprintf("+1(212)556-%04d", s%10000)},
		map[string]string{"Entry Name": "Facilities", "Phone Number": fmt.Sprintf("+1-212-557-%04d", s%10000)},
		map[string]string{"Entry Name": "Security", "Phone Number": fmt.Sprintf("+1212558%04d", s%10000)},
		map[string]string{"Entry Name": "Courier", "Phone Number": "+18005550175"})
	tb("Outdial ANI").add(map[string]string{"Name": site + " ANIs", "Description": "Caller IDs of " + site, "Entry Name": "Main", "Entry Number": fmt.Sprintf("+1212559%04d", s%10000)},
		map[string]string{"Entry Name": "Backup", "Entry Number": fmt.Sprintf("+1-212-560-%04d", s%10000)},
		map[string]string{"Entry Name": "Trunk", "Entry Number": fmt.Sprintf("sip:site%d@sbc.example.com", s)})
	tb("Agent Profile").add(map[string]string{"Name": site + " Agent", "Description": "Agents of " + site, "Parent Site": site,
		"Wrap Up Type": "AUTO", "Auto Wrap Up Time": "30",
		"Wrap Up Options": "SPECIFIC", "Wrap Up Codes": auxCode(workTypes[0], 1) + "|" + auxCode(workTypes[1], 2),
		"Idle Options": "SPECIFIC", "Idle Codes": auxCode(workTypes[2], 1) + "|" + auxCode(workTypes[3], 2),
		"Transfer Options": "SPECIFIC", "Transfer Targets": site + " Voice|" + site + " Chat",
		"Buddy Team Option": "SPECIFIC", "Buddy Teams": team(1) + "|" + team(2),
		"Queue Statistics Option": "SPECIFIC", "Selected Queues": site + " Voice",
		"Team Statistics Option": "SPECIFIC", "Selected Teams": team(3),
		"Outdial Enabled": "ON", "Consult To Queue": "ON", "Screen Popups": "ON", "Agent Statistics": "ON", "Outdial EP": site + " Outdial",
		"Address Book": site + " Contacts", "Outdial ANI": site + " ANIs",
		"DN Validation Option": "VALIDATION CRITERIA", "Validation Criteria": `^\+1[0-9]{10}$`})
	tb("Agent Profile").add(map[string]string{"Name": site + " Basic Agent", "Wrap Up Type": "MANUAL", "Wrap Up Options": "ALL", "Idle Options": "ALL",
		"Transfer Options": "ALL", "Buddy Team Option": "NONE", "Queue Statistics Option": "ALL", "Team Statistics Option": "NONE",
		"Outdial Enabled": "OFF", "Consult To Queue": "ON", "Screen Popups": "OFF", "Agent Statistics": "ON",
		"Address Book": "Company Directory", "DN Validation Option": "UNRESTRICTED"})
	tb("User Profile").add(map[string]string{"Name": site + " Supervisors", "Profile Type": "SUPERVISOR",
		"Entry Points Access": "SPECIFIC", "Sites Access": "SPECIFIC", "Queues Access": "SPECIFIC", "Teams Access": "SPECIFIC",
		"Entry Points": site + " Main|" + site + " Chat", "Sites": site, "Queues": site + " Voice|" + site + " Chat", "Teams": team(1) + "|" + team(2)})
}

func siteName(s int) string           { return fmt.Sprintf("Site %03d", s) }
func teamName(s, k int) string        { return fmt.Sprintf("%s Team %d", siteName(s), k) }
func auxCode(wt string, k int) string { return fmt.Sprintf("%s %d", wt, k) }
func userEmail(n int) string          { return fmt.Sprintf("user%05d@bench.example", n) }

// userFields is user n of site s, with External Id ext: mostly agents
// with a seat in the contact center, one in ten a supervisor, one in ten
// an administrator without a seat.
func userFields(n, s int, ext string) map[string]string {
	site := siteName(s)
	if n%10 == 9 {
		return map[string]string{"Email": userEmail(n), "User Profile": "Administrators", "Contact Center Enabled": "OFF", "External Id": ext}
	}
	m := map[string]string{"Email": userEmail(n), "User Profile": "Standard Agents", "Contact Center Enabled": "ON", "Site": site,
		"Teams": teamName(s, n%agentTeams+1), "Agent Profile": site + " Agent", "External Id": ext, "Default DN": fmt.Sprintf("+1415%07d", n)}
	switch n % 10 {
	case 0:
		m["User Profile"], m["Skill Profile"], m["Multimedia Profile"] = site+" Supervisors", site+" Senior", "Blended Digital"
		m["Teams"] += "|" + teamName(s, (n+1)%agentTeams+1)
	case 1, 2, 3:
		m["Agent Profile"], m["Skill Profile"] = site+" Basic Agent", site+" Basic"
	}
	return m
}

// userCSV is a User CSV of users 1 to rows across sites sites, their
// External Id ending in suffix (what the update changes).
func userCSV(rows, sites int, suffix string, crlf bool) ([]byte, error) {
	tb := newTable("User")
	for n := 1; n <= rows; n++ {
		tb.add(userFields(n, (n-1)%sites+1, fmt.Sprintf("EMP-%05d%s", n, suffix)))
	}
	return writeCSV(tb.t.Header(), tb.rows, crlf)
}

// agentsCSVs are the agents with these emails, as agents CSVs of at most
// agents.MaxRows rows each.
func agentsCSVs(emails []string) [][]byte {
	var out [][]byte
	for from := 0; from < len(emails); from += agents.MaxRows {
		var b strings.Builder
		b.WriteString("Email,Full Name,ACD Login\n")
		for _, e := range emails[from:min(from+agents.MaxRows, len(emails))] {
			user, _, _ := strings.Cut(e, "@")
			fmt.Fprintf(&b, "%s,Bench %s,bench\\%s\n", e, user, user)
		}
		out = append(out, []byte(b.String()))
	}
	return out
}

// zip returns the tenant as a ZIP: each table's CSVs named after its type,
// the prompts under prompts/, in an order shuffled by seed (the importer
// sorts them by dependency itself). It returns how many CSVs it holds.
func (ts *tenantSet) zip(seed uint64) ([]byte, int, error) {
	type entry struct {
		name string
		b    []byte
	}
	var entries []entry
	for _, tb := range ts.tables {
		parts, err := tb.csvs()
		if err != nil {
			return nil, 0, err
		}
		for i, b := range parts {
			n := i
			if len(parts) > 1 {
				n = i + 1
			}
			entries = append(entries, entry{tb.fileName(n), b})
		}
	}
	csvs := len(entries)
	for name, b := range ts.wavs {
		entries = append(entries, entry{"prompts/" + name, b})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	rand.New(rand.NewPCG(seed, 1)).Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if strings.HasSuffix(e.name, ".wav") {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			return nil, 0, err
		}
		if _, err := w.Write(e.b); err != nil {
			return nil, 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), csvs, nil
}

// mulawWAV returns a prompt of samples bytes: G.711 μ-law (format tag 7),
// mono, 8000 Hz, 8 bits, with the 18-byte fmt chunk of a non-PCM format.
func mulawWAV(samples, seed int) []byte {
	samples &^= 1 // no pad byte after the data chunk
	b := make([]byte, 46+samples)
	copy(b, "RIFF")
	putLE32(b[4:], uint32(38+samples))
	copy(b[8:], "WAVEfmt ")
	putLE32(b[16:], 18)
	b[20], b[22] = 7, 1 // μ-law, mono
	putLE32(b[24:], 8000)
	putLE32(b[28:], 8000) // byte rate
	b[32], b[34] = 1, 8   // block align, bits per sample
	copy(b[38:], "data")
	putLE32(b[42:], uint32(samples))
	for i := 46; i < len(b); i++ {
		b[i] = byte(0xff ^ (i*7+seed*13)&0x0f) // near silence
	}
	return b
}
