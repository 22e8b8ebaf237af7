package hostenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
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

func detect(t *testing.T, platform autostart.Platform, env map[string]string, lookPath string) (*Host, error) {
	t.Helper()
	return Detect(Options{
		Platform: platform,
		Getenv:   func(k string) string { return env[k] },
		LoginShell: func(context.Context, string) (string, string, error) {
			return "", "", errors.New("no login shell in this test")
		},
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
	env := map[string]string{"HOME": home}

	h, err := detect(t, autostart.Linux, env, fromPath)
	if err != nil || h.Limactl != fromPath {
		t.Errorf("PATH: got %q, %v", h.Limactl, err)
	}
	env["LIMACTL"] = fromEnv
	h, _ = detect(t, autostart.Linux, env, fromPath)
	if h.Limactl != fromEnv {
		t.Errorf("LIMACTL: got %q", h.Limactl)
	}
	settings := filepath.Join(home, ".config", "limabar", "settings.json")
	os.MkdirAll(filepath.Dir(settings), 0o755)
	os.WriteFile(settings, []byte(`{"limactl": "`+fromSettings+`"}`), 0o644)
	h, _ = detect(t, autostart.Linux, env, fromPath)
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
	h, err := detect(t, autostart.Darwin, map[string]string{"HOME": tmp, "LIMACTL": link}, "")
	if err != nil || h.Limactl != link {
		t.Errorf("got %q, %v; want the link %q", h.Limactl, err, link)
	}
}

func TestLimactlMissing(t *testing.T) {
	tmp := t.TempDir()
	h, err := detect(t, autostart.Linux, map[string]string{"HOME": tmp, "LIMACTL": filepath.Join(tmp, "nope")}, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Limactl != "" || h.LimactlErr == nil || !strings.Contains(h.LimactlErr.Error(), "nope") {
		t.Errorf("got %q, %v", h.Limactl, h.LimactlErr)
	}
}

func TestLimaHome(t *testing.T) {
	tmp := t.TempDir()
	h, _ := detect(t, autostart.Linux, map[string]string{"HOME": tmp}, "")
	if h.LimaHome != filepath.Join(tmp, ".lima") || h.LimaHomeSet || h.CheckLimaHome() != nil {
		t.Errorf("default: %q %v %v", h.LimaHome, h.LimaHomeSet, h.CheckLimaHome())
	}
	h, _ = detect(t, autostart.Linux, map[string]string{"HOME": tmp, "LIMA_HOME": filepath.Join(tmp, "missing")}, "")
	if err := h.CheckLimaHome(); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing LIMA_HOME: %v", err)
	}
	if env := strings.Join(h.LimactlEnviron(), "\n"); !strings.Contains(env, "LIMA_HOME="+filepath.Join(tmp, "missing")) {
		t.Error("LIMA_HOME not passed to limactl")
	}
	if _, err := detect(t, autostart.Linux, map[string]string{"HOME": tmp, "LIMA_HOME": "rel"}, ""); err == nil {
		t.Error("relative LIMA_HOME accepted")
	}
}
