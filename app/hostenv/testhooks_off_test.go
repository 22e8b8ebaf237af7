//go:build !testhooks

package hostenv

import (
	"runtime"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
)

// TestNoTestHooksInTheShippedBinary: without the testhooks tag the
// test-only variables change nothing: the real platform, the real system
// paths, and on a Mac the tools at their absolute system paths.
func TestNoTestHooksInTheShippedBinary(t *testing.T) {
	tmp := t.TempDir()
	env := map[string]string{"HOME": tmp, "LIMABAR_TEST_PLATFORM": "darwin", "LIMABAR_TEST_ROOT": "/r", "LIMABAR_TEST_SESSION": "none"}
	h, err := detect(t, "", env, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.TestMode || h.Root != "" || h.Platform != autostart.Platform(runtime.GOOS) {
		t.Errorf("test mode %v, root %q, platform %q: want none, none, %s", h.TestMode, h.Root, h.Platform, runtime.GOOS)
	}
	h, err = detect(t, autostart.Darwin, env, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Tools(); got != autostart.DarwinTools {
		t.Errorf("tools = %+v, want %+v", got, autostart.DarwinTools)
	}
	if got := h.ScriptTools(); got != elevate.DarwinTools {
		t.Errorf("script tools = %+v, want %+v", got, elevate.DarwinTools)
	}
	e, err := h.Env(nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.LaunchDaemonsDir != "/Library/LaunchDaemons" || e.LingerDir != "/var/lib/systemd/linger" {
		t.Errorf("paths %q %q", e.LaunchDaemonsDir, e.LingerDir)
	}
}
