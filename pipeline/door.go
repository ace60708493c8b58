package pipeline

import (
	"github.com/bulkd/bulkd"
)

// Door is how a job is sent on to a central bulkd: as a POST to the upload
// door a client of the kind uses, a multipart request of Fields and Files.
type Door struct {
	// Path is the door's path ("/bulk-imports/users"), escaped.
	Path   string
	Fields map[string]string
	Files  []DoorFile
}

// DoorFile is one file part of a Door's request.
type DoorFile struct {
	// Field is the part's name, Name the file name it is sent with, and
	// File the job's file (a name in its folder) it holds.
	Field, Name, File string
}

// DoorInput is what a kind's Door builds the request from: the job as
// stored, the names of its files (the main ones, then the recordings it
// took), and its tenant's settings here.
type DoorInput struct {
	Job    *bulkd.Job
	Files  []string
	Tenant bulkd.TenantSettings
}

// OneFileDoor is the Door of a kind whose job is its main file, sent as
// field under its own name.
func OneFileDoor(path, field string, in DoorInput) Door {
	return Door{Path: path, Fields: map[string]string{}, Files: []DoorFile{{Field: field, Name: in.Job.File, File: in.Job.File}}}
}
