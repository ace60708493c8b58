// Package chrome starts Debian's headless Chromium for chromedp: the
// dashboard's browser tests and the screenshot command drive the same
// browser the same way. Nothing is downloaded: the browser is the
// system's (`apt-get install chromium`).
package chrome

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrNoBrowser says no Chromium was found; its message says how to get one.
var ErrNoBrowser = errors.New("no Chromium found: install Debian's chromium package (apt-get install chromium), or set BULKD_CHROMIUM to a Chromium or Chrome binary")

// Path returns the browser to run: $BULKD_CHROMIUM, else the first of
// chromium, chromium-browser, google-chrome on the PATH.
func Path() (string, error) {
	if p := os.Getenv("BULKD_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Start starts a headless browser with a fresh profile in userDir and
// returns a chromedp context for its first tab; cancel stops it. The flags
// keep it off the network beyond the page it is sent to (this machine's
// network is closed, and a browser's background calls would only fail),
// and --no-sandbox lets it run as root, as CI does.
func Start(ctx context.Context, userDir string, width, height int) (context.Context, context.CancelFunc, error) {
	path, err := Path()
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(userDir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-features", "MediaRouter,OptimizationHints,Translate"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		return nil, nil, fmt.Errorf("start %s: %w", path, err)
	}
	return browserCtx, func() { cancelBrowser(); cancelAlloc() }, nil
}
