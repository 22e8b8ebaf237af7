//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fakeLoginctl turns lingering on and off the way systemd-logind does, by
// the file under the test root, and refuses when FAKE_FAIL names it.
const fakeLoginctl = `#!/bin/sh
printf 'loginctl %s\n' "$*" >> "$FAKE_LOG"
case " ${FAKE_FAIL:-} " in *" $1 "*)
	echo "Could not $1: Access denied" >&2; exit 1 ;;
esac
dir="$LIMABAR_TEST_ROOT/var/lib/systemd/linger"
case "$1" in
enable-linger) mkdir -p "$dir" && : > "$dir/$2" ;;
disable-linger) rm -f "$dir/$2" ;;
*) exit 1 ;;
esac
`

// fakeSystemctl records its argv and links the unit into default.target.wants
// on enable, as systemctl does.
const fakeSystemctl = `#!/bin/sh
printf 'systemctl %s\n' "$*" >> "$FAKE_LOG"
case " ${FAKE_FAIL:-} " in *" $2 "*)
	echo "Failed to $2: Access denied" >&2; exit 1 ;;
esac
wants="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user/default.target.wants"
for unit; do :; done # the last argument, after --no-reload
case "$2" in
enable) mkdir -p "$wants" && ln -sf "../$unit" "$wants/$unit" ;;
disable) rm -f "$wants/$unit" ;;
esac
exit 0
`

// TestLinuxBootWithLingering is Linux mode in the sandbox (newSandbox).
//
// Stand-ins: limactl (stubLimactl), systemctl and loginctl (fakeSystemctl,
// fakeLoginctl); no systemd runs.
func TestLinuxBootWithLingering(t *testing.T) {
	s := newSandbox(t, "linux")
	s.instance("default")
	s.instance("k3s")
	s.writeExe(filepath.Join(s.fakes, "loginctl"), fakeLoginctl)
	s.writeExe(filepath.Join(s.fakes, "systemctl"), fakeSystemctl)
	user := s.runsAs().Username
	linger := filepath.Join(s.root, "var", "lib", "systemd", "linger", user)
	unit := filepath.Join(s.home, ".config", "systemd", "user", "lima-vm@default.service")

	t.Run("refused by polkit", func(t *testing.T) {
		s.env["FAKE_FAIL"] = "enable-linger"
		defer delete(s.env, "FAKE_FAIL")
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code == 0 || !strings.Contains(r.stderr, "Access denied") || !strings.Contains(r.stderr, "nothing was changed") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if _, err := os.Stat(unit); !os.IsNotExist(err) {
			t.Error("unit left behind")
		}
		s.calls()
	})

	t.Run("enable", func(t *testing.T) {
		r := s.limabar("enable", "--condition=boot", "default")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		want := []string{
			"limactl list --json",
			"systemctl --user enable --no-reload lima-vm@default.service",
			"loginctl enable-linger " + user,
			"systemctl --user daemon-reload",
			"systemctl --user reset-failed lima-vm@default.service",
		}
		if got := s.calls(); !reflect.DeepEqual(got, want) {
			t.Errorf("calls:\n got %q\nwant %q", got, want)
		}
		if _, err := os.Stat(linger); err != nil {
			t.Errorf("no linger file: %v", err)
		}
		list := s.listJSON()
		if b := cond(list[0], "boot"); list[0]["name"] != "default" || b["enabled"] != true || len(b["problems"].([]any)) != 0 {
			t.Errorf("default = %v", list[0])
		}
		if l := cond(list[0], "login"); l["enabled"] != false {
			t.Errorf("login = %v", l)
		}
	})

	t.Run("disable the last boot registration turns lingering off", func(t *testing.T) {
		s.calls()
		r := s.limabar("disable", "--condition=boot", "default")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		want := []string{
			"limactl list --json",
			"systemctl --user disable --no-reload lima-vm@default.service",
			"loginctl disable-linger " + user,
			"systemctl --user daemon-reload",
		}
		if got := s.calls(); !reflect.DeepEqual(got, want) {
			t.Errorf("calls:\n got %q\nwant %q", got, want)
		}
		if _, err := os.Stat(linger); !os.IsNotExist(err) {
			t.Error("lingering still on")
		}
	})

	t.Run("lingering the user turned on is kept", func(t *testing.T) {
		os.MkdirAll(filepath.Dir(linger), 0o755)
		os.WriteFile(linger, nil, 0o644)
		if r := s.limabar("enable", "--condition=boot", "default"); r.code != 0 {
			t.Fatalf("enable: %s", r.stderr)
		}
		if r := s.limabar("disable", "--condition=boot", "default"); r.code != 0 {
			t.Fatalf("disable: %s", r.stderr)
		}
		for _, c := range s.calls() {
			if strings.HasPrefix(c, "loginctl") {
				t.Errorf("touched lingering it did not turn on: %q", c)
			}
		}
		if _, err := os.Stat(linger); err != nil {
			t.Error("lingering turned off")
		}
	})
}

// limactlUnit is the unit Lima v1.2.1's `limactl start-at-login` writes,
// without LimaBar's Environment= lines, for the limactl at @LIMACTL@.
const limactlUnit = `[Unit]
Description=Lima - Linux virtual machines, with a focus on running containers.
Documentation=man:lima(1)

[Service]
ExecStart=@LIMACTL@ start %i --foreground
WorkingDirectory=%h
Type=simple
TimeoutSec=10
Restart=on-failure

[Install]
WantedBy=default.target
`

// TestLinuxBootRefusedKeepsLimactlUnit turns boot on for an instance that
// limactl registered for login. LimaBar rewrites the unit (it lacks PATH)
// and enables it before asking for lingering; when polkit refuses, the
// error says nothing was changed, so the unit limactl wrote must be back
// byte for byte and still enabled, and no lingering or record is left.
//
// Stand-ins: limactl (stubLimactl), systemctl and loginctl (fakeSystemctl,
// fakeLoginctl); no systemd runs.
func TestLinuxBootRefusedKeepsLimactlUnit(t *testing.T) {
	s := newSandbox(t, "linux")
	s.instance("default")
	s.linuxFakes()
	units := filepath.Join(s.home, ".config", "systemd", "user")
	unit := filepath.Join(units, "lima-vm@default.service")
	link := filepath.Join(units, "default.target.wants", "lima-vm@default.service")
	old := strings.ReplaceAll(limactlUnit, "@LIMACTL@", s.limactl)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unit, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../lima-vm@default.service", link); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s.dir)

	s.env["FAKE_FAIL"] = "enable-linger"
	r := s.limabar("enable", "--condition=boot", "default")
	if r.code != 1 || !strings.Contains(r.stderr, "Access denied") || !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, `"default"`) {
		t.Errorf("got exit %d, stderr %q; want 1, the instance, polkit's answer and that nothing was changed", r.code, r.stderr)
	}
	got, err := os.ReadFile(unit)
	if err != nil || string(got) != old {
		t.Errorf("got unit %q (%v), want limactl's\n%s", got, err, old)
	}
	if target, err := os.Readlink(link); err != nil || target != "../lima-vm@default.service" {
		t.Errorf("got link %q (%v), want the unit still enabled", target, err)
	}
	if d := changes(before, snapshot(t, s.dir)); len(d) != 0 {
		t.Errorf("the sandbox changed: %q", d)
	}
	calls := s.calls()
	if want := "loginctl enable-linger " + s.runsAs().Username; !slices.Contains(calls, want) {
		t.Errorf("got calls %q, want %q among them", calls, want)
	}
}
