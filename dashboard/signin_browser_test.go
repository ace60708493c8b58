package dashboard_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignIn_TenantSeesOnlyItsOwn: with tokens configured, a person signs
// in with one: a wrong token is refused, acme's shows acme's jobs and not
// globex's, and globex's job is not found; the session cookie is out of
// scripts' and other sites' reach.
func TestSignIn_TenantSeesOnlyItsOwn(t *testing.T) {
	s := startServer(t, nil, withTokens(t))
	s.drop("acme", "AGENTS.good.csv", fixture(t, "agents", "good", "AGENTS.good.csv"))
	s.drop("globex", "AGENTS.seed.csv", fixture(t, "contacts", "seed-full", "AGENTS.seed.csv"))
	acme := s.waitJobs(acmeToken, "acme", 1)[0]
	globex := s.waitJobs(globexToken, "globex", 1)[0]
	b := openTab(t, s.url)

	// Signed out, a page sends to the sign-in page, which comes back to it.
	require.EqualValues(t, http.StatusOK, b.open("/"))
	assert.Equal(t, "/signin?next=%2F", eval[string](b, `location.pathname + location.search`))
	assert.Equal(t, 0, eval[int](b, `document.querySelectorAll("#job-rows").length`))

	b.expectRefusal("/signin") // a refused token is answered 401
	for _, tc := range []struct {
		name, token string
		status      int64
		path        string
	}{
		{"a wrong token", "not-a-token", http.StatusUnauthorized, "/signin"},
		{"another tenant's token with a typo", globexToken + "x", http.StatusUnauthorized, "/signin"},
		{"acme's token", acmeToken, http.StatusOK, "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := b.on(t)
			status, to := b.submit(
				chromedp.SetValue(chromedp.CSS("#token"), tc.token),
				chromedp.Click(chromedp.CSS(`form.signin button[type=submit]`)),
			)
			assert.Equal(t, tc.status, status)
			u, err := url.Parse(to)
			require.NoError(t, err)
			assert.Equal(t, tc.path, u.Path)
			if tc.status == http.StatusUnauthorized {
				assert.Contains(t, b.text("#signin-error"), "That token was refused")
				assert.True(t, eval[bool](b, `!!document.querySelector("#token")`), "the form is shown again")
			}
		})
	}

	// Signed in as acme: acme's job, not globex's.
	assert.Empty(t, b.text("#signin-error"))
	b.waitJS("acme's job listed", fmt.Sprintf(`document.querySelector("#job-rows tr#job-%d")`, acme.ID))
	assert.False(t, eval[bool](b, fmt.Sprintf(`!!document.querySelector("#job-%d")`, globex.ID)), "globex's job is not listed")
	assert.NotContains(t, b.text("#job-rows"), "globex")
	assert.Equal(t, []string{"", "acme"}, eval[[]string](b, `[...document.querySelectorAll("select[name=tenant] option")].map((o) => o.value)`))
	assert.Contains(t, b.text("header .who"), "acme")
	assert.Equal(t, []string{"Jobs", "Folder"}, eval[[]string](b, `[...document.querySelectorAll("header nav a")].map((a) => a.textContent)`),
		"a token that reads jobs only is offered no contacts and no bulk operations")

	// The session cookie: HttpOnly, SameSite=Strict, and no script sees it.
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.url + "/"}})
	require.NoError(t, err)
	require.Len(t, cookies.Cookies, 1)
	c := cookies.Cookies[0]
	assert.Equal(t, "bulkd_session", c.Name)
	assert.True(t, c.HTTPOnly, "HttpOnly")
	assert.Equal(t, network.CookieSameSiteStrict, c.SameSite)
	assert.Empty(t, eval[string](b, `document.cookie`))

	// Signed out elsewhere (another tab), the live page goes to the
	// sign-in page, which comes back to it; the refreshed rows never hold
	// the sign-in page.
	eval[chromedp.Void](b, `window.__signedIn = 1; fetch("/signout", {method: "POST"})`)
	b.waitJS("the sign-in page", `location.pathname === "/signin"`)
	assert.Equal(t, "?next=%2F", eval[string](b, `location.search`))
	assert.False(t, eval[bool](b, `window.__signedIn === 1`), "a new page, not the old one rewritten")
	status, to := b.submit(
		chromedp.SetValue(chromedp.CSS("#token"), acmeToken),
		chromedp.Click(chromedp.CSS(`form.signin button[type=submit]`)),
	)
	require.EqualValues(t, http.StatusOK, status)
	assert.Equal(t, s.url+"/", to)

	// A link to a job signed out comes back to it once signed in.
	_, err = chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{})
	require.NoError(t, err)
	require.EqualValues(t, http.StatusOK, b.open(fmt.Sprintf("/jobs/%d", acme.ID)))
	assert.Equal(t, fmt.Sprintf("/signin?next=%%2Fjobs%%2F%d", acme.ID), eval[string](b, `location.pathname + location.search`))
	status, to = b.submit(
		chromedp.SetValue(chromedp.CSS("#token"), acmeToken),
		chromedp.Click(chromedp.CSS(`form.signin button[type=submit]`)),
	)
	require.EqualValues(t, http.StatusOK, status)
	assert.Equal(t, fmt.Sprintf("%s/jobs/%d", s.url, acme.ID), to)
	assert.Equal(t, "succeeded", b.text("#job-state"))

	// Another tenant's job, asked for by its address, is not found.
	b.expectRefusal(fmt.Sprintf("/jobs/%d", globex.ID))
	require.EqualValues(t, http.StatusNotFound, b.open(fmt.Sprintf("/jobs/%d", globex.ID)))
	assert.Equal(t, "Not found", b.text("main h1"))
	assert.False(t, eval[bool](b, `!!document.querySelector("#job-state, #job-summary")`), "none of the job is shown")
	assert.NotContains(t, b.text("main"), globex.File)

	// Signing out ends the session: the pages ask for a token again.
	status, to = b.submit(chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
	assert.EqualValues(t, http.StatusOK, status)
	assert.Equal(t, s.url+"/signin", to)
	require.EqualValues(t, http.StatusOK, b.open("/"))
	assert.Equal(t, "/signin", eval[string](b, `location.pathname`))
}
