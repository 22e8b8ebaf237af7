//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// userLimabar runs the real limabar as the systemd manager's user, with
// extra environment.
func userLimabar(t *testing.T, sd *testenv.Systemd, env map[string]string, args ...string) result {
	t.Helper()
	cmd := sd.Command(bins.limabar, args...)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("limabar %q: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

func decodeList(t *testing.T, r result) map[string]map[string]any {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("list --json: exit %d: %s", r.code, r.stderr)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, r.stdout)
	}
	out := map[string]map[string]any{}
	for _, in := range list {
		out[in["name"].(string)] = in
	}
	return out
}

// TestLinuxLoginAgainstSystemd enables, starts and disables a unit with a
// real systemd user manager; the unit runs a stub limactl that records how
// it was called.
//
// Real: a systemd user manager, which runs the unit. Stand-in: limactl
// (stubLimactl).
func TestLinuxLoginAgainstSystemd(t *testing.T) {
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{User: unprivileged})
	testenv.LimaInstance(t, filepath.Join(sd.Home, ".lima"), "default")
	log := filepath.Join(sd.Home, "limactl.log")
	stub := filepath.Join(sd.Home, "bin", "limactl")
	if err := os.MkdirAll(filepath.Dir(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stub, []byte(stubLimactl(log)), 0o755); err != nil {
		t.Fatal(err)
	}
	// The user's files belong to the user.
	if out, err := exec.Command("chown", "-R", itoa(sd.UID)+":"+itoa(sd.GID), sd.Home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	env := map[string]string{"LIMACTL": stub}
	unit := filepath.Join(sd.ConfigHome, "systemd", "user", "lima-vm@default.service")

	r := userLimabar(t, sd, env, "enable", "--condition=login", "default")
	if r.code != 0 {
		t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
	}
	if out, _ := sd.Systemctl("is-enabled", "lima-vm@default.service"); strings.TrimSpace(out) != "enabled" {
		t.Errorf("is-enabled = %q, want enabled", out)
	}
	if list := decodeList(t, userLimabar(t, sd, env, "list", "--json")); cond(list["default"], "login")["enabled"] != true ||
		len(cond(list["default"], "login")["problems"].([]any)) != 0 {
		t.Errorf("list after enable: %v", list["default"])
	}

	if _, err := sd.Systemctl("start", "lima-vm@default.service"); err != nil {
		t.Fatalf("start: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(log)
		if strings.Contains(string(data), "limactl start default --foreground\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the unit did not run `limactl start default --foreground`; log:\n%s", data)
		}
		time.Sleep(50 * time.Millisecond)
	}

	r = userLimabar(t, sd, env, "disable", "--condition=login", "default")
	if r.code != 0 {
		t.Fatalf("disable: exit %d: %s", r.code, r.stderr)
	}
	if out, _ := sd.Systemctl("is-enabled", "lima-vm@default.service"); strings.TrimSpace(out) == "enabled" {
		t.Errorf("still enabled after disable")
	}
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Errorf("unit file still there: %v", err)
	}
}

// TestLimactlInterop checks both directions against Lima v1.2.1's limactl.
//
// Real: Lima's limactl and a systemd user manager; nothing stands in.
func TestLimactlInterop(t *testing.T) {
	limactl := testenv.Limactl(t)
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{User: unprivileged})
	limaHome := filepath.Join(sd.Home, ".lima")
	for _, n := range []string{"foo", "bar"} {
		testenv.LimaInstance(t, limaHome, n)
	}
	env := map[string]string{"LIMACTL": limactl}
	unit := filepath.Join(sd.ConfigHome, "systemd", "user", "lima-vm@foo.service")

	t.Run("list agrees with limactl", func(t *testing.T) {
		out, err := sd.Run(limactl, "list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var in struct{ Name, Status string }
			if err := json.Unmarshal([]byte(line), &in); err != nil {
				t.Fatalf("limactl list: %v", err)
			}
			want[in.Name] = in.Status
		}
		got := map[string]string{}
		for name, in := range decodeList(t, userLimabar(t, sd, env, "list", "--json")) {
			got[name] = in["status"].(string)
		}
		if len(got) != 2 || len(want) != 2 {
			t.Fatalf("got %v, limactl %v", got, want)
		}
		for n, s := range want {
			if got[n] != s {
				t.Errorf("%s: limabar says %q, limactl %q", n, got[n], s)
			}
		}
	})

	t.Run("limactl registers, limabar sees it", func(t *testing.T) {
		if _, err := sd.Run(limactl, "start-at-login", "foo"); err != nil {
			t.Fatal(err)
		}
		list := decodeList(t, userLimabar(t, sd, env, "list", "--json"))
		login := cond(list["foo"], "login")
		if login["enabled"] != true {
			t.Fatalf("a unit from limactl start-at-login shows as %v", login)
		}
		var codes []string
		for _, p := range login["problems"].([]any) {
			codes = append(codes, p.(map[string]any)["code"].(string))
		}
		sort.Strings(codes)
		// limactl writes its own path (so nothing differs) but no PATH,
		// and stops the VM after 10 s (TimeoutSec=10).
		if strings.Join(codes, ",") != "path-missing,stop-timeout" {
			t.Errorf("problems = %q, want [path-missing stop-timeout]", codes)
		}
		if cond(list["bar"], "login")["enabled"] != false {
			t.Errorf("bar = %v", list["bar"])
		}

		// doctor --fix rewrites it with PATH, keeping it enabled.
		r := userLimabar(t, sd, env, "doctor", "--fix")
		if r.code != 0 {
			t.Fatalf("doctor --fix: exit %d: %s%s", r.code, r.stdout, r.stderr)
		}
		data, _ := os.ReadFile(unit)
		if !strings.Contains(string(data), "Environment=\"PATH=") {
			t.Errorf("unit after repair:\n%s", data)
		}
		if out, _ := sd.Systemctl("is-enabled", "lima-vm@foo.service"); strings.TrimSpace(out) != "enabled" {
			t.Errorf("is-enabled after repair = %q", out)
		}
	})

	t.Run("limabar registers, limactl removes it", func(t *testing.T) {
		if r := userLimabar(t, sd, env, "disable", "--condition=login", "foo"); r.code != 0 {
			t.Fatalf("disable: %s", r.stderr)
		}
		if r := userLimabar(t, sd, env, "enable", "--condition=login", "foo"); r.code != 0 {
			t.Fatalf("enable: %s", r.stderr)
		}
		if out, _ := sd.Systemctl("is-enabled", "lima-vm@foo.service"); strings.TrimSpace(out) != "enabled" {
			t.Fatalf("is-enabled = %q", out)
		}
		if _, err := sd.Run(limactl, "start-at-login", "--enabled=false", "foo"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(unit); !os.IsNotExist(err) {
			t.Errorf("limactl did not remove limabar's unit: %v", err)
		}
		list := decodeList(t, userLimabar(t, sd, env, "list", "--json"))
		if cond(list["foo"], "login")["enabled"] != false {
			t.Errorf("foo still shows login on: %v", list["foo"])
		}
	})
}
