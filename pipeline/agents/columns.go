package agents

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/nyaruka/phonenumbers"
)

// The template's columns, named exactly (case-sensitive) as in the hosted
// product's agents settings template, plus bulkd's ACD Login, Team, Roles.
const (
	ColCurrentEmail      = "Current Email"
	ColEmail             = "Email"
	ColFullName          = "Full Name"
	ColInternalExtension = "Internal Extension"
	ColExternalPhone     = "External Phone"
	ColRingGroups        = "Ring Groups"
	ColAgentActivation   = "Agent Activation"
	ColACDLogin          = "ACD Login"
	ColTeam              = "Team"
	ColRoles             = "Roles"
)

// Columns lists every column an agents file may have.
var Columns = []string{ColCurrentEmail, ColEmail, ColFullName, ColInternalExtension, ColExternalPhone,
	ColRingGroups, ColAgentActivation, ColACDLogin, ColTeam, ColRoles}

// columns maps each known column to its position in the file (-1: absent).
type columns map[string]int

func mapColumns(header []string) (columns, error) {
	cols := make(columns, len(Columns))
	for _, c := range Columns {
		cols[c] = -1
	}
	for i, name := range header {
		if _, ok := cols[name]; !ok {
			return nil, pipeline.Invalid("header: unknown column %q%s; the columns are %s", csvio.Clip(name), csvio.Suggest(name, Columns), strings.Join(Columns, ", "))
		}
		cols[name] = i
	}
	if cols[ColEmail] < 0 && cols[ColCurrentEmail] < 0 {
		return nil, pipeline.Invalid("header: needs an %q or a %q column to find or create agents", ColEmail, ColCurrentEmail)
	}
	return cols, nil
}

// cell returns the trimmed value of column c, or "" when absent.
func (cols columns) cell(cells []string, c string) string {
	i := cols[c]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

var (
	extensionRE = regexp.MustCompile(`^[0-9]{1,15}$`)
	acdLoginRE  = regexp.MustCompile(`^[^\\/\s]+\\[^\\/\s]+$`)
)

// change validates one row. It returns a message naming the column for the
// first problem it finds.
func (cols columns) change(cells []string) (bulkd.AgentChange, string) {
	var ch bulkd.AgentChange
	var err error
	if ch.CurrentEmail, err = email(cols.cell(cells, ColCurrentEmail)); err != nil {
		return ch, colMsg(ColCurrentEmail, err)
	}
	if ch.Email, err = email(cols.cell(cells, ColEmail)); err != nil {
		return ch, colMsg(ColEmail, err)
	}
	if ch.CurrentEmail == "" && ch.Email == "" {
		return ch, fmt.Sprintf("columns %q and %q are both empty: one is needed to find or create the agent", ColCurrentEmail, ColEmail)
	}
	opt := func(c string, limit int, check func(string) (string, error)) (*string, string) {
		v := cols.cell(cells, c)
		if v == "" {
			return nil, ""
		}
		if len([]rune(v)) > limit {
			return nil, colMsg(c, fmt.Errorf("%d characters, at most %d", len([]rune(v)), limit))
		}
		if check != nil {
			var err error
			if v, err = check(v); err != nil {
				return nil, colMsg(c, err)
			}
		}
		return &v, ""
	}
	var msg string
	for _, f := range []struct {
		dst   **string
		col   string
		limit int
		check func(string) (string, error)
	}{
		{&ch.FullName, ColFullName, 200, nil},
		{&ch.InternalExtension, ColInternalExtension, 15, matches(extensionRE, "digits only")},
		{&ch.ExternalPhone, ColExternalPhone, 32, phone},
		{&ch.ACDLogin, ColACDLogin, 254, matches(acdLoginRE, `domain\user`)},
		{&ch.Team, ColTeam, 100, nil},
	} {
		if *f.dst, msg = opt(f.col, f.limit, f.check); msg != "" {
			return ch, msg
		}
	}
	ch.RingGroups = list(cols.cell(cells, ColRingGroups))
	ch.Roles = list(cols.cell(cells, ColRoles))
	switch v := strings.ToLower(cols.cell(cells, ColAgentActivation)); v {
	case "":
	case "true", "false":
		b := v == "true"
		ch.Active = &b
	default:
		return ch, colMsg(ColAgentActivation, fmt.Errorf("%q is not true or false", csvio.Clip(cols.cell(cells, ColAgentActivation))))
	}
	return ch, ""
}

// claimEmails fails a row whose emails an earlier row of the file uses.
func claimEmails(seen map[string]int, row int, ch bulkd.AgentChange) string {
	for _, p := range []struct{ col, v string }{{ColCurrentEmail, ch.CurrentEmail}, {ColEmail, ch.Email}} {
		if p.v == "" {
			continue
		}
		if prev, ok := seen[strings.ToLower(p.v)]; ok && prev != row {
			return colMsg(p.col, fmt.Errorf("%s is also in row %d; an agent may appear once a file", csvio.Clip(p.v), prev))
		}
	}
	for _, v := range []string{ch.CurrentEmail, ch.Email} {
		if v != "" {
			seen[strings.ToLower(v)] = row
		}
	}
	return ""
}

func colMsg(col string, err error) string { return fmt.Sprintf("column %q: %v", col, err) }

func email(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || len(v) > 254 || !strings.Contains(v[strings.LastIndexByte(v, '@'):], ".") {
		return "", fmt.Errorf("%q is not an email address", csvio.Clip(v))
	}
	return v, nil
}

func matches(re *regexp.Regexp, want string) func(string) (string, error) {
	return func(v string) (string, error) {
		if !re.MatchString(v) {
			return "", fmt.Errorf("%q is not %s", csvio.Clip(v), want)
		}
		return v, nil
	}
}

// phone normalises an international number to E.164.
func phone(v string) (string, error) {
	n, err := phonenumbers.Parse(v, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("%q is not a valid phone number in international format (+ and country code)", csvio.Clip(v))
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// list splits a comma-separated cell, dropping empty items; nil when none.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
