package objects

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// rules are the checks of a type that read other objects than those its
// references name: a skill's type, a work type's default, a team's type.
// They run once an object's references are found, and may change what is
// stored (a Skill Profile's Delete rows, a work type's first default).
// Declarations cannot say these; each is noted in its type's Notes.
var rules = map[string]func(r *resolver, t *Type, o *Object){
	"Skill Profile":    (*resolver).skillProfile,
	"Auxiliary Code":   (*resolver).auxCode,
	"Agent Profile":    (*resolver).agentProfile,
	"User":             (*resolver).userTeams,
	"DN to EP Mapping": (*resolver).dialedOnce,
}

// prepare reads what t's rules need to know of the whole import before
// its first object: which Auxiliary Codes the import makes default or not.
func (r *resolver) prepare(ctx context.Context, t *Type, parts []*part) error {
	switch t.Name {
	case "Auxiliary Code":
		r.aux = planAux(parts)
	case "Agent Profile": // its codes' work types
		_, err := r.load(ctx, "Worktype")
		return err
	}
	return nil
}

// skillProfile checks each skill's value by the skill's type and applies
// the Delete rows: a profile update names the skills it sets or removes
// (Delete ON); the skills of the stored profile it does not name stay. A
// Delete of a skill the profile does not have is no change, so the same
// file imported twice gives the same profile.
func (r *resolver) skillProfile(t *Type, o *Object) {
	was := r.stored(t, o)
	skills := []Record{}
	if was != nil {
		for _, ch := range was.Children {
			skills = append(skills, fieldsRecord(ch))
		}
	}
	for i, ch := range o.Children {
		row := o.Rows[i]
		name := ch.Text("Skill Name")
		at := slices.IndexFunc(skills, func(s Record) bool { return strings.EqualFold(s.Text("Skill Name"), name) })
		if ch["Delete"].Bool {
			if was == nil {
				o.Problems = append(o.Problems, RowProblem{row, Problem{Column: "Delete", Message: fmt.Sprintf(
					"is ON, but Skill Profile %q does not exist yet: nothing to delete from", csvio.Clip(o.Key))}})
			} else if at >= 0 {
				skills = slices.Delete(skills, at, at+1)
			}
			continue
		}
		def := r.find(ch["Skill Name"].Refs[0])
		value, msg := skillValue(def, ch.Text("Skill Values"))
		if msg != "" {
			o.Problems = append(o.Problems, RowProblem{row, Problem{Column: "Skill Values", Message: msg}})
			continue
		}
		s := Record{"Skill Name": ch["Skill Name"], "Skill Values": Value{Kind: Text, Text: value}}
		if at >= 0 {
			skills[at] = s
		} else {
			skills = append(skills, s)
		}
	}
	if !o.OK() {
		return
	}
	if len(skills) == 0 {
		o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: "Delete", Message: fmt.Sprintf(
			"would leave Skill Profile %q without a skill: a profile has at least one", csvio.Clip(o.Key))}})
		return
	}
	o.Children = skills
}

// skillValue checks v against the skill definition's type and returns
// its canonical text, or why it does not fit.
func skillValue(def *bulkd.ConfigObject, v string) (string, string) {
	typ := def.Value("Type")
	switch typ {
	case "PROFICIENCY":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10 {
			return "", fmt.Sprintf("%q: skill %q is a PROFICIENCY, a whole number from 0 to 10", csvio.Clip(v), csvio.Clip(def.Key))
		}
		return strconv.Itoa(n), ""
	case "BOOLEAN":
		switch strings.ToLower(v) {
		case "true":
			return "True", ""
		case "false":
			return "False", ""
		}
		return "", fmt.Sprintf("%q: skill %q is a BOOLEAN, True or False", csvio.Clip(v), csvio.Clip(def.Key))
	case "ENUM":
		values := strings.Split(def.Value("List Values For Enum"), "|")
		for _, x := range values {
			if strings.EqualFold(strings.TrimSpace(x), v) {
				return strings.TrimSpace(x), ""
			}
		}
		return "", fmt.Sprintf("%q: skill %q is an ENUM, one of %s%s", csvio.Clip(v), csvio.Clip(def.Key), strings.Join(values, ", "), csvio.Suggest(v, values))
	}
	return v, "" // TEXT: the declaration bounds its length
}

// auxPlan is what the import does to each work type's default: the first
// code it makes default (later ones fail), and the codes it sets OFF.
type auxPlan struct {
	on  map[string]string // lower work type → lower code key
	row map[string]string // lower work type → where that code is
	off map[string]bool   // lower work type + "\x00" + lower code
}

func planAux(parts []*part) *auxPlan {
	p := &auxPlan{on: map[string]string{}, row: map[string]string{}, off: map[string]bool{}}
	for _, pt := range parts {
		if pt.t.Name != "Auxiliary Code" {
			continue
		}
		for i := range pt.objs {
			o := &pt.objs[i]
			if !o.OK() {
				continue
			}
			wt, code := strings.ToLower(o.Own.Text("Work Type")), strings.ToLower(o.Key)
			switch {
			case !o.Own["Default"].Bool:
				p.off[wt+"\x00"+code] = true
			case p.on[wt] == "":
				p.on[wt] = code
				p.row[wt] = fmt.Sprintf("row %d of %s", o.Rows[0], pt.file)
			}
		}
	}
	return p
}

// auxCode keeps one default Auxiliary Code a work type. A code made
// default while another code of its work type is default needs that one
// set OFF in the same import (the product has no other way to move a
// default, and moving it silently would change an object nobody named);
// a second code made default in one import fails. A work type's first code
// becomes its default; a code set OFF while no other code of its work type
// is or becomes default stays its default.
func (r *resolver) auxCode(t *Type, o *Object) {
	wt, code := strings.ToLower(o.Own.Text("Work Type")), strings.ToLower(o.Key)
	defaults := r.auxDefaults(t)
	var current *string
	if d, ok := defaults[wt]; ok && strings.ToLower(d) != code {
		current = &d
	}
	if o.Own["Default"].Bool {
		switch {
		case r.aux.on[wt] != code:
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: "Default", Message: fmt.Sprintf(
				"work type %q has one default code, and %s makes another one its default", csvio.Clip(o.Own.Text("Work Type")), r.aux.row[wt])}})
		case current != nil && !r.aux.off[wt+"\x00"+strings.ToLower(*current)]:
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: "Default", Message: fmt.Sprintf(
				"work type %q already has the default code %q: set its Default OFF in the same file to make %q the default",
				csvio.Clip(o.Own.Text("Work Type")), csvio.Clip(*current), csvio.Clip(o.Key))}})
		}
	} else if current == nil && r.aux.on[wt] == "" {
		o.Own["Default"] = Value{Kind: Bool, Bool: true, Text: "ON"}
	}
	if !o.OK() {
		return
	}
	// o is stored next: the index follows it, whatever work type it had.
	for w, d := range defaults {
		if strings.ToLower(d) == code {
			delete(defaults, w)
		}
	}
	if o.Own["Default"].Bool {
		defaults[wt] = o.Key
	}
}

// auxDefaults is the key of each work type's default code, by the work
// type's lower-case key: read once from the known codes, then kept by
// auxCode as codes pass, so a file of codes is checked in linear time.
func (r *resolver) auxDefaults(t *Type) map[string]string {
	if r.defaults == nil {
		r.defaults = map[string]string{}
		for _, objs := range r.known[t.Name] {
			for _, x := range objs {
				if x.Value("Default") == "ON" {
					r.defaults[strings.ToLower(x.Value("Work Type"))] = x.Key
				}
			}
		}
	}
	return r.defaults
}

// agentProfile checks that Wrap Up Codes are codes of a wrap-up work type
// and Idle Codes of an idle one.
func (r *resolver) agentProfile(t *Type, o *Object) {
	for col, want := range map[string]string{"Wrap Up Codes": "WRAP_UP_CODE", "Idle Codes": "IDLE_CODE"} {
		for _, ref := range o.Own[col].Refs {
			code := r.find(ref)
			wt := r.find(Reference{Type: "Worktype", Key: code.Value("Work Type")})
			if wt == nil || wt.Value("Type") == want {
				continue
			}
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: col, Message: fmt.Sprintf(
				"Auxiliary Code %q is of work type %q (%s): %s name codes of %s work types",
				csvio.Clip(code.Key), csvio.Clip(wt.Key), wt.Value("Type"), col, want)}})
		}
	}
	slices.SortFunc(o.Problems, func(a, b RowProblem) int { return strings.Compare(a.Column, b.Column) })
}

// userTeams checks that a User's Teams are agent teams: a capacity team
// has no members.
func (r *resolver) userTeams(t *Type, o *Object) {
	for _, ref := range o.Own["Teams"].Refs {
		if team := r.find(ref); team != nil && team.Value("Type") != "AGENT" {
			o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: "Teams", Message: fmt.Sprintf(
				"Team %q is a %s team: a user belongs to AGENT teams only", csvio.Clip(team.Key), team.Value("Type"))}})
		}
	}
}

// dialedOnce maps a dialed number once, however it is written: "+1 555
// 0100" spelled with dots or dashes is the same number, and a second
// spelling would map it twice. The numbers are indexed by their digits
// once an import, so a file of mappings is checked in linear time.
func (r *resolver) dialedOnce(t *Type, o *Object) {
	if r.dialed == nil {
		r.dialed = map[string]bulkd.ConfigObject{}
		for _, objs := range r.known[t.Name] {
			for _, x := range objs {
				r.dialed[dialedDigits.Replace(x.Key)] = x
			}
		}
	}
	mine := dialedDigits.Replace(o.Key)
	if x, ok := r.dialed[mine]; ok && !strings.EqualFold(x.Key, o.Key) {
		o.Problems = append(o.Problems, RowProblem{o.Rows[0], Problem{Column: t.Key, Message: fmt.Sprintf(
			"%q is the number already mapped as %q (to Entry Point %q): a dialed number is mapped once; write it %q to change its mapping",
			csvio.Clip(o.Key), csvio.Clip(x.Key), csvio.Clip(x.Value("Entry Point")), csvio.Clip(x.Key))}})
		return
	}
	r.dialed[mine] = bulkd.ConfigObject{Key: o.Key, Fields: []bulkd.ObjectField{{Name: "Entry Point", Value: o.Own.Text("Entry Point")}}}
}

// dialedDigits drops a dialed number's separators.
var dialedDigits = strings.NewReplacer(".", "", "-", "")

// fieldsRecord holds stored fields as a Record of their canonical text.
func fieldsRecord(fields []bulkd.ObjectField) Record {
	rec := make(Record, len(fields))
	for _, f := range fields {
		rec[f.Name] = Value{Text: f.Value}
	}
	return rec
}
