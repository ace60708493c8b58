package dashboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bulkd/bulkd"
	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gate holds the objects imports sent over HTTP until it opens, so that
// their New and In Progress are there to see; folder drops pass.
type gate struct {
	open chan struct{}
	once sync.Once
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// gatedImporter is the objects importer behind the gate.
type gatedImporter struct {
	pipeline.Importer
	gate *gate
}

func (g gatedImporter) Import(ctx context.Context, run *pipeline.Run) error {
	if run.Job.Source == bulkd.SourceAPI {
		select {
		case <-g.gate.open:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.Importer.Import(ctx, run)
}

// gatedSpecs are every kind, the objects importer behind a gate that opens
// when the test ends at the latest.
func gatedSpecs(t *testing.T) ([]pipeline.Spec, *gate) {
	g := &gate{open: make(chan struct{})}
	t.Cleanup(g.release)
	specs := kinds.All()
	found := false
	for i := range specs {
		if specs[i].Kind != bulkd.KindObjects {
			continue
		}
		build := specs[i].New
		specs[i].New = func(d pipeline.Deps) (pipeline.Importer, error) {
			imp, err := build(d)
			if err != nil {
				return nil, err
			}
			return gatedImporter{Importer: imp, gate: g}, nil
		}
		found = true
	}
	require.True(t, found, "the objects kind is registered")
	return specs, g
}

// TestBulkOperations_Dialog: the Bulk Operations screen, open, for acme:
// New Bulk Operation's dialog exports a blank template and imports a file
// with its upload's progress; while the operation is New or In Progress
// no other can start; once it completes with errors, its errors export
// names the bad row's problem.
func TestBulkOperations_Dialog(t *testing.T) {
	specs, g := gatedSpecs(t)
	s := startServer(t, specs)
	s.drop("acme", "OBJECTS.multimedia-profile.a.csv", []byte("Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,2,2,2\n"))
	require.Equal(t, "succeeded", s.waitJobs("", "acme", 1)[0].State, "the profile the sites name")
	b := openTab(t, s.url)

	// Open, the screen asks for the tenant first.
	require.EqualValues(t, http.StatusOK, b.open("/operations"))
	status, to := b.submit(chromedp.Click(chromedp.CSS(`ul.tenants a[href="/operations?tenant=acme"]`)))
	require.EqualValues(t, http.StatusOK, status)
	require.Equal(t, s.url+"/operations?tenant=acme", to)
	eval[chromedp.Void](b, `window.__noReload = 1`)
	assert.Equal(t, "Completed", b.text("#operations tr[id^=op-] span.status"), "the dropped profile's operation")
	assert.False(t, eval[bool](b, `document.querySelector("#new-operation").disabled`), "New Bulk Operation is enabled")
	assert.Empty(t, b.text("#new-reason"))

	// New Bulk Operation opens the dialog.
	b.do(chromedp.Click(chromedp.CSS("#new-operation")))
	b.waitJS("the dialog open with its forms", `document.querySelector("dialog#dialog").open && document.querySelector("#dialog #import-form")`)
	assert.Equal(t, "New Bulk Operation", b.text("#dialog #dialog-title"))

	// Export blank template: the type's header alone.
	b.do(chromedp.SetValue(chromedp.CSS("#export-object"), "site"))
	name, template := b.download(chromedp.Click(chromedp.CSS("#export-template")))
	assert.Equal(t, "OBJECTS.site.csv", name)
	first, _, _ := strings.Cut(string(template), "\n")
	assert.Equal(t, "Name,Multimedia Profile", first)
	assert.True(t, eval[bool](b, `document.querySelector("dialog#dialog").open && window.__noReload === 1`), "the download leaves the dialog open")

	// Import a file of a good and a bad site: sent, New, its upload whole.
	file := filepath.Join(t.TempDir(), "sites.csv")
	require.NoError(t, os.WriteFile(file, []byte("Name,Multimedia Profile\nLondon,Gold\nParis,Golld\n"), 0o644))
	b.do(
		chromedp.SetValue(chromedp.CSS("#import-object"), "site"),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#import-submit")),
	)
	b.waitJS("the upload's status", `document.querySelector("#upload-status").textContent.startsWith("Sent")`)
	sent := b.text("#upload-status")
	match := regexp.MustCompile(`^Sent: bulk operation (\d+) is New\.`).FindStringSubmatch(sent)
	require.NotNil(t, match, sent)
	id := match[1]
	b.waitJS("the upload's progress bar full", `document.querySelector("#upload-progress").value === 100`)
	assert.False(t, eval[bool](b, `document.querySelector("#upload-progress").hidden`), "the progress bar shows")

	// Closed, the dialog leaves the screen, where the operation is held In
	// Progress and no other can start.
	b.do(chromedp.Click(chromedp.CSS("#dialog-close")))
	b.waitJS("the dialog closed", `!document.querySelector("dialog#dialog").open`)
	row := "#op-" + id
	b.waitJS("the operation In Progress", fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent === "In Progress"`, row+" span.status"))
	assert.Equal(t, "sites.csv", b.text(row+" td.file"))
	assert.Equal(t, "Site", b.text(row+" td:nth-child(3)"))
	assert.True(t, eval[bool](b, `document.querySelector("#new-operation").disabled`), "New Bulk Operation is disabled")
	reason := b.text("#new-reason")
	assert.Contains(t, reason, "bulk operation "+id)
	assert.Contains(t, reason, "sites.csv")
	assert.Contains(t, reason, "In Progress")
	assert.Empty(t, b.text(row+" a.export-errors"), "no report while it runs")

	// Released, it completes with errors, live.
	g.release()
	b.waitJS("the operation Complete With Errors", fmt.Sprintf(`document.querySelector(%q).textContent === "Complete With Errors"`, row+" span.status"))
	assert.True(t, eval[bool](b, `window.__noReload === 1`), "the page was not reloaded")
	b.waitJS("New Bulk Operation enabled again", `!document.querySelector("#new-operation").disabled && !document.querySelector("#new-reason")`)

	// Export errors to CSV: the bad row, with its reason.
	assert.Equal(t, "Export errors to CSV", b.text(row+" a.export-errors"))
	_, report := b.download(chromedp.Click(chromedp.CSS(row + " a.export-errors")))
	recs, err := csv.NewReader(bytes.NewReader(report)).ReadAll()
	require.NoError(t, err, string(report))
	require.Len(t, recs, 2, "the header and the failed row: %s", report)
	header, paris := recs[0], recs[1]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	require.Contains(t, col, "Error Message", header)
	require.Contains(t, col, "Name", header)
	assert.Equal(t, "Paris", paris[col["Name"]])
	msg := paris[col["Error Message"]]
	assert.Contains(t, msg, "Golld")
	assert.Contains(t, msg, "did you mean")
	code, api := s.getOpen("acme", "/v1/bulk-operations/"+id+"/errors.csv")
	require.Equal(t, http.StatusOK, code, string(api))
	assert.Equal(t, string(api), string(report), "the export is the API's report")

	// Its details, in the dialog and on their own page.
	b.do(chromedp.Click(chromedp.CSS(row + " a[data-dialog]")))
	b.waitJS("the operation's details", `document.querySelector("dialog#dialog").open && document.querySelector("#dialog #dialog-title")`)
	assert.Equal(t, "Bulk operation "+id, b.text("#dialog #dialog-title"))
	assert.Equal(t, "Complete With Errors", b.text("#dialog span.status"))
	assert.Equal(t, "Export errors to CSV", b.text("#dialog a.export-errors"))
	b.do(chromedp.Click(chromedp.CSS("#dialog button.close")))
	b.waitJS("the details closed", `!document.querySelector("dialog#dialog").open`)

	// Export existing records: the good site, imported; not the bad one.
	b.do(chromedp.Click(chromedp.CSS("#new-operation")))
	b.waitJS("the dialog open with its forms", `document.querySelector("dialog#dialog").open && document.querySelector("#dialog #import-form")`)
	assert.Empty(t, b.text("#dialog p.reason"), "no operation is active")
	b.do(chromedp.SetValue(chromedp.CSS("#export-object"), "site"))
	_, records := b.download(chromedp.Click(chromedp.CSS("#export-records")))
	assert.Equal(t, "Name,Multimedia Profile\nLondon,Gold\n", string(records))
	b.do(chromedp.Click(chromedp.CSS("#dialog-close")))
	b.waitJS("the dialog closed", `!document.querySelector("dialog#dialog").open`)

	require.EqualValues(t, http.StatusOK, b.open("/operations/"+id+"?tenant=acme"))
	assert.Equal(t, "Complete With Errors", b.text("main span.status"))
	require.EqualValues(t, http.StatusOK, b.open("/operations/new?tenant=acme"))
	assert.Equal(t, 2, eval[int](b, `document.querySelectorAll("main #export-form, main #import-form").length`), "New Bulk Operation's page has both forms")
}
