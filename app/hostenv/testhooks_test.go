//go:build testhooks

package hostenv

import (
	"path/filepath"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
)

// TestTestModeAndPaths: in a binary built with the testhooks tag, the
// test-only variables make it behave as a Mac under a test root, with the
// macOS tools called by name so that fakes on PATH stand in.
func TestTestModeAndPaths(t *testing.T) {
	tmp := t.TempDir()
	h, err := detect(t, "", map[string]string{"HOME": tmp, TestPlatformVar: "darwin", TestRootVar: "/r", TestSessionVar: "tty"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Platform != autostart.Darwin || !h.TestMode || h.Session != elevate.SessionTTY {
		t.Errorf("host = %+v", h)
	}
	if got := h.Tools().Launchctl; got != "launchctl" {
		t.Errorf("launchctl = %q, want a bare name in test mode", got)
	}
	if got := h.ScriptTools(); got != elevate.PathTools {
		t.Errorf("script tools = %+v, want the names on PATH", got)
	}
	env, err := h.Env(nil)
	if err != nil {
		t.Fatal(err)
	}
	if env.LaunchDaemonsDir != "/r/Library/LaunchDaemons" || env.LingerDir != "/r/var/lib/systemd/linger" {
		t.Errorf("paths %q %q", env.LaunchDaemonsDir, env.LingerDir)
	}
	if h.LogPath() != filepath.Join(tmp, "Library", "Logs", "LimaBar", "limabar.log") {
		t.Errorf("log path %q", h.LogPath())
	}
	for _, bad := range []map[string]string{
		{"HOME": tmp, TestPlatformVar: "windows"},
		{"HOME": tmp, TestRootVar: "relative"},
		{"HOME": "relative"},
	} {
		if _, err := detect(t, "", bad, ""); err == nil {
			t.Errorf("Detect(%v) succeeded", bad)
		}
	}
}
