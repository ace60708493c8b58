package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/store"
)

type storeOptions struct {
	recordings, batch    int
	jobs, tenants, pages int
	keep                 bool
}

// runStore is `bulkbench store`: the job bookkeeping's costs, against the
// store directly. Recording the takes of one job with many recordings
// (total, and per batch at the start and at the end: a cost that grows
// with the job shows there), then, with many stored jobs across many
// tenants, a page of a tenant's jobs, a lookup by external id and the
// exclusivity check, as the API's handlers make them.
func runStore(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bulkbench store", flag.ContinueOnError)
	var o storeOptions
	fs.IntVar(&o.recordings, "recordings", 100_000, "recordings one job takes")
	fs.IntVar(&o.batch, "batch", 256, "recordings a take records (the pipeline's early batch)")
	fs.IntVar(&o.jobs, "jobs", 100_000, "jobs stored for the lookups")
	fs.IntVar(&o.tenants, "tenants", 100, "tenants the jobs belong to (round robin)")
	fs.IntVar(&o.pages, "queries", 200, "queries of each kind timed")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bulkbench-store-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(tmp)
	}
	fmt.Printf("bulkbench store: %d recordings in takes of %d; %d jobs across %d tenants, %d queries each; %s\n",
		o.recordings, o.batch, o.jobs, o.tenants, o.pages, tmp)
	if err := benchTakes(ctx, filepath.Join(tmp, "takes.db"), o); err != nil {
		return err
	}
	return benchLookups(ctx, filepath.Join(tmp, "jobs.db"), o)
}

// benchTakes records o.recordings names on one job, o.batch a transaction,
// as Run.take does while a contacts job's first pass finds them.
func benchTakes(ctx context.Context, path string, o storeOptions) error {
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	j := &bulkd.Job{Tenant: "bench", Kind: bulkd.KindContacts, Source: bulkd.SourceFolder, State: bulkd.StateRunning,
		File: "CONTACT.big.csv", Files: []string{"CONTACT.big.csv"}, Origin: "/data/gis/bench"}
	if err := st.CreateJob(ctx, j); err != nil {
		return err
	}
	var per []time.Duration
	start := time.Now()
	for i := 0; i < o.recordings; i += o.batch {
		names := make([]string, 0, o.batch)
		for k := i; k < min(i+o.batch, o.recordings); k++ {
			names = append(names, fmt.Sprintf("call%07d.wav", k))
		}
		t0 := time.Now()
		if err := st.AddMedia(ctx, j.ID, names); err != nil {
			return err
		}
		per = append(per, time.Since(t0))
	}
	total := time.Since(start)
	n := min(20, len(per)/2)
	fmt.Printf("\ntakes           %10s       (%d recordings of one job, %d transactions of %d)\n",
		total.Round(time.Millisecond), o.recordings, len(per), o.batch)
	fmt.Printf("take per batch  first %d: %s   last %d: %s   (mean; equal when linear)\n",
		n, mean(per[:n]).Round(10*time.Microsecond), n, mean(per[len(per)-n:]).Round(10*time.Microsecond))
	return nil
}

// benchLookups stores o.jobs final jobs across o.tenants tenants and
// times the API's job lookups.
func benchLookups(ctx context.Context, path string, o storeOptions) error {
	st, err := store.Open(path)
	if err != nil {
		return err
	}
	defer st.Close()
	kinds := []bulkd.Kind{bulkd.KindAgents, bulkd.KindContacts, bulkd.KindSchedule}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	jobs := make([]*bulkd.Job, 0, o.jobs)
	for i := range o.jobs {
		created := base.Add(time.Duration(i) * time.Second)
		finished := created.Add(30 * time.Second)
		name := fmt.Sprintf("FILE.%d.csv", i)
		tenant := fmt.Sprintf("tenant%03d", i%o.tenants)
		jobs = append(jobs, &bulkd.Job{
			Tenant: tenant, Kind: kinds[(i/o.tenants)%len(kinds)], Source: bulkd.SourceFolder, State: bulkd.StateSucceeded,
			File: name, Files: []string{name}, Origin: "/data/gis/" + tenant, CreatedAt: created, StartedAt: &created, FinishedAt: &finished,
			RowsTotal: 1000, RowsDone: 1000, ExternalID: externalID(i), SHA256: fmt.Sprintf("%064x", i),
			Header:    []string{"AgentId", "ContactStartTimeMs", "TimeZone", "CallId", "Direction", "Recording1"},
			Delivered: []string{"/data/gis/" + tenant + "/archives/2026-11-01/" + name, ""},
		})
	}
	t0 := time.Now()
	if err := st.CreateJobs(ctx, jobs, 10_000); err != nil {
		return err
	}
	fill := time.Since(t0)
	if fi, err := os.Stat(path); err == nil {
		fmt.Printf("\n%d jobs stored in %s, store file %.1f MB\n", o.jobs, fill.Round(time.Millisecond), float64(fi.Size())/1e6)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	timeIt := func(label, what string, f func(i int) bulkd.JobFilter, want int) error {
		for i := range 10 { // warm the page cache and the mmap
			if _, err := st.Jobs(ctx, f(i)); err != nil {
				return err
			}
		}
		lat := make([]time.Duration, 0, o.pages)
		for i := range o.pages {
			filter := f(i)
			t := time.Now()
			got, err := st.Jobs(ctx, filter)
			lat = append(lat, time.Since(t))
			if err != nil {
				return err
			}
			if len(got) != want {
				return fmt.Errorf("%s: %d jobs, want %d (%+v)", label, len(got), want, filter)
			}
		}
		slices.Sort(lat)
		fmt.Printf("%-15s p50 %-9s p99 %-9s (%s)\n", label, pct(lat, 0.50), pct(lat, 0.99), what)
		return nil
	}
	tenant := func() string { return fmt.Sprintf("tenant%03d", rng.IntN(o.tenants)) }
	if err := timeIt("jobs page", "?tenant=x&limit=100: a page of 100 of the tenant's jobs, newest first",
		func(int) bulkd.JobFilter { return bulkd.JobFilter{Tenant: tenant(), Limit: 100, Brief: true} }, min(100, o.jobs/o.tenants)); err != nil {
		return err
	}
	if err := timeIt("external id", "a schedule import by its UUID, as GET …/event-imports/{id}",
		func(int) bulkd.JobFilter {
			i := rng.IntN(o.jobs)
			return bulkd.JobFilter{Tenant: jobs[i].Tenant, Kind: jobs[i].Kind, ExternalID: jobs[i].ExternalID, Limit: 1}
		}, 1); err != nil {
		return err
	}
	return timeIt("exclusive check", "the tenant's unfinished schedule imports, Limit 1: none",
		func(int) bulkd.JobFilter {
			return bulkd.JobFilter{Tenant: tenant(), Kind: bulkd.KindSchedule, Unfinished: true, Limit: 1, Brief: true}
		}, 0)
}

// externalID is a UUID-shaped id for job i.
func externalID(i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", i*2654435761%(1<<32), i)
}

func mean(d []time.Duration) time.Duration {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(max(1, len(d)))
}

func pct(sorted []time.Duration, p float64) string {
	d := sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
	return d.Round(time.Microsecond).String()
}
