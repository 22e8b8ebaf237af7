//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

var limactl22 struct {
	once sync.Once
	path string
	err  error
}

// lima22 replaces the world's limactl with the stand-in for Lima 2.2's
// (scripts/e2e/fakes/limactl22), built once next to the other binaries.
func (w *darwinHealthWorld) lima22() {
	w.t.Helper()
	limactl22.once.Do(func() {
		limactl22.path = filepath.Join(filepath.Dir(bins.limabar), "limactl22")
		cmd := exec.Command("go", "build", "-o", limactl22.path, "./scripts/e2e/fakes/limactl22")
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			limactl22.err = err
			w.t.Logf("go build limactl22: %s", out)
		}
	})
	if limactl22.err != nil {
		w.t.Fatalf("go build limactl22: %v", limactl22.err)
	}
	data, err := os.ReadFile(limactl22.path)
	if err != nil {
		w.t.Fatal(err)
	}
	w.write(filepath.Join(w.bin, "limactl"), string(data), 0o755)
}

// clickUntil clicks an item of default's submenu until done holds: a row
// that has just taken a new action drops clicks for a second. A switch is
// clicked again only after every, long enough for a click that was taken
// to have shown in done, so that it is not flipped back.
func (w *darwinHealthWorld) clickUntil(app *trayApp, label, what string, done func() bool) {
	w.clickEvery(app, label, what, 300*time.Millisecond, done)
}

func (w *darwinHealthWorld) clickEvery(app *trayApp, label, what string, every time.Duration, done func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			w.t.Fatalf("after 15 s of clicking %s, still not %s; the menu is:\n%s", label, what, app.layout())
		}
		if it, ok := app.layout().item("default", label); ok && it.Enabled && it.Label == label {
			app.click(it)
		}
		time.Sleep(every)
	}
}

// inOrder reports whether the calls hold want in this order, from index from.
func inOrder(calls []string, from int, want ...string) bool {
	i := from
	for _, w := range want {
		j := slices.Index(calls[min(i, len(calls)):], w)
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return true
}

// TestDarwinLima22StartStop: with Lima 2.2, `limactl start` of an instance
// registered for login hands it to launchd (bootout, enable, bootstrap of
// the agent in gui/UID) and `limactl stop` of the job launchd started
// boots the agent out. LimaBar's Start and Stop run those limactl
// commands; afterwards the switch is still on, and health says running,
// then stopped — not failed, not unknown — in the menu and in list --json.
func TestDarwinLima22StartStop(t *testing.T) {
	w := newDarwinHealthWorld(t)
	w.lima22()
	gui := launchd.GUIDomain(w.sd.UID)
	app := w.startApp()
	app.waitFor("default stopped, registered for login", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		return ok && strings.Contains(in.Label, "default — Stopped") && strings.HasSuffix(in.Label, "· starts at login")
	})
	if _, loaded := w.job(); loaded {
		t.Fatal("the agent is loaded before anything started it")
	}

	w.clickUntil(app, "Start", "running in launchd", func() bool {
		j, loaded := w.job()
		return loaded && j.State == launchdmodel.Running
	})
	calls := w.fakeCalls()
	if !inOrder(calls, 0, "launchctl bootout "+w.target, "launchctl enable "+w.target, "launchctl bootstrap "+gui+" "+w.agent) {
		t.Errorf("Lima 2.2's start did not bootout, enable and bootstrap the agent; the fakes were asked:\n%s", strings.Join(calls, "\n"))
	}
	app.waitFor("default running, still registered for login", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		_, warned := n.item("default", "⚠")
		return ok && !warned && strings.Contains(in.Label, "default — Running") && strings.HasSuffix(in.Label, "· starts at login") &&
			switchState(n, "default", "Start at Login") == 1
	})
	if h := w.loginHealth(); h["state"] != "running" {
		t.Errorf("list --json login.health = %v after Start, want running", h)
	}

	before := len(w.fakeCalls())
	w.clickUntil(app, "Stop", "booted out of launchd", func() bool {
		_, loaded := w.job()
		return !loaded
	})
	if calls := w.fakeCalls(); !inOrder(calls, before, "launchctl bootout "+w.target) {
		t.Errorf("Lima 2.2's stop did not boot the agent out; the fakes were asked:\n%s", strings.Join(calls[before:], "\n"))
	}
	app.waitFor("default stopped, the switch still on, no warning", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		_, warned := n.item("default", "⚠")
		return ok && !warned && strings.Contains(in.Label, "default — Stopped") && strings.HasSuffix(in.Label, "· starts at login") &&
			switchState(n, "default", "Start at Login") == 1
	})
	list := decodeList(t, w.cli("list", "--json"))
	login := cond(list["default"], "login")
	if login["enabled"] != true {
		t.Errorf("list --json login = %v after Stop, want enabled", login)
	}
	if h, _ := login["health"].(map[string]any); h["state"] != "stopped" {
		t.Errorf("list --json login.health = %v after Stop, want stopped", h)
	}
	if _, err := os.Stat(w.agent); err != nil {
		t.Errorf("the agent is gone after Stop: %v", err)
	}
}

// TestDarwinStopRetryingUndoneBySwitch: after Stop Retrying has booted the
// failing login agent out, turning Start at Login off and on loads it
// again (`launchctl bootstrap` into gui/UID), and it runs.
func TestDarwinStopRetryingUndoneBySwitch(t *testing.T) {
	w := newDarwinHealthWorld(t)
	data, err := os.ReadFile(w.agent)
	if err != nil {
		t.Fatal(err)
	}
	job, err := launchd.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	app := w.startApp()
	app.waitFor("the instance registered for login", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		return ok && strings.HasSuffix(in.Label, "· starts at login")
	})
	gui := launchd.GUIDomain(w.sd.UID)
	w.withLaunchd(func(m *launchdmodel.Model, c *launchdmodel.OffsetClock) {
		c.At = time.Now()
		m.Load(gui, w.agent, job)
		for run := 1; run <= 3; run++ {
			if run > 1 {
				c.At = c.At.Add(launchdmodel.ThrottleInterval)
				m.Launchctl("print", w.target)
			}
			if err := m.ProcessExits(w.target, 1); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
		}
	})
	w.appendLog("launchd.stderr.log", `time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-aarch64 not found"`)
	app.waitFor("the failure loop, with Stop Retrying", 30*time.Second, func(n menuNode) bool {
		it, ok := n.item("default", "Stop Retrying")
		return ok && it.Enabled
	})
	w.clickUntil(app, "Stop Retrying", "unloaded", func() bool {
		_, loaded := w.job()
		return !loaded
	})
	app.waitFor("the failure to go, the switch still on", 15*time.Second, func(n menuNode) bool {
		_, warned := n.item("default", "⚠")
		return !warned && switchState(n, "default", "Start at Login") == 1
	})

	before := len(w.fakeCalls())
	w.clickEvery(app, "Start at Login", "switched off", 2*time.Second, func() bool {
		_, err := os.Stat(w.agent)
		return os.IsNotExist(err)
	})
	settledSwitches(t, app, []string{"default"}, 10*time.Second)
	w.clickEvery(app, "Start at Login", "loaded again", 2*time.Second, func() bool {
		j, loaded := w.job()
		return loaded && j.State == launchdmodel.Running
	})
	if calls := w.fakeCalls(); !inOrder(calls, before, "launchctl disable "+w.target, "launchctl enable "+w.target, "launchctl bootstrap "+gui+" "+w.agent) {
		t.Errorf("switch off and on did not disable, enable and bootstrap the agent; the fakes were asked:\n%s", strings.Join(calls[before:], "\n"))
	}
	app.waitFor("default registered for login, no warning", 15*time.Second, func(n menuNode) bool {
		_, warned := n.item("default", "⚠")
		return !warned && switchState(n, "default", "Start at Login") == 1
	})
	if h := w.loginHealth(); h["state"] != "running" {
		t.Errorf("list --json login.health = %v after the switch off and on, want running", h)
	}
}
