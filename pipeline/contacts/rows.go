package contacts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// The CSV columns, named as in the seed. TimeZone and ClientTimeZone are the
// same field; metadata.<name> columns are custom metadata.
const (
	ColAgentID            = "AgentId"
	ColContactStartTimeMs = "ContactStartTimeMs"
	ColTimeZone           = "TimeZone"
	ColClientTimeZone     = "ClientTimeZone"
	ColAssocCallID        = "AssocCallId"
	ColCallID             = "CallId"
	ColCalledAddress      = "CalledAddress"
	ColCallingAddress     = "CallingAddress"
	ColLine               = "Line"
	ColDirection          = "Direction"
	ColRecording1         = "Recording1"
	ColRecording2         = "Recording2"
	ColRecording3         = "Recording3"
	ColRecording2Offset   = "Recording2Offset"
	ColAudioLocation      = "Audio.Location"
	ColAudioStartTimeMs   = "Audio.StartTimeMs"
	ColScreenLocation     = "Screen.Location"
	ColScreenStartTimeMs  = "Screen.StartTimeMs"
	MetadataPrefix        = "metadata."
)

// Columns lists the CSV columns other than metadata.<name>.
var Columns = []string{ColAgentID, ColContactStartTimeMs, ColTimeZone, ColClientTimeZone, ColAssocCallID, ColCallID,
	ColCalledAddress, ColCallingAddress, ColLine, ColDirection, ColRecording1, ColRecording2, ColRecording3,
	ColRecording2Offset, ColAudioLocation, ColAudioStartTimeMs, ColScreenLocation, ColScreenStartTimeMs}

// Limits from the seed's field table.
const (
	maxAgentID     = 254
	maxAssocCallID = 52
	maxCallID      = 128
	maxAddress     = 64 // CalledAddress, CallingAddress, Line
	maxLocation    = 128
	maxTimeZone    = 255
	maxMetaName    = 39
)

// agentRef is how a row names its agent, decided by parsing the AgentId.
type agentRef struct {
	kind  byte // 'i' id, 'e' email, 'a' ACD login
	value string
}

// recRef is one recording a row names.
type recRef struct {
	col      string
	location string
	media    bulkd.MediaType
	offsetMs int64
}

// row is one contact as read from a CSV row or a JSON object, checked for
// everything that needs neither the store nor the media.
type row struct {
	num   int
	cells []string
	err   string // set: the row failed

	agent                                agentRef // kind 0: none, the uploading user
	callID, assocCallID, called, calling string
	line, tz                             string
	startMs                              int64
	hasStart                             bool
	direction                            int
	metadata                             bulkd.Metadata // reused between rows: copy to keep
	recs                                 []recRef
}

func (r *row) fail(col string, format string, args ...any) {
	if r.err != "" {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if col != "" {
		msg = fmt.Sprintf("column %q: %s", col, msg)
	}
	r.err = msg
}

// text checks a free-text field's length in characters.
func (r *row) text(col, v string, limit int) string {
	v = strings.TrimSpace(v)
	if len(v) <= limit {
		return v // no more characters than bytes: no need to count
	}
	if n := utf8.RuneCountInString(v); n > limit {
		r.fail(col, "%d characters, at most %d", n, limit)
	}
	return v
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (r *row) setAgent(col, v string) {
	v = r.text(col, v, maxAgentID)
	switch {
	case v == "":
		r.fail(col, "required")
	case allDigits(v):
		r.agent = agentRef{'i', v}
	case strings.Contains(v, "@"):
		r.agent = agentRef{'e', v}
	case strings.Count(v, `\`)+strings.Count(v, "/") == 1 && !strings.HasPrefix(v, `\`) && !strings.HasPrefix(v, "/") &&
		!strings.HasSuffix(v, `\`) && !strings.HasSuffix(v, "/"):
		r.agent = agentRef{'a', strings.ReplaceAll(v, "/", `\`)}
	case strings.ContainsAny(v, "\b\f\n\r\t"):
		r.fail(col, "%q holds a control character: in JSON, write a domain\\user login with a doubled backslash (\"domain\\\\user\")", csvio.Clip(v))
	default:
		r.fail(col, "%q is not an agent id (digits), an email, or an ACD login (domain\\user)", csvio.Clip(v))
	}
}

// millis parses an epoch-milliseconds (or offset) value.
func (r *row) millis(col, v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		hint := ""
		if strings.ContainsAny(v, "eE.") {
			hint = " (a spreadsheet may have shortened it: format the column to show every digit)"
		}
		r.fail(col, "%q is not a whole number of milliseconds%s", csvio.Clip(v), hint)
		return 0, false
	}
	return n, true
}

func (r *row) setStart(col, v string) {
	if ms, ok := r.millis(col, v); ok {
		if ms < 0 {
			r.fail(col, "%d is before 1970", ms)
		}
		r.startMs, r.hasStart = ms, true
	}
}

func (r *row) setDirection(col, v string) {
	switch strings.TrimSpace(v) {
	case "", "0":
	case "1":
		r.direction = 1
	default:
		r.fail(col, "%q is not 0 (inbound) or 1 (outbound)", csvio.Clip(v))
	}
}

func (r *row) setTimeZone(zones zoneCache, col, v string) {
	tz, err := zones.normalize(r.text(col, v, maxTimeZone))
	if err != nil {
		r.fail(col, "%v", err)
	}
	r.tz = tz
}

func (r *row) setMetadata(name, v string) {
	r.metadata = append(r.metadata, bulkd.Field{Name: name, Value: v})
}

// addRecording adds a named recording; start is its absolute start time
// (epoch ms) when given, offset its offset when given.
func (r *row) addRecording(col, location string, offset int64) {
	location = r.text(col, location, maxLocation)
	if location == "" {
		return
	}
	if strings.ContainsAny(location, `/\`) {
		r.fail(col, "%q must be a file name, without folders", csvio.Clip(location))
		return
	}
	mt, ok := media.TypeOf(location)
	if !ok {
		r.fail(col, "%q has an unknown recording extension (use %s)", csvio.Clip(location), media.Extensions)
		return
	}
	if col == ColScreenLocation {
		// Screen (the JSON sub-object, or the CSV column) names the
		// contact's screen recording, so a combined webm or wmv there is
		// the screen, as the seed's full example has it, and not a second
		// audio recording. An audio-only format cannot be a screen: the
		// seed wants the extension to match the recording's media type.
		if mt == bulkd.MediaAudio {
			r.fail(col, "%s is an audio-only recording: a screen recording is webmv, webm or wmv (name the audio in Audio)", csvio.Clip(location))
			return
		}
		mt = bulkd.MediaScreen
	}
	for _, other := range r.recs {
		if other.location == location {
			r.fail(col, "%s is already named by column %q", csvio.Clip(location), other.col)
			return
		}
	}
	r.recs = append(r.recs, recRef{col: col, location: location, media: mt, offsetMs: offset})
}

// checkRecordings applies the rules that need all of a row's recordings.
func (r *row) checkRecordings() {
	if r.err != "" {
		return
	}
	hasAudioOnly := false
	for _, rc := range r.recs {
		hasAudioOnly = hasAudioOnly || rc.media == bulkd.MediaAudio
	}
	// The audio role: recordings in Audio or in a RecordingN column whose
	// media carries audio. Screen's are screen already (addRecording).
	var audio []string
	for i := range r.recs {
		if hasAudioOnly && strings.EqualFold(mediaExt(r.recs[i].location), "wmv") {
			r.recs[i].media = bulkd.MediaScreen // WMV paired with audio is the screen
		}
		if r.recs[i].media.HasAudio() {
			audio = append(audio, r.recs[i].location)
		}
	}
	switch {
	case len(r.recs) == 0:
		r.fail(ColRecording1, "required: a contact needs at least one recording")
	case len(audio) == 0:
		hint := ""
		if slices.ContainsFunc(r.recs, func(rc recRef) bool { return rc.col == ColScreenLocation }) {
			hint = "; a recording named in Screen is the screen recording, even a webm or wmv: name the one with the call's audio in Audio"
		}
		r.fail(r.recs[0].col, "there must be an audio file (wav, spx, opus, webma, webm or wmv)%s", hint)
	case len(audio) > 1:
		r.fail("", "only one audio recording per contact is allowed; this row has %s", strings.Join(audio, ", "))
	}
}

func mediaExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return ""
}

// recordings returns the recordings the row names (those it could read,
// for a row that failed), in column order.
func (r *row) recordings() []bulkd.Recording {
	if len(r.recs) == 0 {
		return nil
	}
	out := make([]bulkd.Recording, 0, len(r.recs))
	for _, rc := range r.recs {
		out = append(out, bulkd.Recording{Location: strings.Clone(rc.location), Media: rc.media, OffsetMs: rc.offsetMs})
	}
	return out
}
