//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// healthStubLimactl lists instances as trayStubLimactl does and stands in
// for `limactl start NAME --foreground` under systemd: it counts each start
// in the instance's starts.log; with a .fail file in the instance folder it
// fails as Lima does when QEMU is missing, and with an ha.pid there it
// fails as Lima does after an unclean shutdown. Lima's host agent, under
// --foreground and not on a terminal, writes its stderr to ha.stderr.log
// in the instance folder, and so does the stand-in (the harness's user
// manager has no journal). Otherwise it runs, as a host agent does.
const healthStubLimactl = `#!/bin/sh
home="${LIMA_HOME:-$HOME/.lima}"
case "$1" in
list)
	for d in "$home"/*/; do
		d=${d%/}
		[ -f "$d/lima.yaml" ] || continue
		n=${d##*/}
		if [ -f "$d/ha.pid" ]; then
			printf '{"name":"%s","status":"Running","dir":"%s"}\n' "$n" "$d"
		else
			printf '{"name":"%s","status":"Stopped","dir":"%s"}\n' "$n" "$d"
		fi
	done ;;
start)
	d="$home/$2"
	echo start >> "$d/starts.log"
	if [ -e "$d/.fail" ]; then
		printf '%s\n' 'time="2026-12-03T22:00:00Z" level=info msg="Starting the instance \"'"$2"'\" with VM driver \"qemu\""' \
			'time="2026-12-03T22:00:00Z" level=fatal msg="qemu-system-x86_64 not found"' > "$d/ha.stderr.log"
		echo 'level=fatal msg="qemu-system-x86_64 not found"' >&2
		exit 1
	fi
	if [ -e "$d/ha.pid" ]; then
		printf '%s\n' 'level=fatal msg="instance \"'"$2"'\" seems to be running: ha.pid exists"' > "$d/ha.stderr.log"
		exit 1
	fi
	echo $$ > "$d/ha.pid"
	exec sleep 3600 ;;
*) echo "stub limactl: unknown command $1" >&2; exit 1 ;;
esac
`

// healthWorld is a tray world whose limactl is healthStubLimactl, with one
// instance, default, registered for login by limabar itself.
type healthWorld struct {
	*trayWorld
	dir  string
	unit string
	note *testenv.NotificationServer
}

func newHealthWorld(t *testing.T) *healthWorld {
	w := &healthWorld{trayWorld: newTrayWorld(t), unit: "lima-vm@default.service"}
	w.write(filepath.Join(w.bin, "limactl"), healthStubLimactl, 0o755)
	w.dir = w.instance(filepath.Join(w.sd.Home, ".lima"), "default", "images: []\n")
	w.note = testenv.StartNotificationServer(t, w.bus)
	// A panel's StatusNotifierWatcher, so that the only notifications are
	// the failures': without a tray LimaBar also notifies, 2 s after it
	// starts, that it has no icon, and a busy machine runs a test past that.
	startWatcher(t, w.bus)
	if r := w.cli("enable", "--condition=login", "default"); r.code != 0 {
		t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
	}
	return w
}

func (w *healthWorld) cli(args ...string) result {
	w.t.Helper()
	return userLimabar(w.t, w.sd, map[string]string{
		"LIMACTL": filepath.Join(w.bin, "limactl"), "PATH": w.bin + ":/usr/bin:/bin",
		"LIMABAR_TEST_ROOT": w.root, "XDG_STATE_HOME": filepath.Join(w.sd.Home, ".local", "state"),
	}, args...)
}

func (w *healthWorld) starts() int {
	b, _ := os.ReadFile(filepath.Join(w.dir, "starts.log"))
	return strings.Count(string(b), "\n")
}

// loginHealth is the health of default's login condition in list --json.
func (w *healthWorld) loginHealth() map[string]any {
	w.t.Helper()
	list := decodeList(w.t, w.cli("list", "--json"))
	h, _ := cond(list["default"], "login")["health"].(map[string]any)
	return h
}

// startUnit starts the unit as a login does, and returns when.
func (w *healthWorld) startUnit() time.Time {
	w.t.Helper()
	began := time.Now()
	if out, err := w.sd.Systemctl("start", w.unit); err != nil {
		w.t.Fatalf("systemctl start: %v: %s", err, out)
	}
	return began
}

// clickUntil clicks an instance's item until done holds, for up to 15 s.
// A row that has just taken a new action drops clicks for a second (the
// renderer's guard against clicks on what the user never saw), so the
// item is clicked again while it is there, enabled, and done does not
// hold yet.
func (w *healthWorld) clickUntil(app *trayApp, label string, done func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			w.t.Fatalf("clicking %q had no effect after 15s; the menu is:\n%s", label, app.layout())
		}
		if it, ok := app.layout().item("default", label); ok && it.Enabled {
			app.click(it)
		}
		for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end) && !done(); {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// waitSettled waits until systemd gave up restarting the unit.
func (w *healthWorld) waitSettled() {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for w.isActive() != "failed" {
		if time.Now().After(deadline) {
			w.t.Fatalf("the unit is %q after 15s, want failed", w.isActive())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *healthWorld) isActive() string {
	out, _ := w.sd.Systemctl("is-active", w.unit)
	return strings.TrimSpace(out)
}

const failLine = "⚠ default: qemu-system-x86_64 not found — keeps failing at login"

func failing(n menuNode) bool {
	it, ok := n.item("default", failLine)
	return ok && it.Label != ""
}

// TestHealthFailedAutostart: a unit whose limactl fails at every start is
// shown on its instance with Lima's reason, in list --json, and notified
// once (TestHealthNotifiedOnceAcrossRestarts restarts LimaBar); Try Again
// starts it again, and once the cause is gone Try Again brings it up and
// the warning goes.
//
// Real: a systemd user manager, which runs and restarts the unit, a session
// bus and Xvfb. Stand-ins: limactl (healthStubLimactl), loginctl
// (trayFakeLoginctl) and the notification server.
func TestHealthFailedAutostart(t *testing.T) {
	w := newHealthWorld(t)
	w.write(filepath.Join(w.dir, ".fail"), "", 0o644)
	app := w.start()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })

	began := w.startUnit()
	app.waitFor("the failure on the instance", 10*time.Second, failing)
	t.Logf("failure shown %s after systemctl start", time.Since(began).Round(time.Millisecond))
	// Restart=on-failure starts it again four times, 100 ms apart, and
	// systemd then gives up (start-limit-hit): from then on it stays so.
	w.waitSettled()
	// The tray changes its items one by one: wait for the whole row.
	app.waitFor("the row saying it keeps failing, with Try Again, Stop Retrying and Show Log", 10*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		if !ok || !failing(n) || !strings.HasSuffix(in.Label, "· starts at login · keeps failing") {
			return false
		}
		for _, label := range []string{"Try Again", "Stop Retrying", "Show Log"} {
			if it, ok := in.find(label); !ok || !it.Enabled {
				return false
			}
		}
		return true
	})

	h := w.loginHealth()
	if h["state"] != "failing" || h["reason"] != "qemu-system-x86_64 not found" || h["exitCode"] != 1.0 {
		t.Errorf("list --json login.health = %v, want failing, the reason and exit code 1", h)
	}
	if since, _ := h["since"].(string); since == "" {
		t.Errorf("no since in %v", h)
	}
	if r := w.cli("list"); !strings.Contains(r.stdout, "failing") {
		t.Errorf("list has no failing HEALTH:\n%s", r.stdout)
	}
	if r := w.cli("doctor"); r.code != 3 || !strings.Contains(r.stdout, "keeps failing: qemu-system-x86_64 not found") {
		t.Errorf("doctor: exit %d\n%s", r.code, r.stdout)
	}

	got := w.note.WaitFor(t, 1, 10*time.Second)
	if len(got) != 1 || !strings.Contains(got[0].Summary, "qemu-system-x86_64 not found") || got[0].AppName != "LimaBar" {
		t.Errorf("notifications %+v, want one naming the reason", got)
	}

	t.Run("Try Again starts the unit again", func(t *testing.T) {
		before := w.starts()
		w.clickUntil(app, "Try Again", func() bool { return w.starts() > before })
	})

	t.Run("once fixed, Try Again brings it up and the warning goes", func(t *testing.T) {
		if err := os.Remove(filepath.Join(w.dir, ".fail")); err != nil {
			t.Fatal(err)
		}
		it, _ := app.layout().item("default", "Try Again")
		app.click(it)
		// The tray changes its items one by one: the row and its lines
		// together.
		app.waitFor("the instance running without a warning", 15*time.Second, func(n menuNode) bool {
			in, ok := n.instance("default")
			_, warned := n.item("default", "⚠")
			return ok && in.Label == "● default — Running · starts at login" && !warned
		})
		if h := w.loginHealth(); h["state"] != "running" {
			t.Errorf("health %v, want running", h)
		}
	})
}

// TestHealthStopRetrying: a unit that crashes at every start reaches
// systemd's start limit and shows as failing; Stop Retrying leaves it
// inactive, with no further start.
//
// Real: a systemd user manager, which runs and restarts the unit, a session
// bus and Xvfb. Stand-ins: limactl (healthStubLimactl), loginctl
// (trayFakeLoginctl) and the notification server.
func TestHealthStopRetrying(t *testing.T) {
	w := newHealthWorld(t)
	w.write(filepath.Join(w.dir, ".fail"), "", 0o644)
	app := w.start()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })
	w.startUnit()
	w.waitSettled()
	app.waitFor("Stop Retrying", 10*time.Second, func(n menuNode) bool {
		it, ok := n.item("default", "Stop Retrying")
		return ok && it.Enabled && failing(n)
	})
	w.clickUntil(app, "Stop Retrying", func() bool { return w.isActive() == "inactive" })
	after := w.starts()
	app.waitFor("the failure to go", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		return ok && !failing(n) && !strings.Contains(in.Label, "◌")
	})
	// A Refresh reads the unit again; nothing started it meanwhile.
	ref, _ := app.layout().find("Refresh")
	app.click(ref)
	app.waitFor("the menu after Refresh", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })
	if state, _ := w.sd.Systemctl("is-active", w.unit); strings.TrimSpace(state) != "inactive" || w.starts() != after {
		t.Errorf("after Stop Retrying: %q, %d starts (was %d)", strings.TrimSpace(state), w.starts(), after)
	}
}

// TestHealthStalePID: after an unclean shutdown the instance folder holds
// the ha.pid of a process that is gone, and the start fails; the menu says
// so, Remove Stale ha.pid removes it, and Try Again starts the instance.
//
// Real: a systemd user manager, which runs and restarts the unit, a session
// bus and Xvfb. Stand-ins: limactl (healthStubLimactl), loginctl
// (trayFakeLoginctl) and the notification server.
func TestHealthStalePID(t *testing.T) {
	w := newHealthWorld(t)
	// pid_max is at most 4194304: no process has this pid.
	w.write(filepath.Join(w.dir, "ha.pid"), "4194305\n", 0o644)
	w.write(filepath.Join(w.dir, "ha.sock"), "", 0o644)
	app := w.start()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })
	w.startUnit()
	app.waitFor("the stale ha.pid line and Remove Stale ha.pid", 10*time.Second, func(n menuNode) bool {
		it, ok := n.item("default", "Remove Stale ha.pid")
		_, line := n.item("default", "⚠ Stale ha.pid: process 4194305 is not Lima's host agent")
		return ok && it.Enabled && line
	})
	w.clickUntil(app, "Remove Stale ha.pid", func() bool {
		_, pidErr := os.Stat(filepath.Join(w.dir, "ha.pid"))
		_, sockErr := os.Stat(filepath.Join(w.dir, "ha.sock"))
		return os.IsNotExist(pidErr) && os.IsNotExist(sockErr)
	})
	for _, f := range []string{"ha.pid", "ha.sock"} {
		if _, err := os.Stat(filepath.Join(w.dir, f)); !os.IsNotExist(err) {
			t.Fatalf("%s is still there: %v", f, err)
		}
	}
	w.clickUntil(app, "Try Again", func() bool { return w.isActive() == "active" })
	app.waitFor("the instance running", 15*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		return ok && in.Label == "● default — Running · starts at login"
	})
}

// TestHealthFailedOnce: a unit that systemd does not restart (as limactl
// wrote them before Lima 2.2: no Restart=) and whose limactl fails at its
// start is failed, not failing: the menu says it did not start, with
// Lima's reason and the exit code, list --json says failed with exit code
// 1, one notification comes, and Try Again starts the unit again.
//
// Real: a systemd user manager, which runs and restarts the unit, a session
// bus and Xvfb. Stand-ins: limactl (healthStubLimactl), loginctl
// (trayFakeLoginctl) and the notification server.
func TestHealthFailedOnce(t *testing.T) {
	w := newHealthWorld(t)
	unitPath := filepath.Join(w.sd.ConfigHome, "systemd", "user", w.unit)
	b, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	noRestart := strings.Replace(string(b), "Restart=on-failure\n", "", 1)
	if noRestart == string(b) {
		t.Fatalf("the unit has no Restart=on-failure line to remove:\n%s", b)
	}
	w.write(unitPath, noRestart, 0o644)
	if out, err := w.sd.Systemctl("daemon-reload"); err != nil {
		t.Fatalf("daemon-reload: %v: %s", err, out)
	}
	w.write(filepath.Join(w.dir, ".fail"), "", 0o644)
	app := w.start()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })

	began := w.startUnit()
	const line = "⚠ default: qemu-system-x86_64 not found — did not start at login"
	_, took := app.waitFor("the failure on the instance, with Try Again", 10*time.Second, func(n menuNode) bool {
		in, ok := n.instance("default")
		if !ok || !strings.HasSuffix(in.Label, "· starts at login · did not start") {
			return false
		}
		_, shown := in.find(line)
		it, again := in.find("Try Again")
		return shown && again && it.Enabled
	})
	t.Logf("failure shown %s after systemctl start (%s after the read began)", time.Since(began).Round(time.Millisecond), took.Round(time.Millisecond))
	if w.isActive() != "failed" {
		t.Fatalf("the unit is %q, want failed", w.isActive())
	}

	h := w.loginHealth()
	if h["state"] != "failed" || h["reason"] != "qemu-system-x86_64 not found" || h["exitCode"] != 1.0 || h["restarts"] != 0.0 {
		t.Errorf("list --json login.health = %v, want failed, the reason, exit code 1 and no restarts", h)
	}
	if got := w.note.WaitFor(t, 1, 10*time.Second); len(got) != 1 || got[0].Summary != "default: qemu-system-x86_64 not found — did not start at login" {
		t.Errorf("notifications %+v, want one naming the reason", got)
	}

	before := w.starts()
	w.clickUntil(app, "Try Again", func() bool { return w.starts() > before })
}
