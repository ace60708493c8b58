package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The contacts benchmark run tiny prints every figure, the scenarios of
// many files among them.
func TestBenchContacts(t *testing.T) {
	o, err := parseContacts([]string{"-rows", "2000", "-media", "5", "-drops", "2", "-big-media", "2", "-big-media-size", "65536",
		"-media-runs", "1", "-small-files", "20", "-split-files", "4", "-burst", "5", "-settle", "10ms"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, benchContacts(context.Background(), &out, t.TempDir(), o))
	for _, want := range []string{
		"(2000 rows, 0.3 MB CSV, drop → succeeded in ", "latency         p50 ",
		"(2 files of 65536 bytes on 2 workers, as the importer", "plain copy ", "durable copy ", "media ratio ",
		"peak RSS ", "contacts stored       2020\n", "whole files on ", "media / sha256 ",
		"(20 files of 10 rows + 1 WAV of 16384 bytes, staged first", "small rows ", "per-job cost ",
		"(the 2000 rows in 4 CSVs of 500 rows naming 5 WAVs, dropped at once", "split / single ",
		"(5 drops of 10 rows + 1 WAV renamed in at once", "target p99 ≤ settle + 25ms = 35ms)",
	} {
		assert.Contains(t, out.String(), want)
	}
}

// A scenario set to 0 is skipped, and its lines with it.
func TestBenchContacts_Skip(t *testing.T) {
	o, err := parseContacts([]string{"-rows", "100", "-media", "2", "-drops", "0", "-big-media", "0",
		"-small-files", "0", "-split-files", "0", "-burst", "0", "-settle", "10ms"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, benchContacts(context.Background(), &out, t.TempDir(), o))
	assert.Contains(t, out.String(), "contacts stored        100\n")
	for _, skipped := range []string{"latency ", "media ", "sha256", "after the big drop", "small ", "split ", "burst "} {
		assert.NotContains(t, out.String(), skipped)
	}
}

func TestParseContacts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-small-files", "10001"}, "at most 10000"},
		{[]string{"-rows", "10", "-split-files", "11"}, "more files than the 10 rows"},
		{[]string{"-burst", "-1"}, "at least 0"},
		{[]string{"-media", "0"}, "at least 1"},
	} {
		t.Run(tc.args[len(tc.args)-2], func(t *testing.T) {
			_, err := parseContacts(tc.args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}
