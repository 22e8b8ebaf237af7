//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/limabar/limabar/autostart/launchd"
	"github.com/limabar/limabar/autostart/launchd/launchdmodel"
)

// darwinHealthWorld is a tray world in macOS mode: the real menu-bar app
// with LIMABAR_TEST_PLATFORM=darwin, the fake launchctl (the launchd
// model), plutil, chown and osascript first on PATH, and one instance,
// default, registered for login by limabar itself. The world's systemd
// user manager still runs: a Mac's LimaBar must not ask it.
type darwinHealthWorld struct {
	*trayWorld
	dir     string
	agent   string // the LaunchAgent's plist
	target  string // gui/UID/io.lima-vm.autostart.default
	fakeLog string // what the fakes were asked
}

func newDarwinHealthWorld(t *testing.T) *darwinHealthWorld {
	w := newDarwinWorld(t)
	w.agent = filepath.Join(w.sd.Home, "Library", "LaunchAgents", "io.lima-vm.autostart.default.plist")
	w.target = launchd.Target(launchd.GUIDomain(w.sd.UID), launchd.AgentLabel("default"))
	if r := w.cli("enable", "--condition=login", "default"); r.code != 0 {
		t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
	}
	return w
}

// newDarwinWorld is the tray's world in macOS mode, with the stand-ins of
// the Mac's tools first on PATH and one instance, default, registered
// for nothing yet.
func newDarwinWorld(t *testing.T) *darwinHealthWorld {
	w := &darwinHealthWorld{trayWorld: newTrayWorld(t)}
	w.fakeLog = filepath.Join(w.sd.Home, "fake-calls.log")
	for name, src := range map[string]string{"launchctl": bins.launchctl, "osascript": bins.osascript} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		w.write(filepath.Join(w.bin, name), string(data), 0o755)
	}
	w.write(filepath.Join(w.bin, "plutil"), fakePlutil, 0o755)
	w.write(filepath.Join(w.bin, "chown"), fakeChown, 0o755)
	w.dir = w.instance(filepath.Join(w.sd.Home, ".lima"), "default", "images: []\n")
	return w
}

// env is the macOS-mode environment of both the app and the command line.
func (w *darwinHealthWorld) env() map[string]string {
	return map[string]string{
		"LIMABAR_TEST_PLATFORM": "darwin",
		"LIMABAR_TEST_ROOT":     w.root,
		"LIMACTL":               filepath.Join(w.bin, "limactl"),
		"PATH":                  w.bin + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"FAKE_STATE":            w.state,
		"FAKE_LOG":              w.fakeLog,
		"STUB_LOG":              w.stubLog,
		"XDG_STATE_HOME":        filepath.Join(w.sd.Home, ".local", "state"),
	}
}

func (w *darwinHealthWorld) cli(args ...string) result {
	w.t.Helper()
	return userLimabar(w.t, w.sd, w.env(), args...)
}

// startApp starts the menu-bar app in macOS mode.
func (w *darwinHealthWorld) startApp() *trayApp {
	w.t.Helper()
	var extra []string
	for k, v := range w.env() {
		extra = append(extra, k+"="+v)
	}
	return w.start(extra...)
}

// withLaunchd changes the launchd model as launchd itself would, under the
// lock the fake launchctl takes, so that no launchctl the app runs
// meanwhile writes back an older state. The state file stays the user's.
func (w *darwinHealthWorld) withLaunchd(f func(*launchdmodel.Model, *launchdmodel.OffsetClock)) {
	w.t.Helper()
	lock, err := os.OpenFile(filepath.Join(w.state, "launchd.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		w.t.Fatal(err)
	}
	defer lock.Close()
	w.chown(lock.Name())
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(w.state, "launchd.json")
	m, c, err := launchdmodel.LoadFile(path)
	if err != nil {
		w.t.Fatal(err)
	}
	f(m, c)
	if err := launchdmodel.SaveFile(path, m, c); err != nil {
		w.t.Fatal(err)
	}
	w.chown(path)
}

// job is the agent's job in the launchd model.
func (w *darwinHealthWorld) job() (launchdmodel.Job, bool) {
	w.t.Helper()
	var j launchdmodel.Job
	var ok bool
	w.withLaunchd(func(m *launchdmodel.Model, _ *launchdmodel.OffsetClock) { j, ok = m.Job(w.target) })
	return j, ok
}

// appendLog appends lines to a file of the instance folder as the job's
// stderr is written: O_APPEND, by the user.
func (w *darwinHealthWorld) appendLog(name string, lines ...string) {
	w.t.Helper()
	p := filepath.Join(w.dir, name)
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		f.Close()
		w.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.chown(p)
}

// loginHealth is the health of default's login condition in list --json.
func (w *darwinHealthWorld) loginHealth() map[string]any {
	w.t.Helper()
	list := decodeList(w.t, w.cli("list", "--json"))
	h, _ := cond(list["default"], "login")["health"].(map[string]any)
	return h
}

// fakeCalls are the calls the fakes recorded so far.
func (w *darwinHealthWorld) fakeCalls() []string {
	data, _ := os.ReadFile(w.fakeLog)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// notifications are the notifications LimaBar showed through the osascript
// stand-in, one line each.
func (w *darwinHealthWorld) notifications() []string {
	var notes []string
	for _, c := range w.fakeCalls() {
		if strings.HasPrefix(c, "osascript notification ") {
			notes = append(notes, c)
		}
	}
	return notes
}

// waitNotifications waits until at least n notifications were shown.
func (w *darwinHealthWorld) waitNotifications(n int, timeout time.Duration) []string {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if notes := w.notifications(); len(notes) >= n {
			return notes
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d notifications after %s, want %d; the fakes were asked:\n%s", len(w.notifications()), timeout, n, strings.Join(w.fakeCalls(), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const darwinFailLine = "⚠ default: qemu-system-aarch64 not found — did not start at login"

// TestDarwinHealthFailedLogin: in macOS mode, the login agent LimaBar
// wrote is loaded at login and its `limactl start` fails at once, as when
// QEMU is missing: launchd holds its respawn back for the throttle
// interval (`print`: spawn scheduled, runs 1, `last exit code = 1:
// Operation not permitted` as a Mac prints it) and the job's stderr,
// launchd.stderr.log, ends with Lima's fatal line. Nothing else changes,
// so the log's being written is what makes LimaBar read `launchctl print`
// again. The menu then shows the failure on the instance, list --json says
// failed with the reason, exit code and since, exactly one notification is
// shown (osascript's display notification), and Try Again is `launchctl
// kickstart` of the job.
//
// macOS mode in the tray's world: real session bus and Xvfb, and a systemd
// user manager that must not be asked. Stand-ins: limactl (trayStubLimactl),
// launchctl (the launchd model), osascript, plutil and chown.
func TestDarwinHealthFailedLogin(t *testing.T) {
	w := newDarwinHealthWorld(t)
	data, err := os.ReadFile(w.agent)
	if err != nil {
		t.Fatal(err)
	}
	job, err := launchd.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !job.KeepAlive.RestartsOnFailureOnly() || !job.RunAtLoad {
		t.Fatalf("the agent has KeepAlive %+v, RunAtLoad %v; want {SuccessfulExit false} and true", job.KeepAlive, job.RunAtLoad)
	}
	if want := filepath.Join(w.dir, "launchd.stderr.log"); job.StandardErrorPath != want {
		t.Fatalf("StandardErrorPath %q, want %q", job.StandardErrorPath, want)
	}

	app := w.startApp()
	app.waitFor("the instance registered for login", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		return ok && strings.HasSuffix(in.Label, "· starts at login")
	})

	// The login: launchd loads the agent and starts it; limactl fails at
	// once. The model's clock stands still from here, so the respawn ten
	// seconds away does not come while the test looks.
	w.withLaunchd(func(m *launchdmodel.Model, c *launchdmodel.OffsetClock) {
		c.At = time.Now()
		m.Load(launchd.GUIDomain(w.sd.UID), w.agent, job)
		if err := m.ProcessExits(w.target, 1); err != nil {
			t.Fatal(err)
		}
	})
	if j, _ := w.job(); j.State != launchdmodel.SpawnScheduled || j.Runs != 1 {
		t.Fatalf("the job is %s after %d runs, want spawn scheduled after 1", j.State, j.Runs)
	}
	// What LimaBar reads is what a Mac prints: the exit code with its
	// meaning (launchd/testdata/corpus).
	w.withLaunchd(func(m *launchdmodel.Model, _ *launchdmodel.OffsetClock) {
		if out := m.Launchctl("print", w.target).Stdout; !strings.Contains(out, "\tlast exit code = 1: Operation not permitted\n") {
			t.Fatalf("print of the failed job:\n%s\nwant last exit code = 1: Operation not permitted", out)
		}
	})
	w.appendLog("launchd.stderr.log",
		`time="2026-12-03T22:00:00Z" level=info msg="Starting the instance \"default\" with VM driver \"qemu\""`,
		`time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-aarch64 not found"`)

	// The tray changes its items one by one: wait for the whole row,
	// not its first changed item.
	const row = "⚠ default — Stopped · starts at login · did not start"
	shown := func(n menuNode) bool {
		in, ok := n.instance("default")
		if !ok || in.Label != row {
			return false
		}
		line, ok := n.item("default", darwinFailLine)
		if !ok || !line.Visible {
			return false
		}
		for _, label := range []string{"Try Again", "Show Log"} {
			if it, ok := in.find(label); !ok || !it.Enabled || !it.Visible {
				return false
			}
		}
		return true
	}
	_, took := app.waitFor("the failure on the instance, with Try Again and Show Log", 30*time.Second, shown)
	t.Logf("failure shown %s after the log was written", took.Round(time.Millisecond))
	// The notification goes through osascript's display notification, as
	// on a Mac; the stand-in records it.
	notes := w.waitNotifications(1, 15*time.Second)
	if !strings.Contains(notes[0], "qemu-system-aarch64 not found") {
		t.Errorf("notification %q does not name the reason", notes[0])
	}
	defer func() {
		if notes := w.notifications(); len(notes) != 1 {
			t.Errorf("notifications %q, want exactly one", notes)
		}
	}()

	h := w.loginHealth()
	if h["state"] != "failed" || h["reason"] != "qemu-system-aarch64 not found" || h["exitCode"] != 1.0 || h["restarts"] != 0.0 {
		t.Errorf("list --json login.health = %v, want failed, the reason, exit code 1 and no restarts", h)
	}
	if since, _ := h["since"].(string); since == "" {
		t.Errorf("no since in %v", h)
	} else if _, err := time.Parse(time.RFC3339Nano, since); err != nil {
		t.Errorf("since %q: %v", since, err)
	}

	t.Run("Try Again kickstarts the job", func(t *testing.T) {
		kickstart := "launchctl kickstart " + w.target
		deadline := time.Now().Add(15 * time.Second)
		for {
			if j, _ := w.job(); j.State == launchdmodel.Running && j.Runs == 2 {
				break
			}
			if time.Now().After(deadline) {
				j, _ := w.job()
				t.Fatalf("after 15 s of clicking Try Again the job is %s after %d runs, want running after 2; the menu is:\n%s", j.State, j.Runs, app.layout())
			}
			// A row that has just taken a new action drops clicks for
			// a second, so click again while the job has not started.
			if it, ok := app.layout().item("default", "Try Again"); ok && it.Enabled {
				app.click(it)
			}
			time.Sleep(300 * time.Millisecond)
		}
		if calls := w.fakeCalls(); !slices.Contains(calls, kickstart) {
			t.Errorf("the fakes were not asked %q:\n%s", kickstart, strings.Join(calls, "\n"))
		}
		app.waitFor("the warning to go", 15*time.Second, func(n menuNode) bool {
			in, ok := n.instance("default")
			_, warned := n.item("default", "⚠")
			return ok && !warned && strings.HasSuffix(in.Label, "· starts at login")
		})
		if h := w.loginHealth(); h["state"] != "running" {
			t.Errorf("health %v after kickstart, want running", h)
		}
	})
}

// TestDarwinHealthKeepsFailing: launchd has no start limit. A login agent
// whose `limactl start` fails at every run is started again every ten
// seconds for ever; after three failed runs LimaBar shows it as keeping
// failing, as on Linux, list --json says failing with the restarts, and
// Stop Retrying unloads the agent (`launchctl bootout`), so that launchd
// starts it no more until the next login.
//
// macOS mode in the tray's world: real session bus and Xvfb, and a systemd
// user manager that must not be asked. Stand-ins: limactl (trayStubLimactl),
// launchctl (the launchd model), osascript, plutil and chown.
func TestDarwinHealthKeepsFailing(t *testing.T) {
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

	// Three runs, each failing at once; the model's clock moves past each
	// throttle interval and then stands still, so that no respawn comes
	// while the test looks.
	w.withLaunchd(func(m *launchdmodel.Model, c *launchdmodel.OffsetClock) {
		c.At = time.Now()
		m.Load(launchd.GUIDomain(w.sd.UID), w.agent, job)
		for run := 1; run <= 3; run++ {
			if run > 1 {
				c.At = c.At.Add(launchdmodel.ThrottleInterval)
				m.Launchctl("print", w.target) // launchd's respawn comes due
			}
			if err := m.ProcessExits(w.target, 1); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
		}
	})
	if j, _ := w.job(); j.State != launchdmodel.SpawnScheduled || j.Runs != 3 {
		t.Fatalf("the job is %s after %d runs, want spawn scheduled after 3", j.State, j.Runs)
	}
	w.appendLog("launchd.stderr.log", `time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-aarch64 not found"`)

	const line = "⚠ default: qemu-system-aarch64 not found — keeps failing at login"
	app.waitFor("the failure loop on the instance, with Stop Retrying", 30*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		if !ok || in.Label != "⚠ default — Stopped · starts at login · keeps failing" {
			return false
		}
		_, shown := in.find(line)
		it, stop := in.find("Stop Retrying")
		return shown && stop && it.Enabled
	})
	h := w.loginHealth()
	if h["state"] != "failing" || h["reason"] != "qemu-system-aarch64 not found" || h["exitCode"] != 1.0 || h["restarts"] != 2.0 {
		t.Errorf("list --json login.health = %v, want failing, the reason, exit code 1 and 2 restarts", h)
	}

	bootout := "launchctl bootout " + w.target
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, loaded := w.job(); !loaded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s of clicking Stop Retrying the job is still loaded; the menu is:\n%s", app.layout())
		}
		// A row that has just taken a new action drops clicks for a
		// second, so click again while the job is loaded.
		if it, ok := app.layout().item("default", "Stop Retrying"); ok && it.Enabled {
			app.click(it)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if calls := w.fakeCalls(); !slices.Contains(calls, bootout) {
		t.Errorf("the fakes were not asked %q:\n%s", bootout, strings.Join(calls, "\n"))
	}
	app.waitFor("the failure to go, the switch still on", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		_, warned := n.item("default", "⚠")
		return ok && !warned && strings.HasSuffix(in.Label, "· starts at login")
	})
}
