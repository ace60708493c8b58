// Command bulkshots makes the README's screenshots of the dashboard: it
// starts bulkd in-process on a temp dir, imports the walkthrough's files
// (agents with row errors, the seed's contacts with recordings, a tenant's
// configuration objects and an objects CSV with errors), and photographs
// the main pages in headless Chromium (Debian's chromium package) into
// docs/. Run it from the repository's root:
//
//	go run ./cmd/bulkshots
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bulkd/bulkd/config"
	"github.com/bulkd/bulkd/daemon"
	"github.com/bulkd/bulkd/internal/chrome"
	"github.com/chromedp/chromedp"
	"github.com/hashicorp/go-hclog"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bulkshots:", err)
		os.Exit(1)
	}
}

// shot is one screenshot: a page, what to wait for, and what to do first.
type shot struct {
	file, path, ready string
	before            []chromedp.Action[chromedp.Void]
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bulkshots", flag.ContinueOnError)
	out := fs.String("out", "docs", "folder to write the PNGs to")
	root := fs.String("root", ".", "the repository's root, where testdata/ is")
	width := fs.Int("width", 1280, "window width")
	height := fs.Int("height", 800, "window height")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bulkshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg, diags, _ := config.Load("")
	if diags.HasErrors() {
		return diags
	}
	cfg.DataDir = filepath.Join(tmp, "data")
	cfg.Watch.Root = filepath.Join(cfg.DataDir, "gis")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Watch.SettleDur = 50 * time.Millisecond
	d := daemon.New(cfg, hclog.NewNullLogger())
	if err := d.Open(ctx); err != nil {
		return err
	}
	defer d.Close()
	base := "http://" + d.Addr()
	ids, err := walkthrough(ctx, base, *root, filepath.Join(cfg.Watch.Root, "acme"))
	if err != nil {
		return err
	}

	browser, stop, err := chrome.Start(ctx, filepath.Join(tmp, "chromium"), *width, *height)
	if err != nil {
		return err
	}
	defer stop()
	shots := []shot{
		{file: "dashboard-jobs.png", path: "/", ready: "#job-rows tr"},
		{file: "dashboard-job.png", path: fmt.Sprintf("/jobs/%d", ids.rowErrors), ready: "table.report"},
		{file: "dashboard-operations.png", path: "/operations?tenant=acme", ready: "table.operations"},
		{file: "dashboard-new-operation.png", path: "/operations?tenant=acme", ready: "#dialog[open] #import-form",
			before: []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS("#new-operation")), chromedp.Click(chromedp.CSS("#new-operation"))}},
		{file: "dashboard-folder.png", path: "/folder", ready: "table.files"},
		{file: "dashboard-contact.png", path: fmt.Sprintf("/contacts/acme/%d", ids.contact), ready: "audio"},
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, s := range shots {
		steps := append([]chromedp.Action[chromedp.Void]{
			chromedp.EmulateViewport(int64(*width), int64(*height)), // the page's size, whatever the window's frame takes
			chromedp.Navigate(base + s.path),
		}, s.before...)
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(s.ready)))
		tctx, cancel := context.WithTimeout(browser, 30*time.Second)
		err := chromedp.Do(tctx, steps...)
		var png []byte
		if err == nil {
			png, err = chromedp.Run(tctx, chromedp.CaptureScreenshot())
		}
		cancel()
		if err != nil {
			return fmt.Errorf("%s (%s): %w", s.file, s.path, err)
		}
		if err := os.WriteFile(filepath.Join(*out, s.file), png, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s\t%s\t%d bytes\n", filepath.Join(*out, s.file), s.path, len(png))
	}
	return nil
}

// walkthroughIDs are the jobs and records the pages show.
type walkthroughIDs struct {
	rowErrors uint64 // the agents job with row errors
	contact   uint64 // a contact with recordings
}

// walkthrough drops the README's walkthrough files into tenant acme's
// folder, sends an objects CSV with errors over HTTP, leaves a file that
// is no import in the folder, and waits for every job to finish.
func walkthrough(ctx context.Context, base, root, dir string) (walkthroughIDs, error) {
	var ids walkthroughIDs
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ids, err
	}
	copies := map[string]string{
		"testdata/agents/row-errors/AGENTS.row-errors.csv": "AGENTS.march.csv",
		"testdata/objects/tenant/agents.csv":               "AGENTS.objects.csv",
	}
	seed, err := filepath.Glob(filepath.Join(root, "testdata/contacts/seed-full/*"))
	if err != nil || len(seed) == 0 {
		return ids, errors.New("testdata/contacts/seed-full is missing: run bulkshots from the repository's root")
	}
	for _, f := range seed {
		copies[f] = filepath.Base(f)
	}
	// As an admin would: agents first, recordings, the contacts file last,
	// so that each settles after what it names (files settling in
	// different checks are taken in the order they settle).
	order := slices.SortedFunc(maps.Keys(copies), func(a, b string) int {
		rank := func(src string) int {
			switch name := copies[src]; {
			case strings.HasPrefix(name, "AGENTS."):
				return 0
			case strings.HasPrefix(name, "CONTACT."):
				return 2
			}
			return 1
		}
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	for _, src := range order {
		name := copies[src]
		if !filepath.IsAbs(src) && !strings.HasPrefix(src, root) {
			src = filepath.Join(root, src)
		}
		if err := copyFile(src, filepath.Join(dir, name)); err != nil {
			return ids, err
		}
	}
	if err := waitJobs(ctx, base, 4); err != nil { // two agents files, the seed's agents, its contacts
		return ids, err
	}
	if err := copyFile(filepath.Join(root, "testdata/objects/tenant.zip"), filepath.Join(dir, "OBJECTS.tenant.zip")); err != nil {
		return ids, err
	}
	if err := waitJobs(ctx, base, 5); err != nil {
		return ids, err
	}
	if err := postObjects(ctx, base, "site", "sites.csv", "Name,Multimedia Profile\nOslo,Realtime Chat\nBergen,Realtime Chatt\n"); err != nil {
		return ids, err
	}
	if err := waitJobs(ctx, base, 6); err != nil {
		return ids, err
	}
	if err := os.WriteFile(filepath.Join(dir, "contact.lower.csv"), []byte("AgentId\n1\n"), 0o644); err != nil {
		return ids, err
	}
	var jobs struct {
		Jobs []struct {
			ID   uint64
			File string
		}
	}
	if err := getJSON(ctx, base+"/v1/jobs", &jobs); err != nil {
		return ids, err
	}
	for _, j := range jobs.Jobs {
		if j.File == "AGENTS.march.csv" {
			ids.rowErrors = j.ID
		}
	}
	var contacts struct{ Contacts []struct{ ID uint64 } }
	if err := getJSON(ctx, base+"/v1/tenants/acme/contacts", &contacts); err != nil {
		return ids, err
	}
	if ids.rowErrors == 0 || len(contacts.Contacts) == 0 {
		return ids, errors.New("the walkthrough imported nothing to show")
	}
	ids.contact = contacts.Contacts[0].ID
	return ids, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".part")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// waitJobs waits until n jobs exist and all are final.
func waitJobs(ctx context.Context, base string, n int) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var jobs struct{ Jobs []struct{ State string } }
		if err := getJSON(ctx, base+"/v1/jobs", &jobs); err != nil {
			return err
		}
		done := 0
		for _, j := range jobs.Jobs {
			switch j.State {
			case "succeeded", "partial", "failed", "skipped", "canceled":
				done++
			}
		}
		if len(jobs.Jobs) >= n && done == len(jobs.Jobs) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the walkthrough's %d jobs did not finish within a minute", n)
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// postObjects sends a CSV to POST /v1/bulk-operations as tenant acme.
func postObjects(ctx context.Context, base, object, name, csv string) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("object", object); err != nil {
		return err
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(fw, csv); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/bulk-operations", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Tenant", "acme")
	req.Header.Set("X-User", "ann@acme.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST /v1/bulk-operations: %s: %s", resp.Status, b)
	}
	return nil
}
