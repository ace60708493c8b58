package dashboard_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bulkd/bulkd/config"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jobRow is a row of the jobs table as the page shows it.
type jobRow struct {
	ID       string  `json:"id"`
	State    string  `json:"state"`
	Value    float64 `json:"value"`
	Max      float64 `json:"max"`
	NoReload bool    `json:"noReload"`
}

// TestJobsPage_RowGoesLive: a file dropped in a tenant folder appears on
// the jobs page already open, and its row reaches its final state with a
// full progress bar, without a reload.
func TestJobsPage_RowGoesLive(t *testing.T) {
	s := startServer(t, nil)
	b := openTab(t, s.url)

	require.EqualValues(t, http.StatusOK, b.open("/"))
	assert.Contains(t, b.text("#job-rows"), "No jobs yet")
	eval[chromedp.Void](b, `window.__noReload = 1`)

	s.drop("acme", "AGENTS.good.csv", fixture(t, "agents", "good", "AGENTS.good.csv"))
	row := func() jobRow {
		return eval[jobRow](b, `(() => {
			const tr = [...document.querySelectorAll("#job-rows tr[id^=job-]")]
				.find((tr) => tr.querySelector("td.file").textContent === "AGENTS.good.csv");
			if (!tr) return {noReload: window.__noReload === 1};
			const p = tr.querySelector("progress");
			return {id: tr.id, state: tr.querySelector("span.state").textContent, value: p.value, max: p.max,
				noReload: window.__noReload === 1};
		})()`)
	}
	var seen jobRow
	eventually(t, "the dropped file's row, succeeded, its progress full", func() (bool, string) {
		seen = row()
		return seen.State == "succeeded" && seen.Max > 0 && seen.Value == seen.Max, fmt.Sprintf("%+v", seen)
	})
	assert.True(t, seen.NoReload, "the page was not reloaded")

	j := s.waitJobs("", "acme", 1)[0]
	assert.Equal(t, fmt.Sprintf("job-%d", j.ID), seen.ID)
	assert.EqualValues(t, j.RowsTotal, seen.Max, "the bar's maximum is the job's rows")
	assert.Equal(t, 1, eval[int](b, `document.querySelectorAll("#job-rows tr[id^=job-]").length`), "one row, the job's")
}

// TestJobPage_FailedRowsAndReport: a job whose rows failed shows them on its
// page, and the report the page's link downloads is the API's, byte for
// byte.
func TestJobPage_FailedRowsAndReport(t *testing.T) {
	s := startServer(t, nil)
	b := openTab(t, s.url)
	s.drop("acme", "AGENTS.row-errors.csv", fixture(t, "agents", "row-errors", "AGENTS.row-errors.csv"))
	j := s.waitJobs("", "acme", 1)[0]
	require.Equal(t, "partial", j.State, j.Error)
	require.Equal(t, 6, j.RowsFailed)
	status, report := s.get("", fmt.Sprintf("/v1/jobs/%d/errors.csv", j.ID))
	require.Equal(t, http.StatusOK, status, string(report))
	want, err := csv.NewReader(bytes.NewReader(report)).ReadAll()
	require.NoError(t, err)
	require.Len(t, want, 7, "a header and the 6 failed rows")

	require.EqualValues(t, http.StatusOK, b.open(fmt.Sprintf("/jobs/%d", j.ID)))
	assert.Equal(t, "partial", b.text("#job-state"))
	assert.True(t, eval[bool](b, `document.querySelector("#job-summary").hasAttribute("data-final")`), "a final job's summary is not refreshed")
	table := eval[[][]string](b, `[...document.querySelectorAll("table.report tr")]
		.map((tr) => [...tr.querySelectorAll("th, td")].map((c) => c.textContent))`)
	assert.Equal(t, want, table, "the page shows the report's header and every failed row")
	assert.Equal(t, "Download the error report", b.text("#report-link"))

	name, got := b.download(chromedp.Click(chromedp.CSS("#report-link")))
	assert.Equal(t, string(report), string(got), "the downloaded report is the API's")
	assert.Equal(t, report, got)
	assert.NotEmpty(t, name)
}

// summary is a job page's summary as it shows it.
type summary struct {
	State    string  `json:"state"`
	Final    bool    `json:"final"`
	Value    float64 `json:"value"`
	Max      float64 `json:"max"`
	Failed   int     `json:"failed"`
	NoReload bool    `json:"noReload"`
}

// TestJobPage_SummaryGoesLive: the page of a job still running follows it
// to its final state without a reload, its failed rows appearing, and
// marks itself final, which ends its refreshes.
func TestJobPage_SummaryGoesLive(t *testing.T) {
	specs, g := gatedSpecs(t)
	s := startServer(t, specs)
	s.drop("acme", "OBJECTS.multimedia-profile.a.csv", []byte("Name,Description,Type,Voice,Chat,Email,Social\nGold,,BLENDED,1,2,2,2\n"))
	require.Equal(t, "succeeded", s.waitJobs("", "acme", 1)[0].State)
	id := s.postOperation("acme", "site", "sites.csv", []byte("Name,Multimedia Profile\nLondon,Gold\nParis,Golld\n"))
	b := openTab(t, s.url)

	require.EqualValues(t, http.StatusOK, b.open(fmt.Sprintf("/jobs/%d", id)))
	eval[chromedp.Void](b, `window.__noReload = 1`)
	probe := `(() => {
		const p = document.querySelector("#job-summary progress");
		return {state: document.querySelector("#job-state").textContent, final: document.querySelector("#job-summary").hasAttribute("data-final"),
			value: p.value, max: p.max, failed: document.querySelectorAll("table.report tbody tr").length, noReload: window.__noReload === 1};
	})()`
	var seen summary
	eventually(t, "the job held running", func() (bool, string) {
		seen = eval[summary](b, probe)
		return seen.State == "running", fmt.Sprintf("%+v", seen)
	})
	assert.False(t, seen.Final)
	assert.Zero(t, seen.Failed)

	g.release()
	eventually(t, "the job partial, its summary final", func() (bool, string) {
		seen = eval[summary](b, probe)
		return seen.Final, fmt.Sprintf("%+v", seen)
	})
	assert.Equal(t, summary{State: "partial", Final: true, Value: 2, Max: 2, Failed: 1, NoReload: true}, seen)
	assert.Contains(t, b.text("table.report"), "did you mean")
}

// TestJobsPage_Outbox: on a site whose central is down, the jobs page says
// how many jobs wait to be forwarded and why sending fails, and a job's
// page says where its forward stands.
func TestJobsPage_Outbox(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there: the central is down
	s := startServer(t, nil, func(c *config.Config) { c.Forward = &config.Forward{URL: down, Mode: config.ForwardImport} })
	b := openTab(t, s.url)

	s.drop("acme", "AGENTS.good.csv", fixture(t, "agents", "good", "AGENTS.good.csv"))
	j := s.waitJobs("", "acme", 1)[0]
	eventually(t, "the outbox line, failing", func() (bool, string) {
		require.EqualValues(t, http.StatusOK, b.open("/"))
		text := b.text("#outbox")
		return strings.Contains(text, "Outbox: 1 job(s) waiting") && strings.Contains(text, "Sending fails:"), text
	})
	require.EqualValues(t, http.StatusOK, b.open(fmt.Sprintf("/jobs/%d", j.ID)))
	assert.Contains(t, b.text("#job-forward"), "queued")
	assert.Contains(t, b.text("#job-forward"), "connection refused")
}
