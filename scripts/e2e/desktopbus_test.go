//go:build linux

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// TestHealthOnTheDesktopBus: on a desktop's session bus, which the user
// manager runs and is on (dbus-user-session), LimaBar reaches systemd
// through that bus, where match rules choose what reaches it, and still
// hears its unit: the failure shows on the instance after 30 unrelated
// units started and stopped, and Try Again, which waits for the end of its
// job on that bus, starts the unit again.
//
// Real: a systemd user manager and its session bus, Xvfb. Stand-ins:
// limactl (healthStubLimactl), loginctl (trayFakeLoginctl) and the
// notification server.
func TestHealthOnTheDesktopBus(t *testing.T) {
	w := &healthWorld{trayWorld: newTrayWorld(t), unit: "lima-vm@default.service"}
	w.bus = w.sd.UserBus(t)
	w.write(filepath.Join(w.bin, "limactl"), healthStubLimactl, 0o755)
	w.dir = w.instance(filepath.Join(w.sd.Home, ".lima"), "default", "images: []\n")
	w.note = testenv.StartNotificationServer(t, w.bus)
	startWatcher(t, w.bus)
	if r := w.cli("enable", "--condition=login", "default"); r.code != 0 {
		t.Fatalf("enable: exit %d: %s", r.code, r.stderr)
	}
	w.write(filepath.Join(w.dir, ".fail"), "", 0o644)
	app := w.start()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })
	waitOutput(t, app.logFile, `msg="the user's systemd" through="the session bus"`, time.Now().Add(10*time.Second))

	// Unrelated units come and go, as a desktop starts a unit per
	// application.
	for i := range 30 {
		unit := fmt.Sprintf("unrelated-%d.service", i)
		if out, err := w.sd.Run("systemd-run", "--user", "--quiet", "--unit="+unit, "--property=RemainAfterExit=yes", "/bin/true"); err != nil {
			t.Fatalf("systemd-run %s: %v: %s", unit, err, out)
		}
		if out, err := w.sd.Systemctl("stop", unit); err != nil {
			t.Fatalf("systemctl stop %s: %v: %s", unit, err, out)
		}
	}

	w.startUnit()
	app.waitFor("the failure on the instance", 10*time.Second, failing)
	w.waitSettled()
	app.waitFor("Try Again", 10*time.Second, func(n menuNode) bool {
		it, ok := n.item("default", "Try Again")
		return ok && it.Enabled
	})
	before := w.starts()
	w.clickUntil(app, "Try Again", func() bool { return w.starts() > before })
	// Try Again returns once systemd says its job ended (JobRemoved of the
	// unit, which the bus hands over only through LimaBar's rule for it).
	waitOutput(t, app.logFile, `msg="action done" action=try-again`, time.Now().Add(15*time.Second))
}
