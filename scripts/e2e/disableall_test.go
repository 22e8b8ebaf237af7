//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestDisableAllAgainstSystemd registers two instances with a real systemd
// user manager, one with limabar and one with Lima v1.2.1's limactl
// start-at-login, and removes both with `limabar disable --all`, as the
// README says to before uninstalling: --dry-run changes nothing, the real
// run leaves no unit and nothing enabled, and limabar and limactl agree.
func TestDisableAllAgainstSystemd(t *testing.T) {
	limactl := testenv.Limactl(t)
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{User: unprivileged})
	limaHome := filepath.Join(sd.Home, ".lima")
	for _, n := range []string{"foo", "bar"} {
		testenv.LimaInstance(t, limaHome, n)
	}
	env := map[string]string{"LIMACTL": limactl}
	unitDir := filepath.Join(sd.ConfigHome, "systemd", "user")

	if r := userLimabar(t, sd, env, "enable", "--condition=login", "foo"); r.code != 0 {
		t.Fatalf("enable foo: exit %d: %s", r.code, r.stderr)
	}
	if _, err := sd.Run(limactl, "start-at-login", "bar"); err != nil {
		t.Fatalf("limactl start-at-login bar: %v", err)
	}
	for _, n := range []string{"foo", "bar"} {
		if out, _ := sd.Systemctl("is-enabled", "lima-vm@"+n+".service"); strings.TrimSpace(out) != "enabled" {
			t.Fatalf("lima-vm@%s.service is-enabled = %q before disable --all", n, out)
		}
	}

	r := userLimabar(t, sd, env, "disable", "--all", "--dry-run")
	if r.code != 0 {
		t.Fatalf("disable --all --dry-run: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"disable --condition=login bar would run these steps (dry run: nothing is changed):\n",
		"disable --condition=login foo would run these steps (dry run: nothing is changed):\n",
		"run systemctl --user disable --no-reload lima-vm@bar.service",
		"run systemctl --user disable --no-reload lima-vm@foo.service",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, r.stdout)
		}
	}
	for _, n := range []string{"foo", "bar"} {
		if out, _ := sd.Systemctl("is-enabled", "lima-vm@"+n+".service"); strings.TrimSpace(out) != "enabled" {
			t.Errorf("after the dry run lima-vm@%s.service is-enabled = %q, want enabled", n, out)
		}
	}

	r = userLimabar(t, sd, env, "disable", "--all")
	if r.code != 0 {
		t.Fatalf("disable --all: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if want := "bar will no longer start at login\nfoo will no longer start at login\n"; r.stdout != want {
		t.Errorf("disable --all printed %q, want %q", r.stdout, want)
	}
	for _, n := range []string{"foo", "bar"} {
		if out, _ := sd.Systemctl("is-enabled", "lima-vm@"+n+".service"); strings.TrimSpace(out) == "enabled" {
			t.Errorf("lima-vm@%s.service is still enabled after disable --all", n)
		}
	}
	entries, err := os.ReadDir(unitDir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "lima-vm@") {
			t.Errorf("%s is left in %s", e.Name(), unitDir)
		}
	}
	list := decodeList(t, userLimabar(t, sd, env, "list", "--json"))
	for _, n := range []string{"foo", "bar"} {
		if cond(list[n], "login")["enabled"] != false || cond(list[n], "boot")["enabled"] != false {
			t.Errorf("list after disable --all: %s = %v", n, list[n])
		}
	}
	if r := userLimabar(t, sd, env, "disable", "--all"); r.code != 0 || r.stdout != "No instance is registered to start at login or at boot.\n" {
		t.Errorf("a second disable --all: exit %d, printed %q", r.code, r.stdout)
	}
}
