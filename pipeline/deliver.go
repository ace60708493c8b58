package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/internal/fsx"
)

// Folders under a tenant folder where finished files go, as on the real
// Data Server.
const (
	ArchivesDir   = "archives"
	PenaltyBoxDir = "penaltyBox"
)

// deliver puts a final job's files where they belong: a folder job's under
// <origin>/archives/<date>/ (or penaltyBox/ when it failed) with its error
// report beside them; an upload's are removed, as are media (they are in
// the media store by now). It can be replayed.
//
// It never delivers through a link: when the tenant folder, its archives/
// or penaltyBox/, or the date folder under it is a symbolic link (or a
// Windows junction or other reparse point), it refuses with an error and
// leaves the files in the work folder, the job final but not delivered, so
// that it is tried again (at the latest at the next start) once an admin
// has replaced the link by a folder. Refusing rather than removing the link
// and making a folder: the link is the tenant's, and files written through
// it could land anywhere bulkd may write (another tenant's folder, /etc).
func (r *Runner) deliver(ctx context.Context, j *bulkd.Job) error {
	work := r.workDir(j.ID)
	if j.Source != bulkd.SourceFolder || j.Origin == "" {
		return fsx.RemoveAll(work)
	}
	if j.Delivered == nil {
		plan := r.plan(j)
		var err error
		if j, err = r.jobs.UpdateJob(ctx, j.ID, func(j *bulkd.Job) error { j.Delivered = plan; return nil }); err != nil {
			return err
		}
	}
	r.hold(j)
	dir := filepath.Dir(j.Delivered[0])
	if err := r.deliveryDir(j, dir); err != nil {
		r.jobLog(j).Error("not delivering job through a link; its files stay in the work folder",
			"work", work, "error", err)
		return err
	}
	if report := j.Delivered[len(j.Files)]; report != "" {
		err := fsx.WriteAtomic(report, func(f *os.File) error { return WriteReport(ctx, r.jobs, j, f) })
		if err != nil {
			return fmt.Errorf("write %s: %w", report, err)
		}
	}
	for i, name := range j.Files {
		src := filepath.Join(work, name)
		if _, err := os.Stat(src); os.IsNotExist(err) {
			continue // moved before a crash
		}
		if err := fsx.Move(src, j.Delivered[i]); err != nil {
			return err
		}
	}
	if err := fsx.SyncDir(dir); err != nil {
		return err
	}
	r.unplan(j.ID)
	return fsx.RemoveAll(work)
}

// deliveryDir makes dir, <origin>/<archives or penaltyBox>/<date>, and
// checks that neither it nor a folder between origin and it is a link,
// before and after making it (MkdirAll follows links).
func (r *Runner) deliveryDir(j *bulkd.Job, dir string) error {
	rel, err := filepath.Rel(j.Origin, dir)
	if err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("deliver to %s: not under %s", dir, j.Origin)
	}
	check := func() error {
		p := ""
		for _, part := range append([]string{j.Origin}, strings.Split(rel, string(filepath.Separator))...) {
			p = filepath.Join(p, part)
			err := fsx.CheckRealDir(p)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // made below, as a folder
			}
			if err != nil {
				return fmt.Errorf("deliver to %s: %w", dir, err)
			}
		}
		return nil
	}
	if err := check(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return check()
}

// plan decides where each file of j goes. A name already taken in the date
// folder, or planned by another job not yet delivered (jobs of an Overlap
// kind end at once), gets the job id before its extension:
// AGENTS.x.job42.csv. The paths stay planned for j until it is delivered.
func (r *Runner) plan(j *bulkd.Job) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	sub := ArchivesDir
	if j.State == bulkd.StateFailed {
		sub = PenaltyBoxDir
	}
	finished := r.now()
	if j.FinishedAt != nil {
		finished = *j.FinishedAt
	}
	dir := filepath.Join(j.Origin, sub, finished.In(r.cfg.Location).Format("2006-01-02"))
	taken := func(p string) bool {
		if by, ok := r.planned[p]; ok && by != j.ID {
			return true
		}
		_, err := os.Lstat(p)
		return err == nil
	}
	clash := false
	for _, name := range j.Files {
		clash = clash || taken(filepath.Join(dir, name)) || taken(filepath.Join(dir, name+ReportSuffixOf(j)))
	}
	out := make([]string, 0, len(j.Files)+1)
	for _, name := range j.Files {
		if clash {
			ext := filepath.Ext(name)
			name = strings.TrimSuffix(name, ext) + ".job" + strconv.FormatUint(j.ID, 10) + ext
		}
		out = append(out, filepath.Join(dir, name))
	}
	report := ""
	if HasReport(j) {
		report = out[0] + ReportSuffixOf(j)
	}
	out = append(out, report)
	r.holdLocked(j.ID, out)
	return out
}

// hold marks j's planned paths as its own (see plan): they are, once
// stored, and the runner may have restarted since they were planned.
func (r *Runner) hold(j *bulkd.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.holdLocked(j.ID, j.Delivered)
}

// holdLocked marks paths as job id's. Call with r.mu held.
func (r *Runner) holdLocked(id uint64, paths []string) {
	for _, p := range paths {
		if p != "" {
			r.planned[p] = id
		}
	}
}

// unplan forgets the paths planned for job id (see plan).
func (r *Runner) unplan(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unplanLocked(id)
}

// unplanLocked is unplan with r.mu held.
func (r *Runner) unplanLocked(id uint64) {
	for p, by := range r.planned {
		if by == id {
			delete(r.planned, p)
		}
	}
}
