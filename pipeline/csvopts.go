package pipeline

import "github.com/bulkd/bulkd/pipeline/csvio"

// ParamEncoding is the job parameter naming its files' text encoding (one
// of csvio.Encodings); the daemon sets it from the tenant's config.
const ParamEncoding = "encoding"

// CSVOptions returns how the importer reads the job's CSV (and JSON) text:
// the runner's configured limits, in the encoding the job names.
func (r *Run) CSVOptions() csvio.Options {
	var o csvio.Options
	if r.runner != nil {
		o = r.runner.cfg.CSV
	}
	if e := r.Job.Params[ParamEncoding]; e != "" {
		o.Encoding = e
	}
	return o
}
