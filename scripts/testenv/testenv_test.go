package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// recorder stands in for a test to observe what Need does.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func (r *recorder) Skipf(format string, args ...any) { r.skip = fmt.Sprintf(format, args...) }

// TestNeed states what Need does on each platform. On Linux a missing
// prerequisite fails the test under CI and skips it elsewhere. On macOS
// the Linux harness's prerequisites are never there, and the test skips,
// CI or not: the Linux job runs it.
func TestNeed(t *testing.T) {
	tests := []struct {
		name      string
		goos      string
		ci        string
		ok        bool
		wantFatal bool
		wantSkip  bool
	}{
		{name: "linux: present under CI", goos: "linux", ci: "true", ok: true},
		{name: "linux: missing under CI fails", goos: "linux", ci: "true", wantFatal: true},
		{name: "linux: missing on a developer machine skips", goos: "linux", ci: "", wantSkip: true},
		{name: "linux: present on a developer machine", goos: "linux", ci: "", ok: true},
		{name: "darwin: present under CI", goos: "darwin", ci: "true", ok: true},
		{name: "darwin: missing under CI skips", goos: "darwin", ci: "true", wantSkip: true},
		{name: "darwin: missing on a developer machine skips", goos: "darwin", ci: "", wantSkip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{}
			need(r, tt.goos, tt.ok, "Xvfb is not installed")
			if got := r.fatal != ""; got != tt.wantFatal {
				t.Errorf("fatal = %q, want fatal %v", r.fatal, tt.wantFatal)
			}
			if got := r.skip != ""; got != tt.wantSkip {
				t.Errorf("skip = %q, want skip %v", r.skip, tt.wantSkip)
			}
			if msg := r.fatal + r.skip; msg != "" && !strings.Contains(msg, "Xvfb is not installed") {
				t.Errorf("message %q does not say why", msg)
			}
		})
	}
	// Need is need on the running platform.
	t.Run("this platform", func(t *testing.T) {
		t.Setenv("CI", "true")
		r := &recorder{}
		Need(r, false, "Xvfb is not installed")
		want := &recorder{}
		need(want, runtime.GOOS, false, "Xvfb is not installed")
		if r.fatal != want.fatal || r.skip != want.skip {
			t.Errorf("Need on %s: fatal %q skip %q, want fatal %q skip %q", runtime.GOOS, r.fatal, r.skip, want.fatal, want.skip)
		}
	})
}

// TestTool states what Tool does on each platform, for a Linux-only
// program, a macOS-only one and one both have, found or not.
func TestTool(t *testing.T) {
	found := func(name string) (string, error) { return "/found/" + name, nil }
	missing := func(name string) (string, error) {
		return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
	}
	tests := []struct {
		name      string
		goos      string
		ci        string
		tool      string
		lookPath  func(string) (string, error)
		wantPath  string
		wantFatal string // part of the message; "" for none
		wantSkip  string
	}{
		{name: "linux: Linux tool found", goos: "linux", ci: "true", tool: "systemd-analyze", lookPath: found, wantPath: "/found/systemd-analyze"},
		{name: "linux: Linux tool missing under CI fails", goos: "linux", ci: "true", tool: "systemd-analyze", lookPath: missing,
			wantFatal: "systemd-analyze is not installed (Linux only, Debian package systemd"},
		{name: "linux: Linux tool missing on a developer machine skips", goos: "linux", ci: "", tool: "plistutil", lookPath: missing,
			wantSkip: "plistutil is not installed (Linux only, Debian package libplist-utils"},
		{name: "darwin: Linux tool skips under CI", goos: "darwin", ci: "true", tool: "desktop-file-validate", lookPath: found,
			wantSkip: "desktop-file-validate is not on darwin (Linux only, Debian package desktop-file-utils; the macOS runner image lacks it)"},
		{name: "darwin: setsid skips", goos: "darwin", ci: "true", tool: "setsid", lookPath: missing,
			wantSkip: "setsid is not on darwin"},
		{name: "darwin: Mac tool found", goos: "darwin", ci: "true", tool: "plutil", lookPath: found, wantPath: "/found/plutil"},
		{name: "darwin: Mac tool missing under CI fails", goos: "darwin", ci: "true", tool: "plutil", lookPath: missing,
			wantFatal: "plutil is not installed (macOS only, part of macOS)"},
		{name: "darwin: Mac tool missing on a developer machine skips", goos: "darwin", ci: "", tool: "plutil", lookPath: missing,
			wantSkip: "plutil is not installed"},
		{name: "linux: Mac tool skips under CI", goos: "linux", ci: "true", tool: "plutil", lookPath: found,
			wantSkip: "plutil is not on linux (macOS only, part of macOS)"},
		{name: "darwin: tool of both missing under CI fails", goos: "darwin", ci: "true", tool: "pkg-config", lookPath: missing,
			wantFatal: "pkg-config is not installed (Linux: pkg-config; macOS: pkgconf 2.5.1 (runner image))"},
		{name: "linux: unlisted tool fails", goos: "linux", ci: "", tool: "frobnicate", lookPath: found,
			wantFatal: "frobnicate is not listed in scripts/testenv/tools"},
		{name: "darwin: unlisted tool fails", goos: "darwin", ci: "", tool: "frobnicate", lookPath: found,
			wantFatal: "frobnicate is not listed in scripts/testenv/tools"},
		{name: "a path is not a listed name", goos: "linux", ci: "", tool: "/usr/bin/systemctl", lookPath: found,
			wantFatal: "/usr/bin/systemctl is not listed in scripts/testenv/tools"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{}
			got := tool(r, tt.goos, tt.lookPath, tt.tool)
			if (r.fatal != "") != (tt.wantFatal != "") || !strings.Contains(r.fatal, tt.wantFatal) {
				t.Errorf("fatal = %q, want one holding %q", r.fatal, tt.wantFatal)
			}
			if (r.skip != "") != (tt.wantSkip != "") || !strings.Contains(r.skip, tt.wantSkip) {
				t.Errorf("skip = %q, want one holding %q", r.skip, tt.wantSkip)
			}
			if tt.wantFatal == "" && tt.wantSkip == "" && got != tt.wantPath {
				t.Errorf("path = %q, want %q", got, tt.wantPath)
			}
		})
	}
}

func TestCI(t *testing.T) {
	for value, want := range map[string]bool{"true": true, "1": true, "false": false, "": false} {
		t.Run(strconv.Quote(value), func(t *testing.T) {
			t.Setenv("CI", value)
			if got := CI(); got != want {
				t.Errorf("CI() with CI=%q = %v, want %v", value, got, want)
			}
		})
	}
}

// processesMentioning returns the processes whose command line or
// environment contains s: what the harness must leave none of.
func processesMentioning(t *testing.T, s string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), f))
			if err == nil && bytes.Contains(b, []byte(s)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
