package assist

import (
	"net/url"
	"strings"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
)

// DoorPattern is the assist kind's upload door, as the API routes it.
const DoorPattern = "/agentassist/api/v1/public/{streamId}/contacts/import-contacts"

// DoorPath is the upload door of a stream.
func DoorPath(stream string) string {
	return strings.Replace(DoorPattern, "{streamId}", url.PathEscape(stream), 1)
}

// FolderStream is the stream id a dropped assist file is forwarded under:
// the door's path needs one, and a folder names none.
const FolderStream = "folder"

// Spec declares the assist contacts kind.
func Spec() pipeline.Spec {
	return pipeline.Spec{
		Kind:   bulkd.KindAssist,
		Routes: []string{"ASSIST.?*.csv"},
		Scopes: []string{bulkd.ScopeAssistWrite},
		Limits: "10,000 rows; 16 MiB over HTTP",
		New: func(d pipeline.Deps) (pipeline.Importer, error) {
			st, err := pipeline.StoreAs[bulkd.AssistStore](d, bulkd.KindAssist)
			return New(st, d.Batch), err
		},
		// No Unresolved: a row names no other record. (Offline, a phone
		// number is checked against the file's own rows only.)
		Template: pipeline.OneTemplate(bulkd.KindAssist, Columns),
		Door: func(in pipeline.DoorInput) (pipeline.Door, error) {
			stream := in.Job.Params[ParamStream]
			if stream == "" {
				stream = FolderStream
			}
			return pipeline.OneFileDoor(DoorPath(stream), "result_file", in), nil
		},
	}
}
