//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestDoctorRemovesUnitOfDeletedInstance: Lima v1.2.1's limactl registers
// an instance, then the instance folder is removed behind its back (an old
// Lima's `limactl delete`, or rm -rf), which leaves the unit for systemd to
// run `limactl start gone` at the next login. limactl no longer lists the
// instance, so it is in no snapshot: doctor must still name it, and
// doctor --fix must disable and remove the unit with the real user
// manager, leaving the instance that exists as it was.
//
// Real: Lima's limactl and a systemd user manager; nothing stands in.
func TestDoctorRemovesUnitOfDeletedInstance(t *testing.T) {
	limactl := testenv.Limactl(t)
	sd := testenv.SystemdUser(t, testenv.SystemdOptions{User: unprivileged})
	limaHome := filepath.Join(sd.Home, ".lima")
	for _, n := range []string{"keep", "gone"} {
		testenv.LimaInstance(t, limaHome, n)
	}
	env := map[string]string{"LIMACTL": limactl}
	unitDir := filepath.Join(sd.ConfigHome, "systemd", "user")
	gone := filepath.Join(unitDir, "lima-vm@gone.service")

	if _, err := sd.Run(limactl, "start-at-login", "gone"); err != nil {
		t.Fatal(err)
	}
	if r := userLimabar(t, sd, env, "enable", "--condition=login", "keep"); r.code != 0 {
		t.Fatalf("enable keep: exit %d: %s", r.code, r.stderr)
	}
	for _, u := range []string{"lima-vm@gone.service", "lima-vm@keep.service"} {
		if out, _ := sd.Systemctl("is-enabled", u); strings.TrimSpace(out) != "enabled" {
			t.Fatalf("setup: %s is %q, want enabled", u, out)
		}
	}
	if err := os.RemoveAll(filepath.Join(limaHome, "gone")); err != nil {
		t.Fatal(err)
	}
	if out, err := sd.Run(limactl, "list", "--json"); err != nil || strings.Contains(out, `"gone"`) {
		t.Fatalf("setup: limactl still lists gone (%v):\n%s", err, out)
	}

	r := userLimabar(t, sd, env, "doctor")
	want := "gone: the registration starts instance gone, which no longer exists: " + gone + " (instance-missing)\n" +
		"Run `limabar doctor --fix` to repair.\n"
	if r.code != 3 || r.stdout != want {
		t.Errorf("doctor: got exit %d, stdout\n%s\nstderr %q\nwant 3 and\n%s", r.code, r.stdout, r.stderr, want)
	}

	r = userLimabar(t, sd, env, "doctor", "--json")
	var report []DoctorEntry
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
	}
	if r.code != 3 || len(report) != 1 || report[0].Name != "gone" || len(report[0].Problems) != 1 ||
		report[0].Problems[0].Code != "instance-missing" || !strings.HasSuffix(report[0].Problems[0].Message, gone) || report[0].Fixed {
		t.Errorf("doctor --json: got exit %d, %+v", r.code, report)
	}

	r = userLimabar(t, sd, env, "doctor", "--fix")
	want = "gone: the registration starts instance gone, which no longer exists: " + gone + " (instance-missing)\n" +
		"gone: removed: gone will no longer start at login\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("doctor --fix: got exit %d, stdout\n%s\nstderr %q\nwant 0 and\n%s", r.code, r.stdout, r.stderr, want)
	}
	if _, err := os.Lstat(gone); !os.IsNotExist(err) {
		t.Errorf("the unit of gone is still there: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(unitDir, "default.target.wants", "lima-vm@gone.service")); !os.IsNotExist(err) {
		t.Errorf("the unit of gone is still linked from default.target.wants: %v", err)
	}
	if out, _ := sd.Systemctl("is-enabled", "lima-vm@gone.service"); strings.TrimSpace(out) == "enabled" {
		t.Errorf("systemd still has lima-vm@gone.service enabled")
	}
	if out, _ := sd.Systemctl("is-enabled", "lima-vm@keep.service"); strings.TrimSpace(out) != "enabled" {
		t.Errorf("lima-vm@keep.service is %q after doctor --fix, want enabled", out)
	}

	if r := userLimabar(t, sd, env, "doctor"); r.code != 0 || r.stdout != "No problems found.\n" {
		t.Errorf("doctor after the fix: got exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// DoctorEntry is one element of `limabar doctor --json`, as docs/JSON.md
// documents it.
type DoctorEntry struct {
	Name     string `json:"name"`
	Problems []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"problems"`
	Fixed   bool   `json:"fixed"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// TestDarwinModeDoctorRemovesJobsOfDeletedInstance: in macOS mode, an
// instance deleted with both a LaunchDaemon and a LaunchAgent left behind
// (as an old Lima's `limactl delete` leaves them) is named by doctor, and
// doctor --fix removes the daemon through the administrator prompt and then
// the agent, with the launchctl steps of disable, and touches nothing of
// the instance that exists.
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinModeDoctorRemovesJobsOfDeletedInstance(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.instance("gone")
	u := s.runsAs()
	if u.Uid == "0" {
		t.Fatal("the test needs to run limabar as an ordinary user")
	}
	agent := filepath.Join(s.home, "Library", "LaunchAgents", "io.lima-vm.autostart.gone.plist")
	daemon := filepath.Join(s.root, "Library", "LaunchDaemons", "io.lima-vm.daemon.gone.plist")
	if err := os.MkdirAll(filepath.Dir(daemon), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"enable", "--condition=login", "default"}, {"enable", "--condition=login", "gone"}} {
		if r := s.limabar(args...); r.code != 0 {
			t.Fatalf("%q: exit %d: %s", args, r.code, r.stderr)
		}
	}
	// Both jobs, as a registration of each condition would leave them:
	// enabling boot switches the agent off, so it is put back.
	agentData, err := os.ReadFile(agent)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.limabar("enable", "--condition=boot", "gone"); r.code != 0 {
		t.Fatalf("enable boot: exit %d: %s", r.code, r.stderr)
	}
	if err := os.WriteFile(agent, agentData, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(s.limaHome, "gone")); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(s.home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")
	keepData, err := os.ReadFile(keep)
	if err != nil {
		t.Fatal(err)
	}
	s.calls()

	r := s.limabar("doctor")
	want := "gone: the registration starts instance gone, which no longer exists: " + daemon + " (instance-missing)\n" +
		"gone: the registration starts instance gone, which no longer exists: " + agent + " (instance-missing)\n" +
		"Run `limabar doctor --fix` to repair.\n"
	if r.code != 3 || r.stdout != want {
		t.Errorf("doctor: got exit %d, stdout\n%s\nstderr %q\nwant 3 and\n%s", r.code, r.stdout, r.stderr, want)
	}
	s.calls()

	r = s.limabar("doctor", "--fix")
	want = "gone: the registration starts instance gone, which no longer exists: " + daemon + " (instance-missing)\n" +
		"gone: the registration starts instance gone, which no longer exists: " + agent + " (instance-missing)\n" +
		"gone: removed: gone will no longer start at boot; gone will no longer start at login\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("doctor --fix: got exit %d, stdout\n%s\nstderr %q\nwant 0 and\n%s", r.code, r.stdout, r.stderr, want)
	}
	var steps []string
	for _, c := range s.calls() {
		if strings.HasPrefix(c, "launchctl ") || strings.HasPrefix(c, "osascript ") {
			steps = append(steps, c)
		}
	}
	wantSteps := []string{
		// The status of "default", which starts at login, and its health.
		"launchctl print-disabled gui/" + u.Uid,
		"launchctl print gui/" + u.Uid + "/io.lima-vm.autostart.default",
		// The removal script (testdata of autostart/elevate), then the agent.
		"osascript prompt=LimaBar wants to stop gone from starting at boot.",
		"launchctl disable system/io.lima-vm.daemon.gone",
		"launchctl bootout system/io.lima-vm.daemon.gone",
		"launchctl disable gui/" + u.Uid + "/io.lima-vm.autostart.gone",
	}
	if strings.Join(steps, "\n") != strings.Join(wantSteps, "\n") {
		t.Errorf("doctor --fix steps:\n got %q\nwant %q", steps, wantSteps)
	}
	for _, p := range []string{agent, daemon} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
	if got, err := os.ReadFile(keep); err != nil || string(got) != string(keepData) {
		t.Errorf("the agent of the instance that exists changed: %v", err)
	}
}
