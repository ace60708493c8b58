// Command bulkbench measures bulkd. `bulkbench contacts` generates a
// synthetic tenant (agents, a CONTACT CSV of -rows rows naming -media small
// WAV files), drops it into a daemon started in-process on a temp dir, and
// prints, all from the same run on the same data: end-to-end rows/s and the
// two limits it is held against (encoding/csv reading the same file; bbolt
// alone storing records of the same average size, same rows per
// transaction), drop-to-done latency over many small drops, media MB/s into
// the media store against a plain copy, and peak RSS and Go heap.
// `bulkbench store` (store.go) measures the job bookkeeping: the takes of a
// job with many recordings, and job lookups among many stored jobs.
// `bulkbench objects` (objects.go) measures the objects kind: a User CSV
// created, updated and sent again unchanged, and a tenant ZIP of every
// object type.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
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
	"github.com/bulkd/bulkd/media"
	"github.com/bulkd/bulkd/pipeline/contacts"
	"github.com/bulkd/bulkd/store"
	"github.com/hashicorp/go-hclog"
)

type options struct {
	rows, mediaFiles, mediaSize int
	drops, dropRows             int
	bigFiles, bigSize           int
	settle                      time.Duration
	keep                        bool
	cpuProfile, memProfile      string
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
	fs := flag.NewFlagSet("bulkbench contacts", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.rows, "rows", 1_000_000, "rows in the big CONTACT CSV")
	fs.IntVar(&o.mediaFiles, "media", 1000, "WAV files the rows name (round robin)")
	fs.IntVar(&o.mediaSize, "media-size", 16<<10, "bytes per small WAV")
	fs.IntVar(&o.drops, "drops", 200, "small drops for the latency figures")
	fs.IntVar(&o.dropRows, "drop-rows", 10, "rows per small drop")
	fs.IntVar(&o.bigFiles, "big-media", 64, "files for the media throughput figure")
	fs.IntVar(&o.bigSize, "big-media-size", 4<<20, "bytes per file for the media throughput figure")
	fs.DurationVar(&o.settle, "settle", 100*time.Millisecond, "watch.settle for the run")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the big drop to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of the big drop to this file")
	if err := fs.Parse(args[1:]); err != nil {
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
	return benchContacts(ctx, tmp, o)
}

func benchContacts(ctx context.Context, tmp string, o options) error {
	cfg, diags, _ := config.Load("")
	if diags.HasErrors() {
		return diags
	}
	cfg.DataDir = filepath.Join(tmp, "data")
	cfg.Watch.Root = filepath.Join(cfg.DataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = o.settle
	d := daemon.New(cfg, hclog.NewNullLogger())
	if err := d.Open(ctx); err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			_ = d.Close()
		}
	}()
	c := &client{base: "http://" + d.Addr()}

	// Agents the rows name.
	tenantDir := filepath.Join(cfg.Watch.Root, "bench")
	stage := filepath.Join(tmp, "stage")
	for _, dir := range []string{tenantDir, stage} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	const agents = 100
	var ab strings.Builder
	ab.WriteString("Email,Full Name,ACD Login\n")
	for i := 1; i <= agents; i++ {
		fmt.Fprintf(&ab, "agent%d@bench.example,Agent %d,bench\\agent%d\n", i, i, i)
	}
	if err := dropFiles(stage, tenantDir, map[string][]byte{"AGENTS.bench.csv": []byte(ab.String())}, nil); err != nil {
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
		var sb strings.Builder
		sb.WriteString("AgentId,ContactStartTimeMs,CallId,Recording1\n")
		for r := 0; r < o.dropRows; r++ {
			fmt.Fprintf(&sb, "agent%d@bench.example,%d,small-%d-%d,small%d.wav\n", r%agents+1, 1447100000000+int64(r), i, r, i)
		}
		name := fmt.Sprintf("CONTACT.small%d.csv", i)
		t0 := time.Now()
		err := dropFiles(stage, tenantDir, map[string][]byte{fmt.Sprintf("small%d.wav", i): wav, name: []byte(sb.String())},
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
	closed = true

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

	mediaRate, copyRate, syncedRate, err := mediaRates(filepath.Join(tmp, "mediabench"), o.bigFiles, o.bigSize)
	if err != nil {
		return err
	}

	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	limit := min(csvRate, boltRate)
	fmt.Printf("\nend to end      %10.0f rows/s  (%d rows, %.1f MB CSV, drop → succeeded in %s)\n", e2eRate, o.rows, float64(csvBytes)/1e6, e2e.Round(time.Millisecond))
	fmt.Printf("encoding/csv    %10.0f rows/s  (the same file, read only)\n", csvRate)
	fmt.Printf("bbolt alone     %10.0f rows/s  (%d values of %.0f bytes = the stored contacts' average, %d per transaction)\n", boltRate, o.rows, avg, contacts.DefaultBatch)
	fmt.Printf("ratio           %10.2f         (end to end / the smaller limit)\n", e2eRate/limit)
	fmt.Printf("latency         p50 %s  p99 %s  (%d drops of %d rows + 1 WAV, settle %s)\n", pct(0.50).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), len(lat), o.dropRows, o.settle)
	fmt.Printf("media store     %10.0f MB/s    (%d files of %d bytes: sniff, SHA-256, fsync, link, then one sync per folder)\n", mediaRate, o.bigFiles, o.bigSize)
	fmt.Printf("plain copy      %10.0f MB/s    (the same bytes, io.Copy to new files)\n", copyRate)
	fmt.Printf("durable copy    %10.0f MB/s    (io.Copy and fsync each, as the media store does)\n", syncedRate)
	fmt.Printf("media ratio     %10.2f         (media store / plain copy; %.2f against the durable copy)\n", mediaRate/copyRate, mediaRate/syncedRate)
	fmt.Printf("peak RSS        %10.1f MiB     (anonymous %.1f MiB; during the big drop)\n", float64(rss)/(1<<20), float64(rssAnon)/(1<<20))
	fmt.Printf("peak Go heap    %10.1f MiB     (%.0f MiB allocated, %d GC cycles during the big drop)\n", float64(peakHeap)/(1<<20),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), after.NumGC-before.NumGC)
	fmt.Printf("contacts stored %10d\n", n)
	return nil
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
	f, err := os.Create(csvPath)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"AgentId", "ContactStartTimeMs", "TimeZone", "AssocCallId", "CallId", "CalledAddress", "Line", "CallingAddress", "Direction", "Recording1", "metadata.accountNumber"})
	rec := make([]string, 11)
	for i := 0; i < o.rows; i++ {
		a := i%100 + 1
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
		rec[9] = wavs[i%len(wavs)]
		rec[10] = strconv.Itoa(1234567890 + i)
		if err := w.Write(rec); err != nil {
			return nil, 0, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	return wavs, fi.Size(), nil
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
		resp, err := http.Get(c.base + "/v1/jobs?tenant=" + tenant + "&limit=" + strconv.Itoa(n))
		if err != nil {
			return nil, err
		}
		var out struct{ Jobs []job }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		final := 0
		for _, j := range out.Jobs {
			switch j.State {
			case "succeeded", "partial", "failed", "skipped":
				final++
			}
		}
		if len(out.Jobs) == n && final == n {
			return out.Jobs, nil
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

// mediaRates times media.Store.Ingest and a plain copy over the same files
// (written and synced first, so neither pays for the generator's writes).
func mediaRates(dir string, files, size int) (ingest, plain, synced float64, err error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return 0, 0, 0, err
	}
	var names []string
	for i := 0; i < files; i++ {
		name := filepath.Join(src, fmt.Sprintf("big%d.wav", i))
		f, err := os.Create(name)
		if err != nil {
			return 0, 0, 0, err
		}
		_, err = f.Write(wavBytes(size, i+1))
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return 0, 0, 0, err
		}
		names = append(names, name)
	}
	total := float64(files*size) / 1e6

	copyRate, err := copyAll(filepath.Join(dir, "copies"), names, total, false)
	if err != nil {
		return 0, 0, 0, err
	}
	syncedRate, err := copyAll(filepath.Join(dir, "synced"), names, total, true)
	if err != nil {
		return 0, 0, 0, err
	}

	ms, err := media.Open(filepath.Join(dir, "media"))
	if err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	for _, n := range names {
		if _, err := ms.Ingest(n, filepath.Base(n)); err != nil {
			return 0, 0, 0, err
		}
	}
	if err := ms.Sync(); err != nil { // as the importer does before committing
		return 0, 0, 0, err
	}
	return total / time.Since(start).Seconds(), copyRate, syncedRate, nil
}

// copyAll copies each file into dir with io.Copy (and an fsync each when
// synced) and returns MB/s.
func copyAll(dir string, names []string, totalMB float64, synced bool) (float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	start := time.Now()
	for i, n := range names {
		in, err := os.Open(n)
		if err != nil {
			return 0, err
		}
		out, err := os.Create(filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			in.Close()
			return 0, err
		}
		_, err = io.Copy(out, in)
		if err == nil && synced {
			err = out.Sync()
		}
		in.Close()
		out.Close()
		if err != nil {
			return 0, err
		}
	}
	return totalMB / time.Since(start).Seconds(), nil
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
