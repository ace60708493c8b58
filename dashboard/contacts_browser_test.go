package dashboard_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// media is what a page's audio element reports.
type media struct {
	Duration   float64 `json:"duration"`
	Finite     bool    `json:"finite"`
	ReadyState int     `json:"readyState"`
	Error      int     `json:"error"`
	Played     bool    `json:"played"`
}

// TestContactPage_RecordingPlays: a contact imported with its recordings
// is listed, and its page's audio player loads the recording and plays it
// to the end through the dashboard.
func TestContactPage_RecordingPlays(t *testing.T) {
	s := startServer(t, nil)
	s.drop("acme", "AGENTS.seed.csv", fixture(t, "contacts", "seed-full", "AGENTS.seed.csv"))
	require.Equal(t, "succeeded", s.waitJobs("", "acme", 1)[0].State)
	for _, name := range []string{"call1.wav", "call2.wav", "call1.webmv"} {
		s.drop("acme", name, fixture(t, "contacts", "seed-full", name))
	}
	s.drop("acme", "CONTACT.seed-full.csv", fixture(t, "contacts", "seed-full", "CONTACT.seed-full.csv"))
	j := s.waitJobs("", "acme", 2)[0]
	require.Equal(t, "succeeded", j.State, j.Error)
	var page struct {
		Contacts []struct {
			ID         uint64 `json:"id"`
			Recordings []struct {
				Location string `json:"location"`
				Media    string `json:"media"`
			} `json:"recordings"`
		} `json:"contacts"`
	}
	s.getJSON("", "/v1/tenants/acme/contacts", &page)
	require.Len(t, page.Contacts, 2)
	b := openTab(t, s.url)

	// Open, the contacts page asks for the tenant first.
	require.EqualValues(t, http.StatusOK, b.open("/contacts"))
	b.do(chromedp.Click(chromedp.CSS(`ul.tenants a[href="/contacts?tenant=acme"]`)))
	b.waitJS("acme's contacts", `location.search === "?tenant=acme" && document.querySelector("table.contacts")`)
	var links []string
	for _, c := range page.Contacts {
		links = append(links, fmt.Sprintf("/contacts/acme/%d", c.ID))
	}
	assert.Equal(t, links, eval[[]string](b, `[...document.querySelectorAll("table.contacts td:first-child a")].map((a) => a.getAttribute("href"))`))

	// The second contact has one recording, an audio call.
	c := page.Contacts[1]
	require.Len(t, c.Recordings, 1)
	require.Equal(t, "audio", c.Recordings[0].Media)
	status, to := b.submit(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/contacts/acme/%d"]`, c.ID))))
	require.EqualValues(t, http.StatusOK, status)
	require.Equal(t, s.url+links[1], to)
	assert.Equal(t, fmt.Sprintf("/ui/v1/tenants/acme/contacts/%d/recordings/%s", c.ID, c.Recordings[0].Location),
		eval[string](b, `document.querySelector("audio").getAttribute("src")`))

	probe := `(() => {
		const a = document.querySelector("audio");
		return {duration: isFinite(a.duration) ? a.duration : -1, finite: isFinite(a.duration), readyState: a.readyState,
			error: a.error ? a.error.code : 0, played: a.ended};
	})()`
	var m media
	eventually(t, "the recording's metadata", func() (bool, string) {
		m = eval[media](b, probe)
		return m.Error != 0 || m.Finite && m.Duration > 0 && m.ReadyState >= 1, fmt.Sprintf("%+v", m)
	})
	require.Zero(t, m.Error, "the audio element's MediaError code")
	assert.Greater(t, m.Duration, 0.0)

	// It plays, to the end.
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("audio").play()`, chromedp.EvalAwaitPromise))
	eventually(t, "the recording played to its end", func() (bool, string) {
		m = eval[media](b, probe)
		return m.Played, fmt.Sprintf("%+v", m)
	})
	assert.Zero(t, m.Error)

	// The first contact's page has its screen recording and its call.
	require.EqualValues(t, http.StatusOK, b.open(links[0]))
	assert.Equal(t, 1, eval[int](b, `document.querySelectorAll("figure.recording video").length`))
	assert.Equal(t, 1, eval[int](b, `document.querySelectorAll("figure.recording audio").length`))
	assert.Contains(t, b.text("main"), "accountNumber")
}
