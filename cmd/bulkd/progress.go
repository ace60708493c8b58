package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bulkd/bulkd/api"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// meter shows how far one thing has got: on a terminal a progress bar,
// redrawn in place; elsewhere (a pipe, a log file) a plain line whenever
// what it says changes, at most one a second.
type meter struct {
	w     io.Writer
	label string
	bar   *progressbar.ProgressBar // nil: plain lines
	max   int64
	last  string
	at    time.Time
}

// newMeter starts a meter on w for label, of total units (bytes when
// bytes is set; -1 while unknown).
func (m *Main) newMeter(w io.Writer, label string, total int64, bytes bool) *meter {
	mt := &meter{w: w, label: label, max: total}
	if !m.terminal(w) {
		return mt
	}
	mt.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowBytes(bytes),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionClearOnFinish(),
	)
	return mt
}

// set moves the meter to n of total (-1 while unknown), with note saying
// where things are ("running, 3 failed").
func (mt *meter) set(n, total int64, note string) {
	if mt.bar == nil {
		line := note
		if total > 0 {
			line = fmt.Sprintf("%d/%d, %s", n, total, note)
		}
		if line != mt.last && time.Since(mt.at) >= time.Second {
			fmt.Fprintf(mt.w, "%s: %s\n", mt.label, line)
			mt.last, mt.at = line, time.Now()
		}
		return
	}
	if total != mt.max && total > 0 {
		mt.bar.ChangeMax64(total)
		mt.max = total
	}
	mt.bar.Describe(mt.label + " " + note)
	_ = mt.bar.Set64(n)
}

// stop ends the meter: the bar is cleared, so that what follows it is
// the outcome.
func (mt *meter) stop() {
	if mt.bar != nil {
		_ = mt.bar.Finish()
		_ = mt.bar.Exit()
	}
}

// showJob sets mt from a job's progress.
func (mt *meter) showJob(j api.JobView) {
	note := string(j.State)
	if j.RowsFailed > 0 {
		note = fmt.Sprintf("%s, %d failed", j.State, j.RowsFailed)
	}
	if w := j.Waiting; w != nil {
		note += fmt.Sprintf(", waiting for %s until %s", plural(w.Missing, "recording"), w.Until.Local().Format("15:04:05"))
	}
	total := int64(j.RowsTotal)
	if total == 0 {
		total = -1 // not counted yet
	}
	mt.set(int64(j.RowsDone), total, note)
}

// follow polls a job until it is final, showing its rows on a meter on w,
// and returns it as it ended. poll returns the job as it is now.
func (m *Main) follow(ctx context.Context, w io.Writer, label string, poll func(context.Context) (api.JobView, error)) (api.JobView, error) {
	mt := m.newMeter(w, label, -1, false)
	defer mt.stop()
	t := time.NewTicker(m.pollEvery)
	defer t.Stop()
	for {
		j, err := poll(ctx)
		if err != nil {
			return j, err
		}
		if j.State.Final() {
			return j, nil
		}
		mt.showJob(j)
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-t.C:
		}
	}
}
