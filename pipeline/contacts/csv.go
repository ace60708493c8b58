package contacts

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/csvio"
)

// csvColumns maps a contacts CSV header.
type csvColumns struct {
	idx   map[string]int
	pos   [len(columnOrder)]int // column → cell index, -1 when absent
	meta  []metaColumn
	zones zoneCache
}

// columnOrder numbers the columns so a row looks cells up by index, not
// by name: this runs for every cell of a million-row file.
var columnOrder = [...]string{ColAgentID, ColContactStartTimeMs, ColTimeZone, ColClientTimeZone, ColAssocCallID, ColCallID,
	ColCalledAddress, ColCallingAddress, ColLine, ColDirection, ColRecording1, ColRecording2, ColRecording3,
	ColRecording2Offset, ColAudioLocation, ColAudioStartTimeMs, ColScreenLocation, ColScreenStartTimeMs}

// Indexes into columnOrder.
const (
	iAgentID = iota
	iContactStartTimeMs
	iTimeZone
	iClientTimeZone
	iAssocCallID
	iCallID
	iCalledAddress
	iCallingAddress
	iLine
	iDirection
	iRecording1
	iRecording2
	iRecording3
	iRecording2Offset
	iAudioLocation
	iAudioStartTimeMs
	iScreenLocation
	iScreenStartTimeMs
)

// recordingColumns are the columns that name recordings.
var recordingColumns = []int{iRecording1, iRecording2, iRecording3, iAudioLocation, iScreenLocation}

type metaColumn struct {
	i    int
	name string
}

func mapCSVHeader(header []string) (*csvColumns, error) {
	c := &csvColumns{idx: map[string]int{}, zones: zoneCache{}}
	for i, name := range header {
		if rest, ok := strings.CutPrefix(name, MetadataPrefix); ok {
			switch n := len([]rune(rest)); {
			case n == 0:
				return nil, pipeline.Invalid("header: column %q has no metadata field name after %q", csvio.Clip(name), MetadataPrefix)
			case n > maxMetaName:
				return nil, pipeline.Invalid("header: column %q: a metadata field name has at most %d characters, this one %d", csvio.Clip(name), maxMetaName, n)
			}
			c.meta = append(c.meta, metaColumn{i, rest})
			continue
		}
		if !slices.Contains(Columns, name) {
			return nil, pipeline.Invalid("header: unknown column %q%s; custom fields are named %s<name>", csvio.Clip(name), csvio.Suggest(name, Columns), MetadataPrefix)
		}
		c.idx[name] = i
	}
	for i, name := range columnOrder {
		c.pos[i] = -1
		if at, ok := c.idx[name]; ok {
			c.pos[i] = at
		}
	}
	if _, a := c.idx[ColTimeZone]; a {
		if _, b := c.idx[ColClientTimeZone]; b {
			return nil, pipeline.Invalid("header: %q and %q are the same field; keep one", ColTimeZone, ColClientTimeZone)
		}
	}
	for _, req := range []string{ColAgentID, ColRecording1} {
		if _, ok := c.idx[req]; !ok {
			return nil, pipeline.Invalid("header: the required column %q is missing", req)
		}
	}
	return c, nil
}

func (c *csvColumns) get(cells []string, col int) string {
	if i := c.pos[col]; i >= 0 && i < len(cells) {
		return cells[i]
	}
	return ""
}

// parse turns one CSV row into a row.
func (c *csvColumns) parse(num int, cells []string) *row {
	r := &row{}
	c.parseInto(r, num, cells)
	return r
}

// parseInto fills r (reusing its recordings slice) from one CSV row.
func (c *csvColumns) parseInto(r *row, num int, cells []string) {
	*r = row{num: num, cells: cells, recs: r.recs[:0], metadata: r.metadata[:0]}
	get := func(col int) string { return c.get(cells, col) }
	r.setAgent(ColAgentID, get(iAgentID))
	r.setStart(ColContactStartTimeMs, get(iContactStartTimeMs))
	tzCol, tz := ColTimeZone, get(iTimeZone)
	if c.pos[iClientTimeZone] >= 0 {
		tzCol, tz = ColClientTimeZone, get(iClientTimeZone)
	}
	r.setTimeZone(c.zones, tzCol, tz)
	r.assocCallID = r.text(ColAssocCallID, get(iAssocCallID), maxAssocCallID)
	r.callID = r.text(ColCallID, get(iCallID), maxCallID)
	r.called = r.text(ColCalledAddress, get(iCalledAddress), maxAddress)
	r.calling = r.text(ColCallingAddress, get(iCallingAddress), maxAddress)
	r.line = r.text(ColLine, get(iLine), maxAddress)
	r.setDirection(ColDirection, get(iDirection))
	for _, m := range c.meta {
		if m.i < len(cells) {
			r.setMetadata(m.name, cells[m.i])
		}
	}
	r.addRecording(ColRecording1, get(iRecording1), 0)
	off, ok := r.millis(ColRecording2Offset, get(iRecording2Offset))
	if ok && strings.TrimSpace(get(iRecording2)) == "" {
		r.fail(ColRecording2Offset, "given without a %s", ColRecording2)
	}
	r.addRecording(ColRecording2, get(iRecording2), off)
	r.addRecording(ColRecording3, get(iRecording3), 0)
	r.addRecording(ColAudioLocation, get(iAudioLocation), r.offset(ColAudioStartTimeMs, get(iAudioStartTimeMs)))
	r.addRecording(ColScreenLocation, get(iScreenLocation), r.offset(ColScreenStartTimeMs, get(iScreenStartTimeMs)))
	r.checkRecordings()
}

// offset turns a recording's absolute start time into its offset from the
// contact's start (0 when either is unknown).
func (r *row) offset(col, v string) int64 {
	start, ok := r.millis(col, v)
	if !ok || !r.hasStart {
		return 0
	}
	return start - r.startMs
}

// readCSV is readCSVWith with the default csvio.Options.
func readCSV(rd io.Reader, volatile bool, fn func(*row) error) ([]string, error) {
	return readCSVWith(rd, csvio.Options{}, volatile, fn)
}

// readCSVWith reads a contacts CSV as o says, calling fn for every row in
// order. It returns the header, or an EINVALID error for a file that is
// unusable. The row and its cells slice are reused: fn must copy what it
// keeps. With volatile, so are the bytes behind every string of the row
// (its cells and the fields parsed from them): they are valid only during
// fn, which must strings.Clone any it keeps. That saves copying the whole
// file once more.
func readCSVWith(rd io.Reader, o csvio.Options, volatile bool, fn func(*row) error) ([]string, error) {
	cr, cols, err := openCSV(rd, o)
	if err != nil {
		return nil, err
	}
	if volatile {
		cr.Volatile()
	}
	r := &row{}
	for {
		rec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return cr.Header(), nil
		}
		if err != nil {
			return nil, err
		}
		if rec.Err != "" {
			*r = row{num: rec.Num, cells: rec.Cells, err: rec.Err, recs: r.recs[:0], metadata: r.metadata[:0]}
		} else {
			cols.parseInto(r, rec.Num, rec.Cells)
		}
		if err := fn(r); err != nil {
			return nil, err
		}
	}
}

// openCSV reads and checks a contacts CSV's header, as o says; rows are
// read with one reused cells slice.
func openCSV(rd io.Reader, o csvio.Options) (*csvio.Reader, *csvColumns, error) {
	cr, err := csvio.NewReaderOptions(rd, o)
	if err != nil {
		return nil, nil, pipeline.Invalid("%v", err)
	}
	cols, err := mapCSVHeader(cr.Header())
	if err != nil {
		return nil, nil, err
	}
	cr.ReuseRecord()
	return cr, cols, nil
}

// scanCSV is the importer's first, light pass: it checks the header, counts
// rows and collects the recording names (of the rows within the limit),
// without validating rows.
func scanCSV(rd io.Reader, o csvio.Options, refs *refSet) ([]string, int, error) {
	cr, cols, err := openCSV(rd, o)
	if err != nil {
		return nil, 0, err
	}
	cr.Volatile() // refs clones the names it keeps
	rows := 0
	for {
		rec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return cr.Header(), rows, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if rows++; rows > maxRows {
			continue // the row pass fails these rows
		}
		for _, col := range recordingColumns {
			if loc := strings.TrimSpace(cols.get(rec.Cells, col)); loc != "" {
				refs.add(loc)
			}
		}
	}
}
