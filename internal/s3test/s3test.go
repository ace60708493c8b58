// Package s3test starts a real S3-compatible server (SeaweedFS) on loopback for tests.
//
// The server is SeaweedFS's `weed mini` (master, volume server, filer and S3
// gateway in one process), built once a machine by .ci/weed and cached
// outside the clone. Each Start runs its own, with its data in the test's
// temp folder, on free loopback ports, with one static identity of admin
// rights; Server.Client (minio-go, which the media store's bucket backend
// uses too) signs requests to it with the static keys.
package s3test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the SeaweedFS module version .ci/weed builds.
const Version = "v0.0.0-20261109003541-7506e5f91cd6"

// startTimeout is how long Launch waits for the S3 port to answer.
const startTimeout = 60 * time.Second

// WeedPath is where the weed binary is looked for: $BULKD_WEED when set,
// else where .ci/weed caches it,
// ${BULKD_CACHE:-$HOME/.cache/bulkd}/weed-<Version>/weed.
func WeedPath() string {
	if p := os.Getenv("BULKD_WEED"); p != "" {
		return p
	}
	cache := os.Getenv("BULKD_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "bulkd")
	}
	return filepath.Join(cache, "weed-"+Version, "weed")
}

// Weed returns the weed binary (see WeedPath). When it is not in the
// cache (and $BULKD_WEED does not name one), it runs .ci/weed to build it
// there: several minutes, once a machine, so that the README's one test
// command works on a fresh clone. Without one the test fails, never skips:
// the bucket tests are part of the suite.
func Weed(tb testing.TB) string {
	tb.Helper()
	p := WeedPath()
	if _, err := os.Stat(p); err == nil {
		return p
	} else if os.Getenv("BULKD_WEED") != "" {
		tb.Fatalf("s3test: no SeaweedFS weed binary at $BULKD_WEED = %s (%v): run .ci/weed to build one", p, err)
	}
	built, err := buildWeed()
	if err != nil {
		tb.Fatalf("s3test: no SeaweedFS weed binary at %s, and building it failed: %v", p, err)
	}
	return built
}

// buildWeed runs .ci/weed, found above the working folder (a test runs in
// its package's folder), and returns the path it prints.
func buildWeed() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	script := ""
	for {
		if _, err := os.Stat(filepath.Join(dir, ".ci", "weed")); err == nil {
			script = filepath.Join(dir, ".ci", "weed")
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf(".ci/weed not found above the working folder")
		}
		dir = parent
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w: %s", script, err, tailText(stderr.String(), 20))
	}
	return strings.TrimSpace(string(out)), nil
}

// tailText is the last n lines of s.
func tailText(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Server is a running S3 server, plain HTTP on Endpoint.
type Server struct {
	Endpoint             string // host:port
	AccessKey, SecretKey string
	Region               string
	// Client sends requests signed with the keys.
	Client *minio.Client
}

// Start starts a SeaweedFS S3 server for the test (see Launch) with its data
// under tb.TempDir(), and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	weed := Weed(tb)
	s, stop, err := Launch(weed, tb.TempDir())
	if err != nil {
		tb.Fatalf("s3test: %v", err)
	}
	tb.Cleanup(stop)
	return s
}

// Launch starts weed's `weed mini` with all its data under dir, listening on
// 127.0.0.1 only, on free ports, with an identity of admin rights whose keys
// are the Server's, and waits (up to a minute) until its S3 port answers a
// signed request. Its output goes to dir/weed.log, whose last lines the
// error quotes if it does not come up. stop stops it (SIGTERM, then a kill
// after 10 s) and waits for it; it may be called more than once.
func Launch(weed, dir string) (s *Server, stop func(), err error) {
	// A port taken between choosing it and weed binding it makes weed exit
	// at once: choose again.
	for attempt := 1; ; attempt++ {
		s, stop, retry, err := launch(weed, dir, attempt)
		if err == nil || !retry || attempt == 3 {
			return s, stop, err
		}
	}
}

// portNames are the ports weed mini is given, each on its own flag. The
// gRPC ports are explicit too: by default weed takes port+10000.
var portNames = []string{
	"s3.port", "s3.port.grpc",
	"master.port", "master.port.grpc",
	"volume.port", "volume.port.grpc",
	"filer.port", "filer.port.grpc",
	"admin.port", "admin.port.grpc", // the admin server runs even without its UI
}

func launch(weed, dir string, attempt int) (s *Server, stop func(), retry bool, err error) {
	run := filepath.Join(dir, fmt.Sprintf("weed%d", attempt))
	data := filepath.Join(run, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, nil, false, err
	}
	s = &Server{
		AccessKey: "bulkdtestaccesskey",
		SecretKey: "bulkdtestsecretkey0123456789",
		Region:    "us-east-1",
	}
	s3config := filepath.Join(run, "s3.json")
	if err := writeS3Config(s3config, s.AccessKey, s.SecretKey); err != nil {
		return nil, nil, false, err
	}
	ports, err := freePorts(len(portNames))
	if err != nil {
		return nil, nil, false, err
	}
	s.Endpoint = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	s.Client, err = minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region})
	if err != nil {
		return nil, nil, false, err
	}

	args := []string{
		"-logtostderr", // not weed.* log files in /tmp
		"mini",
		"-dir=" + data,
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-s3.config=" + s3config,
		"-webdav=false", "-admin.ui=false", "-admin.port.legacy=0",
		"-s3.port.iceberg=0", "-s3.port.lance=0", // both on fixed ports by default
		"-master.telemetry=false",
		"-s3.autoCreateBucket=false", // as S3: a put to a bucket that is not there fails
	}
	for i, name := range portNames {
		args = append(args, fmt.Sprintf("-%s=%d", name, ports[i]))
	}
	logPath := filepath.Join(run, "weed.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, false, err
	}
	cmd := exec.Command(weed, args...)
	cmd.Dir = run // weed reads *.toml from its working folder and $HOME/.seaweedfs
	cmd.Env = append(cleanEnv(), "HOME="+run)
	cmd.Stdout, cmd.Stderr = logf, logf
	started := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, false, fmt.Errorf("start %s: %w", weed, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				_ = cmd.Process.Kill() // exited already, or Windows, which has no SIGTERM to send
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			removeSockets(ports)
		})
	}

	ctx, cancel := context.WithDeadline(context.Background(), started.Add(startTimeout))
	defer cancel()
	var last error
	for {
		last = s.ping(ctx)
		if last == nil {
			return s, stop, false, nil
		}
		select {
		case <-exited:
			stop()
			log := tail(logPath, 40)
			retry := strings.Contains(log, "address already in use") || strings.Contains(log, "is not available")
			return nil, nil, retry, fmt.Errorf("weed exited (%v) before its S3 port answered; the last lines of %s:\n%s", waitErr, logPath, log)
		case <-ctx.Done():
			stop()
			return nil, nil, false, fmt.Errorf("weed's S3 port %s did not answer within %v (last: %v); the last lines of %s:\n%s",
				s.Endpoint, startTimeout, last, logPath, tail(logPath, 40))
		case <-time.After(100 * time.Millisecond): // polled until the deadline
		}
	}
}

// ping lists the buckets: 200 once the gateway serves, with the identity
// loaded.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := s.Client.ListBuckets(ctx)
	return err
}

// writeS3Config writes the gateway's static identities: one, of admin rights.
func writeS3Config(path, accessKey, secretKey string) error {
	type cred struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string   `json:"name"`
		Credentials []cred   `json:"credentials"`
		Actions     []string `json:"actions"`
	}
	b, err := json.MarshalIndent(map[string][]identity{"identities": {{
		Name:        "bulkd-test",
		Credentials: []cred{{accessKey, secretKey}},
		Actions:     []string{"Admin", "Read", "List", "Tagging", "Write"},
	}}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// cleanEnv is the environment less what weed would take as its own
// configuration: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY add an admin
// identity, WEED_* set options.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "WEED_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// removeSockets removes the Unix sockets weed mini makes in /tmp, named by
// port, which it leaves behind.
func removeSockets(ports []int) {
	for _, p := range ports {
		for _, kind := range []string{"master-grpc", "volume-grpc", "filer-grpc", "s3-grpc", "admin-grpc", "filer", "s3"} {
			_ = os.Remove(fmt.Sprintf("/tmp/seaweedfs-%s-%d.sock", kind, p))
		}
	}
}

// freePorts returns n distinct loopback ports free now. They are drawn below
// the kernel's ephemeral range (where one of the many outgoing connections
// of a test run could take a port before weed binds it, and where ports
// listened on ":0" come from), at random so that servers started at once
// seldom draw the same.
func freePorts(n int) ([]int, error) {
	lo, hi := 10000, 32767
	if elo, ehi, ok := ephemeralRange(); ok {
		switch {
		case elo-1-lo >= 1000:
			hi = elo - 1
		case 65535-(ehi+1) >= 1000:
			lo, hi = ehi+1, 65535
		}
	}
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, fmt.Errorf("no %d free loopback ports in %d-%d", n, lo, hi)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo+1))))
		if err != nil {
			continue
		}
		held = append(held, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ephemeralRange is Linux's range of ports for outgoing connections.
func ephemeralRange() (lo, hi int, ok bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	return lo, hi, err1 == nil && err2 == nil && lo <= hi
}

// tail is the last n lines of the file at path.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	return tailText(string(b), n)
}

// MakeBucket creates a bucket.
func (s *Server) MakeBucket(ctx context.Context, name string) error {
	if err := s.Client.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// CreateBucket creates a bucket, failing the test if it cannot.
func (s *Server) CreateBucket(tb testing.TB, name string) {
	tb.Helper()
	if err := s.MakeBucket(context.Background(), name); err != nil {
		tb.Fatalf("s3test: %v", err)
	}
}
