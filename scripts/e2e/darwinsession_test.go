//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// TestDarwinLoginOverSSH: a Mac reached over SSH that nobody is logged in
// to at the desktop, so launchd has no gui/UID domain and answers every
// call on it with 125 (the model's NoDesktop). `enable --condition=login`
// writes the agent for the next desktop login and exits 0 saying so,
// having asked launchd only whether the domain is there; list shows the
// switch on; `disable --condition=login` removes the agent.
func TestDarwinLoginOverSSH(t *testing.T) {
	s := newSandbox(t, "darwin")
	s.instance("default")
	s.env["LIMABAR_TEST_SESSION"] = "tty"
	m, c := s.launchd()
	m.NoDesktop = true
	s.saveLaunchd(m, c)
	uid := s.runsAs().Uid
	agent := filepath.Join(s.home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")

	r := s.limabar("enable", "--condition=login", "default")
	if r.code != 0 {
		t.Fatalf("enable over SSH: exit %d: %s", r.code, r.stderr)
	}
	if want := "default will start at the next desktop login (nobody is logged in at the desktop now, so launchd was not asked; it loads " + agent + " at login)\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	got, err := os.ReadFile(agent)
	if err != nil {
		t.Fatalf("the agent is not on disk: %v", err)
	}
	if want := s.golden("agent.plist", nil); string(got) != want {
		t.Errorf("LaunchAgent differs from testdata/agent.plist:\n%s", got)
	}
	want := []string{"limactl list --json", "launchctl print-disabled gui/" + uid}
	if calls := s.calls(); !slices.Equal(calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", calls, want)
	}
	m, _ = s.launchd()
	if sum := m.Summary(); len(sum) != 0 {
		t.Errorf("launchd changed: %q", sum)
	}

	r = s.limabar("list")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 2 || !slices.Equal(strings.Fields(lines[1]), []string{"default", "Stopped", "on", "off", "unknown", "0"}) {
		t.Errorf("list: exit %d, stdout %q, stderr %q; want default with login on, boot off, health unknown, no problems", r.code, r.stdout, r.stderr)
	}
	list := s.listJSON()
	login := cond(list[0], "login")
	if len(list) != 1 || login["enabled"] != true || cond(list[0], "boot")["enabled"] != false {
		t.Errorf("list --json = %v", list)
	}
	if p, _ := login["problems"].([]any); len(p) != 0 {
		t.Errorf("problems over SSH: %v", p)
	}
	if h, _ := login["health"].(map[string]any); h["state"] != "unknown" || h["reason"] != "nobody is logged in at the desktop: launchd loads the agent at the next desktop login" {
		t.Errorf("login.health = %v", h)
	}
	s.calls()

	r = s.limabar("disable", "--condition=login", "default")
	if r.code != 0 || r.stdout != "default will no longer start at login\n" {
		t.Fatalf("disable over SSH: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(agent); !os.IsNotExist(err) {
		t.Errorf("the agent is still there after disable: %v", err)
	}
	if calls := s.calls(); !slices.Equal(calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", calls, want)
	}
	m, _ = s.launchd()
	if sum := m.Summary(); len(sum) != 0 {
		t.Errorf("launchd changed: %q", sum)
	}
	if calls := m.CallsOf("enable"); len(calls) != 0 {
		t.Errorf("launchd was asked to enable: %v", calls)
	}
}

// newDarwinBootWorld is darwinHealthWorld with default registered for
// boot by limabar itself, through the stand-in administrator dialog.
func newDarwinBootWorld(t *testing.T) *darwinHealthWorld {
	w := newDarwinWorld(t)
	w.mkdir(filepath.Join(w.root, "Library", "LaunchDaemons"))
	w.target = launchd.Target("system", launchd.DaemonLabel("default"))
	if r := w.cli("enable", "--condition=boot", "default"); r.code != 0 {
		t.Fatalf("enable boot: exit %d: %s", r.code, r.stderr)
	}
	return w
}

// prompts counts the administrator prompts the stand-in dialog showed.
func (w *darwinHealthWorld) prompts() int {
	n := 0
	for _, c := range w.fakeCalls() {
		if strings.HasPrefix(c, "osascript prompt=") {
			n++
		}
	}
	return n
}

// TestDarwinTryAgainBootAsRoot: a boot job whose `limactl start` fails at
// once shows "did not start at boot" with Try Again. launchd lets only
// root change the system domain, so Try Again asks for the administrator
// password once (the stand-in dialog records the prompt) and the script
// it runs kickstarts the job as root (the launchd model records the
// caller's uid); the job runs again and the warning goes.
func TestDarwinTryAgainBootAsRoot(t *testing.T) {
	w := newDarwinBootWorld(t)
	if j, ok := w.job(); !ok || j.State != launchdmodel.Running || j.Runs != 1 {
		t.Fatalf("after enable the daemon is %+v, loaded %v; want running after 1 run", j, ok)
	}
	app := w.startApp()
	app.waitFor("the instance registered for boot", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		return ok && strings.Contains(in.Label, "starts at boot")
	})

	// limactl fails at once; launchd holds the respawn back for the
	// throttle interval, and the model's clock stands still from here.
	w.withLaunchd(func(m *launchdmodel.Model, c *launchdmodel.OffsetClock) {
		c.At = time.Now()
		if err := m.ProcessExits(w.target, 1); err != nil {
			t.Fatal(err)
		}
	})
	if j, _ := w.job(); j.State != launchdmodel.SpawnScheduled || j.Runs != 1 {
		t.Fatalf("the job is %s after %d runs, want spawn scheduled after 1", j.State, j.Runs)
	}
	w.appendLog("ha.stderr.log", `time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-aarch64 not found"`)

	const line = "⚠ default: qemu-system-aarch64 not found — did not start at boot"
	app.waitFor("the failure on the instance, with Try Again", 30*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		if !ok {
			return false
		}
		_, shown := in.find(line)
		it, try := in.find("Try Again")
		return shown && try && it.Enabled && it.Visible
	})

	before := w.prompts()
	const prompt = "osascript prompt=LimaBar wants to start default again."
	// A row that has just taken a new action drops clicks for a second:
	// click again only while no prompt has been shown.
	deadline := time.Now().Add(15 * time.Second)
	for w.prompts() == before {
		if time.Now().After(deadline) {
			t.Fatalf("no administrator prompt 15 s into clicking Try Again; the menu is:\n%s", app.layout())
		}
		if it, ok := app.layout().item("default", "Try Again"); ok && it.Enabled {
			app.click(it)
		}
		for wait := time.Now().Add(2 * time.Second); w.prompts() == before && time.Now().Before(wait); {
			time.Sleep(100 * time.Millisecond)
		}
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		if j, _ := w.job(); j.State == launchdmodel.Running && j.Runs == 2 {
			break
		}
		if time.Now().After(deadline) {
			j, _ := w.job()
			t.Fatalf("15 s after the prompt the job is %s after %d runs, want running after 2", j.State, j.Runs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	app.waitFor("the warning to go", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		_, warned := in.find(line)
		return ok && !warned
	})

	if n := w.prompts() - before; n != 1 {
		t.Errorf("%d administrator prompts for one Try Again, want 1:\n%s", n, strings.Join(w.fakeCalls(), "\n"))
	}
	if calls := w.fakeCalls(); !slices.Contains(calls, prompt) {
		t.Errorf("no %q among the calls:\n%s", prompt, strings.Join(calls, "\n"))
	}
	var kicks []string
	w.withLaunchd(func(m *launchdmodel.Model, _ *launchdmodel.OffsetClock) {
		for _, c := range m.CallsOf("kickstart") {
			kicks = append(kicks, c.String())
		}
	})
	if want := []string{"uid 0: launchctl kickstart " + w.target}; !slices.Equal(kicks, want) {
		t.Errorf("kickstarts launchd saw %q, want %q", kicks, want)
	}
}
