//go:build linux

package e2e

import (
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/limabar/limabar/scripts/testenv"
)

// noTrayLine is the start of what limabar prints on stderr when the
// desktop has no system tray.
const noTrayLine = "limabar: LimaBar cannot show its icon: This desktop has no system tray. On GNOME, install and enable the “AppIndicator and KStatusNotifierItem Support” extension"

// fakeWatcher is a panel's StatusNotifierWatcher with a host registered, as
// KDE Plasma or GNOME's AppIndicator extension run it. It records the items
// that register with it.
type fakeWatcher struct {
	conn  *dbus.Conn
	mu    sync.Mutex
	items []string
	added chan struct{}
}

func (f *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	f.mu.Lock()
	f.items = append(f.items, string(sender)+" "+service)
	f.mu.Unlock()
	select {
	case f.added <- struct{}{}:
	default:
	}
	return nil
}

func (f *fakeWatcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// startWatcher registers a fakeWatcher on the bus, with a host.
func startWatcher(t *testing.T, bus string) *fakeWatcher {
	t.Helper()
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeWatcher{conn: conn, added: make(chan struct{}, 1)}
	const name, path = "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher"
	if err := conn.Export(f, path, name); err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, path, prop.Map{name: {
		"IsStatusNotifierHostRegistered": {Value: true},
		"RegisteredStatusNotifierItems":  {Value: []string{}},
		"ProtocolVersion":                {Value: int32(0)},
	}}); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: reply %v, %v", name, reply, err)
	}
	return f
}

// waitItem waits until an item has registered with the watcher.
func (f *fakeWatcher) waitItem(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		n := len(f.items)
		f.mu.Unlock()
		if n > 0 {
			return
		}
		select {
		case <-f.added:
		case <-deadline:
			t.Fatalf("no StatusNotifierItem registered with the watcher within %s", timeout)
		}
	}
}

// waitOutput waits until file holds s, at most until deadline.
func waitOutput(t *testing.T, file, s string, deadline time.Time) string {
	t.Helper()
	for {
		data, _ := os.ReadFile(file)
		if strings.Contains(string(data), s) {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not say %q in time; it holds:\n%s", file, s, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNoTrayNoticeOnce: on a desktop with no tray (no StatusNotifierWatcher
// on the bus, no XEmbed tray on the display), limabar says so on
// stderr and in its log, and sends exactly one notification; it keeps
// running, and when a tray appears later its icon registers there without
// a restart, and nothing more is sent.
//
// Real: a systemd user manager, a session bus and Xvfb. Stand-ins: limactl
// (trayStubLimactl), loginctl (trayFakeLoginctl), the notification server
// and the panel's StatusNotifierWatcher (fakeWatcher).
func TestNoTrayNoticeOnce(t *testing.T) {
	w := newTrayWorld(t)
	srv := testenv.StartNotificationServer(t, w.bus)
	began := time.Now()
	a := w.start()
	// The notice comes after a 2 s grace period (about 3 s on an idle
	// machine); the bound is generous so that a busy one does not fail it.
	waitOutput(t, a.log, noTrayLine, began.Add(30*time.Second))
	t.Logf("the no-tray notice came %s after start", time.Since(began).Round(time.Millisecond))
	waitOutput(t, a.logFile, `msg="no system tray"`, began.Add(30*time.Second))
	got := srv.WaitFor(t, 1, 30*time.Second)
	if len(got) != 1 || got[0].AppName != "LimaBar" || got[0].Summary != "LimaBar cannot show its icon" ||
		!strings.Contains(got[0].Body, "AppIndicator and KStatusNotifierItem Support") {
		t.Fatalf("notifications %+v, want one from LimaBar naming the extension", got)
	}

	f := startWatcher(t, w.bus)
	f.waitItem(t, 15*time.Second)
	waitOutput(t, a.logFile, `msg="system tray found"`, time.Now().Add(15*time.Second))
	if a.exited() {
		t.Fatal("limabar exited")
	}
	if got := srv.Received(); len(got) != 1 {
		t.Errorf("notifications %+v, want exactly one", got)
	}
	if out, _ := os.ReadFile(a.log); strings.Count(string(out), noTrayLine) != 1 {
		t.Errorf("stderr says it %d times, want once:\n%s", strings.Count(string(out), noTrayLine), out)
	}
}

// TestTrayHostNoNotice: with a StatusNotifierWatcher that has a host, the
// icon registers there and limabar sends no notification and prints no
// warning.
//
// Real: a systemd user manager, a session bus and Xvfb. Stand-ins: limactl
// (trayStubLimactl), loginctl (trayFakeLoginctl), the notification server
// and the panel's StatusNotifierWatcher (fakeWatcher).
func TestTrayHostNoNotice(t *testing.T) {
	w := newTrayWorld(t)
	srv := testenv.StartNotificationServer(t, w.bus)
	f := startWatcher(t, w.bus)
	began := time.Now()
	a := w.start()
	waitOutput(t, a.logFile, `msg="system tray found"`, began.Add(15*time.Second))
	f.waitItem(t, 15*time.Second)
	// The notice would have come within its 5 s; wait that long from the
	// start, then look.
	time.Sleep(time.Until(began.Add(5 * time.Second)))
	if got := srv.Received(); len(got) != 0 {
		t.Errorf("notifications %+v, want none", got)
	}
	if out, _ := os.ReadFile(a.log); strings.Contains(string(out), noTrayLine) {
		t.Errorf("stderr has the no-tray notice:\n%s", out)
	}
}

// TestSIGTERMDuringStartUp: a SIGTERM at any moment of the start-up, from
// 100 ms after exec on, ends limabar within 2 s.
//
// Real: a systemd user manager, a session bus and Xvfb. Stand-ins: limactl
// (trayStubLimactl) and loginctl (trayFakeLoginctl).
func TestSIGTERMDuringStartUp(t *testing.T) {
	w := newTrayWorld(t)
	for _, after := range []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, time.Second} {
		a := w.launch()
		time.Sleep(after)
		sent := time.Now()
		if err := syscall.Kill(a.pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-a.done:
		case <-time.After(2 * time.Second):
			t.Fatalf("SIGTERM %s after the start: limabar still runs %s later", after, time.Since(sent).Round(time.Millisecond))
		}
	}
}
