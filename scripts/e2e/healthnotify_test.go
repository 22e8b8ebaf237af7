//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/limabar/limabar/scripts/testenv"
)

// recordingXDGOpen stands in for xdg-open: it records what it was asked to
// open, one line each, in $FAKE_STATE/opened, and opens nothing.
const recordingXDGOpen = `#!/bin/sh
printf '%s\n' "$*" >> "$FAKE_STATE/opened"
`

// newNotifyWorld is a health world whose default instance keeps failing at
// login, and a recording xdg-open.
func newNotifyWorld(t *testing.T) *healthWorld {
	w := newHealthWorld(t)
	w.write(filepath.Join(w.bin, "xdg-open"), recordingXDGOpen, 0o755)
	w.write(filepath.Join(w.dir, ".fail"), "", 0o644)
	return w
}

// failUnit starts the unit and waits until systemd gave up restarting it
// and app shows the failure.
func (w *healthWorld) failUnit(app *trayApp) {
	w.t.Helper()
	app.waitFor("the instance", 15*time.Second, func(n menuNode) bool { _, ok := n.instance("default"); return ok })
	w.startUnit()
	w.waitSettled()
	app.waitFor("the failure on the instance", 15*time.Second, failing)
}

// opened is what the recording xdg-open was asked to open.
func (w *healthWorld) opened() []string {
	b, _ := os.ReadFile(filepath.Join(w.state, "opened"))
	return strings.Fields(string(b))
}

// failureNote waits for the failure's notification and checks it offers
// Show Log, as the notification's default action.
func (w *healthWorld) failureNote() testenv.Notification {
	w.t.Helper()
	got := w.note.WaitFor(w.t, 1, 15*time.Second)
	n := got[0]
	if len(got) != 1 || n.AppName != "LimaBar" || n.Summary != "default: qemu-system-x86_64 not found — keeps failing at login" {
		w.t.Fatalf("notifications %+v, want one naming the instance and the reason", got)
	}
	if want := []string{"default", "Show Log"}; !slices.Equal(n.Actions, want) {
		w.t.Errorf("actions %q, want %q", n.Actions, want)
	}
	return n
}

// TestHealthNotificationClickOpensTheLog: a click on the notification of a
// failed autostart opens the instance's log, the file Show Log opens, with
// the desktop's opener.
//
// Real: a systemd user manager, which runs and restarts the unit, a session
// bus and Xvfb. Stand-ins: limactl (healthStubLimactl), loginctl
// (trayFakeLoginctl), the notification server, the panel's
// StatusNotifierWatcher (fakeWatcher) and xdg-open.
func TestHealthNotificationClickOpensTheLog(t *testing.T) {
	w := newNotifyWorld(t)
	app := w.start()
	w.failUnit(app)
	n := w.failureNote()
	if got := w.opened(); len(got) != 0 {
		t.Fatalf("opened %q before any click", got)
	}

	if err := w.note.Click(n.ID, "default"); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(w.dir, "ha.stderr.log")
	deadline := time.Now().Add(15 * time.Second)
	for len(w.opened()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing opened 15s after the click")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := w.opened(); len(got) != 1 || got[0] != want {
		t.Errorf("opened %q, want %q", got, []string{want})
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("the log the click opens is not there: %v", err)
	}
}

// TestHealthNotifiedOnceAcrossRestarts: a failure notified by one LimaBar
// is not notified again by the next while the same failure stands.
//
// Real: a systemd user manager, which runs and restarts the unit, a session
// bus and Xvfb. Stand-ins: limactl (healthStubLimactl), loginctl
// (trayFakeLoginctl), the notification server, the panel's
// StatusNotifierWatcher (fakeWatcher) and xdg-open.
func TestHealthNotifiedOnceAcrossRestarts(t *testing.T) {
	w := newNotifyWorld(t)
	first := w.start()
	w.failUnit(first)
	w.failureNote()

	first.stop()
	second := w.start()
	// The menu draws the failure only after notifyHealth has run on the
	// same snapshot: once it is there, a second notification would be
	// too.
	second.waitFor("the failure after the restart", 15*time.Second, failing)
	if got := w.note.Received(); len(got) != 1 {
		t.Errorf("%d notifications after the restart, want 1: %+v", len(got), got)
	}
}
