package schedule

import (
	"testing"

	"github.com/bulkd/bulkd"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime_Formats(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	want := time.Date(2026, 6, 1, 13, 0, 0, 0, time.UTC) // 09:00 EDT
	for f, v := range map[string]string{
		"HH:mm yyyy-MM-dd": "09:00 2026-06-01",
		"HH:mm yyyyMMdd":   "09:00 20260601",
		"HH:mm MM/dd/yyyy": "09:00 06/01/2026",
		"HH:mm M/d/yyyy":   "09:00 6/1/2026",
		"HH:mm MM/dd/yy":   "09:00 06/01/26",
		"HH:mm dd/MM/yyyy": "09:00 01/06/2026",
	} {
		got, err := parseTime(v, f, ny)
		require.NoError(t, err, f)
		assert.Equal(t, want, got, f)
	}
	assert.Len(t, bulkd.DateFormats(), 6)
	_, ok := bulkd.DateFormatLayout("yyyy-MM-dd HH:mm")
	assert.False(t, ok)
}

func TestParseTime_Errors(t *testing.T) {
	for _, tc := range []struct{ v, f, want string }{
		{"9am 2026-06-01", "HH:mm yyyy-MM-dd", `"9am 2026-06-01" is not a time in the format HH:mm yyyy-MM-dd`},
		{"09:00 2026-06-01", "HH:mm dd/MM/yyyy", "is not a time in the format HH:mm dd/MM/yyyy"},
		{"09:00 13/01/2026", "HH:mm MM/dd/yyyy", "is not a time"},
		{"24:00 2026-06-01", "HH:mm yyyy-MM-dd", "is not a time"},
	} {
		_, err := parseTime(tc.v, tc.f, time.UTC)
		require.Error(t, err, tc.v)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestParseTime_DST(t *testing.T) {
	for _, tc := range []struct {
		zone, v string
		want    time.Time
		err     string
	}{
		// America/New_York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
		{zone: "America/New_York", v: "01:59 2026-03-08", want: time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC)},
		{zone: "America/New_York", v: "02:30 2026-03-08", err: "02:30 2026-03-08 does not exist in America/New_York"},
		{zone: "America/New_York", v: "03:00 2026-03-08", want: time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{zone: "America/New_York", v: "01:30 2026-11-01", want: time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)}, // the first 01:30, EDT
		{zone: "America/New_York", v: "02:00 2026-11-01", want: time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)},
		// Europe/Lisbon: 2026-03-29 01:00 WET → 02:00 WEST; 2026-10-25 02:00 WEST → 01:00 WET.
		{zone: "Europe/Lisbon", v: "01:15 2026-03-29", err: "does not exist"},
		{zone: "Europe/Lisbon", v: "01:15 2026-10-25", want: time.Date(2026, 10, 25, 0, 15, 0, 0, time.UTC)},
		// Australia/Lord_Howe moves by half an hour.
		{zone: "Australia/Lord_Howe", v: "02:15 2026-10-04", err: "does not exist"},
		{zone: "Australia/Lord_Howe", v: "01:45 2026-04-05", want: time.Date(2026, 4, 4, 14, 45, 0, 0, time.UTC)},
		{zone: "UTC", v: "02:30 2026-03-08", want: time.Date(2026, 3, 8, 2, 30, 0, 0, time.UTC)},
	} {
		t.Run(tc.zone+" "+tc.v, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			require.NoError(t, err)
			got, err := parseTime(tc.v, bulkd.DefaultDateFormat, loc)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// FuzzParseTime checks that no value panics, and that an accepted value
// reads back as the same wall clock in its zone.
func FuzzParseTime(f *testing.F) {
	f.Add("09:00 2026-06-01", uint8(0), "America/New_York")
	f.Add("02:30 03/08/2026", uint8(2), "America/New_York")
	f.Add("01:30 2026-11-01", uint8(0), "Australia/Lord_Howe")
	formats := bulkd.DateFormats()
	f.Fuzz(func(t *testing.T, v string, fi uint8, zone string) {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return
		}
		format := formats[int(fi)%len(formats)]
		got, err := parseTime(v, format, loc)
		if err != nil {
			return
		}
		layout, _ := bulkd.DateFormatLayout(format)
		want, _ := time.Parse(layout, v)
		if !sameWall(got.In(loc), want) {
			t.Fatalf("%q in %s read as %s", v, zone, got.In(loc))
		}
	})
}
