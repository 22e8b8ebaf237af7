//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput checks that each bad input gives one clear line on stderr, a
// non-zero exit, and no file written.
//
// Stand-ins: limactl (stubLimactl), and in macOS mode launchctl, plutil,
// osascript and chown; no launchd or systemd runs.
func TestBadInput(t *testing.T) {
	for _, platform := range []string{"linux", "darwin"} {
		t.Run(platform, func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				args  []string
				env   map[string]string
				want  string
				code  int
				setup func(s *sandbox)
			}{
				{name: "path traversal", args: []string{"enable", "--condition=login", "../x"}, want: "invalid instance name", code: 2},
				{name: "space", args: []string{"enable", "--condition=login", "a b"}, want: "invalid instance name", code: 2},
				{name: "command substitution", args: []string{"enable", "--condition=login", "$(id)"}, want: "invalid instance name", code: 2},
				{name: "empty", args: []string{"enable", "--condition=login", ""}, want: "the name is empty", code: 2},
				{name: "77 characters", args: []string{"enable", "--condition=login", strings.Repeat("a", 77)}, want: "longer than 76", code: 2},
				{name: "disable bad name", args: []string{"disable", "--condition=all", "../../etc"}, want: "invalid instance name", code: 2},
				{name: "unknown condition", args: []string{"enable", "--condition=reboot", "default"}, want: "unknown condition", code: 2},
				{name: "no name", args: []string{"enable", "--condition=login"}, want: "exactly one instance name", code: 2},
				{name: "unknown command", args: []string{"frobnicate"}, want: "unknown command", code: 2},
				{name: "LIMA_HOME missing", args: []string{"enable", "--condition=login", "default"},
					env: map[string]string{"LIMA_HOME": "/nonexistent/lima-home"}, want: "LIMA_HOME /nonexistent/lima-home (from the environment) does not exist", code: 1},
				{name: "LIMA_HOME missing for list", args: []string{"list", "--json"},
					env: map[string]string{"LIMA_HOME": "/nonexistent/lima-home"}, want: "does not exist", code: 1},
				{name: "limactl missing", args: []string{"enable", "--condition=login", "default"},
					env: map[string]string{"LIMACTL": "/nonexistent/limactl"}, want: "/nonexistent/limactl", code: 1},
				{name: "limactl missing for list", args: []string{"list", "--json"},
					env: map[string]string{"LIMACTL": "/nonexistent/limactl"}, want: "limactl", code: 1},
				{name: "limactl prints garbage", args: []string{"enable", "--condition=login", "default"},
					env: map[string]string{"STUB_LIMACTL_MODE": "garbage"}, want: "limactl list printed something unexpected", code: 1},
				{name: "limactl prints garbage for list", args: []string{"list"},
					env: map[string]string{"STUB_LIMACTL_MODE": "garbage"}, want: "limactl list printed something unexpected", code: 1},
				{name: "limactl fails", args: []string{"list"},
					env: map[string]string{"STUB_LIMACTL_MODE": "fail"}, want: "cannot list", code: 1},
				{name: "unknown instance", args: []string{"enable", "--condition=login", "nothere"}, want: `no instance named "nothere"`, code: 1},
				// U+FFFE: a plist would hold U+FFFD in its place, a
				// unit would lose its ExecStart=.
				{name: "LIMA_HOME a registration cannot hold", args: []string{"enable", "--condition=login", "default"},
					want: `cannot register instance "default": the LIMA_HOME path contains a character ` +
						map[string]string{"linux": "a unit file", "darwin": "a plist"}[platform] + " cannot hold (U+FFFE)", code: 1,
					setup: func(s *sandbox) {
						s.limaHome = filepath.Join(s.dir, "vms\ufffe")
						s.env["LIMA_HOME"] = s.limaHome
						s.instance("default")
					}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s := newSandbox(t, platform)
					s.instance("default")
					for k, v := range tc.env {
						s.env[k] = v
					}
					if tc.setup != nil {
						tc.setup(s)
					}
					before := files(t, s.dir)
					r := s.limabar(tc.args...)
					if r.code != tc.code {
						t.Errorf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
					}
					if lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "limabar: ") {
						t.Errorf("stderr is not one line: %q", r.stderr)
					}
					if !strings.Contains(r.stderr, tc.want) {
						t.Errorf("stderr %q does not say %q", r.stderr, tc.want)
					}
					after := files(t, s.dir)
					var added []string
					for _, f := range after {
						if !contains(before, f) && filepath.Base(f) != "calls.log" {
							added = append(added, f)
						}
					}
					if len(added) != 0 {
						t.Errorf("files written: %q", added)
					}
				})
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDisableDespiteBadInput removes a registration when limactl cannot
// confirm the instance (LIMA_HOME gone, limactl printing garbage or gone):
// a stale registration must always be removable, so the exit is 0, and one
// warning line on stderr says why the instance was not found.
//
// Stand-ins: limactl (stubLimactl), systemctl and loginctl in Linux mode
// (fakeSystemctl, fakeLoginctl), launchctl (the launchd model), plutil,
// osascript and chown in macOS mode; no launchd or systemd runs.
func TestDisableDespiteBadInput(t *testing.T) {
	for _, platform := range []string{"linux", "darwin"} {
		t.Run(platform, func(t *testing.T) {
			for _, tc := range []struct {
				name, cond string
				env        map[string]string
				want       string
			}{
				{name: "LIMA_HOME missing", cond: "login", env: map[string]string{"LIMA_HOME": "/nonexistent/lima-home"},
					want: "LIMA_HOME /nonexistent/lima-home (from the environment) does not exist"},
				{name: "limactl prints garbage", cond: "login", env: map[string]string{"STUB_LIMACTL_MODE": "garbage"},
					want: "limactl list printed something unexpected"},
				{name: "limactl missing", cond: "login", env: map[string]string{"LIMACTL": "/nonexistent/limactl"},
					want: "/nonexistent/limactl"},
				{name: "limactl prints garbage, all conditions", cond: "all", env: map[string]string{"STUB_LIMACTL_MODE": "garbage"},
					want: "limactl list printed something unexpected"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s := newSandbox(t, platform)
					reg := filepath.Join(s.home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")
					if platform == "linux" {
						s.linuxFakes()
						reg = filepath.Join(s.home, ".config", "systemd", "user", "lima-vm@default.service")
					}
					s.instance("default")
					s.mustRun("enable", "--condition=login", "default")
					if _, err := os.Stat(reg); err != nil {
						t.Fatalf("setup: %v", err)
					}
					for k, v := range tc.env {
						s.env[k] = v
					}
					r := s.limabar("disable", "--condition="+tc.cond, "default")
					if r.code != 0 {
						t.Errorf("got exit %d, want 0 (stderr %q)", r.code, r.stderr)
					}
					lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
					if len(lines) != 1 || !strings.HasPrefix(lines[0], "limabar: warning: ") ||
						!strings.Contains(lines[0], tc.want) || !strings.HasSuffix(lines[0], "; removing the registration anyway") {
						t.Errorf("got stderr %q, want one line: limabar: warning: …%s…; removing the registration anyway", r.stderr, tc.want)
					}
					if !strings.Contains(r.stdout, "default will no longer start at login") {
						t.Errorf("got stdout %q, want it to say the registration was removed", r.stdout)
					}
					if _, err := os.Stat(reg); !os.IsNotExist(err) {
						t.Errorf("got %v, want %s removed", err, reg)
					}
				})
			}
		})
	}
}
