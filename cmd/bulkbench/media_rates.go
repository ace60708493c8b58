package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkd/bulkd/internal/s3test"
	"github.com/bulkd/bulkd/media"
)

// ingestWorkers is how many recordings the contacts importer stores at
// once (pipeline/contacts' ingestWorkers, which it does not export).
const ingestWorkers = 32

// mediaFigures are the media throughput figures, in MB/s; ingest and sha
// are the medians of their runs.
type mediaFigures struct {
	ingest, sha      float64
	plain, synced    float64
	bucket           float64   // into an S3 bucket (0: not measured)
	ratios           []float64 // ingest / sha, run by run
	workers, hashers int
}

// mediaRates measures, over the same files (written and synced first, so
// that no figure pays for the generator's writes), runs times in turn: the
// media store ingesting them as the contacts importer stores a job's
// recordings (min(32, files) workers, then one Sync), into a fresh store
// each run; and SHA-256 of their bytes, read into memory once beforehand,
// on every core (GOMAXPROCS goroutines, each hashing whole files). Then,
// for information, a plain and a durable copy, one file after another:
// last, so that the copies' writeback does not run under the others.
func mediaRates(dir string, files, size, runs int, bucket bool) (mediaFigures, error) {
	m := mediaFigures{workers: min(ingestWorkers, files), hashers: runtime.GOMAXPROCS(0)}
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return m, err
	}
	names := make([]string, 0, files)
	for i := 0; i < files; i++ {
		name := filepath.Join(src, fmt.Sprintf("big%d.wav", i))
		f, err := os.Create(name)
		if err != nil {
			return m, err
		}
		_, err = f.Write(wavBytes(size, i+1))
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return m, err
		}
		names = append(names, name)
	}
	data := make([][]byte, files)
	for i, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return m, err
		}
		data[i] = b
	}
	total := float64(files*size) / 1e6

	var ingests, shas []float64
	for r := range runs {
		sha := total / hashAll(data, m.hashers).Seconds()
		store := filepath.Join(dir, "media"+strconv.Itoa(r))
		took, err := ingestAll(store, names, m.workers)
		if err != nil {
			return m, err
		}
		if err := os.RemoveAll(store); err != nil {
			return m, err
		}
		ingest := total / took.Seconds()
		ingests, shas = append(ingests, ingest), append(shas, sha)
		m.ratios = append(m.ratios, ingest/sha)
	}
	m.ingest, m.sha = median(ingests), median(shas)

	if bucket {
		took, err := bucketRate(dir, names, m.workers, runs)
		if err != nil {
			return m, err
		}
		m.bucket = total / took.Seconds()
	}
	var err error
	if m.plain, err = copyAll(filepath.Join(dir, "copies"), names, total, false); err != nil {
		return m, err
	}
	m.synced, err = copyAll(filepath.Join(dir, "synced"), names, total, true)
	return m, err
}

// hashAll hashes each of data whole with SHA-256 on n goroutines, each
// taking the next file, and returns how long that took.
func hashAll(data [][]byte, n int) time.Duration {
	sums := make([][sha256.Size]byte, len(data))
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(data); i = int(next.Add(1) - 1) {
				sums[i] = sha256.Sum256(data[i])
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// ingestAll stores names in a new media store at dir on workers
// goroutines, each taking the next file, then syncs the store once, as
// the importer does before committing; it returns how long that took.
func ingestAll(dir string, names []string, workers int) (time.Duration, error) {
	ms, err := media.Open(dir)
	if err != nil {
		return 0, err
	}
	return ingestInto(ms, names, workers)
}

// ingestInto is ingestAll into the store ms.
func ingestInto(ms *media.Store, names []string, workers int) (time.Duration, error) {
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(names); i = int(next.Add(1) - 1) {
				if _, err := ms.Ingest(context.Background(), names[i], filepath.Base(names[i])); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	if err := ms.Sync(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
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

// bucketRate stores names in a bucket of a SeaweedFS started on loopback
// (the same server the tests use: internal/s3test), runs times, each into a
// fresh bucket, as ingestAll does into a folder, and returns the median
// time.
func bucketRate(dir string, names []string, workers, runs int) (time.Duration, error) {
	weed := s3test.WeedPath()
	if _, err := os.Stat(weed); err != nil {
		return 0, fmt.Errorf("the bucket figure needs SeaweedFS: run .ci/weed once (several minutes), or -bucket=false: %w", err)
	}
	wdir := filepath.Join(dir, "weed")
	if err := os.MkdirAll(wdir, 0o755); err != nil {
		return 0, err
	}
	srv, stop, err := s3test.Launch(weed, wdir)
	if err != nil {
		return 0, err
	}
	defer stop()
	var tooks []float64
	for r := range runs {
		ctx := context.Background()
		name := fmt.Sprintf("bench%d", r)
		if err := srv.MakeBucket(ctx, name); err != nil {
			return 0, err
		}
		ms, err := media.OpenS3(ctx, media.S3Config{Endpoint: srv.Endpoint, Bucket: name, Region: srv.Region,
			AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Insecure: true})
		if err != nil {
			return 0, err
		}
		took, err := ingestInto(ms, names, workers)
		if err != nil {
			return 0, err
		}
		tooks = append(tooks, took.Seconds())
	}
	return time.Duration(median(tooks) * float64(time.Second)), nil
}
