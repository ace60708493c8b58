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
	meta  []metaColumn
	zones zoneCache
}

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
				return nil, pipeline.Invalid("header: column %q has no metadata field name after %q", name, MetadataPrefix)
			case n > maxMetaName:
				return nil, pipeline.Invalid("header: column %q: a metadata field name has at most %d characters, this one %d", name, maxMetaName, n)
			}
			c.meta = append(c.meta, metaColumn{i, rest})
			continue
		}
		if !slices.Contains(Columns, name) {
			return nil, pipeline.Invalid("header: unknown column %q%s; custom fields are named %s<name>", name, csvio.Suggest(name, Columns), MetadataPrefix)
		}
		c.idx[name] = i
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

func (c *csvColumns) get(cells []string, col string) string {
	if i, ok := c.idx[col]; ok && i < len(cells) {
		return cells[i]
	}
	return ""
}

// parse turns one CSV row into a row.
func (c *csvColumns) parse(num int, cells []string) *row {
	r := &row{num: num, cells: cells}
	get := func(col string) string { return c.get(cells, col) }
	r.setAgent(ColAgentID, get(ColAgentID))
	r.setStart(ColContactStartTimeMs, get(ColContactStartTimeMs))
	tzCol := ColTimeZone
	if _, ok := c.idx[ColClientTimeZone]; ok {
		tzCol = ColClientTimeZone
	}
	r.setTimeZone(c.zones, tzCol, get(tzCol))
	r.assocCallID = r.text(ColAssocCallID, get(ColAssocCallID), maxAssocCallID)
	r.callID = r.text(ColCallID, get(ColCallID), maxCallID)
	r.called = r.text(ColCalledAddress, get(ColCalledAddress), maxAddress)
	r.calling = r.text(ColCallingAddress, get(ColCallingAddress), maxAddress)
	r.line = r.text(ColLine, get(ColLine), maxAddress)
	r.setDirection(ColDirection, get(ColDirection))
	for _, m := range c.meta {
		if m.i < len(cells) {
			r.setMetadata(header(m), m.name, cells[m.i])
		}
	}
	r.addRecording(ColRecording1, get(ColRecording1), 0)
	off, ok := r.millis(ColRecording2Offset, get(ColRecording2Offset))
	if ok && strings.TrimSpace(get(ColRecording2)) == "" {
		r.fail(ColRecording2Offset, "given without a %s", ColRecording2)
	}
	r.addRecording(ColRecording2, get(ColRecording2), off)
	r.addRecording(ColRecording3, get(ColRecording3), 0)
	r.addRecording(ColAudioLocation, get(ColAudioLocation), r.offset(ColAudioStartTimeMs, get(ColAudioStartTimeMs)))
	r.addRecording(ColScreenLocation, get(ColScreenLocation), r.offset(ColScreenStartTimeMs, get(ColScreenStartTimeMs)))
	r.checkRecordings()
	return r
}

func header(m metaColumn) string { return MetadataPrefix + m.name }

// offset turns a recording's absolute start time into its offset from the
// contact's start (0 when either is unknown).
func (r *row) offset(col, v string) int64 {
	start, ok := r.millis(col, v)
	if !ok || !r.hasStart {
		return 0
	}
	return start - r.startMs
}

// readCSV reads a contacts CSV, calling fn for every row in order. It
// returns the header, or an EINVALID error for a file that is unusable.
func readCSV(rd io.Reader, fn func(*row) error) ([]string, error) {
	cr, err := csvio.NewReader(rd)
	if err != nil {
		return nil, pipeline.Invalid("%v", err)
	}
	cols, err := mapCSVHeader(cr.Header())
	if err != nil {
		return nil, err
	}
	for {
		rec, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return cr.Header(), nil
		}
		if err != nil {
			return nil, err
		}
		var r *row
		if rec.Err != "" {
			r = &row{num: rec.Num, cells: rec.Cells, err: rec.Err}
		} else {
			r = cols.parse(rec.Num, rec.Cells)
		}
		if err := fn(r); err != nil {
			return nil, err
		}
	}
}
