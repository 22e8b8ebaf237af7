package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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

func TestNeed(t *testing.T) {
	tests := []struct {
		name      string
		ci        string
		ok        bool
		wantFatal bool
		wantSkip  bool
	}{
		{name: "present under CI", ci: "true", ok: true},
		{name: "missing under CI fails", ci: "true", wantFatal: true},
		{name: "missing on a developer machine skips", ci: "", wantSkip: true},
		{name: "present on a developer machine", ci: "", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{}
			Need(r, tt.ok, "Xvfb is not installed")
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
