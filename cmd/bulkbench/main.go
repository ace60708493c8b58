// Command bulkbench measures bulkd. `bulkbench contacts` generates a
// synthetic tenant (agents, a CONTACT CSV of -rows rows naming -media small
// WAV files), drops it into a daemon started in-process on a temp dir, and
// prints, all from the same run on the same data: end-to-end rows/s and the
// two limits it is held against (encoding/csv reading the same file; bbolt
// alone storing records of the same average size, same rows per
// transaction), drop-to-done latency over many small drops, media MB/s into
// the media store against SHA-256 on every core and a plain copy, and peak
// RSS and Go heap; then, in tenants of their own on the same data dir,
// many small files dropped at once and drained, the big file split into
// many, and the latency of a burst of small drops (drops.go).
// `bulkbench store` (store.go) measures the job bookkeeping: the takes of a
// job with many recordings, and job lookups among many stored jobs.
// `bulkbench objects` (objects.go) measures the objects kind: a User CSV
// created, updated and sent again unchanged, and a tenant ZIP of every
// object type.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/pipeline/contacts"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
)

type options struct {
	rows, mediaFiles, mediaSize int
	drops, dropRows             int
	bigFiles, bigSize           int
	mediaRuns                   int
	smallFiles, smallRows       int
	smallWAV                    int
	splitFiles, burst           int
	settle                      time.Duration
	keep, bucket                bool
	cpuProfile, memProfile      string
	smallProfile, smallTrace    string
}

// contactsFlags returns the flags of `bulkbench contacts`, which set o.
func contactsFlags(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("bulkbench contacts", flag.ContinueOnError)
	fs.IntVar(&o.rows, "rows", 1_000_000, "rows in the big CONTACT CSV")
	fs.IntVar(&o.mediaFiles, "media", 1000, "WAV files the rows name (round robin)")
	fs.IntVar(&o.mediaSize, "media-size", 16<<10, "bytes per small WAV")
	fs.IntVar(&o.drops, "drops", 200, "small drops for the latency figures (0: none)")
	fs.IntVar(&o.dropRows, "drop-rows", 10, "rows per small drop (one after another, and in the burst)")
	fs.IntVar(&o.bigFiles, "big-media", 64, "files for the media throughput figure (0: no media figures)")
	fs.IntVar(&o.bigSize, "big-media-size", 4<<20, "bytes per file for the media throughput figure")
	fs.IntVar(&o.mediaRuns, "media-runs", 5, "runs of the media store and SHA-256 figures (the median is printed)")
	fs.BoolVar(&o.bucket, "bucket", true, "also store the big-media files in an S3 bucket of a SeaweedFS started on loopback (needs .ci/weed's binary)")
	fs.IntVar(&o.smallFiles, "small-files", 10_000, "small files dropped at once and drained, in a tenant of their own (0: skip; at most 10000)")
	fs.IntVar(&o.smallRows, "small-rows", 10, "rows per small file of -small-files")
	fs.IntVar(&o.smallWAV, "small-wav-size", 16<<10, "bytes of each small file's own WAV")
	fs.IntVar(&o.splitFiles, "split-files", 1000, "CSVs the big file's rows are split into, dropped at once in a tenant of their own (0: skip; at most 10000)")
	fs.IntVar(&o.burst, "burst", 100, "small drops renamed in at once for the burst latency (0: skip; at most 10000)")
	fs.DurationVar(&o.settle, "settle", 100*time.Millisecond, "watch.settle for the run")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the big drop to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of the big drop to this file")
	fs.StringVar(&o.smallProfile, "small-cpuprofile", "", "write a CPU profile of the -small-files drain (renames to the last job final) to this file")
	fs.StringVar(&o.smallTrace, "small-trace", "", "write an execution trace of the -small-files drain to this file (go tool trace -pprof=syscall shows where the wall time goes)")
	return fs
}

// parseContacts parses the arguments of `bulkbench contacts`.
func parseContacts(args []string) (options, error) {
	var o options
	if err := contactsFlags(&o).Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.rows < 1 || o.mediaFiles < 1 || o.dropRows < 1 || o.smallRows < 1:
		return o, errors.New("-rows, -media, -drop-rows and -small-rows must be at least 1")
	case o.drops < 0 || o.bigFiles < 0 || o.smallFiles < 0 || o.splitFiles < 0 || o.burst < 0:
		return o, errors.New("-drops, -big-media, -small-files, -split-files and -burst must be at least 0")
	case o.smallFiles > maxListed || o.splitFiles > maxListed || o.burst > maxListed:
		return o, fmt.Errorf("-small-files, -split-files and -burst must be at most %d, the most jobs /v1/jobs lists at once", maxListed)
	case o.splitFiles > o.rows:
		return o, fmt.Errorf("-split-files %d: more files than the %d rows", o.splitFiles, o.rows)
	case o.bigFiles > 0 && (o.mediaRuns < 1 || o.bigSize < 1):
		return o, errors.New("-media-runs and -big-media-size must be at least 1")
	}
	return o, nil
}

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bulkbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "store" {
		return runStore(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "objects" {
		return runObjects(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "contacts" {
		return errors.New("usage: bulkbench contacts [-rows N] [-media M] [-drops K] …, bulkbench store [-recordings N] [-jobs J] …, or bulkbench objects [-rows N] [-sites S] [-runs R] … (-h for all)")
	}
	o, err := parseContacts(args[1:])
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bulkbench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(tmp)
	}
	fmt.Printf("bulkbench contacts: %d rows, %d WAVs of %d bytes, settle %s, GOMAXPROCS %d, %s\n",
		o.rows, o.mediaFiles, o.mediaSize, o.settle, runtime.GOMAXPROCS(0), tmp)
	return benchContacts(ctx, os.Stdout, tmp, o)
}

func benchContacts(ctx context.Context, w io.Writer, tmp string, o options) error {
	cfg, diags, _ := config.Load("")
	if diags.HasErrors() {
		return diags
	}
	cfg.DataDir = filepath.Join(tmp, "data")
	cfg.Watch.Root = filepath.Join(cfg.DataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = o.settle
	d, c, err := openDaemon(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // whichever runs then; Close is safe twice

	// Agents the rows name.
	tenantDir := filepath.Join(cfg.Watch.Root, "bench")
	stage := filepath.Join(tmp, "stage")
	for _, dir := range []string{tenantDir, stage} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	agentsCSV := benchAgentsCSV()
	if err := dropFiles(stage, tenantDir, map[string][]byte{"AGENTS.bench.csv": agentsCSV}, nil); err != nil {
		return err
	}
	if _, err := c.waitJobs(ctx, "bench", 1); err != nil {
		return err
	}

	// The big drop.
	csvPath := filepath.Join(stage, "CONTACT.big.csv")
	wavs, csvBytes, err := generate(stage, csvPath, o)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	if o.memProfile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	resetPeakRSS()
	sampler := startHeapSampler()
	start := time.Now()
	if err := dropFiles(stage, tenantDir, nil, append(wavs, "CONTACT.big.csv")); err != nil {
		return err
	}
	jobs, err := c.waitJobs(ctx, "bench", 2)
	if err != nil {
		return err
	}
	e2e := time.Since(start)
	pprof.StopCPUProfile()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if o.memProfile != "" {
		if err := writeHeapProfile(o.memProfile); err != nil {
			return err
		}
	}
	peakHeap := sampler.stop()
	rss, rssAnon := peakRSS()
	big := jobs[0]
	if big.State != "succeeded" || big.RowsTotal != o.rows {
		return fmt.Errorf("big drop ended %s with %d of %d rows (%s)", big.State, big.RowsTotal, o.rows, big.Error)
	}

	// Latency of small drops, one after another.
	lat := make([]time.Duration, 0, o.drops)
	wav := wavBytes(o.mediaSize, 0)
	for i := 0; i < o.drops; i++ {
		csvb := smallCSV(fmt.Sprintf("small-%d", i), fmt.Sprintf("small%d.wav", i), o.dropRows)
		name := fmt.Sprintf("CONTACT.small%d.csv", i)
		t0 := time.Now()
		err := dropFiles(stage, tenantDir, map[string][]byte{fmt.Sprintf("small%d.wav", i): wav, name: csvb},
			[]string{fmt.Sprintf("small%d.wav", i), name})
		if err != nil {
			return err
		}
		if _, err := c.waitJobs(ctx, "bench", 3+i); err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
	}
	if err := d.Close(); err != nil {
		return err
	}

	// The limits, on the same data.
	st, err := store.Open(daemon.StorePath(cfg))
	if err != nil {
		return err
	}
	n, avg, err := st.ContactStats(ctx, "bench")
	st.Close()
	if err != nil {
		return err
	}
	archived := filepath.Join(tenantDir, "archives", time.Now().Format("2006-01-02"), "CONTACT.big.csv")
	csvRate, err := csvReadRate(archived)
	if err != nil {
		return err
	}
	boltTime, err := store.MeasurePuts(tmp, o.rows, int(avg+0.5), contacts.DefaultBatch)
	if err != nil {
		return err
	}
	boltRate := float64(o.rows) / boltTime.Seconds()
	e2eRate := float64(o.rows) / e2e.Seconds()

	var m mediaFigures
	if o.bigFiles > 0 {
		if m, err = mediaRates(filepath.Join(tmp, "mediabench"), o.bigFiles, o.bigSize, o.mediaRuns, o.bucket); err != nil {
			return err
		}
	}

	// The scenarios of many files (drops.go), each in a tenant of its own,
	// on the same data dir with the daemon started again: last, so that
	// the figures above are measured as before, free of their writeback.
	var burst []time.Duration
	var split, small *drained
	if o.burst > 0 || o.splitFiles > 0 || o.smallFiles > 0 {
		d2, c2, err := openDaemon(ctx, cfg)
		if err != nil {
			return err
		}
		d, c = d2, c2
		sc := &scenarios{c: c, root: cfg.Watch.Root, stage: filepath.Join(tmp, "stages"), agents: agentsCSV, o: o}
		if burst, err = sc.burst(ctx); err != nil {
			return fmt.Errorf("burst: %w", err)
		}
		if split, err = sc.split(ctx); err != nil {
			return fmt.Errorf("split: %w", err)
		}
		if small, err = sc.small(ctx); err != nil {
			return fmt.Errorf("small files: %w", err)
		}
		if err := d.Close(); err != nil {
			return err
		}
	}

	slices.Sort(lat)
	pct := func(lat []time.Duration, p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	limit := min(csvRate, boltRate)
	fmt.Fprintf(w, "\nend to end      %10.0f rows/s  (%d rows, %.1f MB CSV, drop → succeeded in %s)\n", e2eRate, o.rows, float64(csvBytes)/1e6, e2e.Round(time.Millisecond))
	fmt.Fprintf(w, "encoding/csv    %10.0f rows/s  (the same file, read only)\n", csvRate)
	fmt.Fprintf(w, "bbolt alone     %10.0f rows/s  (%d values of %.0f bytes = the stored contacts' average, %d per transaction)\n", boltRate, o.rows, avg, contacts.DefaultBatch)
	fmt.Fprintf(w, "ratio           %10.2f         (end to end / the smaller limit)\n", e2eRate/limit)
	if len(lat) > 0 {
		fmt.Fprintf(w, "latency         p50 %s  p90 %s  p99 %s  max %s  (%d drops of %d rows + 1 WAV one after another, drop → final; target p99 ≤ settle + 25ms = %s)\n",
			pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), lat[len(lat)-1].Round(time.Millisecond), len(lat), o.dropRows, o.settle+25*time.Millisecond)
	}
	if o.bigFiles > 0 {
		fmt.Fprintf(w, "media store     %10.0f MB/s    (%d files of %d bytes on %d workers, as the importer stores a job's recordings: sniff, SHA-256, fsync, link, then one Sync; median of %d)\n",
			m.ingest, o.bigFiles, o.bigSize, m.workers, o.mediaRuns)
		fmt.Fprintf(w, "plain copy      %10.0f MB/s    (for information: the same bytes, io.Copy to new files, one after another)\n", m.plain)
		fmt.Fprintf(w, "durable copy    %10.0f MB/s    (for information: io.Copy and fsync each, one after another)\n", m.synced)
		fmt.Fprintf(w, "media ratio     %10.2f         (media store / plain copy; %.2f against the durable copy)\n", m.ingest/m.plain, m.ingest/m.synced)
	}
	fmt.Fprintf(w, "peak RSS        %10.1f MiB     (anonymous %.1f MiB; during the big drop)\n", float64(rss)/(1<<20), float64(rssAnon)/(1<<20))
	fmt.Fprintf(w, "peak Go heap    %10.1f MiB     (%.0f MiB allocated, %d GC cycles during the big drop)\n", float64(peakHeap)/(1<<20),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), after.NumGC-before.NumGC)
	fmt.Fprintf(w, "contacts stored %10d\n", n)
	if o.bigFiles > 0 {
		ratios := make([]string, len(m.ratios))
		for i, r := range m.ratios {
			ratios[i] = strconv.FormatFloat(r, 'f', 2, 64)
		}
		if m.bucket > 0 {
			fmt.Fprintf(w, "media to bucket %10.0f MB/s    (the same files into an S3 bucket: SeaweedFS on loopback, this machine; %d workers, median of %d; the local store above: %.0f MB/s)\n",
				m.bucket, m.workers, o.mediaRuns, m.ingest)
		}
		fmt.Fprintf(w, "sha256 all cores%10.0f MB/s    (the same files' bytes, read into memory first, whole files on %d goroutines = GOMAXPROCS; median of %d)\n",
			m.sha, m.hashers, o.mediaRuns)
		fmt.Fprintf(w, "media / sha256  %10.2f         (media store / sha256 all cores; target ≥ 0.80; run by run %s)\n", m.ingest/m.sha, strings.Join(ratios, ", "))
	}
	if small == nil && split == nil && burst == nil {
		return nil
	}
	fmt.Fprintf(w, "\nafter the figures above, each in a tenant of its own, the daemon started again on the same data dir (the peak RSS and Go heap above are the big drop's only):\n")
	if small != nil {
		fmt.Fprintf(w, "small drops     %10.0f files/s (%d files of %d rows + 1 WAV of %d bytes, staged first, renamed in at once; all final in %s)\n",
			small.rate(small.files), small.files, o.smallRows, o.smallWAV, small.took.Round(time.Millisecond))
		fmt.Fprintf(w, "small rows      %10.0f rows/s  (the same drain)\n", small.rate(small.rows))
		fmt.Fprintf(w, "per-job cost    %10.2f ms      (elapsed / files)\n", float64(small.took.Microseconds())/1e3/float64(small.files))
	}
	if split != nil {
		fmt.Fprintf(w, "split drop      %10.0f rows/s  (the %d rows in %d CSVs of %s rows naming %d WAVs, dropped at once; all final in %s)\n",
			split.rate(split.rows), split.rows, split.files, splitRows(o.rows, o.splitFiles), max(o.mediaFiles, o.splitFiles), split.took.Round(time.Millisecond))
		fmt.Fprintf(w, "split / single  %10.2f         (split drop / end to end; target ≥ 0.50)\n", split.rate(split.rows)/e2eRate)
	}
	if burst != nil {
		fmt.Fprintf(w, "burst latency   p50 %s  p99 %s  (%d drops of %d rows + 1 WAV renamed in at once, rename → final, polled every %s; target p99 ≤ settle + 25ms = %s)\n",
			pct(burst, 0.50), pct(burst, 0.99), len(burst), o.dropRows, burstPoll, o.settle+25*time.Millisecond)
	}
	return nil
}

// openDaemon starts a daemon on cfg and returns it with a client of its
// status API.
func openDaemon(ctx context.Context, cfg *config.Config) (*daemon.Daemon, *client, error) {
	d := daemon.New(cfg, hclog.NewNullLogger())
	if err := d.Open(ctx); err != nil {
		return nil, nil, err
	}
	return d, &client{base: "http://" + d.Addr()}, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchAgents is how many agents the rows name, round robin.
const benchAgents = 100

// benchAgentsCSV is the AGENTS CSV of the agents the rows name, by email
// and by ACD login.
func benchAgentsCSV() []byte {
	var ab strings.Builder
	ab.WriteString("Email,Full Name,ACD Login\n")
	for i := 1; i <= benchAgents; i++ {
		fmt.Fprintf(&ab, "agent%d@bench.example,Agent %d,bench\\agent%d\n", i, i, i)
	}
	return []byte(ab.String())
}

// generate writes the big CSV and the WAVs it names into stage.
func generate(stage, csvPath string, o options) ([]string, int64, error) {
	var wavs []string
	for i := 0; i < o.mediaFiles; i++ {
		name := fmt.Sprintf("call%d.wav", i)
		if err := os.WriteFile(filepath.Join(stage, name), wavBytes(o.mediaSize, i), 0o644); err != nil {
			return nil, 0, err
		}
		wavs = append(wavs, name)
	}
	size, err := writeContactsCSV(csvPath, 0, o.rows, func(i int) string { return wavs[i%len(wavs)] })
	return wavs, size, err
}

// writeContactsCSV writes rows lo to hi (exclusive) of the big CSV, with
// its header, to path; row i names the recording wav(i). It returns the
// file's size.
func writeContactsCSV(path string, lo, hi int, wav func(i int) string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"AgentId", "ContactStartTimeMs", "TimeZone", "AssocCallId", "CallId", "CalledAddress", "Line", "CallingAddress", "Direction", "Recording1", "metadata.accountNumber"})
	rec := make([]string, 11)
	for i := lo; i < hi; i++ {
		a := i%benchAgents + 1
		rec[0] = "bench\\agent" + strconv.Itoa(a)
		if i%2 == 1 {
			rec[0] = "agent" + strconv.Itoa(a) + "@bench.example"
		}
		rec[1] = strconv.FormatInt(1447100000000+int64(i)*1000, 10)
		rec[2] = "America/Chicago"
		rec[3] = strconv.FormatInt(103585664793210000+int64(i), 10)
		rec[4] = strconv.Itoa(30611848 + i)
		rec[5], rec[6], rec[7] = "+18015550100", "1800", "+18005550199"
		rec[8] = strconv.Itoa(i % 2)
		rec[9] = wav(i)
		rec[10] = strconv.Itoa(1234567890 + i)
		if err := w.Write(rec); err != nil {
			return 0, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), f.Close()
}

// smallCSV is the CSV of a small drop: rows contacts, call ids
// callPrefix-0, callPrefix-1, …, each naming the recording wav.
func smallCSV(callPrefix, wav string, rows int) []byte {
	var sb strings.Builder
	sb.WriteString("AgentId,ContactStartTimeMs,CallId,Recording1\n")
	for r := 0; r < rows; r++ {
		fmt.Fprintf(&sb, "agent%d@bench.example,%d,%s-%d,%s\n", r%benchAgents+1, 1447100000000+int64(r), callPrefix, r, wav)
	}
	return []byte(sb.String())
}

// wavBytes returns a valid PCM WAV of about size bytes, unique per seed.
func wavBytes(size, seed int) []byte {
	data := max(size-44, 2) &^ 1
	b := make([]byte, 44+data)
	copy(b, "RIFF")
	putLE32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	putLE32(b[16:], 16)
	b[20], b[22] = 1, 1 // PCM, mono
	putLE32(b[24:], 8000)
	putLE32(b[28:], 16000)
	b[32], b[34] = 2, 16
	copy(b[36:], "data")
	putLE32(b[40:], uint32(data))
	for i := 44; i < len(b); i++ {
		b[i] = byte(i*7 + seed*13)
	}
	return b
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// dropFiles writes contents into stage (when given), then renames names from
// stage into dir in order: the way a careful sender drops files.
func dropFiles(stage, dir string, contents map[string][]byte, names []string) error {
	for name, b := range contents {
		if err := os.WriteFile(filepath.Join(stage, name), b, 0o644); err != nil {
			return err
		}
		if names == nil {
			names = append(names, name)
		}
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(stage, n), filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

// client polls the daemon's status API.
type client struct{ base string }

type job struct {
	ID          uint64         `json:"id"`
	File        string         `json:"file"`
	State       string         `json:"state"`
	RowsTotal   int            `json:"rows_total"`
	Error       string         `json:"error"`
	ErrorReport string         `json:"error_report"`
	Counts      map[string]int `json:"counts"`
}

// waitJobs polls until the tenant has n jobs, all final.
func (c *client) waitJobs(ctx context.Context, tenant string, n int) ([]job, error) {
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		jobs, err := c.list(ctx, tenant, n)
		if err != nil {
			return nil, err
		}
		done := 0
		for _, j := range jobs {
			if final(j.State) {
				done++
			}
		}
		if len(jobs) == n && done == n {
			return jobs, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("timed out waiting for %d jobs", n)
}

func csvReadRate(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	start := time.Now()
	rows := -1 // the header
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		rows++
	}
	return float64(rows) / time.Since(start).Seconds(), nil
}

// resetPeakRSS restarts the kernel's peak-RSS count (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM and the current anonymous RSS share, in bytes (Linux).
func peakRSS() (hwm, anon int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			hwm = kb << 10
		case "RssAnon:":
			anon = kb << 10
		}
	}
	return hwm, anon
}

// heapSampler records the largest live-heap reading while it runs.
type heapSampler struct {
	peak atomic.Uint64
	done chan struct{}
	wg   sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > s.peak.Load() {
			s.peak.Store(v)
		}
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return s
}

func (s *heapSampler) stop() uint64 {
	close(s.done)
	s.wg.Wait()
	return s.peak.Load()
}
