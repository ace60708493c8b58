package pipeline

import (
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline/csvio"
	"github.com/stretchr/testify/assert"
)

func TestRun_CSVOptions(t *testing.T) {
	runner := &Runner{cfg: Config{CSV: csvio.Options{MaxRecordBytes: 4096, MaxColumns: 50, Encoding: "iso-8859-1"}}}
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   csvio.Options
	}{
		{"the runner's", nil, csvio.Options{MaxRecordBytes: 4096, MaxColumns: 50, Encoding: "iso-8859-1"}},
		{"the job's encoding", map[string]string{ParamEncoding: "windows-1252"}, csvio.Options{MaxRecordBytes: 4096, MaxColumns: 50, Encoding: "windows-1252"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &Run{Job: &bulkd.Job{Params: tc.params}, runner: runner}
			assert.Equal(t, tc.want, run.CSVOptions())
		})
	}
	assert.Equal(t, csvio.Options{Encoding: "utf-16"}, (&Run{Job: &bulkd.Job{Params: map[string]string{ParamEncoding: "utf-16"}}}).CSVOptions(), "a run without a runner has the defaults")
}
