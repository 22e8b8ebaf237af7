package hostenv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/elevate"
)

func exe(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func detect(t *testing.T, env map[string]string, lookPath string) (*Host, error) {
	t.Helper()
	return Detect(Options{
		Getenv: func(k string) string { return env[k] },
		LookPath: func(string) (string, error) {
			if lookPath == "" {
				return "", errors.New("not found")
			}
			return lookPath, nil
		},
	})
}

func TestLimactlPrecedence(t *testing.T) {
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	fromPath := exe(t, filepath.Join(tmp, "path", "limactl"))
	fromEnv := exe(t, filepath.Join(tmp, "env", "limactl"))
	fromSettings := exe(t, filepath.Join(tmp, "settings", "limactl"))
	env := map[string]string{"HOME": home, "LIMABAR_TEST_PLATFORM": "linux"}

	h, err := detect(t, env, fromPath)
	if err != nil || h.Limactl != fromPath {
		t.Errorf("PATH: got %q, %v", h.Limactl, err)
	}
	env["LIMACTL"] = fromEnv
	h, _ = detect(t, env, fromPath)
	if h.Limactl != fromEnv {
		t.Errorf("LIMACTL: got %q", h.Limactl)
	}
	settings := filepath.Join(home, ".config", "limabar", "settings.json")
	os.MkdirAll(filepath.Dir(settings), 0o755)
	os.WriteFile(settings, []byte(`{"limactl": "`+fromSettings+`"}`), 0o644)
	h, _ = detect(t, env, fromPath)
	if h.Limactl != fromSettings {
		t.Errorf("settings: got %q", h.Limactl)
	}
}

func TestLimactlKeptUnresolved(t *testing.T) {
	tmp := t.TempDir()
	real := exe(t, filepath.Join(tmp, "Cellar", "lima", "1.2.1", "bin", "limactl"))
	link := filepath.Join(tmp, "bin", "limactl")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	h, err := detect(t, map[string]string{"HOME": tmp, "LIMACTL": link, "LIMABAR_TEST_PLATFORM": "darwin"}, "")
	if err != nil || h.Limactl != link {
		t.Errorf("got %q, %v; want the link %q", h.Limactl, err, link)
	}
}

func TestLimactlMissing(t *testing.T) {
	tmp := t.TempDir()
	h, err := detect(t, map[string]string{"HOME": tmp, "LIMACTL": filepath.Join(tmp, "nope"), "LIMABAR_TEST_PLATFORM": "linux"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Limactl != "" || h.LimactlErr == nil || !strings.Contains(h.LimactlErr.Error(), "nope") {
		t.Errorf("got %q, %v", h.Limactl, h.LimactlErr)
	}
}

func TestTestModeAndPaths(t *testing.T) {
	tmp := t.TempDir()
	h, err := detect(t, map[string]string{"HOME": tmp, "LIMABAR_TEST_PLATFORM": "darwin", "LIMABAR_TEST_ROOT": "/r", "LIMABAR_TEST_SESSION": "tty"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Platform != autostart.Darwin || !h.TestMode || h.Session != elevate.SessionTTY {
		t.Errorf("host = %+v", h)
	}
	if got := h.Tools().Launchctl; got != "launchctl" {
		t.Errorf("launchctl = %q, want a bare name in test mode", got)
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
		{"HOME": tmp, "LIMABAR_TEST_PLATFORM": "windows"},
		{"HOME": tmp, "LIMABAR_TEST_ROOT": "relative"},
		{"HOME": "relative"},
	} {
		if _, err := detect(t, bad, ""); err == nil {
			t.Errorf("Detect(%v) succeeded", bad)
		}
	}
}

func TestLimaHome(t *testing.T) {
	tmp := t.TempDir()
	h, _ := detect(t, map[string]string{"HOME": tmp, "LIMABAR_TEST_PLATFORM": "linux"}, "")
	if h.LimaHome != filepath.Join(tmp, ".lima") || h.LimaHomeSet || h.CheckLimaHome() != nil {
		t.Errorf("default: %q %v %v", h.LimaHome, h.LimaHomeSet, h.CheckLimaHome())
	}
	h, _ = detect(t, map[string]string{"HOME": tmp, "LIMA_HOME": filepath.Join(tmp, "missing"), "LIMABAR_TEST_PLATFORM": "linux"}, "")
	if err := h.CheckLimaHome(); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing LIMA_HOME: %v", err)
	}
	if env := strings.Join(h.LimactlEnviron(), "\n"); !strings.Contains(env, "LIMA_HOME="+filepath.Join(tmp, "missing")) {
		t.Error("LIMA_HOME not passed to limactl")
	}
	if _, err := detect(t, map[string]string{"HOME": tmp, "LIMA_HOME": "rel", "LIMABAR_TEST_PLATFORM": "linux"}, ""); err == nil {
		t.Error("relative LIMA_HOME accepted")
	}
}
