package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulkd/bulkd/pipeline"
	"github.com/bulkd/bulkd/pipeline/kinds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrash starts the real bulkd binary, drops a mixed batch into a tenant
// folder (agents, contacts CSVs with their WAVs, a ZIP) and posts uploads,
// kill -9s it at random moments again and again, then lets it finish and
// checks that every row is imported once and every file is accounted for.
//
//	go test -race -count=1 -run TestCrash -v ./cmd/bulkd/                            # short: 7 kills
//	go test -race -count=1 -run TestCrash -v -timeout 60m ./cmd/bulkd/ -crash.long   # 200 kills
//	go test … -crash.kills=30 -crash.rows=8000 -crash.seed=42 -crash.logdir=/tmp/l   # any mix
//
// The bulkd under test is built with -race when the test is, and a data
// race or panic in any of its logs fails the test.
func TestCrash(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("crash test: kill -9 semantics are Unix ones (on Windows Kill is TerminateProcess, and files a killed process held open stay locked for a while)")
	}
	kills := 7
	if *crashLong {
		kills = 200
	}
	if *crashKills > 0 {
		kills = *crashKills
	}
	seed := *crashSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("crash: %d kills, %d rows per CONTACT CSV, seed %d (-crash.seed=%d repeats the random choices)", kills, *crashRows, seed, seed)
	began := time.Now()

	base := t.TempDir()
	dataDir, stage, logDir, binDir := filepath.Join(base, "data"), filepath.Join(base, "stage"), filepath.Join(base, "logs"), filepath.Join(base, "bin")
	if *crashLogs != "" {
		logDir = *crashLogs
	}
	tenantDir := filepath.Join(dataDir, "gis", crashTenant)
	for _, d := range []string{tenantDir, stage, logDir, binDir} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	bin := buildBulkd(t, binDir)
	t.Logf("crash: built %s in %s (race: %v)", bin, time.Since(began).Round(time.Millisecond), raceEnabled())
	cfgPath := filepath.Join(base, "bulkd.hcl")
	port := freePort(t)
	writeCrashConfig(t, cfgPath, dataDir, port, "")
	p := newDaemonProc(t, bin, cfgPath, logDir, port)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // runs before the kill registered by newDaemonProc

	exp := &crashExpect{callIDs: map[string]string{}, recSHA: map[string]string{}, agents: map[string]bool{}}
	midImport, rounds, backlog, scale := 0, 0, 0, 1
	for k := 0; k < kills; k++ {
		// A new part of the batch each time, unless bulkd was well behind
		// at the last kill (a long run would otherwise only pile up work);
		// a bigger one after a kill that found bulkd idle, so that kills
		// land mid-import on a fast machine too.
		var rd *crashRound
		if backlog < maxBacklog {
			rd = exp.round(t, rounds, scale*(*crashRows))
			rounds++
		}
		before, old := rng.IntN(2) == 0, rng.IntN(2) == 0
		dropped := "nothing dropped"
		if rd != nil && before { // there when bulkd starts
			rd.drop(t, stage, tenantDir, old)
			dropped = fmt.Sprintf("round %d, %d rows, dropped before start", rounds-1, rd.rows)
		}
		p.start()
		if rd != nil && !before {
			rd.drop(t, stage, tenantDir, old)
			dropped = fmt.Sprintf("round %d, %d rows, dropped after start", rounds-1, rd.rows)
		}
		if rd != nil && rd.upload != nil {
			go rd.upload.run(ctx, p.url)
		}
		wait := time.Duration(50+rng.IntN(751)) * time.Millisecond
		time.Sleep(wait) // not synchronisation: this picks the kill moment
		running, open, saw := p.snapshot()
		p.kill()
		if running {
			midImport++
		}
		backlog = open
		if open == 0 && !strings.HasPrefix(saw, "jobs unknown") {
			scale = min(2*scale, maxScale)
		}
		t.Logf("crash: kill %d/%d, %s after /healthz (%s): %s", k+1, kills, wait, dropped, saw)
	}

	// The last start: let everything finish.
	p.start()
	settleStart := time.Now()
	jobs := p.waitSettled(t, tenantDir, dataDir, exp, 90*time.Second+time.Duration(kills)*time.Second)
	t.Logf("crash: settled %s after the last start", time.Since(settleStart).Round(time.Millisecond))

	imported := checkJobs(t, p, exp, jobs)
	checkAgents(t, p, exp)
	contacts := checkContacts(t, p, exp, jobs)
	checkMedia(t, dataDir, exp, contacts)
	checkFiles(t, tenantDir, dataDir, exp)

	stopErr := p.stop()
	var bad, errs []string
	for i := 1; i <= p.starts; i++ {
		l := filepath.Join(logDir, fmt.Sprintf("bulkd.%d.log", i))
		bad = append(bad, grepLog(l, "WARNING: DATA RACE", "panic:", "fatal error:")...)
		errs = append(errs, grepLog(l, "[ERROR]", "[WARN]")...)
	}
	if len(bad) > 0 {
		t.Errorf("crash: bulkd logged %d data races or panics (logs in %s): %v; the first:\n%s", len(bad), logDir, bad[:min(5, len(bad))], firstReport(logDir, p.starts))
	} else {
		assert.NoError(t, stopErr, "a clean stop after the crashes; log:\n%s", tail(p.logPath, 20))
	}
	for i, e := range errs {
		if i == 30 {
			t.Logf("crash: … %d more [ERROR] and [WARN] lines", len(errs)-30)
			break
		}
		t.Logf("crash: bulkd logged %s", e)
	}
	skipped := 0
	for _, j := range jobs {
		if j.State == "skipped" {
			skipped++
		}
	}
	attempts := 0
	for _, u := range exp.uploads {
		attempts += u.attempts
	}
	t.Logf("crash: SUMMARY kills=%d (%d with a job running) rounds=%d rows=%d contacts=%d agents=%d jobs=%d (skipped %d) uploads=%d (%d attempts) imported=%d time=%s seed=%d",
		kills, midImport, rounds, len(exp.callIDs), len(contacts), len(exp.agents), len(jobs), skipped, len(exp.uploads), attempts, imported,
		time.Since(began).Round(time.Millisecond), seed)
	if t.Failed() {
		t.Logf("crash: the logs of every start are in %s", logDir)
	}
}

const (
	// maxBacklog is how many unfinished jobs at a kill stop the next round
	// from dropping more.
	maxBacklog = 8
	// maxScale bounds how many times -crash.rows a round's CSV grows to.
	maxScale       = 4
	agentsPerRound = 5
	wavsPerCSV     = 40
	wavsPerZIP     = 20
	wavsPerUpload  = 20
)

func agentEmail(round, i int) string { return fmt.Sprintf("agent%d.%d@acme.test", round, i) }

// crashRound is one round's part of the batch.
type crashRound struct {
	rows   int      // contact rows in all
	names  []string // folder files, dropped in this order
	files  map[string][]byte
	upload *crashUpload
}

func (rd *crashRound) add(name string, b []byte) {
	rd.names = append(rd.names, name)
	rd.files[name] = b
}

// drop puts the round's files into the tenant folder one after another, in
// order: the agents file first, then the recordings, then the metadata that
// names them. With old, they look like files moved in from elsewhere (mtime
// in the past: taken at bulkd's next check). An agents file always does: a
// contacts file is only ordered after agents files bulkd sees as complete,
// and an agents file dropped just before a kill could otherwise sit out a
// new settle window after the restart while a later round's (old) contacts
// file is taken at once.
func (rd *crashRound) drop(t *testing.T, stage, dir string, old bool) {
	t.Helper()
	for _, n := range rd.names {
		require.NoError(t, dropFile(stage, dir, n, rd.files[n], old || strings.HasPrefix(n, "AGENTS.")))
	}
}

// round builds round r of the batch and records what it holds: an
// AGENTS.<r>.csv of new agents; a CONTACT.<r>.csv of rows contacts with its
// WAVs beside it; and a CONTACT.<r>.zip (odd rounds) or an upload (even
// rounds) of 3/8 as many. Contacts name agents of this round and earlier
// ones; every contact has its own CallId.
func (e *crashExpect) round(t *testing.T, r, rows int) *crashRound {
	t.Helper()
	rd := &crashRound{files: map[string][]byte{}}
	var ab strings.Builder
	ab.WriteString("Email,Full Name\n")
	for i := range agentsPerRound {
		e.agents[agentEmail(r, i)] = true
		fmt.Fprintf(&ab, "%s,Agent %d-%d\n", agentEmail(r, i), r, i)
	}
	agentsFile := fmt.Sprintf("AGENTS.%d.csv", r)
	rd.add(agentsFile, []byte(ab.String()))
	e.folder = append(e.folder, agentsFile)

	csvFile := fmt.Sprintf("CONTACT.%d.csv", r)
	csv, wavs, wavNames := e.contacts(r, r+1, "csv", csvFile, fmt.Sprintf("r%d-", r), rows, wavsPerCSV)
	for _, n := range wavNames {
		rd.add(n, wavs[n])
	}
	rd.add(csvFile, csv)
	e.folder = append(e.folder, csvFile)

	small := max(1, rows*3/8)
	rd.rows = rows + small
	if r%2 == 1 {
		zipFile := fmt.Sprintf("CONTACT.%d.zip", r)
		csv, wavs, wavNames := e.contacts(r, r+1, "zip", zipFile, fmt.Sprintf("z%d-", r), small, wavsPerZIP)
		entries := map[string][]byte{"batch/meta/calls.csv": csv}
		order := []string{"batch/meta/calls.csv"}
		for _, n := range wavNames {
			entries["batch/audio/"+n] = wavs[n]
			order = append(order, "batch/audio/"+n)
		}
		rd.add(zipFile, zipBytes(t, order, entries))
		e.folder = append(e.folder, zipFile)
		return rd
	}
	// An upload is not ordered after folder files bulkd has not taken yet:
	// it names agents of earlier rounds only (round 0's in round 0), and
	// the client posts it once it sees them (crashUpload.run).
	upFile := fmt.Sprintf("upload.%d.csv", r)
	agentRounds := max(r, 1)
	var need []string
	for ar := range agentRounds {
		for i := range agentsPerRound {
			need = append(need, agentEmail(ar, i))
		}
	}
	csv, wavs, wavNames = e.contacts(r, agentRounds, "upload", upFile, fmt.Sprintf("u%d-", r), small, wavsPerUpload)
	wavs[upFile] = csv
	body, ct := multipartUpload(t, append([]string{upFile}, wavNames...), wavs)
	rd.upload = &crashUpload{name: upFile, rows: small, agents: need, body: body, contentType: ct, done: make(chan struct{})}
	e.uploads = append(e.uploads, rd.upload)
	return rd
}

// contacts makes a contacts CSV of n rows (CallIds r<round>-<src>-<row>)
// naming agents of rounds 0 to agentRounds-1 and nwav recordings called
// <prefix><i>.wav, and those recordings.
func (e *crashExpect) contacts(r, agentRounds int, src, file, prefix string, n, nwav int) ([]byte, map[string][]byte, []string) {
	wavs := map[string][]byte{}
	var names []string
	for i := range nwav {
		name := fmt.Sprintf("%s%02d.wav", prefix, i)
		b := wavBytes(name, 800+37*i)
		wavs[name] = b
		names = append(names, name)
		e.recSHA[name] = shaHex(b)
	}
	var sb strings.Builder
	sb.Grow(n * 80)
	sb.WriteString("AgentId,CallId,ContactStartTimeMs,Direction,Recording1\n")
	for i := range n {
		id := fmt.Sprintf("r%d-%s-%06d", r, src, i+1)
		e.callIDs[id] = file
		fmt.Fprintf(&sb, "%s,%s,%d,%d,%s\n", agentEmail(i%agentRounds, i%agentsPerRound), id, 1447100000000+int64(i)*1000, i%2, names[i%nwav])
	}
	return []byte(sb.String()), wavs, names
}

// snapshot says, just before a kill, what bulkd is doing: whether a job is
// running, how many are unfinished, and which.
func (p *daemonProc) snapshot() (bool, int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out struct{ Jobs []crashJob }
	if err := p.getJSONCtx(ctx, "/v1/jobs?tenant="+crashTenant+"&limit=100", &out); err != nil {
		return false, 0, "jobs unknown: " + err.Error()
	}
	running := false
	var open []string
	for _, j := range out.Jobs {
		if j.final() {
			continue
		}
		running = running || j.State == "running"
		open = append(open, fmt.Sprintf("%d %s %s %d/%d", j.ID, j.File, j.State, j.RowsDone, j.RowsTotal))
	}
	if len(open) == 0 {
		return false, 0, "no job unfinished"
	}
	slices.Reverse(open)
	n := len(open)
	if n > 6 {
		open = append(open[:6], fmt.Sprintf("… %d more", n-6))
	}
	return running, n, strings.Join(open, ", ")
}

// waitSettled polls until every upload has its 200, no job is queued or
// running, no file a route takes is left in the tenant folder and the work
// folder is empty; it returns the tenant's jobs.
func (p *daemonProc) waitSettled(t *testing.T, tenantDir, dataDir string, exp *crashExpect, limit time.Duration) []crashJob {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var out struct{ Jobs []crashJob }
		err := p.getJSON("/v1/jobs?tenant="+crashTenant+"&limit=10000", &out)
		var why []string
		if err != nil {
			why = append(why, err.Error())
		}
		for _, j := range out.Jobs {
			if !j.final() {
				why = append(why, j.String())
			}
		}
		for _, u := range exp.uploads {
			select {
			case <-u.done:
			default:
				why = append(why, "upload "+u.name+" has no answer yet")
			}
		}
		entries, _ := os.ReadDir(tenantDir)
		routes, err := pipeline.NewKinds(kinds.All(), nil)
		require.NoError(t, err)
		for _, e := range entries {
			if _, ok := routes.Match(e.Name()); ok && !e.IsDir() {
				why = append(why, "not taken: "+e.Name())
			}
		}
		work, _ := os.ReadDir(filepath.Join(dataDir, "work"))
		for _, w := range work {
			if _, err := strconv.ParseUint(w.Name(), 10, 64); err == nil { // a job's folder (checkFiles looks at the rest)
				why = append(why, "in work/: "+w.Name())
			}
		}
		if len(why) == 0 {
			return out.Jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("crash: not settled %s after the last start:\n  %s\nlast log lines:\n%s", limit, strings.Join(why, "\n  "), tail(p.logPath, 60))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkJobs checks the job list: every folder file has one job, succeeded;
// every upload has one succeeded job, its retries skipped as duplicates of
// it; no job is for anything else. It returns the rows imported.
func checkJobs(t *testing.T, p *daemonProc, exp *crashExpect, jobs []crashJob) int {
	t.Helper()
	byFile := map[string][]crashJob{}
	imported := 0
	for _, j := range jobs {
		byFile[j.File] = append(byFile[j.File], j)
		if j.State == "succeeded" || j.State == "partial" {
			imported += j.RowsDone - j.RowsFailed
		}
		if j.RowsFailed > 0 || j.State == "partial" || j.State == "failed" && j.Source == "folder" {
			report := "(no report)"
			if j.ErrorReport != "" {
				if s, err := p.getText(j.ErrorReport); err == nil {
					report = tailLines(s, 6)
				} else {
					report = err.Error()
				}
			}
			t.Errorf("crash: %s; its error report begins:\n%s", j, report)
		}
	}
	for _, f := range exp.folder {
		js := byFile[f]
		if assert.Len(t, js, 1, "one job for the folder file %s: %v", f, js) {
			assert.Equal(t, "succeeded", js[0].State, "%s", js[0])
			assert.Equal(t, "folder", js[0].Source, "%s", js[0])
		}
		delete(byFile, f)
	}
	for _, u := range exp.uploads {
		js := byFile[u.name]
		delete(byFile, u.name)
		if !assert.NoError(t, u.err, "upload %s", u.name) {
			continue
		}
		for _, n := range u.notes {
			t.Logf("crash: upload %s: %s", u.name, n)
		}
		var kept []crashJob
		for _, j := range js {
			if j.State == "succeeded" || j.State == "partial" {
				kept = append(kept, j)
			}
		}
		if !assert.Len(t, kept, 1, "one import of upload %s (retried %d times): %v", u.name, u.attempts-1, js) {
			continue
		}
		first := kept[0]
		assert.Equal(t, u.rows, first.RowsTotal, "%s", first)
		for _, j := range js {
			switch {
			case j.ID == first.ID:
			case j.State == "skipped":
				assert.Equal(t, first.ID, j.DuplicateOf, "a retry of upload %s is a duplicate of its import: %s", u.name, j)
			case j.State == "failed" && strings.HasPrefix(j.Error, "claim:"):
				// Claimed, then killed before its files left incoming/,
				// which the next start clears: nothing was imported, the
				// client had no answer and sent it again.
				t.Logf("crash: upload %s attempt lost before its import (the retry imported it): %s", u.name, j)
			default:
				t.Errorf("crash: unexpected job for upload %s: %s", u.name, j)
			}
		}
		switch u.answer.State {
		case "succeeded":
			assert.Equal(t, first.ID, u.answer.JobID, "upload %s", u.name)
			assert.Len(t, u.answer.Contacts, u.rows, "upload %s answer", u.name)
			for _, c := range u.answer.Contacts {
				if c.Status != "inserted" {
					t.Errorf("crash: upload %s answered row %d %s: %s", u.name, c.Row, c.Status, c.Error)
					break
				}
			}
		case "skipped":
			i := slices.IndexFunc(js, func(j crashJob) bool { return j.ID == u.answer.JobID })
			if assert.GreaterOrEqual(t, i, 0, "upload %s answered job %d, which is not in the list", u.name, u.answer.JobID) {
				assert.Equal(t, first.ID, js[i].DuplicateOf, "upload %s answered %s", u.name, js[i])
			}
			// A repeat answers with the contacts of the import it repeats.
			assert.Len(t, u.answer.Contacts, u.rows, "upload %s answered skipped", u.name)
		default:
			t.Errorf("crash: upload %s answered state %q (job %d)", u.name, u.answer.State, u.answer.JobID)
		}
	}
	for f, js := range byFile {
		t.Errorf("crash: jobs for %s, which the test never sent: %v", f, js)
	}
	return imported
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// checkAgents checks that every agent is there, once.
func checkAgents(t *testing.T, p *daemonProc, exp *crashExpect) {
	t.Helper()
	var out struct {
		Agents []struct {
			ID    uint64 `json:"id"`
			Email string `json:"email"`
		} `json:"agents"`
	}
	require.NoError(t, p.getJSON("/v1/tenants/"+crashTenant+"/agents", &out))
	seen := map[string]int{}
	for _, a := range out.Agents {
		seen[a.Email]++
	}
	var missing, doubled, extra []string
	for e := range exp.agents {
		switch seen[e] {
		case 0:
			missing = append(missing, e)
		case 1:
		default:
			doubled = append(doubled, e)
		}
	}
	for e := range seen {
		if !exp.agents[e] {
			extra = append(extra, e)
		}
	}
	assert.Empty(t, missing, "agents missing")
	assert.Empty(t, doubled, "agents twice")
	assert.Empty(t, extra, "agents nobody sent")
	assert.Equal(t, len(exp.agents), len(out.Agents), "agents stored against agents sent")
}

// checkContacts reads every contact of the tenant and checks that each
// CallId sent is there exactly once, and that each contacts job's imported
// rows are its contacts.
func checkContacts(t *testing.T, p *daemonProc, exp *crashExpect, jobs []crashJob) []crashContact {
	t.Helper()
	var all []crashContact
	cursor := ""
	for {
		var page struct {
			Contacts   []crashContact `json:"contacts"`
			NextCursor string         `json:"next_cursor"`
		}
		q := "/v1/tenants/" + crashTenant + "/contacts?limit=10000"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		require.NoError(t, p.getJSON(q, &page))
		all = append(all, page.Contacts...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	byCall := map[string][]crashContact{}
	perJob := map[uint64]int{}
	for _, c := range all {
		byCall[c.CallID] = append(byCall[c.CallID], c)
		perJob[c.JobID]++
		if !c.Complete {
			t.Errorf("crash: contact %d (%s, job %d row %d) is incomplete", c.ID, c.CallID, c.JobID, c.Row)
		}
	}
	missing := map[string][]string{} // file → CallIds
	var doubled []string
	for id, file := range exp.callIDs {
		switch cs := byCall[id]; len(cs) {
		case 0:
			missing[file] = append(missing[file], id)
		case 1:
		default:
			var where []string
			for _, c := range cs {
				where = append(where, fmt.Sprintf("contact %d job %d row %d", c.ID, c.JobID, c.Row))
			}
			doubled = append(doubled, fmt.Sprintf("%s ×%d (%s)", id, len(cs), strings.Join(where, ", ")))
		}
	}
	for file, ids := range missing {
		slices.Sort(ids)
		t.Errorf("crash: %d rows of %s are not among the contacts, e.g. %v", len(ids), file, ids[:min(5, len(ids))])
	}
	slices.Sort(doubled)
	if len(doubled) > 0 {
		t.Errorf("crash: %d CallIds are imported more than once, e.g.:\n  %s", len(doubled), strings.Join(doubled[:min(10, len(doubled))], "\n  "))
	}
	extra := 0
	for id := range byCall {
		if _, ok := exp.callIDs[id]; !ok {
			extra++
		}
	}
	assert.Zero(t, extra, "contacts with a CallId nobody sent")
	assert.Equal(t, len(exp.callIDs), len(all), "contacts stored against rows sent")
	for _, j := range jobs {
		if j.Kind == "contacts" && perJob[j.ID] != j.RowsDone-j.RowsFailed {
			t.Errorf("crash: %s has %d contacts stored", j, perJob[j.ID])
		}
	}
	return all
}

// checkMedia checks that every recording a contact names is the bytes that
// were sent under that name, in the media store under its digest.
func checkMedia(t *testing.T, dataDir string, exp *crashExpect, contacts []crashContact) {
	t.Helper()
	verified := map[string]error{}
	bad := 0
	for _, c := range contacts {
		if len(c.Recordings) == 0 {
			t.Errorf("crash: contact %d (%s) has no recording", c.ID, c.CallID)
			continue
		}
		for _, r := range c.Recordings {
			want := exp.recSHA[r.Location]
			if r.SHA256 != want {
				bad++
				if bad <= 10 {
					t.Errorf("crash: contact %d (%s) recording %s has sha256 %q, sent %q", c.ID, c.CallID, r.Location, r.SHA256, want)
				}
				continue
			}
			if _, done := verified[r.SHA256]; !done {
				err := verifyBlob(filepath.Join(dataDir, "media", r.SHA256[:2], r.SHA256), r.SHA256)
				verified[r.SHA256] = err
				assert.NoError(t, err, "recording %s of contact %d (%s)", r.Location, c.ID, c.CallID)
			}
		}
	}
	assert.Zero(t, bad, "recordings whose digest is not that of the bytes sent")
}

func verifyBlob(path, sha string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fmt.Errorf("%s holds bytes whose sha256 is %s", path, got)
	}
	return nil
}

// firstReport returns the first data race report or panic in the logs of
// starts 1 to n.
func firstReport(logDir string, n int) string {
	for i := 1; i <= n; i++ {
		b, err := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("bulkd.%d.log", i)))
		if err != nil {
			continue
		}
		lines := strings.Split(string(b), "\n")
		for j, l := range lines {
			if !strings.Contains(l, "WARNING: DATA RACE") && !strings.HasPrefix(l, "panic:") && !strings.HasPrefix(l, "fatal error:") {
				continue
			}
			end := min(j+60, len(lines))
			for k := j + 1; k < end; k++ {
				if strings.HasPrefix(lines[k], "==================") {
					end = k
					break
				}
			}
			return fmt.Sprintf("bulkd.%d.log:\n%s", i, strings.Join(lines[j:end], "\n"))
		}
	}
	return "(none found)"
}

// jobInfix is the job id bulkd puts before the extension when a name is
// already taken in an archive folder.
var jobInfix = regexp.MustCompile(`\.job\d+(\.[^.]+)$`)

// checkFiles accounts for every file: each metadata file dropped is in
// archives/<date>/ once, nothing is in penaltyBox/, no recording or other
// file is left in the tenant folder, work/ and incoming/ are empty.
func checkFiles(t *testing.T, tenantDir, dataDir string, exp *crashExpect) {
	t.Helper()
	archived := map[string]int{}
	var reports, penalty []string
	archives := filepath.Join(tenantDir, pipeline.ArchivesDir)
	require.NoError(t, filepath.WalkDir(archives, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(archives, path)
		if strings.HasSuffix(d.Name(), pipeline.ReportSuffix) {
			reports = append(reports, rel)
			return nil
		}
		if filepath.Dir(rel) == "." || strings.Contains(filepath.Dir(rel), string(filepath.Separator)) {
			t.Errorf("crash: archived outside a date folder: %s", rel)
		}
		archived[jobInfix.ReplaceAllString(d.Name(), "$1")]++
		return nil
	}))
	_ = filepath.WalkDir(filepath.Join(tenantDir, pipeline.PenaltyBoxDir), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			penalty = append(penalty, path)
		}
		return nil
	})
	for _, f := range exp.folder {
		assert.Equal(t, 1, archived[f], "%s archived once", f)
		delete(archived, f)
	}
	assert.Empty(t, archived, "archived files the test never dropped (or dropped once)")
	assert.Empty(t, reports, "error reports: no row should have failed")
	assert.Empty(t, penalty, "nothing should be in penaltyBox/")

	entries, err := os.ReadDir(tenantDir)
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		if e.IsDir() && (e.Name() == pipeline.ArchivesDir || e.Name() == pipeline.PenaltyBoxDir) {
			continue
		}
		left = append(left, e.Name())
	}
	assert.Empty(t, left, "files left in the tenant folder (every recording was named by a row)")
	for _, d := range []string{"work", "incoming"} {
		entries, err := os.ReadDir(filepath.Join(dataDir, d))
		if err == nil {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			assert.Empty(t, names, "%s/ after the last job", d)
		}
	}
}
