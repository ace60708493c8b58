package dashboard_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConsole_CatchesErrors: the console check every browser test makes
// sees what it must: an error written, an uncaught exception, a rejected
// promise nobody handles.
func TestConsole_CatchesErrors(t *testing.T) {
	s := startServer(t, nil)
	b := openTab(t, s.url)
	require.EqualValues(t, http.StatusOK, b.open("/"))
	assert.Empty(t, b.consoleErrors(), "the jobs page is clean")

	eval[chromedp.Void](b, `console.error("bulkd-test: an error written");
		setTimeout(() => { throw new Error("bulkd-test: an uncaught exception"); });
		Promise.reject(new Error("bulkd-test: a rejection"));`)
	var got []string
	eventually(t, "the three faults", func() (bool, string) {
		for _, m := range b.consoleErrors() {
			got = append(got, fmt.Sprintf("%s: %s", m.Type, m.Text))
		}
		return len(got) >= 3, strings.Join(got, "; ")
	})
	slices.Sort(got)
	assert.Equal(t, []string{
		"error: bulkd-test: an error written",
		"exception: Uncaught (in promise) Error: bulkd-test: a rejection",
		"exception: Uncaught Error: bulkd-test: an uncaught exception",
	}, got)
}

// TestConsole_EveryPageIsClean visits every page of the open dashboard,
// staying on a live one until its script has refreshed it: none writes an
// error or throws (the check is openTab's, when the test ends).
func TestConsole_EveryPageIsClean(t *testing.T) {
	s := startServer(t, nil)
	s.drop("acme", "AGENTS.row-errors.csv", fixture(t, "agents", "row-errors", "AGENTS.row-errors.csv"))
	j := s.waitJobs("", "acme", 1)[0]
	s.drop("acme", "contact.lower.csv", []byte("AgentId\n1\n"))
	eventually(t, "the near miss listed", func() (bool, string) {
		_, body := s.get("", "/v1/tenants/acme/files")
		return strings.Contains(string(body), "not_an_import"), string(body)
	})
	b := openTab(t, s.url)

	for _, tc := range []struct {
		path, heading string
		has           []string // selectors of elements the page shows
	}{
		{"/", "Jobs", []string{fmt.Sprintf("#job-rows tr#job-%d", j.ID)}},
		{"/?state=partial&tenant=acme", "Jobs", []string{fmt.Sprintf("#job-rows tr#job-%d", j.ID)}},
		{fmt.Sprintf("/jobs/%d", j.ID), fmt.Sprintf("Job %d AGENTS.row-errors.csv", j.ID), []string{"#job-summary", "table.report", "#report-link"}},
		{"/folder", "Files waiting in the tenant folders", []string{"table.files td.file"}},
		{"/contacts", "Contacts", []string{`ul.tenants a[href="/contacts?tenant=acme"]`}},
		{"/contacts?tenant=acme", "Contacts tenant acme", []string{"table.contacts td.empty"}},
		{"/operations", "Bulk Operations", []string{`ul.tenants a[href="/operations?tenant=acme"]`}},
		{"/operations?tenant=acme", "Bulk Operations tenant acme", []string{"#new-operation", "dialog#dialog"}},
		{"/operations/new?tenant=acme", "New Bulk Operation", []string{"#export-form", "#import-form"}},
		{"/signin", "Jobs", []string{"#job-rows"}}, // open: no sign-in
	} {
		t.Run(tc.path, func(t *testing.T) {
			b := b.on(t)
			require.EqualValues(t, http.StatusOK, b.open(tc.path))
			assert.Equal(t, tc.heading, eval[string](b, `(document.querySelector("main h1, main h2") || {}).innerText`))
			for _, sel := range tc.has {
				assert.True(t, eval[bool](b, fmt.Sprintf("!!document.querySelector(%q)", sel)), sel)
			}
			// A live page is checked once its script has refreshed it.
			b.waitJS("the page's refreshes", `[...document.querySelectorAll("[data-refresh]:not([data-final])")].every((el) =>
				performance.getEntriesByType("resource").some((e) => e.name.endsWith(el.dataset.refresh) && e.responseStatus === 200))`)
			assert.Empty(t, b.consoleErrors())
		})
	}
	require.EqualValues(t, http.StatusOK, b.open("/folder"))
	assert.Equal(t, [][]string{{"contact.lower.csv", "not_an_import"}},
		eval[[][]string](b, `[...document.querySelectorAll("table.files tbody tr")].map((tr) => [tr.cells[0].textContent, tr.cells[3].textContent])`))
	assert.Contains(t, b.text("table.files"), "did you mean CONTACT.lower.csv?")
}
