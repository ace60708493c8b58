package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Flags of the crash test (crash_test.go). The short run is the default;
// `-crash.long` (or any -crash.kills) makes it the long one.
var (
	crashKills = flag.Int("crash.kills", 0, "crash test: kill -9 bulkd this many times (default 7, or 200 with -crash.long)")
	crashLong  = flag.Bool("crash.long", false, "crash test: the long run (200 kills unless -crash.kills says otherwise)")
	crashRows  = flag.Int("crash.rows", 5000, "crash test: data rows of each round's CONTACT CSV (its ZIP and upload have 3/8 of that)")
	crashLogs  = flag.String("crash.logdir", "", "crash test: keep bulkd's logs (bulkd.<start>.log) in this folder instead of a temp one")
	crashSeed  = flag.Int64("crash.seed", 0, "crash test: seed of the random choices: drop order, mtimes, kill moments (0: from the clock; the test logs it)")
)

// crashTenant is the tenant folder the crash test drops into.
const crashTenant = "acme"

// goTool returns the go command of the toolchain running the test.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	require.NoError(t, err, "the crash test builds bulkd: it needs the go command")
	return p
}

// raceEnabled reports whether this test binary was built with -race; the
// bulkd under test is built the same way, so the daemon's own races show up
// in its log (and it runs slower, which lands more kills mid-import).
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// buildBulkd builds the real binary from this package into dir.
func buildBulkd(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "bulkd")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(t), append(args, ".")...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s: %s", strings.Join(args, " "), out)
	return bin
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// writeCrashConfig writes the HCL config every start of the test uses:
// open mode (no auth), short windows, debug logs; then extra.
func writeCrashConfig(t *testing.T, path, dataDir string, port int, extra string) {
	t.Helper()
	cfg := fmt.Sprintf(`data_dir  = %q
log_level = "debug"
http {
  listen = "127.0.0.1:%d"
}
watch {
  settle     = "200ms"
  rescan     = "1s"
  media_wait = "3s"
}
tenant %q {}
%s`, filepath.ToSlash(dataDir), port, crashTenant, extra)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
}

// daemonProc is the bulkd binary under test, started and killed again and
// again on the same config.
type daemonProc struct {
	t       *testing.T
	bin     string
	config  string
	logDir  string
	url     string
	client  *http.Client
	starts  int
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
}

func newDaemonProc(t *testing.T, bin, config, logDir string, port int) *daemonProc {
	p := &daemonProc{
		t: t, bin: bin, config: config, logDir: logDir, url: fmt.Sprintf("http://127.0.0.1:%d", port),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
	}
	t.Cleanup(func() {
		if p.running() {
			p.kill()
		}
	})
	return p
}

func (p *daemonProc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// start runs `bulkd run --config …` with its output in a log file of its
// own (bulkd.<n>.log), then waits until /healthz answers.
func (p *daemonProc) start() {
	t := p.t
	t.Helper()
	require.False(t, p.running(), "bulkd is already running")
	p.starts++
	p.logPath = filepath.Join(p.logDir, fmt.Sprintf("bulkd.%d.log", p.starts))
	f, err := os.Create(p.logPath)
	require.NoError(t, err)
	cmd := exec.Command(p.bin, "run", "--config", p.config)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	p.cmd, p.exited = cmd, make(chan struct{})
	exited := p.exited
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var h struct{ Status string }
		if err := p.getJSON("/healthz", &h); err == nil && h.Status == "ok" {
			return
		}
		select {
		case <-exited:
			t.Fatalf("bulkd start %d exited before answering /healthz (%s); its log:\n%s", p.starts, cmd.ProcessState, tail(p.logPath, 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("bulkd start %d did not answer /healthz within 30s; its log:\n%s", p.starts, tail(p.logPath, 40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill is kill -9: SIGKILL, then wait for the process to be gone (its
// bbolt lock and port with it).
func (p *daemonProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.client.CloseIdleConnections()
}

// stop asks bulkd to stop (SIGINT) and waits; it is killed after 20s.
func (p *daemonProc) stop() error {
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		p.kill()
		return err
	}
	select {
	case <-p.exited:
		if !p.cmd.ProcessState.Success() {
			return fmt.Errorf("bulkd exited with %s", p.cmd.ProcessState)
		}
		return nil
	case <-time.After(20 * time.Second):
		p.kill()
		return errors.New("bulkd did not stop within 20s of SIGINT")
	}
}

// getJSON gets path and decodes its JSON answer into v; any status but 200
// is an error.
func (p *daemonProc) getJSON(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.getJSONCtx(ctx, path, v)
}

func (p *daemonProc) getJSONCtx(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// getText gets path and returns its body (status 200 only).
func (p *daemonProc) getText(path string) (string, error) {
	resp, err := p.client.Get(p.url + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return string(b), err
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// grepLog returns the lines of path containing any of subs, with the log's
// name in front.
func grepLog(path string, subs ...string) []string {
	f, err := os.Open(path)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		for _, s := range subs {
			if strings.Contains(sc.Text(), s) {
				out = append(out, filepath.Base(path)+": "+sc.Text())
				break
			}
		}
	}
	return out
}

// crashJob is a job as GET /v1/jobs shows it.
type crashJob struct {
	ID          uint64 `json:"id"`
	Tenant      string `json:"tenant"`
	Kind        string `json:"kind"`
	Source      string `json:"source"`
	File        string `json:"file"`
	State       string `json:"state"`
	RowsTotal   int    `json:"rows_total"`
	RowsDone    int    `json:"rows_done"`
	RowsFailed  int    `json:"rows_failed"`
	Error       string `json:"error"`
	ErrorReport string `json:"error_report"`
	DuplicateOf uint64 `json:"duplicate_of"`
}

func (j crashJob) final() bool {
	switch j.State {
	case "succeeded", "partial", "failed", "skipped", "canceled":
		return true
	}
	return false
}

func (j crashJob) String() string {
	s := fmt.Sprintf("job %d %s %s %s %s %d/%d rows (%d failed)", j.ID, j.Source, j.Kind, j.File, j.State, j.RowsDone, j.RowsTotal, j.RowsFailed)
	if j.Error != "" {
		s += ": " + j.Error
	}
	if j.DuplicateOf != 0 {
		s += fmt.Sprintf(" (duplicate of %d)", j.DuplicateOf)
	}
	return s
}

// crashContact is a contact as GET /v1/tenants/{t}/contacts shows it.
type crashContact struct {
	ID         uint64 `json:"id"`
	CallID     string `json:"call_id"`
	JobID      uint64 `json:"job_id"`
	Row        int    `json:"row"`
	Complete   bool   `json:"complete"`
	Recordings []struct {
		Location string `json:"location"`
		Size     int64  `json:"size"`
		SHA256   string `json:"sha256"`
	} `json:"recordings"`
}

// wavBytes is a small valid RIFF/WAVE file (8 kHz mono 16-bit PCM) whose
// samples are derived from seed, so every recording has its own digest.
func wavBytes(seed string, n int) []byte {
	var b bytes.Buffer
	le32 := func(v uint32) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le16 := func(v uint16) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le32(uint32(36 + n))
	b.WriteString("WAVEfmt ")
	le32(16)
	le16(1)     // PCM
	le16(1)     // mono
	le32(8000)  // sample rate
	le32(16000) // byte rate
	le16(2)     // block align
	le16(16)    // bits per sample
	b.WriteString("data")
	le32(uint32(n))
	sum := sha256.Sum256([]byte(seed))
	for b.Len() < 44+n {
		sum = sha256.Sum256(sum[:])
		b.Write(sum[:min(len(sum), 44+n-b.Len())])
	}
	return b.Bytes()
}

func shaHex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// zipBytes packs files (name → bytes) in the order of names.
func zipBytes(t *testing.T, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		require.NoError(t, err)
		_, err = w.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// multipartUpload builds a POST /api/upload/contacts body.
func multipartUpload(t *testing.T, names []string, files map[string][]byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i, n := range names {
		w, err := mw.CreateFormFile(fmt.Sprintf("f%d", i), n)
		require.NoError(t, err)
		_, err = w.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// dropFile puts a complete file into dir the safe way: written and synced
// under stage (outside every tenant folder, same file system), then renamed
// in. With old, its mtime is set a minute back first, as `mv` of an older
// file would leave it (bulkd then takes it at its next check).
func dropFile(stage, dir, name string, data []byte, old bool) error {
	tmp := filepath.Join(stage, name+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if old {
		past := time.Now().Add(-time.Minute)
		if err := os.Chtimes(tmp, past, past); err != nil {
			return err
		}
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

// uploadAnswer is the 200 answer of POST /api/upload/contacts.
type uploadAnswer struct {
	JobID    uint64 `json:"job_id"`
	State    string `json:"state"`
	Contacts []struct {
		Row    int    `json:"row"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"contacts"`
}

// crashUpload is one multipart upload the test client keeps posting until
// bulkd answers 200: a kill makes it a connection error, and the retry of
// an upload that was already imported ends skipped (dedupe).
type crashUpload struct {
	name        string // the metadata part's file name (the job's file)
	rows        int
	agents      []string // the agents its rows name: posted once they exist
	body        []byte
	contentType string
	done        chan struct{}

	// Set by run, read after done is closed.
	attempts int
	answer   uploadAnswer
	notes    []string // 5xx answers, retried
	err      error    // a 4xx answer, or the test ending first
}

func (u *crashUpload) run(ctx context.Context, url string) {
	defer close(u.done)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for !u.agentsExist(ctx, client, url) {
		select {
		case <-ctx.Done():
			u.err = fmt.Errorf("never posted: the agents it names did not appear: %w", ctx.Err())
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	for {
		u.attempts++
		status, body, err := u.post(ctx, client, url)
		switch {
		case err == nil && status == http.StatusOK:
			if err := json.Unmarshal(body, &u.answer); err != nil {
				u.err = fmt.Errorf("decode the answer: %w: %s", err, body)
			}
			return
		case err == nil && status >= 500:
			u.notes = append(u.notes, fmt.Sprintf("attempt %d: %d %s", u.attempts, status, body))
		case err == nil:
			u.err = fmt.Errorf("attempt %d answered %d: %s", u.attempts, status, body)
			return
		}
		// A connection error: bulkd is down or was killed under the
		// request. Try again once it is back.
		select {
		case <-ctx.Done():
			u.err = fmt.Errorf("no 200 after %d attempts: %w (last: %v)", u.attempts, ctx.Err(), err)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// agentsExist reports whether bulkd lists every agent the upload names.
func (u *crashUpload) agentsExist(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/tenants/"+crashTenant+"/agents", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var out struct {
		Agents []struct {
			Email string `json:"email"`
		} `json:"agents"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return false
	}
	have := map[string]bool{}
	for _, a := range out.Agents {
		have[a.Email] = true
	}
	for _, e := range u.agents {
		if !have[e] {
			return false
		}
	}
	return true
}

func (u *crashUpload) post(ctx context.Context, client *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/upload/contacts", bytes.NewReader(u.body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", u.contentType)
	req.Header.Set("X-Tenant", crashTenant)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// crashExpect is everything the test dropped or uploaded, to check the end
// state against.
type crashExpect struct {
	callIDs map[string]string // CallId → the file it came in
	recSHA  map[string]string // recording name → sha256 of the bytes sent
	agents  map[string]bool   // agent emails
	folder  []string          // metadata files dropped in the tenant folder
	uploads []*crashUpload
}
