package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/autostart"
	"github.com/limabar/limabar/autostart/runner"
)

// TestDisableAllDryRun compares `disable --all --dry-run` on two
// instances registered by limactl, one of them no longer listed, with
// the literal text in testdata, and checks that it changed nothing.
func TestDisableAllDryRun(t *testing.T) {
	m := newDryRunMachine(t, autostart.Linux)
	m.limactlUnit(t, "default")
	m.limactlUnit(t, "gone")
	before := tree(t, m.tmp)
	code, stdout, stderr := run(m.b, "disable", "--all", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	got := strings.ReplaceAll(stdout, m.tmp, "/TMP")
	want, err := os.ReadFile(filepath.Join("testdata", "dry-run-disable-all.txt"))
	mustDo(t, err)
	if got != string(want) {
		t.Errorf("output differs from testdata/dry-run-disable-all.txt:\n%s", got)
	}
	after := tree(t, m.tmp)
	if len(after) != len(before) {
		t.Errorf("the dry run changed the files: %d entries before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("the dry run changed %s", k)
		}
	}
	if len(m.fake.Calls) != 0 {
		t.Errorf("the dry run ran %q", m.fake.Argvs())
	}
}

// TestDisableAllRemovesEveryRegistration runs `disable --all` on the engine
// with a recording runner: both units are gone afterwards, and systemctl
// was asked to disable each.
func TestDisableAllRemovesEveryRegistration(t *testing.T) {
	m := newDryRunMachine(t, autostart.Linux)
	m.limactlUnit(t, "default")
	m.limactlUnit(t, "gone")
	m.fake.Responses = disableAllAnswers("default", "gone")
	code, stdout, stderr := run(m.b, "disable", "--all")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if want := "default will no longer start at login\ngone will no longer start at login\n"; stdout != want {
		t.Errorf("printed %q, want %q", stdout, want)
	}
	for _, name := range []string{"default", "gone"} {
		unit := filepath.Join(m.env.ConfigHome, "systemd", "user", "lima-vm@"+name+".service")
		if _, err := os.Stat(unit); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", unit, err)
		}
	}
	argvs := strings.Join(m.fake.Argvs(), "\n")
	for _, want := range []string{"systemctl --user disable --no-reload lima-vm@default.service", "systemctl --user disable --no-reload lima-vm@gone.service"} {
		if !strings.Contains(argvs, want) {
			t.Errorf("ran\n%s\nwithout %q", argvs, want)
		}
	}
	t.Run("nothing registered", func(t *testing.T) {
		code, stdout, _ := run(m.b, "disable", "--all", "--dry-run")
		if want := "No instance is registered to start at login or at boot: nothing to remove.\n"; code != 0 || stdout != want {
			t.Errorf("exit %d, printed %q; want 0 and %q", code, stdout, want)
		}
	})
}

func TestDisableAllUsage(t *testing.T) {
	for _, args := range [][]string{
		{"disable", "--all", "default"},
		{"disable", "--all", "--condition=login"},
		{"disable", "--all", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			m := newDryRunMachine(t, autostart.Linux)
			if code, _, stderr := run(m.b, args...); code != 2 || stderr == "" {
				t.Errorf("exit %d, stderr %q; want 2 and a message", code, stderr)
			}
		})
	}
}

// TestDisableAllBootTurnsLingeringOff: with lingering on (turned on by
// LimaBar), every unit is a boot registration; removing the last one turns
// lingering off again.
func TestDisableAllBootTurnsLingeringOff(t *testing.T) {
	m := newDryRunMachine(t, autostart.Linux)
	m.limactlUnit(t, "default")
	m.limactlUnit(t, "gone")
	mustDo(t, os.MkdirAll(m.env.LingerDir, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(m.env.LingerDir, m.env.User), nil, 0o644))
	mustDo(t, os.MkdirAll(m.env.StateDir, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(m.env.StateDir, "linger.json"), []byte(`{"user":"`+m.env.User+`","turnedOnByLimaBar":true}`), 0o644))
	m.fake.Responses = append(disableAllAnswers("default", "gone"),
		runner.Response{Match: []string{"loginctl", "disable-linger", m.env.User}})
	code, stdout, stderr := run(m.b, "disable", "--all")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := "default will no longer start at boot\ngone will no longer start at boot; lingering, which LimaBar had turned on, is off again\n"
	if stdout != want {
		t.Errorf("printed %q, want %q", stdout, want)
	}
	if argvs := strings.Join(m.fake.Argvs(), "\n"); !strings.Contains(argvs, "loginctl disable-linger "+m.env.User) {
		t.Errorf("ran\n%s\nwithout loginctl disable-linger", argvs)
	}
}

func TestWantsAll(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--all"}, true},
		{[]string{"-all", "--dry-run"}, true},
		{[]string{"--dry-run", "--all=true"}, true},
		{[]string{"--all=false", "default"}, false},
		{[]string{"--condition=all", "default"}, false},
		{[]string{"default"}, false},
		{[]string{"--", "--all"}, false},
	} {
		if got := wantsAll(tc.args); got != tc.want {
			t.Errorf("wantsAll(%q) = %t, want %t", tc.args, got, tc.want)
		}
	}
}

// disableAllAnswers declares what systemctl --user answers when the units
// of names are disabled: each disable, and the reload after them.
func disableAllAnswers(names ...string) []runner.Response {
	rs := []runner.Response{{Match: []string{"systemctl", "--user", "daemon-reload"}}}
	for _, n := range names {
		rs = append(rs, runner.Response{Match: []string{"systemctl", "--user", "disable", "--no-reload", "lima-vm@" + n + ".service"}})
	}
	return rs
}
