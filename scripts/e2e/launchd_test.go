//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/elevate"
	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// exitDelay is how long the VM of these tests takes to shut down after
// SIGTERM. The privileged script's pauses move the model's clock (the fake
// sleep), so nothing waits for it for real.
const exitDelay = 5 * time.Second

// limactlJob writes the plist Lima 2.2's `limactl autostart enable`
// writes (autostart/launchd/testdata/limactl-v2.2-daemon.plist, the
// template of github.com/lima-vm/lima/v2 v2.2.0 filled in) for this
// sandbox at path, as label, and loads it into the model's domain, running
// as launchd runs it after a boot or login, with exitDelay.
func (s *sandbox) limactlJob(path, domain, label, user string) launchdmodel.Job {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(), "autostart", "launchd", "testdata", "limactl-v2.2-daemon.plist"))
	if err != nil {
		s.t.Fatal(err)
	}
	text := strings.NewReplacer(
		"io.lima-vm.daemon.default", label,
		"<string>alice</string>", "<string>"+user+"</string>",
		"/opt/homebrew/bin/limactl", s.limactl,
		"/Users/alice/.lima/default", filepath.Join(s.limaHome, "default"),
	).Replace(string(data))
	if user == "" {
		text = strings.Replace(text, "\t<key>UserName</key>\n\t<string></string>\n", "", 1)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
	job, err := launchd.Decode([]byte(text))
	if err != nil {
		s.t.Fatal(err)
	}
	m, c := s.launchd()
	m.SetExitDelay(domain+"/"+label, exitDelay)
	m.Load(domain, path, job)
	s.saveLaunchd(m, c)
	j, _ := m.Job(domain + "/" + label)
	return j
}

// doctorFix runs `limabar doctor --fix --json` and returns the message of
// the one instance it repaired. The stand-in administrator dialog cannot
// make the daemon's file root's, so "owner" may remain; nothing else may.
func (s *sandbox) doctorFix() string {
	s.t.Helper()
	r := s.limabar("doctor", "--fix", "--json")
	var out []struct {
		Name     string `json:"name"`
		Fixed    bool   `json:"fixed"`
		Message  string `json:"message"`
		Error    string `json:"error"`
		Problems []struct {
			Code string `json:"code"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 1 {
		s.t.Fatalf("doctor --fix: exit %d, %v, stdout %s, stderr %s", r.code, err, r.stdout, r.stderr)
	}
	if !out[0].Fixed && out[0].Error != "problems remain after the repair" {
		s.t.Fatalf("doctor --fix failed: %s\n%s", out[0].Error, r.stdout)
	}
	// What remains is read again after the repair: only the owner.
	m := s.listJSON()
	for _, c := range []string{"login", "boot"} {
		for _, p := range cond(m[0], c)["problems"].([]any) {
			if code := p.(map[string]any)["code"]; code != "owner" {
				s.t.Errorf("after the repair, %s still has %v", c, p)
			}
		}
	}
	return out[0].Message
}

// vmRuns makes the instance's folder say its host agent runs (ha.pid, as
// limactl reads it).
func (s *sandbox) vmRuns(name string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.limaHome, name, "ha.pid"), []byte("4242\n"), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// sameProcess checks that the job at target is the process it was, still
// running, never stopped nor killed.
func (s *sandbox) sameProcess(target string, before launchdmodel.Job) {
	s.t.Helper()
	m, _ := s.launchd()
	j, ok := m.Job(target)
	if !ok || j.State != launchdmodel.Running || j.PID != before.PID || j.Runs != before.Runs || j.Killed != 0 {
		s.t.Errorf("%s after the change: %+v (loaded %v); want the same running process %d, never stopped", target, j, ok, before.PID)
	}
}

func noBootout(t *testing.T, calls []string) {
	t.Helper()
	for _, c := range calls {
		if strings.HasPrefix(c, "launchctl bootout") || strings.HasPrefix(c, "launchctl bootstrap") || strings.HasPrefix(c, "launchctl kickstart") {
			t.Errorf("ran %q on a running job", c)
		}
	}
}

// TestDarwinRepairRunningLimactlDaemon: Repair of a boot daemon exactly as
// Lima 2.2 writes it (no ExitTimeOut, Background, no KeepAlive, relative
// logs), while the VM it started runs and takes 5 s to shut down. The VM
// is never stopped: the file is rewritten and the message says it takes
// effect at the next boot. Before this, the script booted the job out and
// its three bootstrap tries a second apart all failed with error 5, so
// the VM was stopped and the daemon left unloaded.
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinRepairRunningLimactlDaemon(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.vmRuns("default")
	s.virtualSleep()
	u := s.runsAs()
	daemon := filepath.Join(s.root, "Library", "LaunchDaemons", "io.lima-vm.daemon.default.plist")
	before := s.limactlJob(daemon, "system", "io.lima-vm.daemon.default", u.Username)

	msg := s.doctorFix()
	if want := "boot registration rewritten (it takes effect at the next boot; the running VM was not stopped)"; !strings.Contains(msg, want) {
		t.Errorf("message %q, want it to say %q", msg, want)
	}
	noBootout(t, s.calls())
	s.sameProcess("system/io.lima-vm.daemon.default", before)
	got, err := os.ReadFile(daemon)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.golden("daemon.plist", map[string]string{"@USER@": u.Username}); string(got) != want {
		t.Errorf("daemon not rewritten as LimaBar's:\n%s", got)
	}
	m, _ := s.launchd()
	if d, ok := m.Disabled("system", "io.lima-vm.daemon.default"); !ok || d {
		t.Errorf("override: disabled %v (set %v), want enabled", d, ok)
	}
}

// TestDarwinRepairRunningLimactlAgent is the same for a login agent in
// gui/UID: the VM keeps running, the next login loads the new file.
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinRepairRunningLimactlAgent(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.vmRuns("default")
	s.virtualSleep()
	u := s.runsAs()
	agent := filepath.Join(s.home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")
	before := s.limactlJob(agent, "gui/"+u.Uid, "io.lima-vm.autostart.default", "")

	msg := s.doctorFix()
	if want := "login registration rewritten (it takes effect at the next login)"; !strings.Contains(msg, want) {
		t.Errorf("message %q, want it to say %q", msg, want)
	}
	noBootout(t, s.calls())
	s.sameProcess("gui/"+u.Uid+"/io.lima-vm.autostart.default", before)
	got, err := os.ReadFile(agent)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.golden("agent.plist", nil); string(got) != want {
		t.Errorf("agent not rewritten as LimaBar's:\n%s", got)
	}
}

// TestDarwinBootToLoginKeepsTheVM: switching a running instance from boot
// to login disables and removes the daemon without booting it out; the
// job keeps its pid and the message says the VM keeps running.
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinBootToLoginKeepsTheVM(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.virtualSleep()
	u := s.runsAs()
	daemon := filepath.Join(s.root, "Library", "LaunchDaemons", "io.lima-vm.daemon.default.plist")
	os.MkdirAll(filepath.Dir(daemon), 0o755)
	m, c := s.launchd()
	m.SetExitDelay("system/io.lima-vm.daemon.default", exitDelay)
	s.saveLaunchd(m, c)
	if r := s.limabar("enable", "--condition=boot", "default"); r.code != 0 {
		t.Fatalf("enable boot: exit %d: %s", r.code, r.stderr)
	}
	m, _ = s.launchd()
	before, ok := m.Job("system/io.lima-vm.daemon.default")
	if !ok || before.State != launchdmodel.Running {
		t.Fatalf("after enable boot: %+v, loaded %v; want running", before, ok)
	}
	s.vmRuns("default")
	s.calls()

	r := s.limabar("enable", "--condition=login", "default")
	if r.code != 0 {
		t.Fatalf("enable login: exit %d: %s", r.code, r.stderr)
	}
	if want := "default now starts at login instead of at boot; the VM keeps running until it is stopped\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	noBootout(t, s.calls())
	s.sameProcess("system/io.lima-vm.daemon.default", before)
	if _, err := os.Stat(daemon); !os.IsNotExist(err) {
		t.Errorf("daemon file: %v, want removed", err)
	}
	m, _ = s.launchd()
	if d, _ := m.Disabled("system", "io.lima-vm.daemon.default"); !d {
		t.Error("the daemon has no disable override")
	}
	if d, _ := m.Disabled("gui/"+u.Uid, "io.lima-vm.autostart.default"); d {
		t.Error("the agent is disabled")
	}
}

// TestDarwinInstallScriptWaitsForTheOldJob runs the privileged install
// script against the model, over a job that is running and takes 5 s to
// exit after SIGTERM: it boots the job out, waits until launchd has let it
// go, and ends with the new daemon loaded and running. The script is what
// enable and repair run when no VM is running; here it meets one anyway
// (one started between LimaBar's look and the script).
//
// Stand-ins: limactl (stubLimactl), launchctl (the launchd model), plutil,
// osascript and chown; no launchd or systemd runs.
func TestDarwinInstallScriptWaitsForTheOldJob(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.virtualSleep()
	u := s.runsAs()
	label := "io.lima-vm.daemon.default"
	daemon := filepath.Join(s.root, "Library", "LaunchDaemons", label+".plist")
	before := s.limactlJob(daemon, "system", label, u.Username)
	newJob := launchd.Daemon(launchd.Params{Name: "default", InstanceDir: filepath.Join(s.limaHome, "default"), Limactl: s.limactl, Home: s.home, User: u.Username})
	data, err := launchd.Encode(newJob)
	if err != nil {
		t.Fatal(err)
	}
	script, err := elevate.InstallScript(elevate.PathTools, label, daemon, data)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = s.environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install script: %v\n%s", err, out)
	}
	m, _ := s.launchd()
	j, ok := m.Job("system/" + label)
	if !ok || j.State != launchdmodel.Running || j.PID == before.PID || j.Plist.ExitTimeOut != launchd.ExitTimeOut {
		t.Fatalf("after the script: %+v (loaded %v); want the new daemon running", j, ok)
	}
	sleeps := 0
	for _, c := range s.calls() {
		if strings.HasPrefix(c, "sleep ") {
			sleeps++
		}
	}
	if sleeps != int(exitDelay/time.Second) {
		t.Errorf("the script paused %d times, want %d (the old job's exit delay)", sleeps, int(exitDelay/time.Second))
	}
}
