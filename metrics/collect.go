package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// waitingCollector reports the files waiting in each tenant folder, read
// when scraped.
type waitingCollector struct {
	waiting func() map[string]int
}

var waitingDesc = prometheus.NewDesc("bulkd_files_waiting",
	"Files waiting in a tenant folder to be taken: settling, held open, waiting for their .done marker or retrying (as GET /v1/tenants/{tenant}/files lists them, near misses left out).",
	[]string{"tenant"}, nil)

func (c *waitingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- waitingDesc }

func (c *waitingCollector) Collect(ch chan<- prometheus.Metric) {
	for tenant, n := range c.waiting() {
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(n), tenant)
	}
}

// StoreStats are what the store collector reports: the bbolt file's size
// and bbolt's counters since the store was opened.
type StoreStats struct {
	// Size is the file's size in bytes, and FreeBytes what its free pages
	// hold.
	Size, FreeBytes int64
	// ReadTx and WriteTx are the read-only and read-write transactions
	// begun; OpenReadTx the read-only ones open now.
	ReadTx, WriteTx int64
	OpenReadTx      int
	// PageWrites are the pages commits wrote, WriteSeconds the time those
	// writes took.
	PageWrites   int64
	WriteSeconds float64
}

// storeCollector reports StoreStats, read when scraped.
type storeCollector struct {
	stats func() (StoreStats, error)
}

var (
	storeSizeDesc = prometheus.NewDesc("bulkd_store_size_bytes",
		"Size of the bbolt file (bulkd.db); bbolt grows it in steps and never shrinks it.", nil, nil)
	storeFreeDesc = prometheus.NewDesc("bulkd_store_free_bytes",
		"Bytes of the bbolt file in free and pending pages, reused before the file grows.", nil, nil)
	storeTxDesc = prometheus.NewDesc("bulkd_store_tx_total",
		"bbolt transactions begun since start, by type: read (read-only) or write (read-write).", []string{"type"}, nil)
	storeOpenTxDesc = prometheus.NewDesc("bulkd_store_open_read_tx",
		"bbolt read-only transactions open now.", nil, nil)
	storePageWritesDesc = prometheus.NewDesc("bulkd_store_page_writes_total",
		"Pages written to the bbolt file by commits since start.", nil, nil)
	storeWriteSecondsDesc = prometheus.NewDesc("bulkd_store_write_seconds_total",
		"Time spent writing pages to the bbolt file by commits since start.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{storeSizeDesc, storeFreeDesc, storeTxDesc, storeOpenTxDesc, storePageWritesDesc, storeWriteSecondsDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.stats()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(storeSizeDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(storeSizeDesc, prometheus.GaugeValue, float64(s.Size))
	}
	ch <- prometheus.MustNewConstMetric(storeFreeDesc, prometheus.GaugeValue, float64(s.FreeBytes))
	ch <- prometheus.MustNewConstMetric(storeTxDesc, prometheus.CounterValue, float64(s.ReadTx), "read")
	ch <- prometheus.MustNewConstMetric(storeTxDesc, prometheus.CounterValue, float64(s.WriteTx), "write")
	ch <- prometheus.MustNewConstMetric(storeOpenTxDesc, prometheus.GaugeValue, float64(s.OpenReadTx))
	ch <- prometheus.MustNewConstMetric(storePageWritesDesc, prometheus.CounterValue, float64(s.PageWrites))
	ch <- prometheus.MustNewConstMetric(storeWriteSecondsDesc, prometheus.CounterValue, s.WriteSeconds)
}

// outboxCollector reports the outbox, read when scraped.
type outboxCollector struct {
	outbox func() (int, time.Time, error)
	now    func() time.Time
}

var (
	outboxJobsDesc = prometheus.NewDesc("bulkd_outbox_jobs",
		"Jobs waiting to be forwarded to the central bulkd (not final here yet, or queued).", nil, nil)
	outboxAgeDesc = prometheus.NewDesc("bulkd_outbox_oldest_age_seconds",
		"Age of the oldest job waiting to be forwarded (0 when none waits).", nil, nil)
)

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxJobsDesc
	ch <- outboxAgeDesc
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	n, oldest, err := c.outbox()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxJobsDesc, err)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, c.now().Sub(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(outboxJobsDesc, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}
