package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"time"

	"github.com/bulkd/bulkd"
)

// maxListed is the most jobs GET /v1/jobs lists at once (its limit).
const maxListed = 10_000

// The scenarios' poll intervals: a drain of many jobs is timed over
// seconds and polled gently; the burst's latencies are per file and polled
// fast, which bounds their resolution.
const (
	drainPoll = 20 * time.Millisecond
	burstPoll = 5 * time.Millisecond
)

// scenarios runs the contacts benchmark's scenarios of many files, each in
// a tenant of its own, on the big drop's data dir after every other figure.
type scenarios struct {
	c      *client
	root   string // the watched root
	stage  string // holds a stage folder per tenant
	agents []byte // the AGENTS CSV of the agents the rows name
	o      options
}

// drained is what dropping many files at once measured: from the first
// rename to the poll that saw the last job final.
type drained struct {
	files, rows int
	took        time.Duration
}

// rate is n per second of the drain.
func (d *drained) rate(n int) float64 { return float64(n) / d.took.Seconds() }

// tenant makes the tenant's folder and stage and imports the agents. It
// returns the folder and the newest job's id: the scenario's jobs come
// after it.
func (s *scenarios) tenant(ctx context.Context, name string) (*tenantFolder, uint64, error) {
	f, err := newTenantFolder(s.c, s.root, s.stage, name)
	if err != nil {
		return nil, 0, err
	}
	if err := f.setUp(ctx, [][]byte{s.agents}, nil); err != nil {
		return nil, 0, err
	}
	newest, err := s.c.list(ctx, "", 1)
	if err != nil {
		return nil, 0, err
	}
	return f, newest[0].ID, nil
}

// small drops o.smallFiles files of o.smallRows rows, each naming a WAV of
// its own, all written to the stage first and then renamed in as fast as
// possible (each file's WAV, then its CSV). Written long before their
// rename, the files are settled when the watcher first sees them: the
// figure is the drain, not the settle window. Nil when skipped.
func (s *scenarios) small(ctx context.Context) (*drained, error) {
	o := s.o
	if o.smallFiles == 0 {
		return nil, nil
	}
	f, after, err := s.tenant(ctx, "small")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, 2*o.smallFiles)
	want := make(map[string]int, o.smallFiles)
	for i := range o.smallFiles {
		wav, name := fmt.Sprintf("s%d.wav", i), fmt.Sprintf("CONTACT.s%d.csv", i)
		if err := os.WriteFile(filepath.Join(f.stage, wav), uniqueWAV(o.smallWAV, i), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(f.stage, name), smallCSV(fmt.Sprintf("s-%d", i), wav, o.smallRows), 0o644); err != nil {
			return nil, err
		}
		names = append(names, wav, name)
		want[name] = o.smallRows
	}
	took, err := s.drain(ctx, f, after, names, want, o.smallProfile, o.smallTrace)
	if err != nil {
		return nil, err
	}
	return &drained{files: o.smallFiles, rows: o.smallFiles * o.smallRows, took: took}, nil
}

// drain renames names from f's stage into its tenant folder and waits for
// the jobs of want (file → rows) to be final and as wanted; it returns how
// long that took, profiled into the files given ("": not).
func (s *scenarios) drain(ctx context.Context, f *tenantFolder, after uint64, names []string, want map[string]int, cpuProfile, trace string) (time.Duration, error) {
	stop, err := startProfiles(cpuProfile, trace)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	err = dropFiles(f.stage, f.dir, nil, names)
	var jobs []job
	if err == nil {
		jobs, err = s.c.waitAll(ctx, f.tenant, after, len(want), drainPoll)
	}
	took := time.Since(start)
	if err := errors.Join(err, stop()); err != nil {
		return 0, err
	}
	return took, s.c.checkJobs(ctx, jobs, want)
}

// split drops the big file's rows again, in a tenant of their own, as
// o.splitFiles CSVs of o.rows/o.splitFiles rows, all written to the stage
// first and then renamed in at once (the WAVs, then the CSVs). Each WAV is
// taken by the one job that names it first (a job that names it later
// waits media_wait for it, then fails the row), so the CSVs cannot share
// the big file's round robin over every WAV: the big drop's WAVs (names
// and bytes; more of them, the same way, when there are more CSVs than
// WAVs) are dealt out, WAV j to CSV j mod o.splitFiles, and each CSV's
// rows name its own WAVs round robin. Nil when skipped.
func (s *scenarios) split(ctx context.Context) (*drained, error) {
	o := s.o
	if o.splitFiles == 0 {
		return nil, nil
	}
	f, after, err := s.tenant(ctx, "split")
	if err != nil {
		return nil, err
	}
	nw := max(o.mediaFiles, o.splitFiles)
	names := make([]string, 0, nw+o.splitFiles)
	for j := range nw {
		name := fmt.Sprintf("call%d.wav", j)
		if err := os.WriteFile(filepath.Join(f.stage, name), wavBytes(o.mediaSize, j), 0o644); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	want := make(map[string]int, o.splitFiles)
	for k := range o.splitFiles {
		lo, hi := k*o.rows/o.splitFiles, (k+1)*o.rows/o.splitFiles
		var own []string
		for j := k; j < nw; j += o.splitFiles {
			own = append(own, names[j])
		}
		name := fmt.Sprintf("CONTACT.split%d.csv", k)
		if _, err := writeContactsCSV(filepath.Join(f.stage, name), lo, hi, func(i int) string { return own[(i-lo)%len(own)] }); err != nil {
			return nil, err
		}
		names = append(names, name)
		want[name] = hi - lo
	}
	took, err := s.drain(ctx, f, after, names, want, "", "")
	if err != nil {
		return nil, err
	}
	return &drained{files: o.splitFiles, rows: o.rows, took: took}, nil
}

// splitRows says how many rows each of files CSVs of rows holds: "1000",
// or "333–334" when they differ.
func splitRows(rows, files int) string {
	lo, hi := rows/files, (rows+files-1)/files
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// burst drops o.burst small files (o.dropRows rows and a WAV each) at once
// and returns each one's time from its CSV's rename to the poll (every
// burstPoll) that saw its job final, sorted. The files are written to the
// stage just before their renames, as the one-after-another drops are, so
// each waits the settle window. Nil when skipped.
func (s *scenarios) burst(ctx context.Context) ([]time.Duration, error) {
	o := s.o
	if o.burst == 0 {
		return nil, nil
	}
	f, _, err := s.tenant(ctx, "burst")
	if err != nil {
		return nil, err
	}
	want := make(map[string]int, o.burst)
	for i := range o.burst {
		wav, name := fmt.Sprintf("b%d.wav", i), fmt.Sprintf("CONTACT.b%d.csv", i)
		if err := os.WriteFile(filepath.Join(f.stage, wav), uniqueWAV(o.mediaSize, i), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(f.stage, name), smallCSV(fmt.Sprintf("b-%d", i), wav, o.dropRows), 0o644); err != nil {
			return nil, err
		}
		want[name] = o.dropRows
	}
	dropped := make(map[string]time.Time, o.burst)
	for i := range o.burst {
		wav, name := fmt.Sprintf("b%d.wav", i), fmt.Sprintf("CONTACT.b%d.csv", i)
		if err := os.Rename(filepath.Join(f.stage, wav), filepath.Join(f.dir, wav)); err != nil {
			return nil, err
		}
		dropped[name] = time.Now()
		if err := os.Rename(filepath.Join(f.stage, name), filepath.Join(f.dir, name)); err != nil {
			return nil, err
		}
	}
	var finals []job
	lat := make([]time.Duration, 0, o.burst)
	tick := time.NewTicker(burstPoll)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Minute)
	for {
		jobs, err := s.c.list(ctx, f.tenant, min(o.burst+f.jobs, maxListed))
		if err != nil {
			return nil, err
		}
		now := time.Now()
		for _, j := range jobs {
			if t0, ok := dropped[j.File]; ok && final(j.State) {
				lat = append(lat, now.Sub(t0))
				finals = append(finals, j)
				delete(dropped, j.File)
			}
		}
		if len(dropped) == 0 {
			break
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("timed out waiting for %d of %d jobs", len(dropped), o.burst)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	if err := s.c.checkJobs(ctx, finals, want); err != nil {
		return nil, err
	}
	slices.Sort(lat)
	return lat, nil
}

// uniqueWAV is wavBytes with seed written over its first samples, so that
// no two seeds share bytes (wavBytes repeats every 256 seeds) and each
// recording is stored, not found stored already.
func uniqueWAV(size, seed int) []byte {
	b := wavBytes(size, seed)
	var s [4]byte
	putLE32(s[:], uint32(seed))
	copy(b[44:], s[:])
	return b
}

// startProfiles starts a CPU profile into cpuPath and an execution trace
// into tracePath (each "": none) and returns what stops them.
func startProfiles(cpuPath, tracePath string) (stop func() error, err error) {
	var stops []func() error
	stop = func() error {
		var err error
		for _, s := range stops {
			err = errors.Join(err, s())
		}
		return err
	}
	for _, p := range []struct {
		path        string
		start       func(io.Writer) error
		stopProfile func()
	}{
		{cpuPath, pprof.StartCPUProfile, pprof.StopCPUProfile},
		{tracePath, trace.Start, trace.Stop},
	} {
		if p.path == "" {
			continue
		}
		f, err := os.Create(p.path)
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		if err := p.start(f); err != nil {
			return nil, errors.Join(err, f.Close(), stop())
		}
		stops = append(stops, func() error { p.stopProfile(); return f.Close() })
	}
	return stop, nil
}

// final reports whether a job in state is done.
func final(state string) bool { return bulkd.JobState(state).Final() }

// list returns up to limit jobs of tenant ("": of every tenant), newest
// first, as GET /v1/jobs lists them (without their lists).
func (c *client) list(ctx context.Context, tenant string, limit int) ([]job, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	b, err := c.get(ctx, "/v1/jobs?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	var out struct{ Jobs []job }
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out.Jobs, nil
}

// get GETs path from the daemon and returns the body of a 200 (up to 64
// MiB); another status is an error quoting the body's start.
func (c *client) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: %s: %s", path, resp.Status, b[:min(len(b), 4<<10)])
	}
	return b, nil
}

// waitAll polls every `every` until the tenant has n jobs made after the
// job after, all final, and returns them, newest first. While they run it
// asks only for the tenant's newest job, a listing of one; it lists n only
// once that job is final and its id says that n jobs may have been made
// since (ids count up across tenants, so the check never holds back a
// listing that is due).
func (c *client) waitAll(ctx context.Context, tenant string, after uint64, n int, every time.Duration) ([]job, error) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Minute)
	for {
		newest, err := c.list(ctx, tenant, 1)
		if err != nil {
			return nil, err
		}
		if len(newest) == 1 && final(newest[0].State) && newest[0].ID >= after+uint64(n) {
			jobs, err := c.list(ctx, tenant, n)
			if err != nil {
				return nil, err
			}
			done := len(jobs) == n && jobs[n-1].ID > after
			for _, j := range jobs {
				done = done && final(j.State)
			}
			if done {
				return jobs, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("timed out waiting for %d jobs of tenant %s", n, tenant)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// checkJobs fails unless jobs are one succeeded job of each file of want
// with the rows it names.
func (c *client) checkJobs(ctx context.Context, jobs []job, want map[string]int) error {
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		rows, ok := want[j.File]
		switch {
		case !ok || seen[j.File]:
			return fmt.Errorf("job %d is of %s: not one of the files dropped, or a second job of it", j.ID, j.File)
		case j.State != "succeeded" || j.RowsTotal != rows:
			full, err := c.job(ctx, j.ID)
			if err != nil {
				return err
			}
			return c.jobError(ctx, full, fmt.Sprintf("%d rows; want succeeded, %d rows", full.RowsTotal, rows))
		}
		seen[j.File] = true
	}
	if len(seen) != len(want) {
		return fmt.Errorf("%d jobs for %d files", len(seen), len(want))
	}
	return nil
}
