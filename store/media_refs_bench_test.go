package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/stretchr/testify/require"
)

// BenchmarkMediaDigests reads the recordings 1,000,000 contacts name (one
// each, 1,000 distinct), as the start-up media sweep does before it
// removes what no record names: the cost the README and docs/scaling.md
// give for a million contacts.
//
//	go test -run '^$' -bench BenchmarkMediaDigests -benchtime 3x ./store
func BenchmarkMediaDigests(b *testing.B) {
	const contacts, perJob = 1_000_000, 100_000
	ctx := context.Background()
	s := MustOpenStore(b)
	for first := 0; first < contacts; first += perJob {
		j := mustJob(b, s, "acme", bulkd.KindContacts)
		batch := bulkd.NewContactBatch(perJob, 120)
		for row := 1; row <= perJob; row++ {
			require.NoError(b, batch.Add(&bulkd.Contact{
				ID: bulkd.RowID(j.ID, row), AgentID: 7, CallID: fmt.Sprintf("c%d", first+row), StartTimeMs: 1447100000000,
				Complete: true, JobID: j.ID, Row: row,
				Recordings: []bulkd.Recording{{Location: "r.wav", Media: bulkd.MediaAudio, Size: 16384, SHA256: fmt.Sprintf("%064x", row%1000)}},
			}))
		}
		require.NoError(b, s.ApplyContacts(ctx, j.ID, "acme", batch, bulkd.Progress{Done: perJob}))
	}
	b.ResetTimer()
	for range b.N {
		n := 0
		require.NoError(b, s.MediaDigests(ctx, func(string) { n++ }))
		require.Equal(b, contacts, n)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/1M-contacts")
}
