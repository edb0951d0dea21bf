package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/web"
)

// startChromium starts Debian's headless Chromium with the flags this
// machine's closed network needs, a fresh profile and the given window,
// plus extra flags; it returns the browser's context (the first Run on it
// owns the browser) and the function that closes it.
func startChromium(t *testing.T, ctx context.Context, chromium string, width, height int, extra ...chromedp.ExecAllocatorOption) (context.Context, func()) {
	t.Helper()
	// The profile is not a t.TempDir: Chromium's helper processes can
	// still write to it for a moment after the browser is closed, and
	// t.TempDir's cleanup fails the test on a directory that is not empty
	// (seen in make test). It is removed with retries instead.
	profile, err := os.MkdirTemp("", "claimflow-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeWithRetries(t, profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(opts, extra...)...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	stop := func() { cancelBrowser(); cancelAlloc() }
	if err := chromedp.Run(bctx); err != nil {
		stop()
		t.Fatalf("start chromium: %v", err)
	}
	return bctx, stop
}

// screenshot saves a full-page PNG as dir/name.png and logs its path.
func screenshot(t *testing.T, dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		p := filepath.Join(dir, name+".png")
		t.Logf("screenshot %s", p)
		return os.WriteFile(p, buf, 0o644)
	})
}

// browserTest makes the checks every browser test starts with (not -short,
// Chromium installed, and the dashboard built when needsDashboard) and
// returns Chromium's path and the test's screenshot folder, name under
// .data/test-output (or $CLAIMFLOW_TEST_OUTPUT).
func browserTest(t *testing.T, name string, needsDashboard bool) (chromium, out string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end in a browser")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (scripts/test.sh installs Debian's package)")
	}
	if needsDashboard && !web.Built() {
		t.Skip("the dashboard is not built: run make web")
	}
	out = os.Getenv("CLAIMFLOW_TEST_OUTPUT")
	if out == "" {
		out = filepath.Join(testenv.RepoRoot(t), ".data", "test-output")
	}
	out = filepath.Join(out, name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return chromium, out
}

// removeWithRetries removes dir, trying again for up to 5 s while processes
// that used it finish writing; a directory still left is logged, not failed.
func removeWithRetries(t *testing.T, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("left %s: %v", dir, err)
}

// sendKeys types v into the first node sel matches, as chromedp.SendKeys
// does for text inputs. chromedp's own SendKeys (v0.14.2, and still in
// v0.23.1) reads the node's attribute slice before taking the node's lock,
// which races with the DOM-event goroutine rewriting attributes (the race
// detector caught it in make test). This focuses the node and sends the key
// events without reading its attributes. None of our tests types into a
// file input (those use chromedp.SetUploadFiles).
func sendKeys(sel any, v string, opts ...chromedp.QueryOption) chromedp.QueryAction {
	return chromedp.QueryAfter(sel, func(ctx context.Context, _ runtime.ExecutionContextID, nodes ...*cdp.Node) error {
		if len(nodes) < 1 {
			return fmt.Errorf("selector %q did not return any nodes", sel)
		}
		return chromedp.KeyEventNode(nodes[0], v).Do(ctx)
	}, append(opts, chromedp.NodeVisible)...)
}
